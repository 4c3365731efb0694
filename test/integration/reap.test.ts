import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CanvasStore } from '#reaper/core/ports';
import type { TrackedCanvas } from '#reaper/core/tracked-canvas';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';
import { expectOnePossibleLiveLockUnlock } from '#test-support/run-summary';

let h: ReaperHarness;
beforeEach(async () => {
  h = await createReaperHarness();
});
afterEach(async () => {
  await h.close();
});

describe('a reap run against the local DynamoDB server and the local Scenario API', () => {
  it('force-unlocks stale canvases with PUT /assets/{id}/unlock, Basic auth and {"forceUnlock": true}, and updates their rows', async () => {
    const expiredAt = minutesAgo(10);
    await h.seed([
      { assetId: 'asset_stale1', lockExpiresAt: expiredAt, lockId: 'lock-1', extra: { project: { S: 'p1' }, editors: { N: '3' } } },
      { assetId: 'asset_stale2', lockExpiresAt: minutesAgo(60 * 24) },
    ]);

    const { summary, byAsset } = await h.run();

    expect(summary).toMatchObject({ examined: 2, stale: 2, unlocked: 2, failed: 0, cutShort: false, stopReason: null });
    expect(byAsset.get('asset_stale1')).toMatchObject({ status: 'unlocked', lockExpiresAt: expiredAt });
    const expectedAuth = `Basic ${Buffer.from(`${h.api.apiKey}:${h.api.apiSecret}`).toString('base64')}`;
    expect(expectedAuth).toMatch(/^Basic /);
    expect(h.api.unlockRequests.map((r) => [r.method, r.rawPath, r.authorized, JSON.parse(r.body)]).sort()).toEqual([
      ['PUT', '/v1/assets/asset_stale1/unlock', true, { forceUnlock: true }],
      ['PUT', '/v1/assets/asset_stale2/unlock', true, { forceUnlock: true }],
    ]);
    // Each lock was verified at Scenario (GET, same auth) before its unlock.
    for (const assetId of ['asset_stale1', 'asset_stale2']) {
      expect(h.api.requests.filter((r) => r.assetId === assetId).map((r) => [r.method, r.rawPath, r.authorized])).toEqual([
        ['GET', `/v1/assets/${assetId}`, true],
        ['PUT', `/v1/assets/${assetId}/unlock`, true],
      ]);
    }

    const row = await h.row('asset_stale1');
    expect(row?.lockExpiresAt).toBeUndefined();
    expect(row?.lockId).toBeUndefined();
    expect(row?.reaperClaimRunId).toBeUndefined();
    expect(row?.project).toEqual({ S: 'p1' });
    expect(row?.editors).toEqual({ N: '3' });
    expect(row?.lastForceUnlockedLockExpiresAt).toEqual({ S: expiredAt });
    expect(row?.lastForceUnlockedRunId).toEqual({ S: summary.runId });
    expect(Date.parse(row?.lastForceUnlockedAt?.S ?? '')).toBeGreaterThan(Date.parse(expiredAt));
  });

  it('logs each returned asset as one JSON line with the fields ops need and every signed URL redacted', async () => {
    await h.seed([{ assetId: 'asset_logged', lockExpiresAt: minutesAgo(5) }]);
    const { lines, output } = await h.run();

    const unlockedLine = lines.find((line) => line.message === 'canvas unlocked');
    expect(unlockedLine).toBeDefined();
    expect(unlockedLine?.asset).toMatchObject({
      assetId: 'asset_logged',
      name: 'Canvas asset_logged',
      kind: 'image',
      type: 'canvas',
      status: 'success',
      ownerId: 'proj_sandbox',
    });
    expect(unlockedLine?.asset.redactedUrls).toEqual(
      expect.arrayContaining([
        'url',
        'thumbnail.url',
        'preview.url',
        'firstFrame.url',
        'lastFrame.url',
        'metadata.thumbnail.url',
        'originalFileUrl',
      ]),
    );
    expect(h.api.issuedSignatures.length).toBeGreaterThanOrEqual(7);
    for (const signature of h.api.issuedSignatures) expect(output).not.toContain(signature);
    expect(output).not.toContain('cdn.scenario.example');
  });

  it('leaves live, not-locked and invalid rows untouched and sends no request for them', async () => {
    await h.seed([
      { assetId: 'asset_live', lockExpiresAt: minutesFromNow(5), lockId: 'l' },
      { assetId: 'asset_withinGrace', lockExpiresAt: new Date(Date.now() - 20_000).toISOString() },
      { assetId: 'asset_free', extra: { note: { S: 'never locked' } } },
      { assetId: 'asset_badDate', lockExpiresAt: 'next tuesday' },
      { assetId: 'asset_numberDate', lockExpiresAt: 1_700_000_000 },
      { assetId: 'asset_noZone', lockExpiresAt: '2020-01-01T00:00:00' },
      { assetId: 'not-an-asset-id', lockExpiresAt: minutesAgo(30) },
    ]);
    const before = await Promise.all(
      ['asset_live', 'asset_withinGrace', 'asset_free', 'asset_badDate', 'asset_numberDate', 'asset_noZone', 'not-an-asset-id'].map((id) =>
        h.row(id),
      ),
    );

    const { summary, byAsset } = await h.run();

    expect(summary).toMatchObject({ examined: 7, stale: 0, unlocked: 0, failed: 0 });
    expect(summary.skipped).toMatchObject({ live: 2, notLocked: 1, invalid: 4 });
    expect(byAsset.get('asset_badDate')).toMatchObject({ status: 'invalid', problem: expect.stringContaining('"next tuesday"') });
    expect(byAsset.get('asset_numberDate')).toMatchObject({ status: 'invalid', problem: expect.stringContaining('DynamoDB N') });
    expect(summary.invalidRows.map((r) => r.assetId).sort()).toEqual([
      'asset_badDate',
      'asset_noZone',
      'asset_numberDate',
      'not-an-asset-id',
    ]);
    expect(h.api.requests).toEqual([]);
    const after = await Promise.all(
      ['asset_live', 'asset_withinGrace', 'asset_free', 'asset_badDate', 'asset_numberDate', 'asset_noZone', 'not-an-asset-id'].map((id) =>
        h.row(id),
      ),
    );
    expect(after).toEqual(before);
  });

  it('does not force-unlock a canvas whose lock was renewed between the read and the unlock, and keeps the renewed row', async () => {
    await h.seed([{ assetId: 'asset_renewed', lockExpiresAt: minutesAgo(10), lockId: 'old' }]);
    const renewedUntil = minutesFromNow(10);
    // The real store, with one step preceded by the writer's move.
    const renewBeforeClaim: CanvasStore = Object.assign(Object.create(h.store) as CanvasStore, {
      claim: async (canvas: TrackedCanvas, claim: { runId: string; untilMs: number; nowMs: number }) => {
        // The editor comes back between our read and our request, and writes its whole row anew.
        await h.client.send(
          new PutItemCommand({
            TableName: h.tableName,
            Item: { assetId: { S: 'asset_renewed' }, lockExpiresAt: { S: renewedUntil }, lockId: { S: 'new' } },
          }),
        );
        return h.store.claim(canvas, claim);
      },
    });

    const { summary, byAsset } = await h.run({ store: renewBeforeClaim });

    expect(byAsset.get('asset_renewed')).toMatchObject({ status: 'skipped', reason: 'renewed' });
    expect(summary).toMatchObject({ stale: 1, unlocked: 0, failed: 0, skipped: expect.objectContaining({ renewed: 1 }) });
    // No unlock was sent. The verifying GET goes out beside the claim (issue 20); the claim failed, so it was discarded.
    expect(h.api.unlockRequests).toEqual([]);
    expect(h.api.requests.map((r) => r.route)).toEqual(['get']);
    expect(await h.row('asset_renewed')).toEqual({
      assetId: { S: 'asset_renewed' },
      lockExpiresAt: { S: renewedUntil },
      lockId: { S: 'new' },
    });
  });

  it('never overwrites a row renewed while the unlock request was in flight, and says so', async () => {
    await h.seed([{ assetId: 'asset_raced', lockExpiresAt: minutesAgo(10) }]);
    const renewedUntil = minutesFromNow(10);
    h.api.script('asset_raced', [{ ok: true, delayMs: 300 }]);
    const renewal = (async () => {
      while (h.api.unlockRequests.length === 0) await new Promise((r) => setTimeout(r, 10));
      await h.client.send(
        new PutItemCommand({ TableName: h.tableName, Item: { assetId: { S: 'asset_raced' }, lockExpiresAt: { S: renewedUntil } } }),
      );
    })();

    const { summary, byAsset } = await h.run();
    await renewal;

    expect(byAsset.get('asset_raced')).toMatchObject({ status: 'unlocked-row-changed' });
    expectOnePossibleLiveLockUnlock(summary, 'asset_raced', { currentLock: { lockExpiresAt: renewedUntil } });
    expect(await h.row('asset_raced')).toEqual({ assetId: { S: 'asset_raced' }, lockExpiresAt: { S: renewedUntil } });
  });

  it('recovers from 429 (with Retry-After) and from 500 by retrying', async () => {
    await h.seed([
      { assetId: 'asset_throttled', lockExpiresAt: minutesAgo(10) },
      { assetId: 'asset_flaky', lockExpiresAt: minutesAgo(10) },
    ]);
    h.api.script('asset_throttled', [{ status: 429, headers: { 'retry-after': '1' } }]);
    h.api.script('asset_flaky', [{ status: 500 }]);

    const { summary, byAsset } = await h.run();

    expect(summary).toMatchObject({ unlocked: 2, failed: 0 });
    expect(byAsset.get('asset_throttled')).toMatchObject({ status: 'unlocked', attempts: 2 });
    expect(byAsset.get('asset_flaky')).toMatchObject({ status: 'unlocked', attempts: 2 });
    const throttled = h.api.unlockRequests.filter((r) => r.assetId === 'asset_throttled');
    expect(throttled).toHaveLength(2);
    expect(throttled[1]!.receivedAtMs - throttled[0]!.receivedAtMs).toBeGreaterThanOrEqual(900);
    expect((await h.row('asset_throttled'))?.lockExpiresAt).toBeUndefined();
  });

  it('reports a persistent 500 and keeps the row locked, without a leftover claim, and goes on with the others', async () => {
    const expiredAt = minutesAgo(10);
    await h.seed([
      { assetId: 'asset_broken', lockExpiresAt: expiredAt, lockId: 'k' },
      { assetId: 'asset_fine', lockExpiresAt: expiredAt },
    ]);
    h.api.script('asset_broken', [{ status: 500 }, { status: 500 }, { status: 500 }]);

    const { summary } = await h.run();

    expect(summary).toMatchObject({ unlocked: 1, failed: 1, cutShort: false });
    expect(summary.failures).toEqual([
      {
        assetId: 'asset_broken',
        kind: 'server-error',
        step: 'unlock',
        httpStatus: 500,
        error: expect.stringContaining('after 3 attempts'),
      },
    ]);
    expect(await h.row('asset_broken')).toEqual({ assetId: { S: 'asset_broken' }, lockExpiresAt: { S: expiredAt }, lockId: { S: 'k' } });
  });

  it('reports a 404 (asset gone) and keeps the row, not deleting it, with lastNotFoundAt recorded', async () => {
    const expiredAt = minutesAgo(10);
    await h.seed([{ assetId: 'asset_gone', lockExpiresAt: expiredAt }], { knownToApi: false });
    // A 404 is recorded only when the same key also had a 2xx in the run (else the base URL may be wrong).
    await h.seed([{ assetId: 'asset_known', lockExpiresAt: expiredAt }]);

    const { summary } = await h.run();

    expect(summary.failures).toEqual([
      { assetId: 'asset_gone', kind: 'asset-not-found', step: 'verify', httpStatus: 404, error: expect.stringContaining('untrack') },
    ]);
    // Kept with its lock; the 404 is recorded, so it no longer counts toward the suspect-base-url stop.
    expect(await h.row('asset_gone')).toEqual({
      assetId: { S: 'asset_gone' },
      lockExpiresAt: { S: expiredAt },
      lastNotFoundAt: { S: expect.any(String) },
    });
  });

  it('stops the whole run at the first 401, without hammering the API', async () => {
    await h.close();
    h = await createReaperHarness({ apiSecretOverride: 'wrong-secret-value' });
    const rows = Array.from({ length: 6 }, (_, i) => ({ assetId: `asset_denied${i}`, lockExpiresAt: minutesAgo(10) }));
    await h.seed(rows);

    const { summary, output } = await h.run({ maxInFlight: 1 });

    expect(h.api.requests).toHaveLength(1);
    expect(summary).toMatchObject({ cutShort: true, stopReason: 'credentials-rejected', unlocked: 0, failed: 1 });
    expect(summary.skipped.runStopped).toBe(5);
    expect(summary.stopDetail).toContain('HTTP 401');
    expect(output).not.toContain('wrong-secret-value');
    for (const row of rows) expect((await h.row(row.assetId))?.lockExpiresAt).toEqual({ S: row.lockExpiresAt });
  });

  it('makes no request and no write in a dry run, and lists what it would unlock', async () => {
    await h.seed([
      { assetId: 'asset_dry1', lockExpiresAt: minutesAgo(10) },
      { assetId: 'asset_dry2', lockExpiresAt: minutesFromNow(10) },
    ]);
    const before = await h.row('asset_dry1');

    const { summary } = await h.run({ dryRun: true });

    expect(summary).toMatchObject({ dryRun: true, stale: 1, unlocked: 0, wouldUnlock: ['asset_dry1'] });
    expect(h.api.requests).toEqual([]);
    expect(await h.row('asset_dry1')).toEqual(before);
  });

  it('limits a run to the named assets and reports names that are not tracked', async () => {
    await h.seed([
      { assetId: 'asset_named', lockExpiresAt: minutesAgo(10) },
      { assetId: 'asset_other', lockExpiresAt: minutesAgo(10) },
    ]);

    const { summary, byAsset } = await h.run({ assetIds: ['asset_named', 'asset_unknown'] });

    expect(summary).toMatchObject({ examined: 1, unlocked: 1, skipped: expect.objectContaining({ notTracked: 1 }) });
    expect(byAsset.get('asset_unknown')).toMatchObject({ status: 'skipped', reason: 'not-tracked' });
    expect(h.api.unlockRequests.map((r) => r.assetId)).toEqual(['asset_named']);
    expect((await h.row('asset_other'))?.lockExpiresAt).toBeDefined();
  });

  it('reads the table page by page', async () => {
    await h.close();
    h = await createReaperHarness({ pageSize: 3 });
    await h.seed(Array.from({ length: 10 }, (_, i) => ({ assetId: `asset_paged${i}`, lockExpiresAt: minutesAgo(10) })));

    const { summary } = await h.run();

    expect(summary).toMatchObject({ examined: 10, stale: 10, unlocked: 10 });
    expect(new Set(h.api.requests.map((r) => r.assetId)).size).toBe(10);
  });

  it('starts no new unlock once the time budget is nearly spent, reports the run cut short, and the next run continues', async () => {
    await h.seed(Array.from({ length: 4 }, (_, i) => ({ assetId: `asset_budget${i}`, lockExpiresAt: minutesAgo(10) })));
    h.api.setLatencyMs(300);

    const first = await h.run({ maxInFlight: 1, deadlineMs: Date.now() + 1_500, safetyMarginMs: 1_000 });

    expect(first.summary).toMatchObject({ cutShort: true, stopReason: 'time-budget' });
    expect(first.summary.unlocked).toBeGreaterThanOrEqual(1);
    expect(first.summary.unlocked).toBeLessThan(4);
    expect(first.summary.unlocked + first.summary.skipped.runStopped).toBe(4);

    const second = await h.run();
    expect(second.summary).toMatchObject({ stale: 4 - first.summary.unlocked, unlocked: 4 - first.summary.unlocked, cutShort: false });
  });

  it('frees each canvas once when two runs overlap on the same table', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ assetId: `asset_overlap${i}`, lockExpiresAt: minutesAgo(10) }));
    await h.seed(rows);
    h.api.setLatencyMs(20);

    const [a, b] = await Promise.all([h.run({ maxInFlight: 3 }), h.run({ maxInFlight: 3 })]);

    expect(a.summary.unlocked + b.summary.unlocked).toBe(12);
    for (const row of rows) expect(h.api.unlockCount(row.assetId)).toBe(1);
    expect(h.api.unlockRequests).toHaveLength(12);
  });
});
