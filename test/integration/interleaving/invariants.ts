import { itemKeyOf, type ProxyLogEntry, REAPER_WRITES } from '#local/dynamodb-fault-proxy';
import type { LockEvent } from '#local/scenario-stand-in';
import { type CanvasOutcome, doubtOf } from '#reaper/core/outcome';
import { isLive, isOddNote, isStale, type Lock, type MirrorRecord, type Row, type RunRecord, type ScheduleRecord } from './world';

/**
 * The invariants of one schedule, each a named function over its record (see world.ts) that returns the violations
 * it found, in words that name the canvas, the lock and the requests. Scenario's ordered lock log is the truth; the
 * stand-in's request log and the proxy's write log say who did what, in which order. Each reaper request names its
 * run (RecordedRequest.caller), so a request is tied to the run that sent it exactly, however the runs interleave.
 */

/** A forced unlock at Scenario (the reaper's: writers release with their lockId), and the run that sent it. */
export interface ForcedUnlock {
  event: LockEvent & { kind: 'unlocked'; requestIndex: number };
  /** The run that sent the request that applied it (undefined for a request that names no run). */
  runId?: string;
}

/** A live lock the reaper freed inside the verify → unlock window: taken at Scenario after its last GET. */
export interface WindowCase {
  unlock: ForcedUnlock;
  freed: Lock;
  /** The run's outcome for the canvas carries a doubt (counted in possibleLiveLockUnlocks). */
  reported: boolean;
  /**
   * The lock's mirror write landed before one of the run's own row reads or writes after the claim, so the run could
   * have seen the change; 'ambiguous' when another run held the row meanwhile or the sender is unknown.
   */
  observable: boolean | 'ambiguous';
}

/** Every unlock applied at Scenario by a force-unlock request, with the run that sent it. */
export function forcedUnlocksOf(record: ScheduleRecord): ForcedUnlock[] {
  const forced: ForcedUnlock[] = [];
  for (const event of record.lockLog) {
    if (event.kind !== 'unlocked' || event.requestIndex === undefined) continue;
    if (parseBody(record.requests[event.requestIndex]?.body).forceUnlock !== true) continue;
    const requestIndex = event.requestIndex;
    const runId = record.requests[requestIndex]?.caller;
    forced.push({ event: { ...event, kind: 'unlocked', requestIndex }, ...(runId ? { runId } : {}) });
  }
  return forced;
}

/**
 * 1. No lock that is live at Scenario is freed, except inside the verify → unlock window: every live lock a forced
 * unlock freed was taken after the last GET of that canvas by the unlocking run that reached Scenario before the unlock
 * request did, and no earlier unlock attempt of the same run lies between that GET and this request (each retry is
 * verified again). Only the unlocking run's GETs count: another run's GET, sent beside a claim it then lost, is a
 * reading that run discarded and tells the unlocking run nothing (a request that names no run counts for every run).
 * Returns the window cases found (the allowed ones).
 */
export function liveLocksAreFreedOnlyInTheWindow(
  record: ScheduleRecord,
  forced: readonly ForcedUnlock[],
): { violations: string[]; cases: Omit<WindowCase, 'reported' | 'observable'>[] } {
  const violations: string[] = [];
  const cases: Omit<WindowCase, 'reported' | 'observable'>[] = [];
  for (const unlock of forced) {
    const { event } = unlock;
    const freed = event.freed;
    if (!freed || !isLive(freed, event.atMs)) continue;
    const takenAt = freed.lockId === undefined ? undefined : record.lockPositions.get(freed.lockId);
    const lastGet = lastGetBefore(record, event.assetId, event.requestIndex, unlock.runId);
    const freedBy = `force-unlocked by request #${event.requestIndex} (run ${unlock.runId ?? 'unknown'})`;
    if (takenAt === undefined || lastGet === undefined || takenAt <= lastGet) {
      const seen =
        lastGet === undefined ? 'no GET of it by that run reached Scenario before' : `the last GET before the unlock (#${lastGet}) saw it`;
      violations.push(
        `1: ${event.assetId}: live lock ${JSON.stringify(freed)}, taken at request position ${takenAt ?? '?'}, was ${freedBy}, although ${seen}`,
      );
      continue;
    }
    const unverifiedAttempt = earlierAttemptSince(record, unlock, lastGet);
    if (unverifiedAttempt !== undefined) {
      violations.push(
        `1: ${event.assetId}: live lock ${JSON.stringify(freed)} was ${freedBy}, a retry sent without a GET since the previous attempt (#${unverifiedAttempt}); ` +
          `the lock was taken after that attempt's GET (#${lastGet})`,
      );
      continue;
    }
    cases.push({ unlock, freed });
  }
  return { violations, cases };
}

