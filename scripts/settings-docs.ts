import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXT_SETTING_NAMES, ENV_SETTING_NAMES, SETTING_SPECS, type Setting, type SettingName } from '#reaper/settings';

/**
 * Renders the settings tables of docs/settings.md and docs/deploy.md from the settings table
 * (functions/reaper/settings.ts), between marker comments. Regenerate with:
 *
 *   npm run docs:settings            (writes the files)
 *   npm run docs:settings -- --check (exit 1 when a file is out of date)
 *
 * test/unit/settings-docs.test.ts fails when a file and this output differ.
 */

const code = (text: string | number | boolean) => `\`${text}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|');
const row = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;

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
  if (spec.defaultDoc) return spec.defaultDoc;
  return spec.type === 'text' && spec.required ? '(required)' : '(not set)';
}

function contextKeyText(spec: Setting): string {
  if (spec.context) return code(spec.context);
  return spec.use === 'local-only' ? '(local runs only)' : '(set by the stack)';
}

function meaningText(spec: Setting): string {
  return spec.use === 'local-only' ? `**Local runs only**; the Lambda refuses it. ${spec.doc}` : spec.doc;
}

/** docs/settings.md: every environment variable. */
function variablesTable(): string {
  const lines = [row(['Variable', 'Context key', 'Default', 'Values', 'Meaning']), '|---|---|---|---|---|'];
  for (const name of ENV_SETTING_NAMES) {
    const spec = SETTING_SPECS[name];
    lines.push(row([code(spec.env!), contextKeyText(spec), defaultText(spec), valuesText(spec), meaningText(spec)]));
  }
  return lines.join('\n');
}

function contextKeysTable(names: readonly SettingName[]): string {
  const lines = [row(['Key', 'Default', 'Values', 'Meaning']), '|---|---|---|---|'];
  for (const name of names) {
    const spec = SETTING_SPECS[name];
    const meaning = spec.env ? `${spec.doc} Sets ${code(spec.env)}.` : spec.doc;
    lines.push(row([code(spec.context!), defaultText(spec), valuesText(spec), meaning]));
  }
  return lines.join('\n');
}

/** The stack's own keys first, then those that set a function variable. */
function allContextKeysTable(): string {
  const stackOnly = CONTEXT_SETTING_NAMES.filter((name) => SETTING_SPECS[name].use === 'stack-only');
  const function_ = CONTEXT_SETTING_NAMES.filter((name) => SETTING_SPECS[name].use !== 'stack-only');
  return contextKeysTable([...stackOnly, ...function_]);
}

/** Each generated block: the file it lives in, its marker name, and its content. */
export const SETTINGS_DOC_BLOCKS: readonly { file: string; block: string; render: () => string }[] = [
  { file: join('docs', 'settings.md'), block: 'variables', render: variablesTable },
  { file: join('docs', 'deploy.md'), block: 'context-keys', render: allContextKeysTable },
];

export const SETTINGS_DOC_FILES = [...new Set(SETTINGS_DOC_BLOCKS.map((target) => target.file))];

/** `text` (the content of `file`) with each of its generated blocks replaced by what the table says now. */
export function withGeneratedSettings(file: string, text: string): string {
  let result = text;
  for (const { block, render } of SETTINGS_DOC_BLOCKS.filter((target) => target.file === file)) {
    const begin = `<!-- settings-table:${block} begin: generated from functions/reaper/settings.ts by \`npm run docs:settings\`; do not edit by hand -->\n`;
    const end = `<!-- settings-table:${block} end -->`;
    const start = result.indexOf(begin);
    const stop = result.indexOf(end, start);
    if (start < 0 || stop < 0)
      throw new Error(`${file} has no "${block}" block: put the marker lines\n${begin}${end}\nwhere the table goes`);
    result = `${result.slice(0, start + begin.length)}${render()}\n${result.slice(stop)}`;
  }
  return result;
}

function main(argv: readonly string[], root: string): number {
  const check = argv.includes('--check');
  const stale: string[] = [];
  for (const file of SETTINGS_DOC_FILES) {
    const path = join(root, file);
    const current = readFileSync(path, 'utf8');
    const generated = withGeneratedSettings(file, current);
    if (generated === current) continue;
    stale.push(file);
    if (!check) writeFileSync(path, generated);
  }
  if (check && stale.length > 0) {
    process.stderr.write(`out of date: ${stale.join(', ')}; run npm run docs:settings\n`);
    return 1;
  }
  process.stdout.write(stale.length === 0 ? 'settings docs are up to date\n' : `updated ${stale.join(', ')}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2), join(__dirname, '..'));
