import { errorMessage } from './error-message';
import { parseLockExpiry } from './lock-expiry';
import type { CanvasOutcome, PossibleLiveLockUnlock, SkipReason, SourceReading } from './outcome';
import type { ApiFailure, ApiStep, CanvasStore, ClaimResult, Clock, LockApi, ReapLogger, RetryDecision, RowCheck } from './ports';
import { projectOf } from './project';
import type { RunControl } from './run-control';
import { lockViewOf, type TrackedCanvas } from './tracked-canvas';
import { judgeSourceLock, liveLockExpiry } from './verdict';

export interface UnlockCanvasDependencies {
  clock: Clock;
  store: CanvasStore;
  lockApi: LockApi;
  logger: ReapLogger;
}

/** What one canvas's life needs from the run around it. */
export interface CanvasRun {
  runId: string;
  /** Epoch ms by which every request of this canvas must have ended. */
  deadlineMs: number;
  graceMs: number;
  /** GET the asset before the unlock, and again before each retry (VERIFY_AT_SOURCE). */
  verifyAtSource: boolean;
  /** The run's stopping rule, and its judgement of each key. */
  control: Pick<RunControl<LockApi>, 'mayStart' | 'stop' | 'noteAnswer' | 'noteKeyUse' | 'isRefused'>;
  /** Told of each canvas Scenario answered 404 for (and the key it used); the run records them if the 404s were real. */
  onNotFound?: (canvas: TrackedCanvas, key: LockApi) => void;
}

/**
 * A claim never outlasts this, whatever the run's budget (a local run may be given hours): a killed CLI must not
 * block the Lambda's runs for long. A canvas's requests end before its claim does.
 */
export const MAX_CLAIM_MS = 15 * 60_000;

const CLAIM_SKIP_REASON: Record<Exclude<ClaimResult, 'claimed'>, SkipReason> = {
  gone: 'not-tracked',
  'no-longer-locked': 'not-locked',
  'lock-changed': 'renewed',
  'claimed-by-other-run': 'claimed-by-other-run',
};

/**
 * The life of one stale canvas, once it holds a request slot (no claim is held while waiting for one), in order:
 *   1. gates   the run must not have stopped, and the canvas's key must not be refused;
 *   2. claim   mark the row as this run's, only if it still holds the lock read (the last look at the table);
 *   3. verify  GET the asset: Scenario holds the truth, the row is a mirror that can lag. A live lock there is not
 *              unlocked, and the row is healed with Scenario's expiry. The GET is sent together with the claim (it
 *              only reads), and counts as a reading only once the claim succeeded. With verification off the claim
 *              comes first, on purpose: the PUT is the one request that frees a lock, and it is never sent for a row
 *              this run does not hold. There a slot covers the claim and then the PUT, and nothing is awaited in
 *              between: beyond the PUT itself it holds only the claim (one conditional write, ~7 ms on the bench's
 *              dynalite beside a 50 ms request), which issue 20 keeps at ≥ 0.8 of limit ÷ latency;
 *   4. unlock  force-unlock; before each retry, look again (row and Scenario) and stop if the lock changed;
 *   5. record  update the row, only if it still holds the lock read and our claim.
 * The slot is given back (`releaseSlot`, which may be called more than once) after the last request, so the table
 * writes of one canvas overlap other canvases' requests. Whatever happens, no row is deleted, a renewed lock is never
 * overwritten, and every doubt is reported. What an answer says about the run or the key is told before the slot
 * passes on. Never throws for an expected failure.
 */
