import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/synth-reaper';

/**
 * `cdk synth` as a deployer runs it: the project's CDK CLI, cdk.json, the app through tsx, offline. These tests look
 * at what the deployer reads on the terminal, which the in-process synth of the other infra tests cannot see.
 */

const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cdk synth` with these arguments from the repository root, into a temporary cloud assembly folder. */
function cdkSynth(args: readonly string[]): Promise<CliRun> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'reaper-cdk-cli-'));
  outDirs.push(outDir);
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', outDir, ...args], {
      cwd: REPO_ROOT,
      // No terminal and no CI variables: the CLI's own once-a-day version check never runs without a terminal.
      env: {
        PATH: process.env.PATH,
        HOME: outDir,
        CDK_DISABLE_VERSION_CHECK: '1',
        AWS_EC2_METADATA_DISABLED: 'true',
        // cdk.json runs the app through npx, which would otherwise ask the registry for a newer npm.
        npm_config_update_notifier: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Lines that belong to a JavaScript stack trace, or to Node's report of an uncaught error. */
const STACK_TRACE = /^\s+at .+\(.+:\d+:\d+\)$|^Node\.js v\d+|^\s+\^+$/m;

describe('cdk synth with bad context', () => {
  it('lists every bad key at once, an unknown key among them, with no stack trace', async () => {
    const run = await cdkSynth([
      '-c',
      'env=dev',
      '-c',
      'reaper:foo=1',
      '-c',
      'reaper:graceSeconds=soon',
      '-c',
      'reaper:alarmEmail=ops',
      '-c',
      'reaper:scheduleEnable=false',
    ]);
    expect(run.code).not.toBe(0);
    const output = `${run.stdout}${run.stderr}`;
    expect(output).not.toMatch(STACK_TRACE);
    for (const key of ['reaper:foo', 'reaper:scheduleEnable', 'reaper:graceSeconds', 'reaper:alarmEmail'])
      expect(output, `the output names ${key}`).toMatch(new RegExp(`^Context key ${key}: `, 'm'));
    expect(output).toContain('Context key reaper:graceSeconds: "soon" is not a whole number');
    expect(output).toMatch(/^Context key reaper:foo: unknown key; the known keys are listed in docs\/deploy\.md/m);
  });
});

describe('cdk synth', () => {
  it('prints no notice: every feature flag is configured, and cdk.json keeps notices and telemetry off', async () => {
    const run = await cdkSynth(['-c', 'env=dev']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/feature flags? (are|is) not configured/i);
    expect(run.stderr).not.toMatch(/NOTICES|telemetry/i);
    // What is left is esbuild's own report of the bundle it built.
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    for (const line of lines) expect(line).toMatch(/^(Bundling asset |\s+\S*index\.mjs(\.map)?\s+[\d.]+[kmg]?b$|⚡ Done in \d+m?s$)/);
  }, 120_000);
});
