import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { ENVIRONMENTS_DIR, readEnvironmentFile } from '#infra/context';
import { createReaperApp } from '#infra/reaper-app';
import { CONTEXT_KEYS } from '#reaper/settings';
import { cdkTestOutdir } from './support/cdk-outdir';
import { cdkJsonContext, onlyResource } from './support/synth-reaper';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder of environment files, name → content (an object is written as JSON, a string as is). */
function environments(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reaper-environments-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, `${name}.json`), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** Builds the app as the CLI does, with `context` as the -c values, reading environment files from `dir`. */
function synthWith(dir: string, context: Record<string, unknown> = {}) {
  const warnings: string[] = [];
  const { stack } = createReaperApp(
    {
      outdir: cdkTestOutdir(),
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
      builtinCloudFormationValidation: false,
    },
    { environmentsDir: dir, warn: (message) => warnings.push(message) },
  );
  const template = Template.fromStack(stack);
  const variables = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables as Record<string, unknown>;
  return { stack, template, variables, warnings };
}

const prod = { 'reaper:graceSeconds': 90, 'reaper:alarmEmail': 'ops@example.com', 'reaper:stackName': 'CanvasLockReaper-Prod' };

describe('-c env=<name>', () => {
  it("reads environments/<name>.json over the settings table's defaults", () => {
    const { stack, template, variables, warnings } = synthWith(environments({ prod }), { env: 'prod' });
    expect(stack.stackName).toBe('CanvasLockReaper-Prod');
    expect(variables.GRACE_SECONDS).toBe('90');
    expect(onlyResource(template, 'AWS::SNS::Subscription').properties.Endpoint).toBe('ops@example.com');
    // A key the file leaves out keeps its default.
    expect(variables.MAX_IN_FLIGHT).toBe('8');
    expect(warnings).toEqual([]);
  });

  it('lets -c override the file, key by key; an empty -c value unsets what the file sets', () => {
    const { variables, template } = synthWith(environments({ prod }), {
      env: 'prod',
      'reaper:graceSeconds': '120',
      'reaper:alarmEmail': '',
    });
    expect(variables.GRACE_SECONDS).toBe('120');
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('without -c env=, uses the defaults and warns, naming the environment files', () => {
    const dir = environments({ prod, dev: {} });
    const { stack, variables, warnings } = synthWith(dir);
    expect(stack.stackName).toBe('CanvasLockReaper');
    expect(variables.GRACE_SECONDS).toBe('60');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('no -c env=<name> given');
    expect(warnings[0]).toContain(`${path.join(dir, 'dev.json')}, ${path.join(dir, 'prod.json')}`);
  });

  it('says nothing when there are no environment files', () => {
    expect(synthWith(environments({})).warnings).toEqual([]);
    expect(synthWith(path.join(os.tmpdir(), 'no-such-environments-folder')).warnings).toEqual([]);
  });

  it('refuses an unknown key in the file, naming the file and the key', () => {
    const dir = environments({ prod: { ...prod, 'reaper:alarmEmial': 'x@example.com', extra: 1 } });
    expect(() => synthWith(dir, { env: 'prod' })).toThrow(`${path.join(dir, 'prod.json')}: unknown key(s) reaper:alarmEmial, extra;`);
  });

  it('refuses a bad value from the file like one from -c, and says it came from the file', () => {
    const dir = environments({ prod: { 'reaper:graceSeconds': 'soon', 'reaper:maxInFlight': 0 } });
    let message = '';
    try {
      synthWith(dir, { env: 'prod', 'reaper:maxInFlight': 'many' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      `Context key reaper:graceSeconds: "soon" is not a whole number (set in ${path.join(dir, 'prod.json')})`,
      // -c overrode the file's value, so the problem is the -c value's.
      'Context key reaper:maxInFlight: "many" is not a whole number',
    ]);
  });

  it.each([
    [
      'a missing file, listing the files there are',
      { dev: {} },
      'prod',
      /environments-\w+\/prod\.json does not exist; the environment files are .*dev\.json/,
    ],
    ['a file that is not JSON', { prod: '{"reaper:graceSeconds": 90,' }, 'prod', /prod\.json: not valid JSON/],
    ['a file that is not an object', { prod: '[1]' }, 'prod', /prod\.json: expected a JSON object of context keys/],
    ['a name that is not a plain file name', { prod }, '../prod', /Context key env: "\.\.\/prod" is not an environment name/],
  ])('refuses %s', (_what, files, name, message) => {
    expect(() => synthWith(environments(files), { env: name })).toThrow(message);
  });
});

describe('the committed environment files', () => {
  const committed = readdirSync(ENVIRONMENTS_DIR).filter((file) => file.endsWith('.json'));

  it('include an example to start from', () => {
    expect(committed).toContain('example.json');
  });

  it.each(committed)('%s holds only known keys, each valid, and synthesizes', (file) => {
    const environment = readEnvironmentFile(ENVIRONMENTS_DIR, file.replace(/\.json$/, ''));
    for (const key of Object.keys(environment.values)) expect(CONTEXT_KEYS).toContain(key);
    expect(environment.file).toBe(`environments/${file}`);
    expect(() => synthWith(ENVIRONMENTS_DIR, { env: environment.name })).not.toThrow();
  });
});
