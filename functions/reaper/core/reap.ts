import { clip } from './asset-id';
import type { CanvasOutcome, SkipReason } from './outcome';
import type { CanvasStore, ClaimResult, Clock, LockApi, ReapLogger } from './ports';
import { SummaryBuilder, type RunSummary, type StopReason } from './summary';
import type { TrackedCanvas } from './tracked-canvas';
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
  /** Unlock requests in flight at once. */
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
const CLAIM_SKIP_REASON: Record<Exclude<ClaimResult, 'claimed'>, SkipReason> = {
  gone: 'not-tracked',
  'no-longer-locked': 'not-locked',
  'lock-changed': 'renewed',
  'claimed-by-other-run': 'claimed-by-other-run',
};

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
  let stop: { reason: StopReason; detail: string } | undefined;
  const stopRun = (reason: StopReason, detail: string) => {
    stop ??= { reason, detail };
  };
  const report = (outcome: CanvasOutcome) => {
    logOutcome(logger, outcome);
    summary.record(outcome);
    deps.onOutcome?.(outcome);
  };
  const inFlight = new Set<Promise<void>>();
  const seen = new Set<string>();
  const outOfTime = () => clock.now() >= options.deadlineMs - options.safetyMarginMs;

  logger.info('reap run started', {
    runId: options.runId,
    dryRun: options.dryRun,
    graceSeconds: options.graceSeconds,
    ...(options.assetIds ? { assetIds: options.assetIds.length } : {}),
  });

  const rows = options.assetIds ? store.pagesOf(options.assetIds) : store.pages();
  try {
    for await (const page of rows) {
      for (const canvas of page) {
        seen.add(canvas.assetId);
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
        while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
        if (!stop && outOfTime()) stopRun('time-budget', 'less than the safety margin was left before the deadline');
        if (stop) {
          report({ assetId: canvas.assetId, status: 'skipped', reason: 'run-stopped', lockExpiresAt });
          continue;
        }
        const task = reapOne(deps, options, canvas, lockExpiresAt, report, stopRun)
          .catch((error: unknown) => {
            // reapOne handles every expected failure; this keeps a bug from escaping unreported.
            report({ assetId: canvas.assetId, status: 'failed', kind: 'internal-error', error: errorMessage(error) });
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (stop) break;
    }
  } catch (error) {
    stopRun('store-error', `reading the table failed: ${errorMessage(error)}`);
  }
  await Promise.all(inFlight);

  if (options.assetIds && !stop) {
    for (const assetId of options.assetIds) {
      if (!seen.has(assetId)) report({ assetId, status: 'skipped', reason: 'not-tracked' });
    }
  }
  const result = summary.finish(clock.now(), stop);
  const level = result.failed > 0 || result.cutShort ? 'warn' : 'info';
  logger[level]('reap run finished', { summary: result });
  return result;
}

async function reapOne(
  deps: ReapDependencies,
  options: ReapOptions,
  canvas: TrackedCanvas,
  lockExpiresAt: string,
  report: (outcome: CanvasOutcome) => void,
  stopRun: (reason: StopReason, detail: string) => void,
): Promise<void> {
  const { clock, store, lockApi, logger } = deps;
  const { assetId } = canvas;
  try {
    const claim = await store.claim(canvas, { runId: options.runId, untilMs: options.deadlineMs, nowMs: clock.now() });
    if (claim !== 'claimed') {
      const reason = CLAIM_SKIP_REASON[claim];
      report({ assetId, status: 'skipped', reason, lockExpiresAt });
      return;
    }
  } catch (error) {
    report({ assetId, status: 'failed', kind: 'store-error', error: `claiming the row failed: ${errorMessage(error)}` });
    return;
  }

  const result = await lockApi.forceUnlock(assetId, { deadlineMs: options.deadlineMs });
  if (!result.ok) {
    const { failure } = result;
    if (failure.kind === 'credentials-rejected') stopRun('credentials-rejected', failure.message);
    if (failure.kind === 'out-of-time') stopRun('time-budget', failure.message);
    try {
      await store.releaseClaim(canvas, options.runId);
    } catch (error) {
      // The claim lapses at the deadline anyway; the next run then retries.
      logger.warn('releasing the claim failed; it lapses at the run deadline', { assetId, error: errorMessage(error) });
    }
    report({
      assetId,
      status: 'failed',
      kind: failure.kind,
      ...(failure.status === undefined ? {} : { httpStatus: failure.status }),
      error: failure.message,
    });
    return;
  }

  try {
    const marked = await store.markUnlocked(canvas, { runId: options.runId, unlockedAtMs: clock.now() });
    report(
      marked === 'updated'
        ? { assetId, status: 'unlocked', lockExpiresAt, attempts: result.attempts, asset: result.asset }
        : { assetId, status: 'unlocked-row-changed', lockExpiresAt, asset: result.asset },
    );
  } catch (error) {
    report({
      assetId,
      status: 'failed',
      kind: 'store-error',
      error: `unlocked at Scenario, but updating the row failed (the next run unlocks it again): ${errorMessage(error)}`,
    });
  }
}

function lockExpiresAtOf(canvas: TrackedCanvas): { lockExpiresAt?: string } {
  const reading = canvas.lockExpiresAt;
  return reading.kind === 'string' ? { lockExpiresAt: reading.value } : {};
}

function logOutcome(logger: ReapLogger, outcome: CanvasOutcome): void {
  switch (outcome.status) {
    case 'unlocked':
      logger.info('canvas unlocked', { ...outcome });
      return;
    case 'unlocked-row-changed':
      logger.warn('canvas unlocked but its row changed meanwhile; row left as is', { ...outcome });
      return;
    case 'would-unlock':
      logger.info('canvas would be unlocked (dry run)', { ...outcome });
      return;
    case 'invalid':
      logger.warn('tracked row is invalid; left untouched', { ...outcome });
      return;
    case 'failed':
      logger.error('canvas unlock failed; row keeps its lock for the next run', { ...outcome });
      return;
    case 'skipped':
      // Live and unlocked rows are the bulk of every run: keep them out of the default log level.
      if (outcome.reason === 'live' || outcome.reason === 'not-locked') logger.debug('canvas skipped', { ...outcome });
      else logger.info('canvas skipped', { ...outcome });
      return;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
