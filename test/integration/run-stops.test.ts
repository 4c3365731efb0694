import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CLAIM_MS } from '#reaper/core/unlock-canvas';
import { createReaperHarness, minutesAgo, type ReaperHarness } from '#test-support/reaper-harness';

/** Issue 11: the run stops where going on would do harm, and a claim never outlives what it protects. */
describe('stopping a run, and bounded claims', () => {
  let h: ReaperHarness;
  beforeEach(async () => {
    h = await createReaperHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('stops as suspect-base-url when most answers are 404, records no canvas as gone, and says why', async () => {
    // A wrong base URL: Scenario (as reached) knows none of these canvases.
    await h.seed(
      Array.from({ length: 8 }, (_, i) => ({ assetId: `asset_wrongUrl${i}`, lockExpiresAt: minutesAgo(600) })),
      { knownToApi: false },
    );

    const { summary } = await h.run({ maxInFlight: 1 });

    expect(summary).toMatchObject({
      cutShort: true,
      stopReason: 'suspect-base-url',
      failed: 5,
      skipped: expect.objectContaining({ runStopped: 3 }),
    });
    expect(summary.stopDetail).toContain('5 of 5 API answers were 404: check SCENARIO_API_BASE_URL');
    for (let i = 0; i < 8; i += 1) expect((await h.row(`asset_wrongUrl${i}`))?.lastNotFoundAt).toBeUndefined();
  });

  it('a few deleted canvases among many do not trip it; they are recorded, and then no longer count', async () => {
    await h.seed(
      Array.from({ length: 6 }, (_, i) => ({ assetId: `asset_deleted${i}`, lockExpiresAt: minutesAgo(600) })),
      { knownToApi: false },
    );
    await h.seed(Array.from({ length: 8 }, (_, i) => ({ assetId: `asset_fine${i}`, lockExpiresAt: minutesAgo(600) })));

    const first = await h.run({ maxInFlight: 2 });
    expect(first.summary).toMatchObject({ stopReason: null, failed: 6, unlocked: 8 });
    expect((await h.row('asset_deleted0'))?.lastNotFoundAt).toEqual({ S: expect.any(String) });

    // Next run: only the six known-gone canvases answer 404; they do not count, so the run is not stopped.
    const second = await h.run({ maxInFlight: 1 });
    expect(second.summary).toMatchObject({ stopReason: null, failed: 6 });
  });

  it('an interrupted run (SIGINT) starts no canvas after it, lets the one under way finish, and says interrupted', async () => {
    await h.seed(Array.from({ length: 5 }, (_, i) => ({ assetId: `asset_int${i}`, lockExpiresAt: minutesAgo(600) })));
    const controller = new AbortController();
    // Whichever canvas the scan yields first, Ctrl-C comes while its unlock is at the API.
    for (let i = 0; i < 5; i += 1)
      h.api.script(`asset_int${i}`, [{ action: () => controller.abort(), andThen: { ok: true, delayMs: 100 } }]);

    const { summary } = await h.run({ maxInFlight: 1, signal: controller.signal });

    expect(summary).toMatchObject({
      cutShort: true,
      stopReason: 'interrupted',
      unlocked: 1,
      skipped: expect.objectContaining({ runStopped: 4 }),
    });
    expect(h.api.unlockRequests).toHaveLength(1);
    for (let i = 0; i < 5; i += 1) expect((await h.row(`asset_int${i}`))?.reaperClaimRunId).toBeUndefined();
  });

  it('a claim lasts at most 15 minutes, however long the run budget, and the requests end before it', async () => {
    await h.seed([{ assetId: 'asset_longRun', lockExpiresAt: minutesAgo(600) }]);
    let claimUntil = 0;
    h.api.script('asset_longRun', [
      {
        action: async () => {
          claimUntil = Number((await h.row('asset_longRun'))?.reaperClaimExpiresAt?.N);
        },
      },
    ]);
    const startedAt = Date.now();

    const { summary } = await h.run({ deadlineMs: startedAt + 24 * 3600_000 });

    expect(summary.unlocked).toBe(1);
    expect(claimUntil).toBeGreaterThan(startedAt);
    expect(claimUntil).toBeLessThanOrEqual(Date.now() + MAX_CLAIM_MS);
  });
});
