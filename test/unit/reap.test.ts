import { describe, expect, it } from 'vitest';
import type { CanvasStore, ClaimResult, LockApi, ReapLogger, UnlockResult } from '#reaper/core/ports';
import { type ReapOptions, reap } from '#reaper/core/reap';
import { MAX_LISTED_PER_KIND } from '#reaper/core/summary';
import { ABSENT, stringReading, type TrackedCanvas } from '#reaper/core/tracked-canvas';

// Small fakes of our own ports: they isolate the orchestration rules. The real adapters are covered in test/integration.
const NOW = Date.parse('2026-11-27T12:00:00Z');
const stale = (assetId: string): TrackedCanvas => ({ assetId, lockExpiresAt: stringReading('2026-11-27T11:00:00Z'), lockId: ABSENT });

function fakeStore(
  pages: TrackedCanvas[][],
  options: { failAfterPages?: number; claim?: (c: TrackedCanvas) => ClaimResult; onMark?: (c: TrackedCanvas) => Promise<void> | void } = {},
) {
  const marked: string[] = [];
  const released: string[] = [];
  const store: CanvasStore = {
    async *pages() {
      for (const [index, page] of pages.entries()) {
        if (options.failAfterPages === index) throw new Error('ProvisionedThroughputExceededException: slow down');
        yield page;
      }
    },
    async *pagesOf(ids) {
      yield pages.flat().filter((c) => ids.includes(c.assetId));
    },
    claim: async (canvas) => options.claim?.(canvas) ?? 'claimed',
    check: async () => ({ kind: 'held' }),
    healFromSource: async () => 'healed',
    markUnlocked: async (canvas) => {
      await options.onMark?.(canvas);
      marked.push(canvas.assetId);
      return 'updated';
    },
    releaseClaim: async (canvas) => void released.push(canvas.assetId),
    markNotFound: async () => undefined,
    readBrake: async () => ({ projects: {} }),
    engageBrake: async () => undefined,
    releaseBrake: async () => undefined,
    advanceMarks: async () => undefined,
  };
  return { store, marked, released };
}

/** Scenario shows no lock on GET: verification lets the unlock go ahead. */
const noLockAtSource: LockApi['readSourceLock'] = async () => ({ ok: true, lockExpiresAt: ABSENT, attempts: 1 });

const okApi = (onCall?: (id: string) => Promise<void> | void): LockApi => ({
  readSourceLock: noLockAtSource,
  forceUnlock: async (assetId): Promise<UnlockResult> => {
    await onCall?.(assetId);
    return { ok: true, asset: { assetId }, attempts: 1 };
  },
});

const silentLogger: ReapLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function options(overrides: Partial<ReapOptions> = {}): ReapOptions {
  return { runId: 'run-1', dryRun: false, graceSeconds: 60, maxInFlight: 4, deadlineMs: NOW + 60_000, safetyMarginMs: 5_000, ...overrides };
}