/**
 * 2. Every window case the reaper could observe is reported: when the lock's mirror write landed before the run's
 * own post-claim row check or record (a consistent GetItem, or its conditional row update), the run's outcome for the
 * canvas carries a doubt (and so counts in possibleLiveLockUnlocks). The others are the window's measured cost.
 */
export function observableWindowCasesAreReported(
  record: ScheduleRecord,
  cases: readonly Omit<WindowCase, 'reported' | 'observable'>[],
): { violations: string[]; cases: WindowCase[] } {
  const violations: string[] = [];
  const judged = cases.map((found): WindowCase => {
    const { unlock, freed } = found;
    const assetId = unlock.event.assetId;
    const outcome = unlock.runId === undefined ? undefined : outcomeOf(record, unlock.runId, assetId);
    const reported = outcome !== undefined && doubtOf(outcome.outcome) !== undefined;
    if (unlock.runId === undefined || outcome === undefined) return { ...found, reported, observable: 'ambiguous' };
    const observable = observedMirror(record, unlock.runId, assetId, freed, outcome.atMs);
    if (observable === true && !reported) {
      violations.push(
        `2: ${assetId}: live lock ${JSON.stringify(freed)} freed in the window by run ${unlock.runId}; its mirror write landed before that run's row check or record, ` +
          `yet the outcome reports no doubt: ${JSON.stringify(brief(outcome.outcome))}`,
      );
    }
    return { ...found, reported, observable };
  });
  return { violations, cases: judged };
}

/** A run whose unlock Scenario applied never says it skipped the canvas (e.g. "renewed" after an applied attempt). */
export function appliedUnlocksAreNotReportedAsSkipped(record: ScheduleRecord, forced: readonly ForcedUnlock[]): string[] {
  const violations: string[] = [];
  for (const { event, runId } of forced) {
    if (runId === undefined) continue;
    const outcome = outcomeOf(record, runId, event.assetId)?.outcome;
    if (!outcome || outcome.status === 'skipped' || outcome.status === 'invalid' || outcome.status === 'would-unlock') {
      violations.push(
        `3: ${event.assetId}: Scenario applied run ${runId}'s unlock (request #${event.requestIndex}), and the run reported ${JSON.stringify(outcome ? brief(outcome) : 'nothing')}`,
      );
    }
  }
  return violations;
}

/**
 * 4. No row is lost, and the reaper never overwrites a writer's write: before the final run each row holds the
 * writer's last mirrored lock, or no lock because that lock was stale and the reaper freed it, or (the row lagging
 * Scenario) Scenario's expiry written by the reaper's heal over that stale lock. The writer's own attribute is intact.
 */
