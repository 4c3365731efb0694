import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LockEvent, type RecordedRequest, STAND_IN_CALLER_HEADER } from '#local/scenario-stand-in';
import { createScenarioLockApi } from '#reaper/adapters/scenario-lock-api';
import { REAPER_ATTRIBUTES } from '#reaper/table-contract';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';
import { forcedUnlocksOf, liveLocksAreFreedOnlyInTheWindow, requestsNameTheirRun } from './interleaving/invariants';
import type { RunRecord, ScheduleRecord } from './interleaving/world';

/**
 * Invariant 1 of the interleaving soak, on crafted records: which GET is the unlocking run's own. The soak's failure of
 * seed 20261164 (run X verifies canvas 4 and holds the claim; a writer renews the lock at Scenario, its mirror write
 * lost; run Y, whose claim then fails, sends its GET beside that claim and sees the new lock; X's PUT frees it) is the
 * allowed verify → unlock window when Y's GET is Y's, and a live lock freed outside the window when X itself saw it.
 */

const ASSET = 'asset_crafted_4';
const X = 'run-x';
const Y = 'run-y';
const LIVE = { lockExpiresAt: new Date(Date.now() + 20 * 60_000).toISOString(), lockId: 'lk_377_732285' };

/** A run as invariants 0 and 1 see it: its id. */
const runNamed = (runId: string) => ({ runId }) as RunRecord;

function request(index: number, route: 'get' | 'unlock', caller: string | undefined): RecordedRequest {
  return {
    method: route === 'get' ? 'GET' : 'PUT',
    rawPath: route === 'get' ? `/v1/assets/${ASSET}` : `/v1/assets/${ASSET}/unlock`,
    assetId: ASSET,
    route,
    authorized: true,
    body: route === 'get' ? '' : JSON.stringify({ forceUnlock: true }),
    receivedAtMs: 1_000 + index,
    ...(caller === undefined ? {} : { caller }),
  };
}

/**
 * #0 X's GET (the old, stale lock), then the writer's new lock (position 1), #1 a GET by `secondGetBy`, #2 X's PUT,
 * which frees the new lock. Each request names its run (`caller`), as the world's fetch makes it. (X's GET answer may
 * reach X only after #1 has reached Scenario, on a loaded machine: that is what a time window cannot tell apart.)
 */
function craftedRecord(secondGetBy: string | undefined): ScheduleRecord {
  const requests = [request(0, 'get', X), request(1, 'get', secondGetBy), request(2, 'unlock', X)];
  const lockLog: LockEvent[] = [
    { seq: 0, assetId: ASSET, atMs: 1_000, kind: 'locked', ...LIVE },
    { seq: 1, assetId: ASSET, atMs: 1_002, kind: 'unlocked', freed: LIVE, requestIndex: 2 },
  ];
  // Only what invariants 0 and 1 read: the runs' ids, the request log, the lock log, and where each lock was taken.
  return {
    runs: [runNamed(X), runNamed(Y)],
    final: runNamed('run-final'),
    assetIds: [ASSET],
    requests,
    lockLog,
    lockPositions: new Map([[LIVE.lockId, 1]]),
  } as Partial<ScheduleRecord> as ScheduleRecord;
}

function judge(record: ScheduleRecord) {
  const forced = forcedUnlocksOf(record);
  return { forced, ...liveLocksAreFreedOnlyInTheWindow(record, forced) };
}

describe('interleaving invariant 1: the unlocking run is judged by its own GETs only', () => {
  it("another run's GET, arriving while the unlocking run waited for its own answer, is not the unlocking run's reading", () => {
    const { forced, violations, cases } = judge(craftedRecord(Y));
    expect(forced.map((unlock) => unlock.runId)).toEqual([X]);
    // X's last own GET (#0) came before the lock was taken (position 1): a window case, not a violation.
    expect(violations).toEqual([]);
    expect(cases.map((found) => [found.unlock.runId, found.freed.lockId])).toEqual([[X, LIVE.lockId]]);
  });

  it("the unlocking run's own GET that saw the live lock is a violation", () => {
    const { violations, cases } = judge(craftedRecord(X));
    expect(cases).toEqual([]);
    expect(violations).toEqual([
      `1: ${ASSET}: live lock ${JSON.stringify(LIVE)}, taken at request position 1, was force-unlocked by request #2 (run ${X}), although the last GET before the unlock (#1) saw it`,
    ]);
  });

  it('a GET that names no run counts against every run, as before', () => {
    const { violations } = judge(craftedRecord(undefined));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain('the last GET before the unlock (#1) saw it');
  });
});

describe('interleaving invariant 0: every request of the reaper names its run', () => {
  it('passes when each GET and force-unlock names a run of the schedule', () => {
    expect(requestsNameTheirRun(craftedRecord(Y))).toEqual([]);
  });

  it('names a GET that names no run, or a run of another schedule', () => {
    expect(requestsNameTheirRun(craftedRecord(undefined))).toEqual([`0: ${ASSET}: GET #1 names no run, not a run of this schedule`]);
    expect(requestsNameTheirRun(craftedRecord('run-of-another-schedule'))).toEqual([
      `0: ${ASSET}: GET #1 names run-of-another-schedule, not a run of this schedule`,
    ]);
  });
});

