import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Ran, runToEnd } from '#test-support/child-process';
import { EXISTING_RESOURCES_BY_ARN, OFFICE_HOURS_SCHEDULE_WITH_ALARM_EMAIL, synthReaper } from './support/synth-reaper';

/** Runs a command without blocking this process; a missing program resolves with code null and the error. */
const run = (command: string, args: string[]): Promise<Ran> =>
  runToEnd(command, args).catch((error: Error) => ({ code: null, stdout: '', stderr: error.message }));

/** AWS's CloudFormation linter (Python) comes with the machine image, not with npm; where it is absent, say so. */
const cfnLint = await run('cfn-lint', ['--version']);
const cfnLintMissing = cfnLint.code !== 0;
if (cfnLintMissing) {
  console.warn(
    `cfn-lint is not installed (${cfnLint.stderr.trim() || 'no version'}): the template lint tests are skipped. Install it with: pip install cfn-lint`,
  );
}

/** CDK adds DependsOn entries its own GetAtt already implies; cfn-lint flags those as W3005. The one finding allowed. */
const CDK_REDUNDANT_DEPENDS_ON = 'W3005';

const dir = mkdtempSync(path.join(os.tmpdir(), 'reaper-cfn-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The findings of cfn-lint on the synthesized template, one `<rule> <path>` line each, CDK's W3005 left out. */
async function lintFindings(name: string, context: Record<string, unknown>): Promise<string[]> {
  const file = path.join(dir, `${name}.template.json`);
  writeFileSync(file, JSON.stringify(synthReaper(context).template.toJSON(), null, 1));
  const lint = await run('cfn-lint', ['--format', 'parseable', file]);
  // Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a crash.
  expect(lint.code === 1 || lint.code === null, `cfn-lint failed: ${lint.stderr}`).toBe(false);
  return lint.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.slice(file.length + 1))
    .filter((finding) => !finding.split(':').includes(CDK_REDUNDANT_DEPENDS_ON));
}

describe.skipIf(cfnLintMissing)(`cfn-lint ${cfnLint.stdout.trim()} on the synthesized template`, () => {
  it("finds nothing in the default stack but CDK's own W3005", async () => {
    expect(await lintFindings('default', {})).toEqual([]);
  }, 60_000);

  it('finds nothing with every optional resource and reference in it', async () => {
    const findings = await lintFindings('everything', { ...EXISTING_RESOURCES_BY_ARN, ...OFFICE_HOURS_SCHEDULE_WITH_ALARM_EMAIL });
    expect(findings).toEqual([]);
  }, 60_000);

  it('is really linting: a template with a mistake in it is reported', async () => {
    const file = path.join(dir, 'broken.template.json');
    const template = synthReaper().template.toJSON();
    const fn = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    fn.Properties.MemorySize = 64;
    writeFileSync(file, JSON.stringify(template));
    const lint = await run('cfn-lint', ['--format', 'parseable', file]);
    expect(lint.stdout).toMatch(/:E3034:64 is less than the minimum of 128/);
  }, 60_000);
});
