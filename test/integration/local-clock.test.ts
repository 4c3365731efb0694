import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '#local/dynamodb-fault-proxy';
import { type ScenarioStandIn, startScenarioStandIn } from '#local/scenario-stand-in';
import { createTrackedCanvasTable, getRow, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import { runCli } from '#ops/commands/reap';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

/**
 * A local run judges staleness and claims by the operator's clock. Before it writes or unlocks it compares that clock
 * with the Date header of a DynamoDB answer; the fault proxy moves that header to play a laptop whose clock is off.
 */

let direct: DynamoDBClient;
let proxy: DynamoFaultProxy;
let proxied: DynamoDBClient;
let api: ScenarioStandIn;
let tableName: string;
const unusedSecrets = unusedSecretsClient();
const STALE = 'asset_clockStale';
const LIVE = 'asset_clockLive';

beforeAll(async () => {
  direct = localDynamoClient(inject('dynamoEndpoint'));
});
afterAll(() => direct.destroy());
beforeEach(async () => {
  proxy = await startDynamoFaultProxy({ upstream: inject('dynamoEndpoint') });
  proxied = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  api = await startScenarioStandIn();
  tableName = `clock-${randomUUID()}`;
  await createTrackedCanvasTable(direct, tableName);
  await putRow(direct, tableName, { assetId: STALE, lockExpiresAt: minutesAgo(30), lockId: 'lk_s' });
  await putRow(direct, tableName, { assetId: LIVE, lockExpiresAt: minutesFromNow(30), lockId: 'lk_l' });
  api.addCanvas(STALE, { lockExpiresAt: minutesAgo(30) });
  api.addCanvas(LIVE, { lockExpiresAt: minutesFromNow(30) });
});
afterEach(async () => {
  proxied.destroy();
  await proxy.close();
  await api.close();
});

/** DynamoDB's clock as this machine would see it: `offsetMs` added to every Date header. */
const awsClockOffBy = (offsetMs: number) =>
  proxy.inject({ operation: 'GetItem', times: Number.POSITIVE_INFINITY, fault: { kind: 'shift-date', offsetMs } });

const env = (overrides: Record<string, string> = {}) => ({
  [ENV.tableName]: tableName,
  [ENV.apiBaseUrl]: api.baseUrl,
  [ENV.localApiKey]: api.apiKey,
  [ENV.localApiSecret]: api.apiSecret,
  ...overrides,
});

async function reapCli(argv: string[], overrides: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const { result: code } = await captureOutput(() =>
    runCli(argv, {
      env: env(overrides),
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      awsClients: { dynamo: proxied, secrets: unusedSecrets },
    }),
  );
  return { code, stdout, stderr };
}

const staleLock = async () => (await getRow(direct, tableName, STALE))?.lockExpiresAt?.S;

describe("npm run reap refuses a clock too far from AWS's", () => {
  it('a machine 2 minutes fast: exit 2 with the measured skew, nothing read or unlocked', async () => {
    awsClockOffBy(-120_000);
    const { code, stderr } = await reapCli([]);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toMatch(
      /clock error: this machine's clock is at least 1(19|20)\.\d s ahead of AWS's .* allows 15\.0 s \(the larger of 2 s and a quarter of the 60 s grace, at most 60 s\)/,
    );
    expect(stderr).toContain('(nothing was done)');
    expect(api.requests).toEqual([]);
    expect(proxy.log.map((entry) => entry.operation)).toEqual(['GetItem']);
    expect(await staleLock()).toBeDefined();
  });

  it('a machine 2 minutes slow is refused too', async () => {
    awsClockOffBy(120_000);
    const { code, stderr } = await reapCli([]);
    expect(code).toBe(EXIT.usageOrConfig);
    // A lower bound of the 120 s offset (the Date header has whole seconds), rounded down.
    expect(stderr).toMatch(/at least 1(19|20)\.\d s behind AWS's/);
  });

  it('allows a quarter of the grace: 50 s off runs with a 600 s grace, not with the default 60 s', async () => {
    awsClockOffBy(-50_000);
    expect((await reapCli([])).code).toBe(EXIT.usageOrConfig);
    const { code, stderr } = await reapCli(['--grace-seconds', '600']);
    expect(stderr).toMatch(/1 unlocked, 0 failed/);
    expect(code).toBe(EXIT.ok);
  });

  it('never allows more than 60 s, whatever the grace: 100 s off is refused even with a 7-day grace (issue 16 item 9)', async () => {
    awsClockOffBy(-100_000);
    const { code, stderr } = await reapCli(['--grace-seconds', '604800']);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toMatch(/allows 60\.0 s \(the larger of 2 s and a quarter of the 604800 s grace, at most 60 s\)/);
    expect(api.requests).toEqual([]);
    expect(await staleLock()).toBeDefined();
  });

  it('a right clock runs even with a grace of 0 (the Date header only names the second)', async () => {
    const { code, stderr } = await reapCli(['--grace-seconds', '0']);
    expect(stderr).toMatch(/2 examined, 1 stale, 1 unlocked, 0 failed/);
    expect(code).toBe(EXIT.ok);
    expect(await staleLock()).toBeUndefined();
  });

  it('a dry run does not need the check', async () => {
    awsClockOffBy(-120_000);
    const { code, stderr } = await reapCli(['--dry-run']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/1 would be unlocked \(dry run\)/);
  });
});

describe('ops commands that write or unlock refuse it too', () => {
  const ops = (argv: string[]) => runOpsCapturing(argv, { env: env(), awsClients: { dynamo: proxied, secrets: unusedSecrets } });

  it('ops unlock and ops track: exit 2, the row untouched', async () => {
    awsClockOffBy(-120_000);
    const unlock = await ops(['unlock', STALE, '--yes']);
    expect(unlock.code).toBe(EXIT.usageOrConfig);
    expect(unlock.stderr).toMatch(/^ops unlock: clock error: this machine's clock is at least 1(19|20)\.\d s ahead/m);
    const track = await ops(['track', LIVE, '--lock-expires-at', '2020-01-01T00:00:00Z', '--yes']);
    expect(track.code).toBe(EXIT.usageOrConfig);
    expect(track.stderr).toMatch(/^ops track: clock error/m);
    expect(api.requests).toEqual([]);
    expect(await staleLock()).toBeDefined();
    expect((await getRow(direct, tableName, LIVE))?.lockExpiresAt?.S).not.toBe('2020-01-01T00:00:00Z');
  });

  it('with a right clock they go ahead', async () => {
    expect((await ops(['unlock', STALE, '--yes'])).code).toBe(EXIT.ok);
    expect(await staleLock()).toBeUndefined();
    expect((await ops(['track', 'asset_clockNew', '--lock-expires-at', '2030-01-01T00:00:00Z'])).code).toBe(EXIT.ok);
  });
});
