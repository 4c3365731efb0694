import { clip } from './asset-id';
import { type BrakeSettings, type BrakeState, heldByEngagedBrake, isNewlyStale, newlyStaleShare, tripsBrake } from './brake';
import { CanvasLimiter } from './canvas-limiter';
import { errorMessage } from './error-message';
import { type LockEventPublisher, LockEventRecorder, NO_LOCK_EVENTS, type RunTrigger, WHOLE_TABLE_BRAKE } from './lock-events';
import type { CanvasOutcome, SkipReason } from './outcome';
import { logOutcome } from './outcome-log';
import type { CanvasStore, Clock, LockApi, LockApis, ReapLogger } from './ports';
import { distinctKeys, keyOf, projectOf, projectsNamed } from './project';
import { RunControl } from './run-control';
import { type BrakeReport, emptyBrakeReport, type RunSummary, SummaryBuilder } from './summary';
import { stringValue, type TrackedCanvas } from './tracked-canvas';
import { type CanvasRun, unlockCanvas } from './unlock-canvas';
import { judgeCanvas } from './verdict';

export type ReapDependencies = {
  clock: Clock;
  store: CanvasStore;
  logger: ReapLogger;
  /** The lock API with each project's key, and the default key for the rest (oneKey(api): one key for every row). */
  lockApis: LockApis;
  /** Called once per canvas outcome, after it is logged (tests and the interleaving model collect them). */
  onOutcome?: (outcome: CanvasOutcome) => void;
  /** Where lock events go (docs/events.md), and what started the run; omitted: none. A dry run publishes nothing. */
  lockEvents?: { publisher: LockEventPublisher; trigger: RunTrigger };
};

export interface ReapOptions {
  runId: string;
  /** Report what would be unlocked; no request, no write. */
  dryRun: boolean;
  graceSeconds: number;
  /** Limit the run to these canvases (already validated and de-duplicated). The brake does not apply. */
  assetIds?: readonly string[];
  /** Canvases between their claim and the end of their last request, at once: so at most this many requests. */
  maxInFlight: number;
  /** Epoch ms by which every request must have ended (the invocation's end, less room to report). */
  deadlineMs: number;
  /** No new canvas starts once less than this is left before the deadline. */
  safetyMarginMs: number;
  /** GET each stale asset before unlocking it (VERIFY_AT_SOURCE); default true. */
  verifyAtSource?: boolean;
  /** The mass-expiry brake; omitted or minLocks 0: no brake. */
  brake?: BrakeSettings;
  /** A person releases the brake: this run unlocks what it held, and clears its state. */
  overrideBrake?: boolean;
  /** Aborted (Ctrl-C, SIGTERM): no canvas starts after it; those under way finish or give their claims back. */
  signal?: AbortSignal;
  /** Limit the run to these Scenario projects ("default": rows without projectId); other rows are passed over. */
  projectIds?: readonly string[];
}

/** Canvases Scenario answered 404 for are recorded at the end of a run, at most this many (the rest the next run). */
const MAX_NOT_FOUND_RECORDED = 1000;

/**
 * One reap run: streams the tracked canvases and frees the stale ones, a bounded number at a time, and returns what
 * happened. Locks that went stale long ago are unlocked as they stream by; newly stale ones are held until the scan
 * ends, when the brake decides whether this looks like a mass expiry (one pass over the table either way). Never
 * throws for a canvas; a store failure, refused credentials or the brake stop the run and are reported in the
 * summary (stopReason), and no row is ever deleted.
 */