export function rowsEndAsTheWritersLeftThem(record: ScheduleRecord): string[] {
  const violations: string[] = [];
  const { rows, atMs } = record.beforeFinal;
  for (const assetId of record.assetIds) {
    const row = rows.get(assetId);
    const last = lastLanded(record.mirrors.get(assetId) ?? []);
    if (!row) {
      violations.push(`4: ${assetId}: row LOST`);
      continue;
    }
    if (!last) continue;
    if (row.doc?.S !== last.doc) violations.push(`4: ${assetId}: doc is ${row.doc?.S}, the writer last wrote ${last.doc}`);
    const rowLock = lockOfRow(row);
    const asWritten = sameLock(rowLock, last.lock);
    const reapedAfterWrite =
      rowLock.lockExpiresAt === undefined && isStale(last.lock, atMs) && row.lastForceUnlockedLockExpiresAt?.S === last.lock.lockExpiresAt;
    const healed =
      rowLock.lockExpiresAt !== undefined &&
      rowLock.lockId === undefined &&
      row.lastHealedRunId?.S !== undefined &&
      isStale(last.lock, atMs) &&
      record.lockLog.some((event) => event.assetId === assetId && event.kind === 'locked' && event.lockExpiresAt === rowLock.lockExpiresAt);
    if (!asWritten && !reapedAfterWrite && !healed) {
      violations.push(
        `4: ${assetId}: row holds ${JSON.stringify(rowLock)}, the writer last mirrored ${JSON.stringify(last.lock)}: ${JSON.stringify(row)}`,
      );
    }
  }
  return violations;
}

/**
 * 5. Every row update of the reaper that changed a lock (recording an unlock, or healing from Scenario) applied only
 * over the very lock it had claimed, and that lock was stale: replayed from the proxy's ordered write log.
 */
export function reaperChangesOnlyItsClaimedStaleLock(record: ScheduleRecord): string[] {
  const violations: string[] = [];
  for (const assetId of record.assetIds) {
    const writes = appliedWritesOf(record, assetId);
    for (const [index, entry] of writes.entries()) {
      if (!REAPER_WRITES.markUnlocked(entry.body) && !REAPER_WRITES.heal(entry.body)) continue;
      const lock = replayLock(writes.slice(0, index));
      const values = entry.body.ExpressionAttributeValues ?? {};
      const claimed: Lock = { lockExpiresAt: values[':exp']?.S, lockId: values[':lockId']?.S };
      if (!sameLock(lock, claimed) || !isStale(lock, entry.startedAtMs)) {
        violations.push(
          `5: ${assetId}: the reaper's row update (${entry.body.UpdateExpression}) replaced ${JSON.stringify(lock)}, having claimed ${JSON.stringify(claimed)}`,
        );
      }
    }
  }
  return violations;
}

/**
 * 6. Honest runs: each run examines every row once (unless it says it was cut short) and gives each row it examined
 * exactly one outcome, its counters match its outcomes, and it counts exactly its doubtful outcomes as possible live-lock
 * unlocks, each with a warning.
 */
export function runsAreHonest(record: ScheduleRecord): string[] {
  const violations: string[] = [];
  const runs = [...record.runs, record.final];
  for (const [i, { summary, outcomes: reported }] of runs.entries()) {
    const outcomes = reported.map((r) => r.outcome);
    const name = i === runs.length - 1 ? 'the final run' : `run ${i}`;
    const assets = outcomes.map((o) => o.assetId);
    if (new Set(assets).size !== assets.length) violations.push(`6: ${name} reported a canvas twice: ${assets.join(', ')}`);
    const examinedAll = summary.examined === record.assetIds.length;
    if (outcomes.length !== summary.examined || (!examinedAll && !summary.cutShort) || summary.examined > record.assetIds.length) {
      violations.push(
        `6: ${name} examined ${summary.examined} rows with ${outcomes.length} outcomes, the table has ${record.assetIds.length} (cut short: ${summary.cutShort})`,
      );
    }
    if (summary.stopReason === 'store-error' && !summary.cutShort)
      violations.push(`6: ${name} stopped on a store error without saying it was cut short`);
    const count = (status: CanvasOutcome['status']) => outcomes.filter((o) => o.status === status).length;
    const skippedTotal = Object.values(summary.skipped).reduce((a, b) => a + b, 0);
    if (
      summary.unlocked !== count('unlocked') + count('unlocked-row-changed') ||
      summary.failed !== count('failed') ||
      skippedTotal !== count('skipped') + count('invalid')
    ) {
      violations.push(`6: ${name}'s counters do not match its outcomes: ${JSON.stringify(summary)}`);
    }
    const doubts = outcomes.filter((o) => doubtOf(o)).length;
    const warnings = summary.warnings.filter((w) => w.kind === 'possible-live-lock-unlock').length;
    if (summary.possibleLiveLockUnlocks !== doubts || warnings !== doubts) {
      violations.push(
        `6: ${name} counts ${summary.possibleLiveLockUnlocks} possible live-lock unlocks (${warnings} warnings) for ${doubts} doubtful outcomes`,
      );
    }
  }
  return violations;
}

