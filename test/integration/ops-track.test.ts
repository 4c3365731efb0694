import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '#local/dynamodb-fault-proxy';
import { createTrackedCanvasTable, getRow, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import type { OpsIo } from '#ops/io';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { BRAKE_ROW_KEY } from '#reaper/table-contract';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

/**
 * ops track and untrack change a row only if it still holds what the operator saw (conditional writes), and ask
 * before the two changes that hand a lock to the reaper or hide it from it for good.
 */

let dynamo: DynamoDBClient;
let tableName: string;
const unusedSecrets = unusedSecretsClient();

beforeAll(() => {
  dynamo = localDynamoClient(inject('dynamoEndpoint'));
});
afterAll(() => dynamo.destroy());
beforeEach(async () => {
  tableName = `ops-track-${randomUUID()}`;
  await createTrackedCanvasTable(dynamo, tableName);
});

function ops(argv: string[], options: Partial<OpsIo> & { answer?: boolean } = {}) {
  return runOpsCapturing(argv, { env: { [ENV.tableName]: tableName }, awsClients: { dynamo, secrets: unusedSecrets }, ...options });
}

const lockOf = async (assetId: string) => {
  const row = await getRow(dynamo, tableName, assetId);
  return row && { lockExpiresAt: row.lockExpiresAt?.S, lockId: row.lockId?.S };
};

describe('ops track over a live lock with an expiry that has passed', () => {
  const past = '2020-01-01T00:00:00Z';
  let live: string;
  beforeEach(async () => {
    live = minutesFromNow(30);
    await putRow(dynamo, tableName, { assetId: 'asset_trkLive', lockExpiresAt: live, lockId: 'lk_live' });
  });

  it('is refused in a script without --yes (exit 2), and nothing is written', async () => {
    const { code, stderr } = await ops(['track', 'asset_trkLive', '--lock-expires-at', past]);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('holds a live lock (lockExpiresAt');
    expect(stderr).toContain('refusing without confirmation; nothing was done (pass --yes)');
    expect(await lockOf('asset_trkLive')).toEqual({ lockExpiresAt: live, lockId: 'lk_live' });
  });

  it('asks at a terminal, does nothing when refused, and writes when confirmed', async () => {
    const refused = await ops(['track', 'asset_trkLive', '--lock-expires-at', past], { interactive: true, answer: false });
    expect(refused.code).toBe(EXIT.usageOrConfig);
    expect(refused.questions).toHaveLength(1);
    expect(refused.questions[0]).toMatch(
      /^Track asset_trkLive with lockExpiresAt 2020-01-01T00:00:00Z \(.* ago\)\? Its row holds a live lock \(lockExpiresAt \S+ \(expires in .*\), lockId lk_live\)/,
    );
    expect(await lockOf('asset_trkLive')).toEqual({ lockExpiresAt: live, lockId: 'lk_live' });

    const confirmed = await ops(['track', 'asset_trkLive', '--lock-expires-at', past], { interactive: true, answer: true });
    expect(confirmed.code).toBe(EXIT.ok);
    expect(await lockOf('asset_trkLive')).toEqual({ lockExpiresAt: past, lockId: undefined });
  });

  it('goes ahead with --yes, asking nothing', async () => {
    const { code, questions } = await ops(['track', 'asset_trkLive', '--lock-expires-at', past, '--yes'], { interactive: true });
    expect(code).toBe(EXIT.ok);
    expect(questions).toEqual([]);
    expect(await lockOf('asset_trkLive')).toEqual({ lockExpiresAt: past, lockId: undefined });
  });
});

describe('ops track needs no confirmation', () => {
  it('for a new canvas, a future expiry over a live lock, or any expiry over a stale lock', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_trkLive2', lockExpiresAt: minutesFromNow(5) });
    await putRow(dynamo, tableName, { assetId: 'asset_trkStale', lockExpiresAt: minutesAgo(30) });
    const past = minutesAgo(60);
    const future = minutesFromNow(60);

    for (const argv of [
      ['track', 'asset_trkNew', '--lock-expires-at', past],
      ['track', 'asset_trkLive2', '--lock-expires-at', future, '--lock-id', 'lk_2'],
      ['track', 'asset_trkStale', '--lock-expires-at', past],
    ]) {
      const { code, stderr, questions } = await ops(argv, { interactive: true });
      expect(code, stderr).toBe(EXIT.ok);
      expect(questions).toEqual([]);
    }
    expect(await lockOf('asset_trkNew')).toEqual({ lockExpiresAt: past, lockId: undefined });
    expect(await lockOf('asset_trkLive2')).toEqual({ lockExpiresAt: future, lockId: 'lk_2' });
    expect(await lockOf('asset_trkStale')).toEqual({ lockExpiresAt: past, lockId: undefined });
  });
});

