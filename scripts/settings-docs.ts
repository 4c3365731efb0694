import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_NAMES, SETTING_SPECS, type Setting } from '#reaper/settings';

/**
 * Renders the settings tables of docs/settings.md and docs/deploy.md from the settings table (functions/reaper/settings.ts),
 * between marker comments: `npm run docs:settings` writes the files, `npm run docs:settings -- --check` exits 1 when
 * one is out of date. test/unit/settings-docs.test.ts fails when a file and this output differ.
 */

const SPECS = SETTING_NAMES.map((name) => SETTING_SPECS[name]);
const code = (text: string | number | boolean) => `\`${text}\``;
const row = (cells: readonly string[]) => `| ${cells.map((text) => text.replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (header: readonly string[], rows: readonly string[][]) =>
  [row(header), `|${'---|'.repeat(header.length)}`, ...rows.map(row)].join('\n');

function valuesText(spec: Setting): string {
  switch (spec.type) {
    case 'whole':
      return spec.oneOf ? spec.oneOf.join(', ') : `${spec.min} to ${spec.max}`;
    case 'decimal':
      return spec.minExclusive ? `more than ${spec.min}, at most ${spec.max}` : `${spec.min} to ${spec.max}`;
    case 'boolean':
      return '`true` or `false`';
    case 'enum':
      return `${spec.values.map(code).join(', ')} (any case)`;
    case 'text':
      return spec.format;
  }
}

function defaultText(spec: Setting): string {
  if (spec.default !== undefined) return code(spec.default);
  return spec.defaultDoc ?? (spec.type === 'text' && spec.required ? '(required)' : '(not set)');
}

/** Every environment variable. */
function variablesTable(): string {
  const rows = SPECS.filter((spec) => spec.env).map((spec) => [
    code(spec.env!),
    spec.context ? code(spec.context) : spec.use === 'local-only' ? '(local runs only)' : '(set by the stack)',
    defaultText(spec),
    valuesText(spec),
    spec.use === 'local-only' ? `**Local runs only**; the Lambda refuses it. ${spec.doc}` : spec.doc,
  ]);
  return table(['Variable', 'Context key', 'Default', 'Values', 'Meaning'], rows);
}

/** Every context key: the stack's own first, then those that set a function variable. */
function contextKeysTable(): string {
  const stackFirst = [
    ...SPECS.filter((spec) => spec.use === 'stack-only'),
    ...SPECS.filter((spec) => spec.context && spec.use !== 'stack-only'),
  ];
  const rows = stackFirst.map((spec) => [
    code(spec.context!),
    defaultText(spec),
    valuesText(spec),
    spec.env ? `${spec.doc} Sets ${code(spec.env)}.` : spec.doc,
  ]);
  return table(['Key', 'Default', 'Values', 'Meaning'], rows);
}

/** The generated block of each file: its marker name and its content. */
const SETTINGS_DOC_BLOCKS: Readonly<Record<string, { block: string; render: () => string }>> = {
  'docs/settings.md': { block: 'variables', render: variablesTable },
  'docs/deploy.md': { block: 'context-keys', render: contextKeysTable },
};

export const SETTINGS_DOC_FILES = Object.keys(SETTINGS_DOC_BLOCKS);

/** `text` (the content of `file`) with its generated block replaced by what the table says now. */
export function withGeneratedSettings(file: string, text: string): string {
  const { block, render } = SETTINGS_DOC_BLOCKS[file]!;
  const begin = `<!-- settings-table:${block} begin: generated from functions/reaper/settings.ts by \`npm run docs:settings\`; do not edit by hand -->\n`;
  const end = `<!-- settings-table:${block} end -->`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end, start);
  if (start < 0 || stop < 0) throw new Error(`${file} has no "${block}" block: put the marker lines\n${begin}${end}\nwhere the table goes`);
  return `${text.slice(0, start + begin.length)}${render()}\n${text.slice(stop)}`;
}

if (require.main === module) {
  const root = join(__dirname, '..');
  const check = process.argv.includes('--check');
  const stale = SETTINGS_DOC_FILES.filter((file) => {
    const current = readFileSync(join(root, file), 'utf8');
    const generated = withGeneratedSettings(file, current);
    if (generated !== current && !check) writeFileSync(join(root, file), generated);
    return generated !== current;
  });
  if (check && stale.length > 0) process.stderr.write(`out of date: ${stale.join(', ')}; run npm run docs:settings\n`);
  else process.stdout.write(stale.length === 0 ? 'settings docs are up to date\n' : `updated ${stale.join(', ')}\n`);
  process.exitCode = check && stale.length > 0 ? 1 : 0;
}
