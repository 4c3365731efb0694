import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { type DynamoFaultProxy, REAPER_WRITES, startDynamoFaultProxy } from '#local/dynamodb-fault-proxy';
import type { SeedRow } from '#local/tracked-canvas-table';
import { DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import { REAPER_ATTRIBUTES } from '#reaper/table-contract';
import { createReaperHarness, minutesAgo, type ReaperHarness } from '#test-support/reaper-harness';

/**
 * Issue 20, item 2: with verification on, the GET is sent together with the claim and the unlock waits for both; with
 * it off the claim comes first. The real store (AWS SDK → fault proxy → local DynamoDB) and the real lock API (ky →
 * the Scenario stand-in); the proxy holds a claim back so the order of the two is decided by the test, not by luck.
 */
describe('the claim and the verifying GET overlap; the unlock waits for both', () => {
  let h: ReaperHarness;
  let proxy: DynamoFaultProxy;
  let client: DynamoDBClient;
  let store: DynamoCanvasStore;
  beforeEach(async () => {
    h = await createReaperHarness({ requestTimeoutMs: 1_000, maxRetries: 0 });
    proxy = await startDynamoFaultProxy({ upstream: inject('dynamoEndpoint') });
    client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    store = new DynamoCanvasStore({ client, tableName: h.tableName });
  });
  afterEach(async () => {
    client.destroy();
    await proxy.close();
    await h.close();
  });

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  /** Waits until `condition` holds, or gives up after `guardMs` (a guard so old code cannot hang the test; never a measure). */
  const until = async (condition: () => boolean, guardMs = 2_000) => {
    const giveUpAt = Date.now() + guardMs;
    while (!condition() && Date.now() < giveUpAt) await sleep(2);
    return condition();
  };
  const getsOf = (assetId: string) => h.api.requests.filter((r) => r.route === 'get' && r.assetId === assetId);
  const claimOf = (assetId: string) =>
    proxy.log.find((e) => e.operation === 'UpdateItem' && REAPER_WRITES.claim(e.body) && e.body.Key?.assetId?.S === assetId);
  /** A row another run claimed a moment ago (its claim holds for ten more minutes). */
  const claimedByAnotherRun = (assetId: string): SeedRow => ({
    assetId,
    lockExpiresAt: minutesAgo(600),
    extra: {
      [REAPER_ATTRIBUTES.claimRunId]: { S: 'run-other' },
      [REAPER_ATTRIBUTES.claimExpiresAt]: { N: String(Date.now() + 10 * 60_000) },
    },
  });

  it('verification on: the GET reaches Scenario while the claim is still on its way; the PUT follows both', async () => {
    await h.seed([{ assetId: 'asset_overlap', lockExpiresAt: minutesAgo(600) }]);
    let getArrivedDuringClaim = false;
    proxy.inject({
      operation: 'UpdateItem',
      match: (body) => REAPER_WRITES.claim(body) && REAPER_WRITES.forAsset('asset_overlap')(body),
      fault: {
        kind: 'before',
        action: async () => {
          getArrivedDuringClaim = await until(() => getsOf('asset_overlap').length > 0);
        },
      },
    });

    const { byAsset } = await h.run({ store });

    expect(getArrivedDuringClaim).toBe(true);
    expect(byAsset.get('asset_overlap')).toMatchObject({ status: 'unlocked' });
    const claim = claimOf('asset_overlap');
    const put = h.api.unlockRequests.find((r) => r.assetId === 'asset_overlap');
    expect(claim?.clientStatus).toBe(200);
    expect(put).toBeDefined();
    // The unlock waited for the claim: its PUT arrived only after the claim's answer was back.
    expect(put?.receivedAtMs).toBeGreaterThanOrEqual(claim?.finishedAtMs ?? Number.POSITIVE_INFINITY);
    expect((await h.row('asset_overlap'))?.[REAPER_ATTRIBUTES.claimRunId]).toBeUndefined();
  });

  it('verification off: the claim comes first (no GET to overlap); the PUT is sent only once the row is ours', async () => {
    await h.seed([{ assetId: 'asset_noVerify', lockExpiresAt: minutesAgo(600) }]);
    proxy.inject({
      operation: 'UpdateItem',
      match: (body) => REAPER_WRITES.claim(body) && REAPER_WRITES.forAsset('asset_noVerify')(body),
      fault: { kind: 'before', action: () => sleep(100) },
    });

    const { byAsset } = await h.run({ store, verifyAtSource: false });

    expect(byAsset.get('asset_noVerify')).toMatchObject({ status: 'unlocked' });
    expect(getsOf('asset_noVerify')).toHaveLength(0);
    const claim = claimOf('asset_noVerify');
    const put = h.api.unlockRequests.find((r) => r.assetId === 'asset_noVerify');
    expect(put?.receivedAtMs).toBeGreaterThanOrEqual(claim?.finishedAtMs ?? Number.POSITIVE_INFINITY);
  });

  it('a GET that fails before the claim lands waits for the claim, then gives it back; nothing is unlocked', async () => {
    await h.seed([{ assetId: 'asset_getFailsFirst', lockExpiresAt: minutesAgo(600) }]);
    h.api.script('asset_getFailsFirst', [{ status: 500, body: { message: 'down' } }], 'get');
    proxy.inject({
      operation: 'UpdateItem',
      match: (body) => REAPER_WRITES.claim(body) && REAPER_WRITES.forAsset('asset_getFailsFirst')(body),
      fault: {
        kind: 'before',
        // The claim lands only after the GET's failure is back at the reaper.
        action: async () => {
          await until(() => getsOf('asset_getFailsFirst').length > 0);
          await sleep(50);
        },
      },
    });

    const { byAsset } = await h.run({ store });

    expect(byAsset.get('asset_getFailsFirst')).toMatchObject({ status: 'failed', step: 'verify', httpStatus: 500 });
    expect(h.api.unlockRequests).toHaveLength(0);
    const claim = claimOf('asset_getFailsFirst');
    const release = proxy.log.find((e) => REAPER_WRITES.releaseClaim(e.body));
    expect(claim?.clientStatus).toBe(200);
    expect(release?.startedAtMs).toBeGreaterThanOrEqual(claim?.finishedAtMs ?? Number.POSITIVE_INFINITY);
    const row = await h.row('asset_getFailsFirst');
    expect(row?.[REAPER_ATTRIBUTES.claimRunId]).toBeUndefined();
    expect(row?.lockExpiresAt).toBeDefined();
  });

  it('a GET whose claim failed is discarded as a reading, but its 401 still refuses the key (the run stops: every key refused)', async () => {
    await h.seed([claimedByAnotherRun('asset_otherRun401')]);
    h.api.script('asset_otherRun401', [{ status: 401, body: { message: 'bad key' } }], 'get');

    const { summary, byAsset } = await h.run({ store, maxInFlight: 1 });

    expect(getsOf('asset_otherRun401')).toHaveLength(1);
    expect(byAsset.get('asset_otherRun401')).toMatchObject({ status: 'skipped', reason: 'claimed-by-other-run' });
    expect(summary).toMatchObject({ cutShort: true, stopReason: 'credentials-rejected' });
    expect(h.api.unlockRequests).toHaveLength(0);
    // The other run's claim is left as it was.
    expect((await h.row('asset_otherRun401'))?.[REAPER_ATTRIBUTES.claimRunId]).toEqual({ S: 'run-other' });
  });

  it('403s to GETs whose claims failed still count toward refusing the key (two different assets)', async () => {
    await h.seed([claimedByAnotherRun('asset_otherRun403a'), claimedByAnotherRun('asset_otherRun403b')]);
    for (const assetId of ['asset_otherRun403a', 'asset_otherRun403b'])
      h.api.script(assetId, [{ status: 403, body: { message: 'no' } }], 'get');

    const { summary, byAsset } = await h.run({ store, maxInFlight: 1 });

    expect(byAsset.get('asset_otherRun403a')).toMatchObject({ status: 'skipped', reason: 'claimed-by-other-run' });
    expect(byAsset.get('asset_otherRun403b')).toMatchObject({ status: 'skipped', reason: 'claimed-by-other-run' });
    expect(summary).toMatchObject({ stopReason: 'credentials-rejected' });
    expect(summary.stopDetail).toContain('2 different assets answered 403 to the GET');
  });

  it('404s to GETs whose claims failed still count toward the suspect-base-url stop, and record no canvas as gone', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => claimedByAnotherRun(`asset_otherRun404_${i}`));
    await h.seed(rows, { knownToApi: false });

    const { summary } = await h.run({ store, maxInFlight: 1 });

    expect(summary).toMatchObject({ cutShort: true, stopReason: 'suspect-base-url', unlocked: 0, failed: 0 });
    expect(summary.skipped.claimedByOtherRun).toBe(5);
    expect(summary.stopDetail).toContain('5 of 5 API answers were 404');
    for (const row of rows) expect((await h.row(row.assetId))?.lastNotFoundAt).toBeUndefined();
  });
});
