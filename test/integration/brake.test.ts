import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putRow, type SeedRow } from '#local/tracked-canvas-table';
import type { BrakeSettings } from '#reaper/core/brake';
import { BRAKE_ROW_KEY } from '#reaper/table-contract';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';

/**
 * Issue 9: the brake on mass expiry, against the real store (local DynamoDB) and the Scenario stand-in. The four
 * cases the issue names, and the brake holding across runs until a person releases it.
 */
const BRAKE: BrakeSettings = { windowSeconds: 900, minLocks: 25, share: 0.5 };
const MINUTE = 60_000;

describe('the brake on mass expiry', () => {
  let h: ReaperHarness;
  beforeEach(async () => {
    h = await createReaperHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Seeds rows in parallel batches (thousands of rows), each known to the stand-in with the same lock. */
  const seedMany = async (rows: SeedRow[]) => {
    for (let start = 0; start < rows.length; start += 100) {
      await Promise.all(rows.slice(start, start + 100).map((row) => putRow(h.client, h.tableName, row)));
    }
    for (const row of rows) h.api.addCanvas(row.assetId, typeof row.lockExpiresAt === 'string' ? { lockExpiresAt: row.lockExpiresAt } : {});
  };
  /** Expired `minutes` ago (plus the 60 s grace, so "newly stale" means within the last 15 minutes). */
  const stale = (prefix: string, count: number, minutes: number) =>
    Array.from({ length: count }, (_, i) => ({
      assetId: `asset_${prefix}${i}`,
      lockExpiresAt: minutesAgo(minutes),
      lockId: `lk_${prefix}${i}`,
    }));
  const live = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ assetId: `asset_live${i}`, lockExpiresAt: minutesFromNow(10) }));

  it('a writer outage (60 newly stale, 0 live) trips it: nothing unlocked, stopReason brake, the state saved', async () => {
    await seedMany(stale('outage', 60, 5));

    const { summary } = await h.run({ brake: BRAKE });

    expect(h.api.unlockRequests).toEqual([]);
    expect(summary).toMatchObject({
      stale: 60,
      unlocked: 0,
      cutShort: true,
      stopReason: 'brake',
      skipped: expect.objectContaining({ heldByBrake: 60 }),
      brake: expect.objectContaining({
        applies: true,
        engaged: true,
        trippedNow: true,
        wouldTrip: true,
        newlyStale: 60,
        live: 0,
        share: 1,
        held: 60,
      }),
    });
    expect(summary.stopDetail).toContain('60 newly stale vs 0 live');
    const state = await h.row(BRAKE_ROW_KEY);
    expect(state).toMatchObject({
      brakeState: { S: 'engaged' },
      brakeNewlyStale: { N: '60' },
      brakeLive: { N: '0' },
      brakeRunId: { S: summary.runId },
    });
  });

  it('a steady trickle (3 newly stale, 100 live) does not trip it', async () => {
    await seedMany([...stale('trickle', 3, 5), ...live(100)]);

    const { summary } = await h.run({ brake: BRAKE });

    expect(summary).toMatchObject({
      unlocked: 3,
      stopReason: null,
      brake: expect.objectContaining({ wouldTrip: false, engaged: false, newlyStale: 3, live: 100 }),
    });
    expect(await h.row(BRAKE_ROW_KEY)).toBeUndefined();
  });

  it('a backlog (3,000 locks expired days ago) does not trip it, and is unlocked as the rows stream by', async () => {
    await seedMany(stale('backlog', 3000, 3 * 24 * 60));

    // The decision on the whole backlog, without 6,000 requests: a dry run over the 3,000 rows.
    const dry = await h.run({ brake: BRAKE, dryRun: true });
    expect(dry.summary).toMatchObject({
      stale: 3000,
      stopReason: null,
      brake: expect.objectContaining({ newlyStale: 0, wouldTrip: false, held: 0 }),
    });
    expect(dry.summary.wouldUnlock.length + dry.summary.omitted.wouldUnlock).toBe(3000);

    // And a real run frees them (the first 300 rows of the scan, by asset id, to keep the test short).
    const some = Array.from({ length: 300 }, (_, i) => `asset_backlog${i}`);
    const real = await h.run({ brake: BRAKE, maxInFlight: 16, assetIds: some });
    expect(real.summary).toMatchObject({ stale: 300, unlocked: 300, failed: 0, stopReason: null });
  }, 60_000);

  it('a dry run says it would trip, holds nothing in the table, sends nothing', async () => {
    await seedMany(stale('dry', 30, 5));

    const { summary } = await h.run({ brake: BRAKE, dryRun: true });

    expect(summary).toMatchObject({
      dryRun: true,
      stopReason: 'brake',
      wouldUnlock: [],
      brake: expect.objectContaining({ wouldTrip: true, engaged: false, trippedNow: false }),
    });
    expect(summary.wouldUnlockNote).toContain('unverified');
    expect(h.api.requests).toEqual([]);
    expect(await h.row(BRAKE_ROW_KEY)).toBeUndefined();
  });

  it('stays engaged across runs (even once the held locks age past the window) until overrideBrake unlocks them and clears it', async () => {
    await seedMany([...stale('held', 30, 5), ...stale('old', 2, 600)]);
    const first = await h.run({ brake: BRAKE });
    expect(first.summary).toMatchObject({
      unlocked: 2,
      stopReason: 'brake',
      brake: expect.objectContaining({ trippedNow: true, held: 30 }),
    });

    // An hour later (the reaper's clock), the held locks are no longer "newly stale": the engaged brake still holds them.
    const later = await createReaperHarness({ clock: { now: () => Date.now() + 60 * MINUTE } });
    try {
      const second = await later.run({ brake: BRAKE, store: h.store, lockApi: h.lockApi });
      expect(second.summary).toMatchObject({
        unlocked: 0,
        stopReason: 'brake',
        brake: expect.objectContaining({ engaged: true, trippedNow: false, newlyStale: 0, held: 30 }),
      });
    } finally {
      await later.close();
    }
    expect(h.api.unlockLog).toHaveLength(2);

    const released = await h.run({ brake: BRAKE, overrideBrake: true });
    expect(released.summary).toMatchObject({
      unlocked: 30,
      stopReason: null,
      brake: expect.objectContaining({ overridden: true, released: true }),
    });
    expect(await h.row(BRAKE_ROW_KEY)).toMatchObject({ brakeState: { S: 'released' }, brakeReleasedRunId: { S: released.summary.runId } });

    const after = await h.run({ brake: BRAKE });
    expect(after.summary).toMatchObject({ stale: 0, stopReason: null, brake: expect.objectContaining({ engaged: false }) });
  });

  it('does not apply to a run over named assets, nor when BRAKE_MIN_LOCKS is 0; scans never see its state row', async () => {
    await seedMany(stale('named', 30, 5));
    const named = await h.run({ brake: BRAKE, assetIds: ['asset_named0', 'asset_named1'] });
    expect(named.summary).toMatchObject({ unlocked: 2, brake: expect.objectContaining({ applies: false }) });

    await h.run({ brake: BRAKE });
    expect(await h.row(BRAKE_ROW_KEY)).toBeDefined();
    const off = await h.run({ brake: { ...BRAKE, minLocks: 0 } });
    expect(off.summary).toMatchObject({ examined: 30, unlocked: 28, stopReason: null, brake: expect.objectContaining({ applies: false }) });
    expect(off.byAsset.has(BRAKE_ROW_KEY)).toBe(false);
  });

  it('a run whose scan is cut short unlocks none of the held canvases', async () => {
    await seedMany([...stale('cut', 5, 5), ...stale('cutOld', 1, 600)]);
    const { summary } = await h.run({ brake: BRAKE, deadlineMs: Date.now() + 500, safetyMarginMs: 1_000 });
    expect(summary).toMatchObject({ unlocked: 0, stopReason: 'time-budget', skipped: expect.objectContaining({ runStopped: 6 }) });
    expect(h.api.unlockRequests).toEqual([]);
  });
});
