import { clip } from './asset-id';
import { errorMessage } from './error-message';
import type { CanvasOutcome, SkipReason } from './outcome';
import { logOutcome } from './outcome-log';
import type { CanvasStore, Clock, LockApi, ReapLogger } from './ports';
import { SummaryBuilder, type RunSummary, type StopReason } from './summary';
import { stringValue, type TrackedCanvas } from './tracked-canvas';
import { RequestSlots } from './request-slots';
import { unlockCanvas, type RunStop } from './unlock-canvas';
import { judgeCanvas } from './verdict';

export interface ReapDependencies {
  clock: Clock;
  store: CanvasStore;
  lockApi: LockApi;
  logger: ReapLogger;
  /** Called once per canvas outcome, after it is logged (the sandbox draws its table from these). */
  onOutcome?: (outcome: CanvasOutcome) => void;
}

export interface ReapOptions {
  runId: string;
  /** Report what would be unlocked; no request, no write. */
  dryRun: boolean;
  graceSeconds: number;
  /** Limit the run to these canvases (already validated and de-duplicated). */
  assetIds?: readonly string[];
  /** Unlock requests in flight at once (the claims and row updates around them do not count). */
  maxInFlight: number;
  /** Epoch ms by which every request must have ended (the invocation's end, less room to report). */
  deadlineMs: number;
  /** No new unlock starts once less than this is left before the deadline. */
  safetyMarginMs: number;
}

/**
 * One reap run: streams the tracked canvases, force-unlocks the stale ones (a bounded number at a time),
 * and returns what happened. Never throws for a canvas; a store failure or refused credentials stop the run
 * and are reported in the summary (stopReason), and no row is ever deleted.
 */
/** One unlock holds a request slot only for its request; this many per slot keep the slots busy. */
const UNLOCKS_IN_PROGRESS_PER_REQUEST_SLOT = 2;

export async function reap(deps: ReapDependencies, options: ReapOptions): Promise<RunSummary> {
  const { clock, store, logger } = deps;
  const graceMs = options.graceSeconds * 1000;
  const summary = new SummaryBuilder({
    runId: options.runId,
    dryRun: options.dryRun,
    graceSeconds: options.graceSeconds,
    assetIds: options.assetIds,
    startedAtMs: clock.now(),
  });
  let stop: RunStop | undefined;
  const stopRun = (reason: StopReason, detail: string) => {
    stop ??= { reason, detail };
  };
  const report = (outcome: CanvasOutcome) => {
    logOutcome(logger, outcome);
    summary.record(outcome);
    deps.onOutcome?.(outcome);
  };
  // Unlocks in progress (claim, request, row update) may outnumber requests in flight, so that the DynamoDB writes
  // around one request overlap other requests instead of holding a request slot idle.
  const inProgress = new Set<Promise<void>>();
  const slots = new RequestSlots(options.maxInFlight);
  const requestSlot = async () => {
    const release = await slots.acquire();
    if (!stop && outOfTime()) stopRun('time-budget', 'less than the safety margin was left before the deadline');
    if (stop) {
      release();
      return undefined;
    }
    // A request that stops the run (401/403, deadline) must say so before its slot goes to the next one.
    return (stopAfter?: RunStop) => {
      if (stopAfter) stopRun(stopAfter.reason, stopAfter.detail);
      release();
    };
  };
  // Only a run over named assets needs to know which it saw (to report the untracked ones); a full run keeps no
  // per-row state, so memory stays flat as the table grows.
  const seen = options.assetIds ? new Set<string>() : undefined;
  const outOfTime = () => clock.now() >= options.deadlineMs - options.safetyMarginMs;

  logger.info('reap run started', {
    runId: options.runId,
    dryRun: options.dryRun,
    graceSeconds: options.graceSeconds,
    ...(options.assetIds ? { assetIds: options.assetIds.length } : {}),
  });

  const rows = options.assetIds ? store.pagesOf(options.assetIds) : store.pages();
  let readFailure: string | undefined;
  try {
    for await (const page of rows) {
      for (const canvas of page) {
        seen?.add(canvas.assetId);
        summary.countExamined();
        const verdict = judgeCanvas(canvas, clock.now(), graceMs);
        if (verdict.kind === 'invalid') {
          report({ assetId: clip(canvas.assetId), status: 'invalid', problem: verdict.problem });
          continue;
        }
        if (verdict.kind !== 'stale') {
          const reason: SkipReason = verdict.kind;
          report({ assetId: canvas.assetId, status: 'skipped', reason, ...lockExpiresAtOf(canvas) });
          continue;
        }
        summary.countStale();
        const lockExpiresAt = lockExpiresAtOf(canvas).lockExpiresAt ?? '';
        if (options.dryRun) {
          report({ assetId: canvas.assetId, status: 'would-unlock', lockExpiresAt });
          continue;
        }
        while (inProgress.size >= options.maxInFlight * UNLOCKS_IN_PROGRESS_PER_REQUEST_SLOT) await Promise.race(inProgress);
        if (!stop && outOfTime()) stopRun('time-budget', 'less than the safety margin was left before the deadline');
        if (stop) {
          report({ assetId: canvas.assetId, status: 'skipped', reason: 'run-stopped', lockExpiresAt });
          continue;
        }
        const task = unlockCanvas(deps, canvas, { runId: options.runId, deadlineMs: options.deadlineMs, lockExpiresAt, requestSlot })
          .then(
            (result) => {
              if (result.stop) stopRun(result.stop.reason, result.stop.detail);
              report(result.outcome);
            },
            (error: unknown) => {
              // unlockCanvas handles every expected failure; this keeps a bug from escaping unreported.
              report({ assetId: canvas.assetId, status: 'failed', kind: 'internal-error', error: errorMessage(error) });
            },
          )
          .finally(() => inProgress.delete(task));
        inProgress.add(task);
      }
      if (stop) break;
    }
  } catch (error) {
    readFailure = `reading the table failed: ${errorMessage(error)}`;
  }
  // Unlocks already under way finish even when the read failed: their rows were claimed and may still be written.
  await Promise.all(inProgress);
  if (readFailure) stopRun('store-error', readFailure);

  if (options.assetIds && seen && !stop) {
    for (const assetId of options.assetIds) {
      if (!seen.has(assetId)) report({ assetId, status: 'skipped', reason: 'not-tracked' });
    }
  }
  const result = summary.finish(clock.now(), stop);
  const level = result.failed > 0 || result.cutShort ? 'warn' : 'info';
  logger[level]('reap run finished', { summary: result });
  return result;
}

function lockExpiresAtOf(canvas: TrackedCanvas): { lockExpiresAt?: string } {
  const lockExpiresAt = stringValue(canvas.lockExpiresAt);
  return lockExpiresAt === undefined ? {} : { lockExpiresAt };
}