/**
 * 7. A later run without faults frees exactly what is stale at Scenario among the rows the table says are stale:
 * those Scenario shows unlocked or stale are unlocked, those it shows live are skipped (renewed-at-source) and healed;
 * nothing fails or is doubtful, and afterwards no row holds a stale lock.
 */
export function finalRunFreesWhatIsStaleAtScenario(record: ScheduleRecord): string[] {
  const violations: string[] = [];
  const { rows, scenario, atMs } = record.beforeFinal;
  const { summary, outcomes } = record.final;
  const expectedFreed: string[] = [];
  for (const assetId of record.assetIds) {
    const rowStale = isStale(lockOfRow(rows.get(assetId)), atMs);
    const atScenario = scenario.get(assetId) ?? {};
    const outcome = outcomes.find((o) => o.outcome.assetId === assetId)?.outcome;
    if (rowStale && !isLive(atScenario, atMs)) {
      expectedFreed.push(assetId);
      if (outcome?.status !== 'unlocked')
        violations.push(
          `7: ${assetId}: stale in the table and not live at Scenario, the final run reported ${JSON.stringify(outcome && brief(outcome))}`,
        );
    } else if (rowStale) {
      if (outcome?.status !== 'skipped' || outcome.reason !== 'renewed-at-source') {
        violations.push(
          `7: ${assetId}: stale in the table but live at Scenario, the final run reported ${JSON.stringify(outcome && brief(outcome))}`,
        );
      }
      const healedTo = lockOfRow(record.rowsAfterFinal.get(assetId)).lockExpiresAt;
      if (healedTo !== atScenario.lockExpiresAt)
        violations.push(`7: ${assetId}: the row was not healed to Scenario's ${atScenario.lockExpiresAt} (holds ${healedTo})`);
    }
    const after = lockOfRow(record.rowsAfterFinal.get(assetId));
    if (isStale(after, Date.now()))
      violations.push(`7: ${assetId} still holds a stale lock after the final run: ${JSON.stringify(record.rowsAfterFinal.get(assetId))}`);
  }
  // Canvases, not unlocks: a retry after an applied attempt whose answer was late frees nothing more.
  const freedNow = [
    ...new Set(
      record.lockLog.filter((event) => event.seq >= record.finalStartSeq && event.kind === 'unlocked').map((event) => event.assetId),
    ),
  ];
  if (
    JSON.stringify(freedNow.sort()) !== JSON.stringify(expectedFreed.sort()) ||
    summary.failed !== 0 ||
    summary.possibleLiveLockUnlocks !== 0
  ) {
    violations.push(
      `7: the final run freed [${freedNow.join(', ')}] (failed ${summary.failed}, doubts ${summary.possibleLiveLockUnlocks}); expected [${expectedFreed.join(', ')}]`,
    );
  }
  return violations;
}

/**
 * 8. An odd answer frees nothing (the odd-answers variant): a request of this schedule that Scenario answered with an
 * odd shape (no metadata, an unparsable lock, a redirect, a 403) ends its canvas as failed in the run that got it,
 * and after an odd GET that run sends no unlock for the canvas. A GET sent beside a claim that failed is discarded
 * as a reading, so its canvas ends as the claim said (skipped, or failed at the claim); it still frees nothing. (Whether a 403 also stops the canvas's key is the
 * run's business: this holds either way.) Returns how many odd answers there were, and how many were tied to a run.
 */
