import { describe, expect, it } from 'vitest';
import type { CanvasStore, ClaimResult, LockApi, ReapLogger, UnlockResult } from '#reaper/core/ports';
import { oneKey } from '#reaper/core/project';
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

    const summary = await reap(
      { clock: { now: () => NOW }, store, lockApis: oneKey(api), logger: silentLogger },
      options({ maxInFlight: 3 }),
    );

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
    const summary = await reap(
      { clock: { now: () => NOW }, store, lockApis: oneKey(api), logger: silentLogger },
      options({ maxInFlight: 1 }),
    );
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
    const summary = await reap(
      { clock: { now: () => NOW }, store, lockApis: oneKey(api), logger: silentLogger },
      options({ maxInFlight: 2 }),
    );
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
    const summary = await reap(
      { clock: { now: () => NOW }, store, lockApis: oneKey(refusing), logger: silentLogger },
      options({ maxInFlight: 1 }),
    );
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

    const summary = await reap(
      { clock: { now: () => now }, store, lockApis: oneKey(api), logger: silentLogger },
      options({ maxInFlight: 1 }),
    );

    // 60 s deadline, 5 s margin: unlocks start at t=0, 20, 40; at t=60 no more.
    expect(summary).toMatchObject({ unlocked: 3, cutShort: true, stopReason: 'time-budget' });
    expect(summary.skipped.runStopped).toBe(2);
  });

  it('reports a store failure mid-scan as a stopped run, keeping what it did', async () => {
    const { store } = fakeStore([[stale('asset_a')], [stale('asset_b')]], { failAfterPages: 1 });
    const summary = await reap({ clock: { now: () => NOW }, store, lockApis: oneKey(okApi()), logger: silentLogger }, options());
    expect(summary).toMatchObject({ unlocked: 1, cutShort: true, stopReason: 'store-error' });
    expect(summary.stopDetail).toContain('ProvisionedThroughputExceededException');
  });

  it('turns an unexpected exception from an adapter into a reported failure and releases nothing it did not claim', async () => {
    const throwingApi: LockApi = { readSourceLock: noLockAtSource, forceUnlock: async () => Promise.reject(new TypeError('boom')) };
    const { store, marked } = fakeStore([[stale('asset_a'), stale('asset_b')]]);
    const summary = await reap({ clock: { now: () => NOW }, store, lockApis: oneKey(throwingApi), logger: silentLogger }, options());
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

    const summary = await reap({ clock: { now: () => NOW }, store, lockApis: oneKey(refusing), logger: silentLogger }, options());

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
    const summary = await reap({ clock: { now: () => NOW }, store, lockApis: oneKey(okApi()), logger: silentLogger }, options());
    expect(summary.skipped.invalid).toBe(MAX_LISTED_PER_KIND + 25);
    expect(summary.invalidRows).toHaveLength(MAX_LISTED_PER_KIND);
    expect(summary.omitted.invalidRows).toBe(25);
  });
});

/**
 * Issue 16 item 3: a 401 refuses a key at once; a 403 fails only its canvas (kind forbidden), and a key is refused
 * after 403s on two different assets for the same method with no 2xx for that method from it first. Refusal belongs
 * to the key: every project whose rows used it is named.
 */