export async function unlockCanvas(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  run: CanvasRun,
  releaseSlot: () => void = () => undefined,
): Promise<CanvasOutcome> {
  const { clock, lockApi } = deps;
  const { assetId } = canvas;
  const lockExpiresAt = lockViewOf(canvas).lockExpiresAt ?? '';
  let requestsDone = false;
  try {
    run.control.noteKeyUse(lockApi, projectOf(canvas));
    if (!run.control.mayStart()) return { assetId, status: 'skipped', reason: 'run-stopped', lockExpiresAt };
    if (run.control.isRefused(lockApi)) return { assetId, status: 'skipped', reason: 'project-refused', lockExpiresAt };

    const deadlineMs = Math.min(run.deadlineMs, clock.now() + MAX_CLAIM_MS);
    const claiming = claimRow(deps, canvas, run.runId, deadlineMs);
    let sourceRead: SourceReading | undefined;

    if (!run.verifyAtSource) {
      // No GET to overlap: the claim comes first, and the PUT (the one request that frees a lock) is never sent for a
      // row this run does not hold.
      const claim = await claiming;
      if (claim !== 'claimed') return claim;
    } else {
      // The GET only reads, so it is sent together with the claim; the unlock waits for both. The GET's answer is
      // kept as a reading only if the claim succeeded, but every answer judges the key and counts toward the
      // suspect-base-url rule, as any answer does. A GET that fails before the claim lands waits for it, then gives it
      // back; a read that throws (a bug) is rethrown only once the claim has landed, so the catch below can give it back.
      const reading = lockApi.readSourceLock(assetId, { deadlineMs }).then(
        (source) => ({ source }),
        (error: unknown) => ({ error }),
      );
      const claim = await claiming;
      const read = await reading;
      if ('error' in read) throw read.error;
      const { source } = read;
      noteAnswer(run, lockApi, canvas, 'verify', source);
      if (claim !== 'claimed') return claim;
      const atSource = judgeSourceLock(source, clock.now(), run.graceMs);
      if (atSource.kind === 'failed') {
        noteFailureForRun(run, lockApi, canvas, atSource.failure);
        releaseSlot();
        await giveBackClaim(deps, canvas, run.runId);
        return failedAt('verify', assetId, atSource.failure);
      }
      if (atSource.kind === 'live') {
        const liveAtSource = atSource.lockExpiresAt;
        releaseSlot();
        const rowHealed = await healRow(deps, canvas, run.runId, liveAtSource);
        return { assetId, status: 'skipped', reason: 'renewed-at-source', lockExpiresAt, sourceLockExpiresAt: liveAtSource, rowHealed };
      }
      sourceRead = { lockExpiresAt: atSource.lockExpiresAt };
    }

    const unlock = await lockApi.forceUnlock(assetId, { deadlineMs, mayRetry: () => stillStale(deps, canvas, run, deadlineMs) });
    requestsDone = true;
    noteAnswer(run, lockApi, canvas, 'unlock', unlock);
    if (!unlock.ok) {
      noteFailureForRun(run, lockApi, canvas, unlock.failure);
      releaseSlot();
      return await unlockFailed(deps, canvas, run.runId, unlock.failure);
    }
    releaseSlot();
    return await recordUnlock(deps, canvas, run.runId, {
      lockExpiresAt,
      attempts: unlock.attempts,
      asset: unlock.asset,
      ...(sourceRead ? { source: sourceRead } : {}),
    });
  } catch (error) {
    // Every expected failure is handled above; this keeps a bug from escaping unreported or leaving a claim behind.
    if (!requestsDone) await giveBackClaim(deps, canvas, run.runId);
    return { assetId, status: 'failed', kind: 'internal-error', error: errorMessage(error) };
  } finally {
    releaseSlot();
  }
}

/**
 * Step 2: the claim, as 'claimed' or the canvas's outcome when it could not be made. Never rejects, so it can run
 * beside the GET and always be waited for.
 */
async function claimRow(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  runId: string,
  untilMs: number,
): Promise<'claimed' | CanvasOutcome> {
  const { assetId } = canvas;
  try {
    const claim = await deps.store.claim(canvas, { runId, untilMs, nowMs: deps.clock.now() });
    if (claim === 'claimed') return claim;
    return { assetId, status: 'skipped', reason: CLAIM_SKIP_REASON[claim], lockExpiresAt: lockViewOf(canvas).lockExpiresAt ?? '' };
  } catch (error) {
    return { assetId, status: 'failed', kind: 'store-error', step: 'claim', error: `claiming the row failed: ${errorMessage(error)}` };
  }
}

/** Answers the check before a retry did not understand: the canvas fails with their kind. */
const NOT_UNDERSTOOD_KINDS: ReadonlySet<ApiFailure['kind']> = new Set(['bad-response', 'unexpected-redirect']);

/**
 * The check before each retry of the unlock: the row must still hold the lock claimed and our claim (consistent
 * read), and Scenario must still show no live lock. Anything else stops the retries.
 */
