import { describe, expect, it } from 'vitest';
import { emptyBrakeReport, MAX_LISTED_PER_KIND, SummaryBuilder } from '#reaper/core/summary';

/** The run summary names the canvases it unlocked, in a capped list (the summary's memory stays flat). */

const builder = () =>
  new SummaryBuilder({
    runId: 'run-1',
    dryRun: false,
    graceSeconds: 60,
    verifyAtSource: true,
    startedAtMs: 0,
    brake: emptyBrakeReport({ windowSeconds: 900, minLocks: 25, share: 0.5 }, true, false),
  });
const asset = { assetId: 'x', type: 'canvas' } as never;

describe('unlockedAssetIds', () => {
  it('lists each canvas unlocked (also one whose row changed), none other', () => {
    const summary = builder();
    summary.record({ assetId: 'asset_a', status: 'unlocked', lockExpiresAt: 'T', attempts: 1, asset });
    summary.record({ assetId: 'asset_b', status: 'would-unlock', lockExpiresAt: 'T' });
    summary.record({ assetId: 'asset_c', status: 'skipped', reason: 'live' });
    summary.record({
      assetId: 'asset_d',
      status: 'unlocked-row-changed',
      lockExpiresAt: 'T',
      asset,
      doubt: { seenIn: 'table', claimed: { lockExpiresAt: 'T' }, current: null } as never,
    });
    const done = summary.finish(1, undefined);
    expect(done.unlockedAssetIds).toEqual(['asset_a', 'asset_d']);
    expect(done.omitted.unlockedAssetIds).toBe(0);
  });

  it(`keeps at most ${MAX_LISTED_PER_KIND} ids and counts the rest in omitted`, () => {
    const summary = builder();
    for (let i = 0; i < MAX_LISTED_PER_KIND + 7; i += 1)
      summary.record({ assetId: `asset_${i}`, status: 'unlocked', lockExpiresAt: 'T', attempts: 1, asset });
    const done = summary.finish(1, undefined);
    expect(done.unlocked).toBe(MAX_LISTED_PER_KIND + 7);
    expect(done.unlockedAssetIds).toHaveLength(MAX_LISTED_PER_KIND);
    expect(done.omitted.unlockedAssetIds).toBe(7);
  });
});