describe('refusal belongs to a key', () => {
  type Answer = 'ok' | 401 | 403 | 404;
  const failureFor = (status: 401 | 403 | 404) => ({
    ok: false as const,
    failure: {
      kind: status === 401 ? ('credentials-rejected' as const) : status === 403 ? ('forbidden' as const) : ('asset-not-found' as const),
      status,
      message: `HTTP ${status}`,
      attempts: 1,
      possiblyApplied: false,
    },
  });
  /** A key whose GET and PUT answers are scripted per asset (default: ok); records the calls in order. */
  function scriptedKey(script: { get?: Record<string, Answer>; put?: Record<string, Answer> }, calls: string[] = []): LockApi {
    return {
      readSourceLock: async (assetId) => {
        calls.push(`GET ${assetId}`);
        const answer = script.get?.[assetId] ?? 'ok';
        return answer === 'ok' ? { ok: true, lockExpiresAt: ABSENT, attempts: 1 } : failureFor(answer);
      },
      forceUnlock: async (assetId) => {
        calls.push(`PUT ${assetId}`);
        const answer = script.put?.[assetId] ?? 'ok';
        return answer === 'ok' ? { ok: true, asset: { assetId }, attempts: 1 } : failureFor(answer);
      },
    };
  }
  const inProject = (assetId: string, projectId: string): TrackedCanvas => ({ ...stale(assetId), projectId: stringReading(projectId) });
  const run = (lockApis: { byProject: ReadonlyMap<string, LockApi>; default?: LockApi }, rows: TrackedCanvas[]) => {
    const { store, released, marked } = fakeStore([rows]);
    const clock = { now: () => NOW };
    return reap({ clock, store, lockApis, logger: silentLogger }, options({ maxInFlight: 1 })).then((summary) => ({
      summary,
      released,
      marked,
    }));
  };

  it('one asset answering 403 fails only that canvas, as forbidden; the run goes on with the same key', async () => {
    const key = scriptedKey({ get: { asset_1: 403 } });
    const { summary } = await run(oneKey(key), [stale('asset_0'), stale('asset_1'), stale('asset_2'), stale('asset_3')]);
    expect(summary).toMatchObject({ unlocked: 3, failed: 1, stopReason: null, cutShort: false, refusedProjects: [] });
    expect(summary.failures).toEqual([
      { assetId: 'asset_1', kind: 'forbidden', step: 'verify', httpStatus: 403, error: expect.any(String) },
    ]);
  });

  it('403s on two different assets for GET, with no 2xx GET from that key before, refuse the key', async () => {
    const key = scriptedKey({ get: { asset_0: 403, asset_1: 403 } });
    const { summary } = await run(oneKey(key), [stale('asset_0'), stale('asset_1'), stale('asset_2')]);
    expect(summary.failures.map((f) => f.kind)).toEqual(['forbidden', 'forbidden']);
    // One key in the secret, and it is refused: the run stops as before.
    expect(summary).toMatchObject({ stopReason: 'credentials-rejected', unlocked: 0 });
  });

  it('a 2xx for the method in between: two 403s are two canvases, not a refused key', async () => {
    const key = scriptedKey({ get: { asset_0: 403, asset_2: 403 } });
    const { summary } = await run(oneKey(key), [stale('asset_0'), stale('asset_1'), stale('asset_2'), stale('asset_3')]);
    expect(summary).toMatchObject({ stopReason: null, unlocked: 2, failed: 2, refusedProjects: [] });
  });

  it('the same asset answering 403 twice counts once', async () => {
    const key = scriptedKey({ get: { asset_0: 403 } });
    const { summary } = await run(oneKey(key), [stale('asset_0'), stale('asset_0'), stale('asset_1')]);
    expect(summary).toMatchObject({ stopReason: null, unlocked: 1, failed: 2 });
  });

  it('a key that may read but not unlock (PUT 403 on two assets) is refused', async () => {
    const calls: string[] = [];
    const key = scriptedKey({ put: { asset_0: 403, asset_1: 403, asset_2: 403 } }, calls);
    const { summary } = await run(oneKey(key), [stale('asset_0'), stale('asset_1'), stale('asset_2')]);
    expect(summary).toMatchObject({ stopReason: 'credentials-rejected', failed: 2 });
    expect(calls).not.toContain('PUT asset_2');
  });

  it('a 401 refuses the key at once: every project whose rows used it is named; other keys go on', async () => {
    const calls: string[] = [];
    const refused = scriptedKey({ get: { asset_a0: 401 } }, calls);
    const own = scriptedKey({}, calls);
    const rows = [inProject('asset_a0', 'proj_a'), inProject('asset_c0', 'proj_c'), inProject('asset_b0', 'proj_b'), stale('asset_d0')];
    const { summary } = await run({ byProject: new Map([['proj_c', own]]), default: refused }, rows);
    expect(summary).toMatchObject({ stopReason: null, unlocked: 1, failed: 1 });
    expect(summary.failures).toEqual([expect.objectContaining({ assetId: 'asset_a0', kind: 'credentials-rejected' })]);
    expect([...summary.refusedProjects].sort()).toEqual(['default', 'proj_a', 'proj_b']);
    expect(summary.skipped.projectRefused).toBe(2);
    expect(summary.projects.proj_b?.refused).toBe(true);
    expect(summary.projects.proj_c?.refused).toBe(false);
    expect(calls).toEqual(['GET asset_a0', 'GET asset_c0', 'PUT asset_c0']);
  });

  it('two projects sharing one refused key are refused together; with every key refused the run stops', async () => {
    const refusing = scriptedKey({ get: { asset_a0: 401, asset_c0: 401 } });
    const other = scriptedKey({ get: { asset_c0: 401 } });
    const rows = [inProject('asset_a0', 'proj_a'), inProject('asset_b0', 'proj_b'), inProject('asset_c0', 'proj_c')];
    const { summary } = await run(
      {
        byProject: new Map([
          ['proj_a', refusing],
          ['proj_b', refusing],
          ['proj_c', other],
        ]),
      },
      rows,
    );
    expect(summary).toMatchObject({ stopReason: 'credentials-rejected' });
    expect([...summary.refusedProjects].sort()).toEqual(['proj_a', 'proj_b', 'proj_c']);
  });
});