describe('reap (orchestration rules, with fakes of our ports)', () => {
  it('never has more requests in flight than the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const api = okApi(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
    });
    const { store } = fakeStore([Array.from({ length: 20 }, (_, i) => stale(`asset_${i}`))]);

    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: api, logger: silentLogger }, options({ maxInFlight: 3 }));

    expect(summary.unlocked).toBe(20);
    expect(peak).toBe(3);
  });

  it("records an unlock on its row while the next canvas's requests are in flight (the slot ends with the last request)", async () => {
    let requests = 0;
    let recordsDuringRequests = 0;
    const api = okApi(async () => {
      requests += 1;
      await new Promise((r) => setTimeout(r, 10));
      requests -= 1;
    });
    const { store } = fakeStore([Array.from({ length: 6 }, (_, i) => stale(`asset_${i}`))], {
      onMark: async () => {
        // A row update takes a while; the next canvas's request must not wait for it.
        await new Promise((r) => setTimeout(r, 5));
        if (requests > 0) recordsDuringRequests += 1;
      },
    });
    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: api, logger: silentLogger }, options({ maxInFlight: 1 }));
    expect(summary.unlocked).toBe(6);
    expect(recordsDuringRequests).toBeGreaterThan(0);
  });

  it('never holds a claim while waiting for a request slot', async () => {
    let claimed = 0;
    let peakClaimedWithoutFinishedRequests = 0;
    const api = okApi(async () => {
      await new Promise((r) => setTimeout(r, 5));
      claimed -= 1;
    });
    const { store } = fakeStore([Array.from({ length: 8 }, (_, i) => stale(`asset_${i}`))], {
      claim: () => {
        claimed += 1;
        peakClaimedWithoutFinishedRequests = Math.max(peakClaimedWithoutFinishedRequests, claimed);
        return 'claimed';
      },
    });
    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: api, logger: silentLogger }, options({ maxInFlight: 2 }));
    expect(summary.unlocked).toBe(8);
    expect(peakClaimedWithoutFinishedRequests).toBe(2);
  });

  it('sends no request queued behind one that found the credentials refused', async () => {
    let calls = 0;
    const refusing: LockApi = {
      readSourceLock: noLockAtSource,
      forceUnlock: async () => {
        calls += 1;
        return {
          ok: false,
          failure: { kind: 'credentials-rejected', status: 401, message: 'HTTP 401', attempts: 1, possiblyApplied: false },
        };
      },
    };
    const { store, released } = fakeStore([Array.from({ length: 5 }, (_, i) => stale(`asset_${i}`))]);
    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: refusing, logger: silentLogger }, options({ maxInFlight: 1 }));
    expect(calls).toBe(1);
    expect(summary).toMatchObject({ failed: 1, cutShort: true, stopReason: 'credentials-rejected' });
    expect(summary.skipped.runStopped).toBe(4);
    // Only the refused canvas was claimed (the next one waited for the slot without a claim), and it got its claim back.
    expect(released).toEqual(['asset_0']);
  });

  it('stops starting unlocks once the clock passes deadline - safety margin, and counts the rest as run-stopped', async () => {
    let now = NOW;
    const api = okApi(() => {
      now += 20_000;
    });
    const { store } = fakeStore([Array.from({ length: 5 }, (_, i) => stale(`asset_${i}`))]);

    const summary = await reap({ clock: { now: () => now }, store, lockApi: api, logger: silentLogger }, options({ maxInFlight: 1 }));

    // 60 s deadline, 5 s margin: unlocks start at t=0, 20, 40; at t=60 no more.
    expect(summary).toMatchObject({ unlocked: 3, cutShort: true, stopReason: 'time-budget' });
    expect(summary.skipped.runStopped).toBe(2);
  });

  it('reports a store failure mid-scan as a stopped run, keeping what it did', async () => {
    const { store } = fakeStore([[stale('asset_a')], [stale('asset_b')]], { failAfterPages: 1 });
    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: okApi(), logger: silentLogger }, options());
    expect(summary).toMatchObject({ unlocked: 1, cutShort: true, stopReason: 'store-error' });
    expect(summary.stopDetail).toContain('ProvisionedThroughputExceededException');
  });

  it('turns an unexpected exception from an adapter into a reported failure and releases nothing it did not claim', async () => {
    const throwingApi: LockApi = { readSourceLock: noLockAtSource, forceUnlock: async () => Promise.reject(new TypeError('boom')) };
    const { store, marked } = fakeStore([[stale('asset_a'), stale('asset_b')]]);
    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: throwingApi, logger: silentLogger }, options());
    expect(summary.failed).toBe(2);
    expect(summary.failures.map((f) => f.kind)).toEqual(['internal-error', 'internal-error']);
    expect(marked).toEqual([]);
  });

  it('releases the claim when the API refuses, and maps claim results to skip reasons', async () => {
    const refusing: LockApi = {
      readSourceLock: noLockAtSource,
      forceUnlock: async () => ({
        ok: false,
        failure: { kind: 'server-error', status: 503, message: 'HTTP 503', attempts: 4, possiblyApplied: false },
      }),
    };
    const claims: Record<string, ClaimResult> = {
      asset_gone: 'gone',
      asset_free: 'no-longer-locked',
      asset_new: 'lock-changed',
      asset_busy: 'claimed-by-other-run',
    };
    const { store, released } = fakeStore([[stale('asset_fails'), ...Object.keys(claims).map(stale)]], {
      claim: (c) => claims[c.assetId] ?? 'claimed',
    });

    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: refusing, logger: silentLogger }, options());

    expect(released).toEqual(['asset_fails']);
    expect(summary.skipped).toMatchObject({ notTracked: 1, notLocked: 1, renewed: 1, claimedByOtherRun: 1 });
    expect(summary.failures).toEqual([
      { assetId: 'asset_fails', kind: 'server-error', step: 'unlock', httpStatus: 503, error: 'HTTP 503' },
    ]);
  });

  it('caps the lists in the summary but keeps the counts exact', async () => {
    const rows = Array.from({ length: MAX_LISTED_PER_KIND + 25 }, (_, i) => ({
      ...stale(`asset_${i}`),
      lockExpiresAt: stringReading('garbage'),
    }));
    const { store } = fakeStore([rows]);
    const summary = await reap({ clock: { now: () => NOW }, store, lockApi: okApi(), logger: silentLogger }, options());
    expect(summary.skipped.invalid).toBe(MAX_LISTED_PER_KIND + 25);
    expect(summary.invalidRows).toHaveLength(MAX_LISTED_PER_KIND);
    expect(summary.omitted.invalidRows).toBe(25);
  });
});
