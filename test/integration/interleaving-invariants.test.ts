import { describe, expect, it } from 'vitest';
import type { LockEvent, RecordedRequest } from '#local/scenario-stand-in';
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
  const run = (runId: string) => ({ runId }) as RunRecord;
  return {
    runs: [run(X), run(Y)],
    final: run('run-final'),
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