/** Issue 16 item 8: a 404 is recorded as lastNotFoundAt only in a run where the same key also had a 2xx answer. */
describe('lastNotFoundAt needs a 2xx from the same key', () => {
  const answering404 = (okFor: string[]): LockApi => ({
    readSourceLock: async (assetId) =>
      okFor.includes(assetId)
        ? { ok: true, lockExpiresAt: ABSENT, attempts: 1 }
        : { ok: false, failure: { kind: 'asset-not-found', status: 404, message: 'HTTP 404', attempts: 1, possiblyApplied: false } },
    forceUnlock: async (assetId) => ({ ok: true, asset: { assetId }, attempts: 1 }),
  });
  async function notFoundRecorded(lockApi: LockApi, rows: TrackedCanvas[]): Promise<string[]> {
    const recorded: string[] = [];
    const { store } = fakeStore([rows]);
    store.markNotFound = async (canvas) => void recorded.push(canvas.assetId);
    await reap({ clock: { now: () => NOW }, store, lockApis: oneKey(lockApi), logger: silentLogger }, options({ maxInFlight: 1 }));
    return recorded;
  }

  it('a few 404s and no 2xx (a wrong base URL, below the suspect-base-url count): nothing recorded', async () => {
    expect(await notFoundRecorded(answering404([]), [stale('asset_0'), stale('asset_1'), stale('asset_2')])).toEqual([]);
  });

  it('the same 404s beside a 2xx from that key: recorded', async () => {
    expect(await notFoundRecorded(answering404(['asset_ok']), [stale('asset_0'), stale('asset_ok'), stale('asset_1')])).toEqual([
      'asset_0',
      'asset_1',
    ]);
  });
  it('a failed record after the unlock still reports a row its writer changed meanwhile (a doubt, never silent)', async () => {
    const { store } = fakeStore([[stale('asset_recorded')]]);
    const renewed = { lockExpiresAt: '2026-11-27T12:30:00Z', lockId: 'lk_writer' };
    store.markUnlocked = async () => {
      throw new Error('ProvisionedThroughputExceededException: slow down');
    };
    store.check = async () => ({ kind: 'lock-changed', current: renewed });
    const outcomes: unknown[] = [];

    const summary = await reap(
      { clock: { now: () => NOW }, store, lockApis: oneKey(okApi()), logger: silentLogger, onOutcome: (o) => void outcomes.push(o) },
      options(),
    );

    expect(outcomes).toEqual([
      expect.objectContaining({
        assetId: 'asset_recorded',
        status: 'failed',
        kind: 'store-error',
        step: 'record',
        doubt: expect.objectContaining({ current: renewed }),
      }),
    ]);
    expect(summary.possibleLiveLockUnlocks).toBe(1);
  });

  it('a failed record after the unlock with the row unchanged carries no doubt', async () => {
    const { store } = fakeStore([[stale('asset_recorded')]]);
    store.markUnlocked = async () => {
      throw new Error('ProvisionedThroughputExceededException: slow down');
    };
    const outcomes: Array<Record<string, unknown>> = [];

    const summary = await reap(
      {
        clock: { now: () => NOW },
        store,
        lockApis: oneKey(okApi()),
        logger: silentLogger,
        onOutcome: (o) => void outcomes.push(o as never),
      },
      options(),
    );

    expect(outcomes).toEqual([expect.objectContaining({ status: 'failed', step: 'record' })]);
    expect(outcomes[0]).not.toHaveProperty('doubt');
    expect(summary.possibleLiveLockUnlocks).toBe(0);
  });
});