export async function reap(deps: ReapDependencies, options: ReapOptions): Promise<RunSummary> {
  const { clock, store, logger, lockApis } = deps;
  const graceMs = options.graceSeconds * 1000;
  const verifyAtSource = options.verifyAtSource ?? true;
  const brakeSettings: BrakeSettings = options.brake ?? { windowSeconds: 0, minLocks: 0, share: 1 };
  const brakeApplies = options.assetIds === undefined && brakeSettings.minLocks > 0;
  const overrideBrake = brakeApplies && (options.overrideBrake ?? false);
  const summary = new SummaryBuilder({
    runId: options.runId,
    dryRun: options.dryRun,
    graceSeconds: options.graceSeconds,
    verifyAtSource,
    assetIds: options.assetIds,
    projectIds: options.projectIds,
    startedAtMs: clock.now(),
    brake: emptyBrakeReport(brakeSettings, brakeApplies, overrideBrake),
  });
  const control = new RunControl<LockApi>(clock, options.deadlineMs, options.safetyMarginMs, distinctKeys(lockApis).length);
  const interrupted = () =>
    control.stop('interrupted', 'interrupted (SIGINT/SIGTERM): no canvas started after it; those under way finished');
  if (options.signal?.aborted) interrupted();
  options.signal?.addEventListener('abort', interrupted, { once: true });
  const notFound: { canvas: TrackedCanvas; key: LockApi }[] = [];
  // Events go out as outcomes are recorded (the publisher batches them outside the request slots), never in a dry run.
  const events = new LockEventRecorder(options.dryRun ? NO_LOCK_EVENTS : (deps.lockEvents?.publisher ?? NO_LOCK_EVENTS), {
    runId: options.runId,
    trigger: deps.lockEvents?.trigger ?? 'invoke',
    clock,
  });
  const report = (outcome: CanvasOutcome, project: string, canvas?: TrackedCanvas) => {
    logOutcome(logger, outcome);
    summary.record(outcome, project);
    events.outcome(outcome, canvas);
    deps.onOutcome?.(outcome);
  };
  const run: CanvasRun = {
    runId: options.runId,
    deadlineMs: options.deadlineMs,
    graceMs,
    verifyAtSource,
    control,
    onNotFound: (canvas, key) => {
      if (!canvas.knownNotFound && notFound.length < MAX_NOT_FOUND_RECORDED) notFound.push({ canvas, key });
    },
  };
  // One limiter for the run: global and per-key request slots, a bounded queue per key (see CanvasLimiter).
  const limiter = new CanvasLimiter<LockApi>({ maxInFlight: options.maxInFlight });
  /** Hands a stale canvas to its key's queue; its gates (run stopped, key refused) are checked as it starts. */
  const submit = async (canvas: TrackedCanvas) => {
    const { assetId } = canvas;
    const project = projectOf(canvas);
    const lockApi = keyOf(lockApis, project);
    if (!lockApi) {
      const error = `no key for project ${project} in the credentials, and no default key; the row is left untouched`;
      return report({ assetId, status: 'failed', kind: 'no-credentials-for-project', error }, project);
    }
    if (options.dryRun) return report({ assetId, status: 'would-unlock', lockExpiresAt: stringValue(canvas.lockExpiresAt) ?? '' }, project);
    await limiter.submit(lockApi, async (releaseSlot) =>
      report(await unlockCanvas({ clock, store, logger, lockApi }, canvas, run, releaseSlot), project, canvas),
    );
  };

  logger.info('reap run started', {
    runId: options.runId,
    dryRun: options.dryRun,
    graceSeconds: options.graceSeconds,
    verifyAtSource,
    ...(options.assetIds ? { assetIds: options.assetIds.length } : {}),
    ...(options.projectIds ? { projectIds: options.projectIds } : {}),
    ...(overrideBrake ? { overrideBrake } : {}),
    ...(lockApis.byProject.size > 0 ? { keyedProjects: projectsNamed(lockApis) } : {}),
  });

  let engaged: BrakeState | undefined;
  if (brakeApplies && !overrideBrake) {
    try {
      engaged = await store.readBrake();
    } catch (error) {
      control.stop('store-error', `reading the brake's state failed: ${errorMessage(error)}`);
    }
  }
  const brake = summary.brake;
  if (engaged) {
    brake.engaged = true;
    brake.trippedAt = new Date(engaged.trippedAtMs).toISOString();
  }

  // Only a run over named assets needs to know which it saw (to report the untracked ones); a full run keeps no
  // per-row state beyond the newly stale canvases the brake holds, so memory stays flat as the table grows.
  const seen = options.assetIds ? new Set<string>() : undefined;
  const held: TrackedCanvas[] = [];
  const rows = options.assetIds ? store.pagesOf(options.assetIds) : store.pages();
  try {
    for await (const page of control.stopReason ? [] : rows) {
      for (const canvas of page) {
        seen?.add(canvas.assetId);
        const verdict = judgeCanvas(canvas, clock.now(), graceMs);
        if (verdict.kind === 'invalid') {
          summary.countExamined(undefined);
          report({ assetId: clip(canvas.assetId), status: 'invalid', problem: verdict.problem }, '');
          continue;
        }
        const project = projectOf(canvas);
        if (options.projectIds && !options.projectIds.includes(project)) continue;
        summary.countExamined(project);
        if (verdict.kind !== 'stale') {
          if (verdict.kind === 'live') brake.live += 1;
          const reason: SkipReason = verdict.kind;
          const lockExpiresAt = stringValue(canvas.lockExpiresAt);
          report(
            { assetId: canvas.assetId, status: 'skipped', reason, ...(lockExpiresAt === undefined ? {} : { lockExpiresAt }) },
            project,
          );
          continue;
        }
        summary.countStale(project);
        const newlyStale = isNewlyStale(verdict.expiresAt, graceMs, clock.now(), brakeSettings);
        if (newlyStale) brake.newlyStale += 1;
        const holdIt =
          brakeApplies && !overrideBrake && (engaged ? heldByEngagedBrake(verdict.expiresAt, graceMs, engaged, brakeSettings) : newlyStale);
        if (holdIt) held.push(canvas);
        else await submit(canvas);
      }
      if (control.stopReason) break;
    }
  } catch (error) {
    control.stop('store-error', `reading the table failed: ${errorMessage(error)}`);
  }

  // The brake decides once the scan is over: on the whole table's counts, never on a part of it.
  brake.share = newlyStaleShare(brake);
  brake.wouldTrip = brakeApplies && tripsBrake(brake, brakeSettings);
  if (control.stopReason) {
    for (const canvas of held)
      report(
        { assetId: canvas.assetId, status: 'skipped', reason: 'run-stopped', lockExpiresAt: stringValue(canvas.lockExpiresAt) ?? '' },
        projectOf(canvas),
      );
  } else if (engaged || (brake.wouldTrip && !overrideBrake)) {
    brake.held = held.length;
    for (const canvas of held)
      report(
        { assetId: canvas.assetId, status: 'skipped', reason: 'held-by-brake', lockExpiresAt: stringValue(canvas.lockExpiresAt) ?? '' },
        projectOf(canvas),
      );
    if (!engaged && (await tripBrake(deps, summary, options)))
      events.brakeEngaged(
        WHOLE_TABLE_BRAKE,
        { newlyStale: brake.newlyStale, live: brake.live, held: brake.held, share: brake.share },
        Date.parse(brake.trippedAt ?? '') || clock.now(),
      );
    control.stop('brake', brakeDetail(brake));
  } else {
    for (const canvas of held) await submit(canvas);
  }
  // Canvases already under way finish even when the run stopped: their rows were claimed and may still be written.
  await limiter.drain();

  options.signal?.removeEventListener('abort', interrupted);
  // A 404 is recorded on its row only when the run did not find the 404s suspect, and only when its key also had a
  // 2xx in this run: a wrong base URL answers 404 for everything, and recording fewer 404s than the suspect-base-url
  // count would exempt those rows from the next run's count.
  if (control.stopReason?.reason !== 'suspect-base-url')
    await recordNotFound(
      deps,
      notFound.filter(({ key }) => control.hadSuccess(key)).map(({ canvas }) => canvas),
    );

  if (overrideBrake && !options.dryRun) {
    try {
      const releasedAtMs = clock.now();
      await store.releaseBrake({ runId: options.runId, releasedAtMs });
      brake.released = true;
      events.brakeReleased(WHOLE_TABLE_BRAKE, releasedAtMs);
    } catch (error) {
      logger.error('releasing the brake failed; it stays engaged', { error: errorMessage(error) });
    }
  }
  if (options.assetIds && seen && !control.stopReason) {
    for (const assetId of options.assetIds) {
      if (!seen.has(assetId)) report({ assetId, status: 'skipped', reason: 'not-tracked' }, '');
    }
  }
  // The run returns only once every event batch is settled, so a run that dies later has published what it did.
  const { notPublished } = await events.settle();
  summary.countEventsNotPublished(notPublished.length);
  const result = summary.finish(clock.now(), control.stopReason, control.refusedProjects);
  const level = result.failed > 0 || result.cutShort || result.warnings.length > 0 ? 'warn' : 'info';
  logger[level]('reap run finished', { summary: result });
  return result;
}