export function oddAnswersFreeNothing(record: ScheduleRecord): { violations: string[]; odd: number; attributed: number } {
  const violations: string[] = [];
  const ids = new Set(record.assetIds);
  let odd = 0;
  let attributed = 0;
  for (const [index, request] of record.requests.entries()) {
    if (!isOddNote(request.note) || request.assetId === undefined || !ids.has(request.assetId)) continue;
    odd += 1;
    const runId = request.caller;
    if (runId === undefined) continue;
    attributed += 1;
    const outcome = outcomeOf(record, runId, request.assetId)?.outcome;
    const answered = `${request.method} #${index} answered ${request.note}`;
    const discardedReading = request.route === 'get' && outcome !== undefined && claimFailed(outcome);
    if (outcome?.status !== 'failed' && !discardedReading) {
      violations.push(`8: ${request.assetId}: ${answered} for run ${runId}, which reported ${JSON.stringify(outcome && brief(outcome))}`);
    }
    if (request.route !== 'get') continue;
    const unlockAfter = record.requests.findIndex(
      (later, i) => i > index && later.route === 'unlock' && later.assetId === request.assetId && later.caller === runId,
    );
    if (unlockAfter !== -1) {
      violations.push(`8: ${request.assetId}: ${answered} for run ${runId}, which then sent an unlock (request #${unlockAfter})`);
    }
  }
  return { violations, odd, attributed };
}

/**
 * 0. The record can tie every request to its sender: each GET and force-unlock of this schedule's canvases names one of
 * its runs (RecordedRequest.caller). The invariants above judge a run by its own requests; one that named no run would
 * count for every run, and one naming another schedule's run would not be judged at all.
 */
export function requestsNameTheirRun(record: ScheduleRecord): string[] {
  const ids = new Set(record.assetIds);
  const runIds = new Set([...record.runs, record.final].map((run) => run.runId));
  const violations: string[] = [];
  for (const [index, request] of record.requests.entries()) {
    if (request.assetId === undefined || !ids.has(request.assetId)) continue;
    const reapers = request.route === 'get' || (request.route === 'unlock' && parseBody(request.body).forceUnlock === true);
    if (reapers && (request.caller === undefined || !runIds.has(request.caller))) {
      violations.push(`0: ${request.assetId}: ${request.method} #${index} names ${request.caller ?? 'no run'}, not a run of this schedule`);
    }
  }
  return violations;
}

/** What one schedule measured (summed over schedules for the report line). */
export interface ScheduleStats {
  runs: number;
  cutShort: number;
  forcedUnlocks: number;
  staleLocksFreed: number;
  renewedAtSource: number;
  heals: number;
  renewed: number;
  possibleLiveLockUnlocks: number;
  windowCases: number;
  windowReported: number;
  windowObservable: number;
  windowAmbiguous: number;
  mirrorsLost: number;
  /** Schedules of the odd-answers variant, the odd answers Scenario gave in them, and how many were tied to a run. */
  oddSchedules: number;
  oddAnswers: number;
  oddAnswersAttributed: number;
  /** Invariant 1's violations: live locks freed outside the verify → unlock window (must stay 0). */
  liveFreedOutsideWindow: number;
}

export const NO_STATS: ScheduleStats = {
  runs: 0,
  cutShort: 0,
  forcedUnlocks: 0,
  staleLocksFreed: 0,
  renewedAtSource: 0,
  heals: 0,
  renewed: 0,
  possibleLiveLockUnlocks: 0,
  windowCases: 0,
  windowReported: 0,
  windowObservable: 0,
  windowAmbiguous: 0,
  mirrorsLost: 0,
  oddSchedules: 0,
  oddAnswers: 0,
  oddAnswersAttributed: 0,
  liveFreedOutsideWindow: 0,
};

