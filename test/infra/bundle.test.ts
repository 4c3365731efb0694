import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '#reaper/settings';
import { runToEnd as run } from '#test-support/child-process';
import { lambdaHeapFlags } from '../../bench/lambda-runtime';
import { REPO_ROOT } from './support/synth-reaper';

/** Loads the bundle in a fresh Node with nothing but the function's environment, and feeds it a refused payload. */
const LOAD_AND_PROBE = `
const bundle = await import(process.argv[1]);
const result = { exports: Object.keys(bundle), handlerType: typeof bundle.handler };
try {
  await bundle.handler([], { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 60000 });
  result.outcome = 'resolved';
} catch (error) {
  result.outcome = error && error.name;
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
`;

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'reaper-synth-'));
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('npx cdk synth', () => {
  it('synthesizes, bundling the handler with the local esbuild into a module Node loads and runs', async () => {
    expect(fs.existsSync(path.join(REPO_ROOT, 'functions/reaper/handler.ts')), 'functions/reaper/handler.ts must exist').toBe(true);
    const synth = await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    });
    expect(synth.code, synth.stderr).toBe(0);

    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'CanvasLockReaper.template.json'), 'utf8'));
    const fn = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    const assetDir = path.join(outdir, `asset.${assetHash}`);
    expect(fs.readdirSync(assetDir).sort()).toEqual(['exec-wrapper', 'index.mjs', 'index.mjs.map']);
    // AWS_LAMBDA_EXEC_WRAPPER: executable, and started with the command line Lambda's runtime would run (node, the
    // runtime's flags with its heap sizes for the deployed memory, its script last), node runs with the wrapper's 16 MB
    // semi-space: V8's heap limit is the old space plus three semi-spaces.
    const wrapper = path.join(assetDir, 'exec-wrapper');
    expect(fs.statSync(wrapper).mode & 0o111, 'the wrapper is executable').toBe(0o111);
    const heapLimitMb = async (command: string, args: string[]) => {
      const probe = await run(command, [...args, '-p', 'v8.getHeapStatistics().heap_size_limit / 1048576'], {
        cwd: os.tmpdir(),
        env: { PATH: process.env.PATH },
      });
      expect(probe.code, probe.stderr).toBe(0);
      return Number(probe.stdout.trim());
    };
    const heapFlags = lambdaHeapFlags();
    const oldSpace = heapFlags.find((flag) => flag.startsWith('--max-old-space-size='))!;
    const runtimeFlags = ['--expose-gc', '--max-http-header-size', '81920', ...heapFlags];
    expect(await heapLimitMb(wrapper, [process.execPath, ...runtimeFlags])).toBe(
      await heapLimitMb(process.execPath, ['--max-semi-space-size=16', oldSpace]),
    );
    expect(await heapLimitMb(process.execPath, runtimeFlags)).toBeGreaterThan(
      await heapLimitMb(process.execPath, ['--max-semi-space-size=16', oldSpace]),
    );
    expect(fn.Properties.Handler).toBe('index.handler');

    // The environment the stack gives the function, deploy-time references replaced by plausible values.
    const stackEnv = Object.fromEntries(
      Object.entries<unknown>(fn.Properties.Environment.Variables).map(([name, value]) => [
        name,
        typeof value === 'string'
          ? value
          : name === ENV.tableName
            ? 'tracked-canvases'
            : name === ENV.lockEventsBus
              ? 'arn:aws:events:eu-west-1:123456789012:event-bus/canvas-lock-events'
              : 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf',
      ]),
    );
    const probe = await run(process.execPath, ['--input-type=module', '-e', LOAD_AND_PROBE, path.join(assetDir, 'index.mjs')], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...stackEnv },
    });
    const line = probe.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, `stdout: ${probe.stdout}\nstderr: ${probe.stderr}`).toBeDefined();
    expect(JSON.parse(line!.slice('RESULT '.length))).toMatchObject({ handlerType: 'function', outcome: 'PayloadError' });
  }, 180_000);
});