describe('ops untrack', () => {
  it('asks before removing a row that holds a lock (even an expired one), and refuses in a script without --yes', async () => {
    const expired = minutesAgo(45);
    await putRow(dynamo, tableName, { assetId: 'asset_untLocked', lockExpiresAt: expired, lockId: 'lk_u' });

    const script = await ops(['untrack', 'asset_untLocked']);
    expect(script.code).toBe(EXIT.usageOrConfig);
    expect(script.stderr).toContain('once untracked, the reaper will never free it');
    expect(script.stderr).toContain('(pass --yes)');

    const refused = await ops(['untrack', 'asset_untLocked'], { interactive: true, answer: false });
    expect(refused.code).toBe(EXIT.usageOrConfig);
    expect(refused.questions[0]).toMatch(
      /^Untrack asset_untLocked\? Its row holds a lock \(lockExpiresAt \S+ \(expired 45m( \d+s)? ago\), lockId lk_u\)/,
    );
    expect(await lockOf('asset_untLocked')).toEqual({ lockExpiresAt: expired, lockId: 'lk_u' });

    const confirmed = await ops(['untrack', 'asset_untLocked', '--yes']);
    expect(confirmed.code).toBe(EXIT.ok);
    expect(confirmed.stdout).toContain('untracked asset_untLocked; the row held');
    expect(await getRow(dynamo, tableName, 'asset_untLocked')).toBeUndefined();
  });

  it('removes an unlocked row without asking, as scripts expect', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_untFree', extra: { lastForceUnlockedAt: { S: minutesAgo(5) } } });
    const { code, questions } = await ops(['untrack', 'asset_untFree'], { interactive: true });
    expect(code).toBe(EXIT.ok);
    expect(questions).toEqual([]);
    expect(await getRow(dynamo, tableName, 'asset_untFree')).toBeUndefined();
  });
});

describe("the reaper's reserved rows (keys beginning with #)", () => {
  it('ops untrack refuses them, even with --yes, and points to --override-brake; the engaged brake stays', async () => {
    await putRow(dynamo, tableName, {
      assetId: BRAKE_ROW_KEY,
      extra: { 'project:proj_A': { M: { state: { S: 'engaged' }, trippedAtMs: { N: String(Date.now()) }, runId: { S: 'run-1' } } } },
    });
    for (const argv of [
      ['untrack', BRAKE_ROW_KEY],
      ['untrack', BRAKE_ROW_KEY, '--yes'],
      ['untrack', '#other-reserved', '--yes'],
    ]) {
      const { code, stderr } = await ops(argv, { interactive: true });
      expect(code, stderr).toBe(EXIT.usageOrConfig);
      expect(stderr).toContain('reserved');
      expect(stderr).toContain('--override-brake');
    }
    expect(await getRow(dynamo, tableName, BRAKE_ROW_KEY)).toBeDefined();
  });

  it('ops track refuses them too, and points to --override-brake', async () => {
    const { code, stderr } = await ops(['track', BRAKE_ROW_KEY, '--lock-expires-at', minutesAgo(5), '--yes']);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('--override-brake');
    expect(await getRow(dynamo, tableName, BRAKE_ROW_KEY)).toBeUndefined();
  });
});