/** All invariants of one schedule, and what it measured. */
export function checkSchedule(record: ScheduleRecord): { violations: string[]; stats: ScheduleStats } {
  const forced = forcedUnlocksOf(record);
  const window = liveLocksAreFreedOnlyInTheWindow(record, forced);
  const reported = observableWindowCasesAreReported(record, window.cases);
  const odd = oddAnswersFreeNothing(record);
  const violations = [
    ...requestsNameTheirRun(record),
    ...window.violations,
    ...reported.violations,
    ...appliedUnlocksAreNotReportedAsSkipped(record, forced),
    ...rowsEndAsTheWritersLeftThem(record),
    ...reaperChangesOnlyItsClaimedStaleLock(record),
    ...runsAreHonest(record),
    ...finalRunFreesWhatIsStaleAtScenario(record),
    ...odd.violations,
  ];
  const runs = [...record.runs, record.final];
  const outcomes = runs.flatMap((run) => run.outcomes.map((o) => o.outcome));
  const cases = reported.cases;
  const stats: ScheduleStats = {
    runs: record.runs.length,
    cutShort: record.runs.filter((run) => run.summary.cutShort).length,
    forcedUnlocks: forced.length,
    staleLocksFreed: forced.filter(({ event }) => event.freed && isStale(event.freed, event.atMs)).length,
    renewedAtSource: outcomes.filter((o) => o.status === 'skipped' && o.reason === 'renewed-at-source').length,
    heals: record.proxyLog.filter((entry) => REAPER_WRITES.heal(entry.body) && entry.serverStatus === 200).length,
    renewed: outcomes.filter((o) => o.status === 'skipped' && o.reason === 'renewed').length,
    possibleLiveLockUnlocks: runs.reduce((sum, run) => sum + run.summary.possibleLiveLockUnlocks, 0),
    windowCases: cases.length,
    windowReported: cases.filter((c) => c.reported).length,
    windowObservable: cases.filter((c) => c.observable === true).length,
    windowAmbiguous: cases.filter((c) => c.observable === 'ambiguous').length,
    mirrorsLost: [...record.mirrors.values()].flat().filter((m) => m.lost).length,
    oddSchedules: record.plan.variant === 'odd-answers' ? 1 : 0,
    oddAnswers: odd.odd,
    oddAnswersAttributed: odd.attributed,
    liveFreedOutsideWindow: window.violations.length,
  };
  return { violations, stats };
}

/**
 * The index of the last GET of this canvas that reached Scenario before request `beforeIndex`, sent by run `runId`
 * (when given; a GET that names no run counts as any run's).
 */
function lastGetBefore(record: ScheduleRecord, assetId: string, beforeIndex: number, runId?: string): number | undefined {
  for (let i = beforeIndex - 1; i >= 0; i -= 1) {
    const request = record.requests[i]!;
    if (request.route !== 'get' || request.assetId !== assetId) continue;
    if (runId === undefined || request.caller === undefined || request.caller === runId) return i;
  }
  return undefined;
}

/**
 * A force-unlock request of the same run (or of an unknown sender) for this canvas between the GET and the unlock
 * request that applied: an earlier attempt, so the applied one was a retry that was not verified again.
 */
function earlierAttemptSince(record: ScheduleRecord, unlock: ForcedUnlock, getIndex: number): number | undefined {
  const { assetId, requestIndex } = unlock.event;
  for (let i = getIndex + 1; i < requestIndex; i += 1) {
    const request = record.requests[i]!;
    if (request.route !== 'unlock' || request.assetId !== assetId || parseBody(request.body).forceUnlock !== true) continue;
    const otherRun = unlock.runId !== undefined && request.caller !== undefined && request.caller !== unlock.runId;
    if (!otherRun) return i;
  }
  return undefined;
}

/** The outcomes of a claim that could not be made (see unlockCanvas): the canvas's GET, if sent, was discarded. */
function claimFailed(outcome: CanvasOutcome): boolean {
  if (outcome.status === 'failed') return outcome.step === 'claim';
  return outcome.status === 'skipped' && ['not-tracked', 'not-locked', 'renewed', 'claimed-by-other-run'].includes(outcome.reason);
}

function outcomeOf(record: ScheduleRecord, runId: string, assetId: string) {
  const run: RunRecord | undefined = [...record.runs, record.final].find((r) => r.runId === runId);
  return run?.outcomes.find((o) => o.outcome.assetId === assetId);
}

/**
 * Whether run `runId` read or conditionally wrote the row after the freed lock's mirror write had landed there, before
 * it reported the canvas ('ambiguous' when another run claimed the row meanwhile: its reads look the same).
 */