async function recordNotFound(deps: ReapDependencies, canvases: readonly TrackedCanvas[]): Promise<void> {
  for (const canvas of canvases) {
    try {
      await deps.store.markNotFound(canvas, { atMs: deps.clock.now() });
    } catch (error) {
      deps.logger.warn('recording lastNotFoundAt failed; the next run counts this canvas again', {
        assetId: canvas.assetId,
        error: errorMessage(error),
      });
    }
  }
}

/**
 * Saves the tripped brake, so it holds across runs until a person releases it. A dry run only says it would trip.
 * True when the brake's state was saved.
 */
async function tripBrake(deps: ReapDependencies, summary: SummaryBuilder, options: ReapOptions): Promise<boolean> {
  const brake = summary.brake;
  if (options.dryRun) return false;
  let saved = false;
  const state: BrakeState = { trippedAtMs: deps.clock.now(), runId: options.runId, newlyStale: brake.newlyStale, live: brake.live };
  try {
    await deps.store.engageBrake(state);
    brake.trippedNow = true;
    brake.engaged = true;
    brake.trippedAt = new Date(state.trippedAtMs).toISOString();
    saved = true;
  } catch (error) {
    summary.warn({
      kind: 'brake-state-not-saved',
      message: `the brake tripped but its state could not be saved (${errorMessage(error)}); this run held the locks, the next run decides again`,
    });
  }
  deps.logger.error('mass-expiry brake tripped: newly stale locks held, not unlocked, until a person releases the brake', { brake });
  return saved;
}

function brakeDetail(brake: BrakeReport): string {
  const counts = `${brake.newlyStale} newly stale vs ${brake.live} live locks (share ${brake.share}; trips at ≥ ${brake.minLocks} and ≥ ${brake.minShare})`;
  const since = brake.trippedAt ? `engaged since ${brake.trippedAt}` : 'would trip (dry run)';
  return `mass-expiry brake ${since}: ${brake.held} stale lock(s) held; ${counts}. Release it with "overrideBrake": true, --override-brake or ops invoke --override-brake`;
}