describe('a row that changes after it was read', () => {
  let proxy: DynamoFaultProxy;
  let proxied: DynamoDBClient;
  beforeEach(async () => {
    proxy = await startDynamoFaultProxy({ upstream: inject('dynamoEndpoint') });
    proxied = localDynamoClient(proxy.endpoint);
    return async () => {
      proxied.destroy();
      await proxy.close();
    };
  });
  const throughProxy = (argv: string[], options: Partial<OpsIo> & { answer?: boolean } = {}) =>
    ops(argv, { awsClients: { dynamo: proxied, secrets: unusedSecrets }, ...options });

  it('is left as the writer made it: track writes nothing and exits 1', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_racT', lockExpiresAt: minutesAgo(10), lockId: 'lk_old' });
    const renewed = minutesFromNow(20);
    // The editor renews its lock between ops' read and ops' write.
    proxy.inject({
      operation: 'UpdateItem',
      fault: {
        kind: 'before',
        action: () => putRow(dynamo, tableName, { assetId: 'asset_racT', lockExpiresAt: renewed, lockId: 'lk_new' }),
      },
    });

    const { code, stderr } = await throughProxy(['track', 'asset_racT', '--lock-expires-at', minutesFromNow(5)]);

    expect(code).toBe(EXIT.canvasFailedOrInvalid);
    expect(stderr).toMatch(
      /asset_racT changed after it was read \(it now holds lockExpiresAt \S+ \(expires in .*\), lockId lk_new\); nothing was done/,
    );
    expect(await lockOf('asset_racT')).toEqual({ lockExpiresAt: renewed, lockId: 'lk_new' });
  });

  it('track of a new canvas does not overwrite a row a writer created meanwhile', async () => {
    const theirs = minutesFromNow(20);
    proxy.inject({
      operation: 'UpdateItem',
      fault: { kind: 'before', action: () => putRow(dynamo, tableName, { assetId: 'asset_racNew', lockExpiresAt: theirs }) },
    });
    const { code } = await throughProxy(['track', 'asset_racNew', '--lock-expires-at', minutesFromNow(5)]);
    expect(code).toBe(EXIT.canvasFailedOrInvalid);
    expect(await lockOf('asset_racNew')).toEqual({ lockExpiresAt: theirs, lockId: undefined });
  });

  it('is left as the writer made it: untrack removes nothing and exits 1', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_racU' });
    const locked = minutesFromNow(20);
    proxy.inject({
      operation: 'DeleteItem',
      fault: {
        kind: 'before',
        action: () => putRow(dynamo, tableName, { assetId: 'asset_racU', lockExpiresAt: locked, lockId: 'lk_just_now' }),
      },
    });

    const { code, stderr } = await throughProxy(['untrack', 'asset_racU']);

    expect(code).toBe(EXIT.canvasFailedOrInvalid);
    expect(stderr).toContain('asset_racU changed after it was read');
    expect(await lockOf('asset_racU')).toEqual({ lockExpiresAt: locked, lockId: 'lk_just_now' });
  });

  it('while the operator reads the question: the confirmed change is not applied', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_racQ', lockExpiresAt: minutesFromNow(30), lockId: 'lk_q' });
    const renewed = minutesFromNow(40);
    const { code } = await ops(['track', 'asset_racQ', '--lock-expires-at', '2020-01-01T00:00:00Z'], {
      interactive: true,
      confirm: async () => {
        await putRow(dynamo, tableName, { assetId: 'asset_racQ', lockExpiresAt: renewed, lockId: 'lk_q2' });
        return true;
      },
    });
    expect(code).toBe(EXIT.canvasFailedOrInvalid);
    expect(await lockOf('asset_racQ')).toEqual({ lockExpiresAt: renewed, lockId: 'lk_q2' });
  });
});

describe('ops track --project', () => {
  it("writes the row's Scenario project, keeps it when not given, and refuses a bad project id", async () => {
    const until = minutesFromNow(30);
    expect((await ops(['track', 'asset_trkProj', '--lock-expires-at', until, '--project', 'proj_a'])).code).toBe(EXIT.ok);
    expect((await getRow(dynamo, tableName, 'asset_trkProj'))?.projectId).toEqual({ S: 'proj_a' });

    expect((await ops(['track', 'asset_trkProj', '--lock-expires-at', minutesFromNow(40)])).code).toBe(EXIT.ok);
    expect((await getRow(dynamo, tableName, 'asset_trkProj'))?.projectId).toEqual({ S: 'proj_a' });

    const bad = await ops(['track', 'asset_trkProj', '--lock-expires-at', until, '--project', 'proj a']);
    expect(bad.code).toBe(EXIT.usageOrConfig);
    expect(bad.stderr).toContain('--project: is not 1-128 letters');

    // A name every JavaScript object has is refused (issue 16 item 5); the row keeps its project.
    const reserved = await ops(['track', 'asset_trkProj', '--lock-expires-at', until, '--project', '__proto__']);
    expect(reserved.code).toBe(EXIT.usageOrConfig);
    expect(reserved.stderr).toContain('"__proto__" is reserved');
    expect((await getRow(dynamo, tableName, 'asset_trkProj'))?.projectId).toEqual({ S: 'proj_a' });
  });
});