function observedMirror(record: ScheduleRecord, runId: string, assetId: string, freed: Lock, reportedAtMs: number): boolean | 'ambiguous' {
  const mirror = (record.mirrors.get(assetId) ?? []).find((m) => m.landed && m.lock.lockId === freed.lockId);
  const onItem = record.proxyLog.filter((entry) => entry.serverStatus !== undefined && isOnItem(record, assetId, entry));
  const mirrorWrite = mirror && onItem.find((entry) => docOf(entry) === mirror.doc && entry.serverStatus === 200);
  if (!mirrorWrite) return false;
  const claims = onItem.filter((entry) => REAPER_WRITES.claim(entry.body) && entry.serverStatus === 200);
  const ownClaim = claims.filter((entry) => runOf(entry) === runId && entry.startedAtMs <= reportedAtMs).at(-1);
  if (!ownClaim) return 'ambiguous';
  const during = (entry: ProxyLogEntry) => entry.startedAtMs >= ownClaim.startedAtMs && entry.finishedAtMs <= reportedAtMs;
  if (claims.some((entry) => runOf(entry) !== runId && during(entry))) return 'ambiguous';
  return onItem.some(
    (entry) =>
      during(entry) &&
      entry.startedAtMs > mirrorWrite.finishedAtMs &&
      ((REAPER_WRITES.markUnlocked(entry.body) && runOf(entry) === runId) ||
        (entry.operation === 'GetItem' && entry.body.ConsistentRead === true && entry.body.ProjectionExpression === undefined)),
  );
}

/** The writes that the server applied to one item, in the order it applied them. */
function appliedWritesOf(record: ScheduleRecord, assetId: string): ProxyLogEntry[] {
  return record.proxyLog.filter(
    (entry) =>
      ['PutItem', 'UpdateItem', 'DeleteItem'].includes(entry.operation) && entry.serverStatus === 200 && isOnItem(record, assetId, entry),
  );
}

/** The row's lock after these applied writes (writers' mirror writes, the reaper's unlocks and heals). */
function replayLock(writes: readonly ProxyLogEntry[]): Lock {
  let lock: Lock = {};
  for (const { operation, body } of writes) {
    const expression = typeof body.UpdateExpression === 'string' ? body.UpdateExpression : '';
    const values = body.ExpressionAttributeValues ?? {};
    if (operation === 'PutItem') lock = { lockExpiresAt: body.Item?.lockExpiresAt?.S, lockId: body.Item?.lockId?.S };
    else if (expression.startsWith('SET lockExpiresAt')) lock = { lockExpiresAt: values[':exp']?.S, lockId: values[':id']?.S || undefined };
    else if (expression.startsWith('REMOVE lockExpiresAt') || REAPER_WRITES.markUnlocked(body)) lock = {};
    else if (REAPER_WRITES.heal(body)) lock = { lockExpiresAt: values[':sourceExp']?.S };
  }
  return lock;
}

function isOnItem(record: ScheduleRecord, assetId: string, entry: ProxyLogEntry): boolean {
  return itemKeyOf(entry.operation, entry.body) === itemKeyOf('GetItem', { TableName: record.tableName, Key: { assetId: { S: assetId } } });
}

function runOf(entry: ProxyLogEntry): string | undefined {
  return entry.body.ExpressionAttributeValues?.[':run']?.S;
}

function docOf(entry: ProxyLogEntry): string | undefined {
  return entry.body.Item?.doc?.S ?? entry.body.ExpressionAttributeValues?.[':doc']?.S;
}

function lastLanded(mirrors: readonly MirrorRecord[]): MirrorRecord | undefined {
  return mirrors.filter((m) => m.landed).at(-1);
}

function lockOfRow(row: Row | undefined): Lock {
  return { lockExpiresAt: row?.lockExpiresAt?.S, lockId: row?.lockId?.S };
}

function sameLock(a: Lock, b: Lock): boolean {
  return a.lockExpiresAt === b.lockExpiresAt && (a.lockId ?? '') === (b.lockId ?? '');
}

function parseBody(body: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** An outcome without the logged asset record, for a violation message. */
function brief(outcome: CanvasOutcome) {
  return 'asset' in outcome ? { ...outcome, asset: undefined } : outcome;
}