/**
 * The same interleaving, forced with the real parts (ky → the Scenario stand-in, the AWS SDK → the local DynamoDB): X's
 * GET answer is held back from X until Y's GET has reached Scenario, as a loaded machine does by chance. The reaper
 * does what it should (X frees the lock taken after its own reading: the verify → unlock window); the record names
 * every request's run, so invariant 1 finds the window case where a send window would have found Y's GET to be X's.
 */
describe("the seed-20261164 interleaving, forced: another run's GET inside the unlocking run's send window", () => {
  let h: ReaperHarness;
  beforeEach(async () => {
    h = await createReaperHarness({ requestTimeoutMs: 5_000, maxRetries: 0 });
  });
  afterEach(async () => {
    await h.close();
  });

  /** Polls `condition` until it holds, or gives up after `guardMs` (a guard so a broken test cannot hang; never a measure). */
  const until = async (condition: () => boolean | Promise<boolean>, guardMs = 5_000) => {
    const giveUpAt = Date.now() + guardMs;
    while (!(await condition()) && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 2));
    return condition();
  };

  it('X frees the lock renewed after its own GET; invariant 1 judges X by that GET, not by Y’s', async () => {
    const assetId = 'asset_s20261164_4';
    await h.seed([{ assetId, lockExpiresAt: minutesAgo(600) }]);
    const getWindowsOfX: { fromIndex: number; toIndex: number }[] = [];
    const lockPositions = new Map<string, number>();
    let runY: Promise<unknown> | undefined;
    let heldBack = false;

    const lockApiOf = (runId: string, beforeAnswer?: (request: Request) => Promise<void>) =>
      createScenarioLockApi({
        baseUrl: h.api.baseUrl,
        credentials: { apiKey: h.api.apiKey, apiSecret: h.api.apiSecret },
        requestTimeoutMs: 5_000,
        maxRetries: 0,
        clock: h.clock,
        fetch: async (input, init) => {
          const request = input as Request;
          request.headers.set(STAND_IN_CALLER_HEADER, runId);
          const fromIndex = h.api.requests.length;
          const answer = await fetch(request, init);
          await beforeAnswer?.(request);
          if (runId === X && request.method === 'GET') getWindowsOfX.push({ fromIndex, toIndex: h.api.requests.length });
          return answer;
        },
      });
    const lockApiY = lockApiOf(Y);
    const lockApiX = lockApiOf(X, async (request) => {
      if (request.method !== 'GET' || heldBack) return;
      heldBack = true;
      // Scenario has answered X's GET (the stale lock). Before X sees that answer: X's claim lands, the writer renews the
      // lock at Scenario (its mirror write lost: the row keeps the stale lock), and run Y starts; Y's GET, sent beside a
      // claim that fails (X holds the row), reaches Scenario and sees the new lock.
      expect(await until(async () => (await h.row(assetId))?.[REAPER_ATTRIBUTES.claimRunId]?.S === X)).toBe(true);
      const lockId = h.api.lock(assetId, minutesFromNow(20));
      lockPositions.set(lockId, h.api.requests.length);
      runY = h.run({ runId: Y, lockApi: lockApiY, maxInFlight: 1 });
      expect(await until(() => h.api.requests.some((r) => r.route === 'get' && r.caller === Y))).toBe(true);
    });

    const x = await h.run({ runId: X, lockApi: lockApiX, maxInFlight: 1 });
    const y = (await runY) as Awaited<ReturnType<ReaperHarness['run']>>;

    // What the reaper did: Y skipped the canvas (its GET a discarded reading); X unlocked it, freeing the new lock.
    expect(y.byAsset.get(assetId)).toMatchObject({ status: 'skipped', reason: 'claimed-by-other-run' });
    expect(x.byAsset.get(assetId)).toMatchObject({ status: 'unlocked' });
    const record = {
      runs: [runNamed(X), runNamed(Y)],
      final: runNamed('run-final'),
      assetIds: [assetId],
      requests: h.api.requests,
      lockLog: h.api.lockLog.filter((event) => event.assetId === assetId),
      lockPositions,
    } as Partial<ScheduleRecord> as ScheduleRecord;
    const getOfY = h.api.requests.findIndex((r) => r.route === 'get' && r.caller === Y);
    const getOfX = h.api.requests.findIndex((r) => r.route === 'get' && r.caller === X);
    // Y's GET came after the renewal and saw it, inside X's send window for its own GET, which began before X's GET (#getOfX).
    expect(getOfX).toBeLessThan(getOfY);
    expect(getWindowsOfX.some((w) => w.fromIndex <= getOfY && getOfY < w.toIndex)).toBe(true);

    const { forced, violations, cases } = judge(record);
    expect(forced.map((unlock) => unlock.runId)).toEqual([X]);
    expect(requestsNameTheirRun(record)).toEqual([]);
    expect(violations).toEqual([]);
    expect(cases).toHaveLength(1);
    expect(cases[0]?.freed.lockId).toBe(h.api.lockLog.find((event) => event.kind === 'locked')?.lockId);
  });
});