async function stillStale(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  run: CanvasRun,
  deadlineMs: number,
): Promise<RetryDecision> {
  let row: RowCheck;
  try {
    row = await deps.store.check(canvas, run.runId);
  } catch (error) {
    return { retry: false, lockChanged: false, reason: `the row could not be read again before a retry: ${errorMessage(error)}` };
  }
  if (row.kind === 'lock-changed') {
    return { retry: false, lockChanged: true, current: row.current, seenIn: 'table', reason: "the row's lock changed since the claim" };
  }
  if (row.kind === 'claim-lost') return { retry: false, lockChanged: false, reason: 'the claim lapsed and another run holds the row' };
  if (!run.verifyAtSource) return { retry: true };
  const source = await deps.lockApi.readSourceLock(canvas.assetId, { deadlineMs });
  noteAnswer(run, deps.lockApi, canvas, 'verify', source);
  if (!source.ok) {
    const reason = `the lock could not be verified again before a retry: ${source.failure.message}`;
    // An answer the check does not understand fails the canvas as such; a failed request stays the attempt's failure.
    const notUnderstood = NOT_UNDERSTOOD_KINDS.has(source.failure.kind);
    return { retry: false, lockChanged: false, reason, ...(notUnderstood ? { failureKind: source.failure.kind } : {}) };
  }
  const expiry = parseLockExpiry(source.lockExpiresAt);
  if (expiry.kind === 'invalid') {
    return {
      retry: false,
      lockChanged: false,
      failureKind: 'bad-response',
      reason: `Scenario's lock could not be read: ${expiry.problem}`,
    };
  }
  const live = liveLockExpiry(source.lockExpiresAt, deps.clock.now(), run.graceMs);
  if (live !== undefined) {
    return {
      retry: false,
      lockChanged: true,
      current: { lockExpiresAt: live },
      seenIn: 'scenario',
      reason: 'Scenario shows a live lock again',
    };
  }
  return { retry: true };
}

/**
 * The unlock did not succeed. A retry stopped because the lock changed is a renewal when no attempt can have been
 * applied; otherwise (and for any failure whose outcome is unknown) the row is read again, and a changed lock is a
 * possible live-lock unlock: reported, never silent.
 */
async function unlockFailed(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  runId: string,
  failure: ApiFailure,
): Promise<CanvasOutcome> {
  const { assetId } = canvas;
  const lockExpiresAt = lockViewOf(canvas).lockExpiresAt ?? '';
  await giveBackClaim(deps, canvas, runId);
  const halted = failure.halted;
  if (halted?.lockChanged && !failure.possiblyApplied) return { assetId, status: 'skipped', reason: 'renewed', lockExpiresAt };
  const outcome = failedAt('unlock', assetId, failure);
  if (!failure.possiblyApplied) return outcome;
  const doubt: PossibleLiveLockUnlock | undefined = halted?.lockChanged
    ? { claimed: lockViewOf(canvas), current: halted.current ?? null, seenIn: halted.seenIn ?? 'table' }
    : await changedSinceClaim(deps, canvas, runId);
  return doubt ? { ...outcome, doubt } : outcome;
}

/** Step 5: record the unlock on the row. A row changed meanwhile is left as its writer left it, and reported. */
async function recordUnlock(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  runId: string,
  unlocked: { lockExpiresAt: string; attempts: number; asset: Record<string, unknown>; source?: SourceReading },
): Promise<CanvasOutcome> {
  const { assetId } = canvas;
  const { lockExpiresAt, attempts, asset } = unlocked;
  const source = unlocked.source ? { source: unlocked.source } : {};
  try {
    const marked = await deps.store.markUnlocked(canvas, { runId, unlockedAtMs: deps.clock.now() });
    if (marked === 'updated') return { assetId, status: 'unlocked', lockExpiresAt, attempts, asset, ...source };
    const doubt = (await changedSinceClaim(deps, canvas, runId)) ?? {
      claimed: lockViewOf(canvas),
      current: null,
      seenIn: 'table' as const,
    };
    return { assetId, status: 'unlocked-row-changed', lockExpiresAt, attempts, asset, doubt, ...source };
  } catch (error) {
    const outcome: CanvasOutcome = {
      assetId,
      status: 'failed',
      kind: 'store-error',
      step: 'record',
      error: `unlocked at Scenario, but updating the row failed (the next run unlocks it again): ${errorMessage(error)}`,
    };
    // The lock was freed either way: a writer's change that landed meanwhile is a possible live-lock unlock, as when
    // the record's condition fails (read again, as after any unlock whose outcome is in doubt).
    const doubt = await changedSinceClaim(deps, canvas, runId);
    return doubt ? { ...outcome, doubt } : outcome;
  }
}

