import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '#ops/cli';
import { runToEnd } from '#test-support/child-process';
import { REPO_ROOT, synthReaper } from './support/synth-reaper';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
/** README.md and every page of docs/: a deploy or ops command may appear on any of them. */
const GUIDES = [
  'README.md',
  ...readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];

/** The lines of a Markdown file's fenced code blocks, continuation lines (after a trailing backslash) joined. */
function commandLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const [, block] of markdown.matchAll(/^```\w*\n([\s\S]*?)^```/gm)) {
    let pending = '';
    for (const line of block!.split('\n')) {
      pending += line;
      if (line.endsWith('\\')) continue;
      if (pending.trim() !== '') lines.push(pending);
      pending = '';
    }
  }
  return lines;
}

/** The ops CLI's commands. */
const OPS_COMMANDS = Object.keys(COMMANDS);

/** Whether git would ignore a path in the repository. */
function isIgnored(file: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['check-ignore', '--no-index', '-q', file], { cwd: REPO_ROOT, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code === 0));
  });
}

describe('the guides (README.md, docs/*.md)', () => {
  it.each(GUIDES)('%s: every cdk command names its environment, and every deploy writes cdk-outputs.json', (file) => {
    const cdkCommands = commandLines(read(file)).filter((line) => /\bnpx cdk (synth|diff|deploy|destroy)\b/.test(line));
    for (const command of cdkCommands) {
      expect(command, `${file}: ${command}`).toMatch(/ -c env=\w+/);
      if (/npx cdk deploy/.test(command)) expect(command, `${file}: ${command}`).toContain('--outputs-file cdk-outputs.json');
    }
  });

  it.each(GUIDES)('%s: every npm run ops command exists', (file) => {
    expect(OPS_COMMANDS).toContain('dead-letters');
    const used = [...read(file).matchAll(/npm run (?:-s )?ops -- ([a-z-]+)/g)].map(([, name]) => name!);
    for (const name of used) expect(OPS_COMMANDS, `${file} uses npm run ops -- ${name}`).toContain(name);
  });

  it('keep cdk-outputs.json and files that could hold the credentials out of git', async () => {
    for (const file of ['cdk-outputs.json', 'scenario-credentials.json', 'prod.secret.json', 'dry-run.json']) {
      expect(await isIgnored(file), `${file} is not ignored`).toBe(true);
    }
    expect(await isIgnored('environments/prod.json'), 'environment files are committed').toBe(false);
  });

  it('docs/deploy.md names every output of the stack', () => {
    const { template } = synthReaper({ 'reaper:alarmEmail': 'ops@example.com' });
    const guide = read('docs/deploy.md');
    for (const output of Object.keys(template.toJSON().Outputs))
      expect(guide, `docs/deploy.md does not mention ${output}`).toContain(`\`${output}\``);
  });

  it('docs/deploy.md says how to remove every resource the stack keeps when it is deleted', () => {
    const { template } = synthReaper();
    const removal: Record<string, string> = {
      'AWS::DynamoDB::Table': 'aws dynamodb delete-table',
      'AWS::SecretsManager::Secret': 'aws secretsmanager delete-secret',
      'AWS::Logs::LogGroup': 'aws logs delete-log-group',
      // Kept by CloudFormation when a newer one is published; deleted with the function all the same.
      'AWS::Lambda::Version': 'deletes the function (all its versions)',
    };
    const kept = Object.values<any>(template.toJSON().Resources)
      .filter((r) => r.DeletionPolicy === 'Retain')
      .map((r) => r.Type as string);
    const guide = read('docs/deploy.md');
    for (const type of new Set(kept)) {
      expect(removal[type], `${type} is kept on deletion, but the teardown guide does not cover it`).toBeDefined();
      expect(guide).toContain(removal[type]);
    }
  });
});

/** A shell command's output, run in `cwd` (async: the vitest main process hosts the local DynamoDB). */
const shell = (command: string, cwd: string) => runToEnd('sh', ['-c', command], { cwd });

const jqMissing = spawnSync('jq', ['--version']).status !== 0;
if (jqMissing) console.warn('jq is not installed: the jq paths of the guides are not run. Install it (apt-get install jq).');

describe.skipIf(jqMissing)('the jq paths of the guides into cdk-outputs.json', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'reaper-outputs-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** Each `jq … cdk-outputs.json` of a guide, in its code blocks or its prose; a shell variable in it is left out. */
  const jqCommands = (file: string) =>
    [...commandLines(read(file)), ...[...read(file).matchAll(/`([^`\n]+)`/g)].map(([, span]) => span!)]
      .flatMap((line) => [...line.matchAll(/\bjq\b(?:(?!\bjq\b)[^|;&`])*?\bcdk-outputs\.json/g)].map(([command]) => command))
      .filter((command) => !/\$\w/.test(command.replace(/'[^']*'/g, '')));

  it('are found', () => {
    expect(GUIDES.flatMap(jqCommands).length).toBeGreaterThan(10);
  });

  it.each(GUIDES)(
    '%s: each reads an output of the one stack in the file, whatever its name (dev.json names it otherwise)',
    async (file) => {
      const { template } = synthReaper({ 'reaper:alarmEmail': 'ops@example.com' });
      const stackName = JSON.parse(read('environments/dev.json'))['reaper:stackName'];
      expect(stackName).not.toBe('CanvasLockReaper');
      const outputs = Object.fromEntries(Object.keys(template.toJSON().Outputs).map((name) => [name, `value-of-${name}`]));
      writeFileSync(path.join(folder, 'cdk-outputs.json'), JSON.stringify({ [stackName]: outputs }));
      for (const command of jqCommands(file)) {
        const ran = await shell(command, folder);
        expect(ran.code, `${file}: ${command}: ${ran.stderr}`).toBe(0);
        // An output's value, or the stack's name (`jq -r 'keys[0]'`).
        expect(ran.stdout, `${file}: ${command}`).toMatch(new RegExp(`value-of-|^${stackName}$`, 'm'));
        expect(ran.stdout, `${file}: ${command}`).not.toMatch(/\bnull\b/);
      }
    },
  );
});

describe('docs/day-2.md', () => {
  const day2 = read('docs/day-2.md');
  const sections = Object.fromEntries(
    [...day2.matchAll(/^## (\w+)\n([\s\S]*?)(?=^## |(?![\s\S]))/gm)].map(([, name, body]) => [name!, body!]),
  );

  it('has a section for each alarm of the stack, which its description links to', () => {
    const { template } = synthReaper();
    const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(9);
    const names = alarms.map((alarm) => String(alarm.AlarmName).replace(/^CanvasLockReaper-/, ''));
    expect(Object.keys(sections).sort()).toEqual([...names].sort());
    for (const alarm of alarms) {
      const name = String(alarm.AlarmName).replace(/^CanvasLockReaper-/, '');
      expect(alarm.AlarmDescription, name).toContain(`docs/day-2.md#${name.toLowerCase()}`);
    }
  });

  it('says for each alarm what it means, then gives exactly three commands to run first', () => {
    for (const [name, body] of Object.entries(sections)) {
      expect(body, name).toMatch(/^\*\*Means:\*\* /m);
      const firstBlock = /^```sh\n([\s\S]*?)^```/m.exec(body);
      expect(firstBlock, `${name} has no commands`).not.toBeNull();
      expect(commandLines(firstBlock![0]), name).toHaveLength(3);
    }
  });
});
