import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type ScenarioStandIn, startScenarioStandIn } from '#local/scenario-stand-in';
import { createTrackedCanvasTable, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { isolatedProcessEnv } from '#test-support/child-env';
import { parseJsonLines } from '#test-support/output-capture';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

/**
 * The command lines as a shell runs them: a real process with real pipes and the AWS SDK reading its own settings
 * from the environment. What only a process shows: a closed pipe, a missing region or profile, and where stdout
 * and stderr each go.
 */

const ROOT = path.resolve(__dirname, '../..');
const OPS = 'ops/cli.ts';
const REAP = 'ops/commands/reap.ts';

let dynamo: DynamoDBClient;
let api: ScenarioStandIn;
let tableName: string;
/** An empty home, so no ~/.aws of the machine running the tests takes part. */
let home: string;

beforeAll(() => {
  dynamo = localDynamoClient(inject('dynamoEndpoint'));
  home = mkdtempSync(path.join(tmpdir(), 'cli-home-'));
});
afterAll(() => dynamo.destroy());
beforeEach(async () => {
  api = await startScenarioStandIn();
  tableName = `proc-${randomUUID()}`;
  await createTrackedCanvasTable(dynamo, tableName);
  await putRow(dynamo, tableName, { assetId: 'asset_procStale', lockExpiresAt: minutesAgo(30), lockId: 'lk1' });
  await putRow(dynamo, tableName, { assetId: 'asset_procLive', lockExpiresAt: minutesFromNow(30) });
});
afterEach(() => api.close());

/** A shell's environment aimed at the local servers; `overrides` with undefined remove a variable. */
function shellEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  return isolatedProcessEnv(home, {
    [ENV.tableName]: tableName,
    [ENV.apiBaseUrl]: api.baseUrl,
    [ENV.localApiKey]: api.apiKey,
    [ENV.localApiSecret]: api.apiSecret,
    ...overrides,
  });
}

/** Runs a command line to its end; `readerGone` closes our end of its stdout pipe before it writes anything. */
async function run(script: string, args: string[], env: Record<string, string>, options: { readerGone?: boolean } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  if (options.readerGone) child.stdout.destroy();
  else child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

describe('a closed stdout pipe (`| head -30`)', () => {
  it('ends ops status and npm run reap quietly, with their own exit code', async () => {
    const [status, reap] = await Promise.all([
      run(OPS, ['status', '--stale-only'], shellEnv(), { readerGone: true }),
      run(REAP, ['--dry-run'], shellEnv(), { readerGone: true }),
    ]);
    // Only the target line (ops commands say their target on stderr), nothing about the closed pipe.
    expect(status.stderr).toMatch(/^ops status: table \S+ \(from TABLE_NAME\), region local, endpoint \S+\n$/);
    expect(status.code).toBe(EXIT.ok);
    // The reap's log lines go to the closed stdout; its one-line summary still reaches stderr.
    expect(reap.stderr).not.toMatch(/EPIPE|Error|^\s+at /m);
    expect(reap.stderr).toMatch(/2 examined, 1 stale, 1 would be unlocked \(dry run\)/);
    expect(reap.code).toBe(EXIT.ok);
  });
});

describe('AWS settings that cannot work', () => {
  it('exit 2 with the fix: a missing region names AWS_REGION, a missing profile names the profile', async () => {
    const noRegion = shellEnv({ AWS_REGION: undefined });
    const noProfile = shellEnv({ AWS_PROFILE: 'no-such-profile', AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const results = await Promise.all([
      run(OPS, ['status'], noRegion),
      run(REAP, [], noRegion),
      run(OPS, ['status'], noProfile),
      run(REAP, [], noProfile),
    ]);
    for (const [i, result] of results.entries()) {
      expect(result.code, result.stderr).toBe(EXIT.usageOrConfig);
      expect(result.stderr).toContain(i < 2 ? 'set AWS_REGION' : 'profile "no-such-profile" (AWS_PROFILE)');
      expect(result.stderr).toContain('(nothing was done)');
    }
    expect(api.requests).toEqual([]);
  });
});

describe('npm run reap -- --json > run.json', () => {
  it('leaves one summary object on stdout; the log lines and the one-line summary go to stderr', async () => {
    api.addCanvas('asset_procStale');
    const { code, stdout, stderr } = await run(REAP, ['--json'], shellEnv());
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(stdout)).toMatchObject({ examined: 2, stale: 1, unlocked: 1, failed: 0, cutShort: false });
    const logLines = parseJsonLines(stderr);
    expect(logLines.map((line) => line.message)).toEqual(expect.arrayContaining(['canvas unlocked', 'reap run finished']));
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/^reap cli-\S+: 2 examined, 1 stale, 1 unlocked, 0 failed/);
  });
});

describe('errors point at the cause (issue 17 item 6)', () => {
  it('a table that does not exist is named, with its region and variable, not "reading the brake\'s state"', async () => {
    const { code, stderr } = await run(REAP, ['--dry-run'], shellEnv({ [ENV.tableName]: 'nope' }));
    expect(code, stderr).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('table `nope` was not found in region local (TABLE_NAME)');
    expect(stderr).not.toContain('brake');
    expect(api.requests).toEqual([]);
  });

  it('a stopped local world: asks whether `npm run local` is still running, instead of a bare ECONNREFUSED', async () => {
    // A loopback port that nothing listens on any more.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { code, stderr } = await run(REAP, ['--dry-run'], shellEnv({ AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}` }));
    expect(code, stderr).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain(`nothing answers at http://127.0.0.1:${port} (AWS_ENDPOINT_URL_DYNAMODB)`);
    expect(stderr).toContain('is `npm run local` still running?');
  });
});