/** A consistent read after a doubtful outcome: the lock that replaced the claimed one, if it changed. */
async function changedSinceClaim(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  runId: string,
): Promise<PossibleLiveLockUnlock | undefined> {
  let row: RowCheck;
  try {
    row = await deps.store.check(canvas, runId);
  } catch (error) {
    deps.logger.warn('could not read the row again after an unknown unlock outcome', {
      assetId: canvas.assetId,
      error: errorMessage(error),
    });
    return undefined;
  }
  return row.kind === 'lock-changed' ? { claimed: lockViewOf(canvas), current: row.current, seenIn: 'table' } : undefined;
}

/** Scenario holds a live lock the row does not show: write its expiry into the row, so the next run judges right. */
/** Whether the row now holds Scenario's expiry. */
async function healRow(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  runId: string,
  sourceLockExpiresAt: string,
): Promise<boolean> {
  try {
    const healed = await deps.store.healFromSource(canvas, { runId, lockExpiresAt: sourceLockExpiresAt, healedAtMs: deps.clock.now() });
    // A changed row already holds a newer write (the writer's own late write wins): nothing of ours is left there.
    if (healed === 'row-changed') deps.logger.debug('row changed before it could be healed; left as is', { assetId: canvas.assetId });
    return healed === 'healed';
  } catch (error) {
    await giveBackClaim(deps, canvas, runId);
    deps.logger.warn('healing the row failed; the next run verifies it again', { assetId: canvas.assetId, error: errorMessage(error) });
    return false;
  }
}

async function giveBackClaim(deps: UnlockCanvasDependencies, canvas: TrackedCanvas, runId: string): Promise<void> {
  try {
    await deps.store.releaseClaim(canvas, runId);
  } catch (error) {
    // The claim lapses at the deadline anyway; the next run then retries.
    deps.logger.warn('releasing the claim failed; it lapses at the run deadline', { assetId: canvas.assetId, error: errorMessage(error) });
  }
}

/**
 * What a canvas's final failure tells the run, before the slot passes on: out of time stops the run; a 404 is noted
 * for the run's record of gone canvases (kept only if the 404s prove real). A refused key was judged by noteAnswer.
 */
function noteFailureForRun(run: CanvasRun, key: LockApi, canvas: TrackedCanvas, failure: ApiFailure): void {
  if (failure.kind === 'out-of-time') run.control.stop('time-budget', failure.message);
  else if (failure.kind === 'asset-not-found') run.onNotFound?.(canvas, key);
}

/** Every HTTP answer judges the key that got it, and counts toward the run's "suspect base URL" rule. */
function noteAnswer(
  run: CanvasRun,
  key: LockApi,
  canvas: TrackedCanvas,
  step: ApiStep,
  result: { ok: true } | { ok: false; failure: ApiFailure },
): void {
  run.control.noteAnswer({
    key,
    step,
    assetId: canvas.assetId,
    project: projectOf(canvas),
    knownNotFound: canvas.knownNotFound ?? false,
    ...(result.ok
      ? { status: 200 }
      : {
          failure: result.failure.kind,
          message: result.failure.message,
          ...(result.failure.status === undefined ? {} : { status: result.failure.status }),
        }),
  });
}

function failedAt(step: ApiStep, assetId: string, failure: ApiFailure): Extract<CanvasOutcome, { status: 'failed' }> {
  const halt = failure.halted ? `; retries stopped: ${failure.halted.reason}` : '';
  return {
    assetId,
    status: 'failed',
    kind: failure.kind,
    step,
    ...(failure.status === undefined ? {} : { httpStatus: failure.status }),
    error: `${step === 'verify' ? 'verifying the lock at Scenario failed (no unlock was sent): ' : ''}${failure.message}${halt}`,
  };
}
