import { errorMessage } from './error-message';
import type { CanvasOutcome, SkipReason } from './outcome';
import type { CanvasStore, ClaimResult, Clock, LockApi, ReapLogger, UnlockFailureKind } from './ports';
import type { StopReason } from './summary';
import type { TrackedCanvas } from './tracked-canvas';

export interface UnlockCanvasDependencies {
  clock: Clock;
  store: CanvasStore;
  lockApi: LockApi;
  logger: ReapLogger;
}

export interface RunStop {
  reason: StopReason;
  detail: string;
}

export interface UnlockCanvasResult {
  outcome: CanvasOutcome;
  /** Set when this failure means no further canvas should be tried in this run. */
  stop?: RunStop;
}

const CLAIM_SKIP_REASON: Record<Exclude<ClaimResult, 'claimed'>, SkipReason> = {
  gone: 'not-tracked',
  'no-longer-locked': 'not-locked',
  'lock-changed': 'renewed',
  'claimed-by-other-run': 'claimed-by-other-run',
};

/** Failures that say something about the whole run, not this canvas: hammering on helps no one. */
const STOPPING_FAILURES: Partial<Record<UnlockFailureKind, StopReason>> = {
  'credentials-rejected': 'credentials-rejected',
  'out-of-time': 'time-budget',
};

/**
 * Frees one tracked canvas: claim the row (only if it still holds the lock that was read), force-unlock it at the
 * API, then record the unlock on the row (again only if the lock is unchanged). Whatever happens, the row is never
 * deleted and a renewed lock is never overwritten; a failed unlock leaves the lock in place for the next run.
 * Never throws for an expected failure.
 */
export async function unlockCanvas(
  deps: UnlockCanvasDependencies,
  canvas: TrackedCanvas,
  options: {
    runId: string;
    deadlineMs: number;
    lockExpiresAt: string;
    /**
     * Waits for the right to send the request (the run's in-flight limit) and resolves with the function that gives
     * it back (told whether this request stops the run), or with undefined when the run has stopped meanwhile.
     * Omitted: the request goes at once.
     */
    requestSlot?: () => Promise<((stopAfter?: RunStop) => void) | undefined>;
  },
): Promise<UnlockCanvasResult> {
  const { clock, store, lockApi, logger } = deps;
  const { assetId } = canvas;
  const { lockExpiresAt } = options;
  try {
    const claim = await store.claim(canvas, { runId: options.runId, untilMs: options.deadlineMs, nowMs: clock.now() });
    if (claim !== 'claimed') return { outcome: { assetId, status: 'skipped', reason: CLAIM_SKIP_REASON[claim], lockExpiresAt } };
  } catch (error) {
    return { outcome: { assetId, status: 'failed', kind: 'store-error', error: `claiming the row failed: ${errorMessage(error)}` } };
  }

  const giveBackClaim = async () => {
    try {
      await store.releaseClaim(canvas, options.runId);
    } catch (error) {
      // The claim lapses at the deadline anyway; the next run then retries.
      logger.warn('releasing the claim failed; it lapses at the run deadline', { assetId, error: errorMessage(error) });
    }
  };
  const releaseSlot = options.requestSlot ? await options.requestSlot() : () => undefined;
  if (!releaseSlot) {
    await giveBackClaim();
    return { outcome: { assetId, status: 'skipped', reason: 'run-stopped', lockExpiresAt } };
  }
  let result;
  try {
    result = await lockApi.forceUnlock(assetId, { deadlineMs: options.deadlineMs });
  } catch (error) {
    releaseSlot();
    throw error;
  }
  const stopReason = result.ok ? undefined : STOPPING_FAILURES[result.failure.kind];
  const stop = result.ok || !stopReason ? undefined : { reason: stopReason, detail: result.failure.message };
  releaseSlot(stop);
  if (!result.ok) {
    const { failure } = result;
    await giveBackClaim();
    return {
      outcome: {
        assetId,
        status: 'failed',
        kind: failure.kind,
        ...(failure.status === undefined ? {} : { httpStatus: failure.status }),
        error: failure.message,
      },
      ...(stop ? { stop } : {}),
    };
  }

  try {
    const marked = await store.markUnlocked(canvas, { runId: options.runId, unlockedAtMs: clock.now() });
    return {
      outcome:
        marked === 'updated'
          ? { assetId, status: 'unlocked', lockExpiresAt, attempts: result.attempts, asset: result.asset }
          : { assetId, status: 'unlocked-row-changed', lockExpiresAt, asset: result.asset },
    };
  } catch (error) {
    return {
      outcome: {
        assetId,
        status: 'failed',
        kind: 'store-error',
        error: `unlocked at Scenario, but updating the row failed (the next run unlocks it again): ${errorMessage(error)}`,
      },
    };
  }
}
