import { clip } from './asset-id';
import {
  type BrakeCounts,
  type BrakeDecision,
  type BrakeRow,
  type BrakeSettings,
  brakeEntryOf,
  decideBrake,
  EMPTY_BRAKE_ROW,
  engagementOf,
  heldByEngagedBrake,
  newlyStaleShare,
  newlyStaleSince,
  type ProjectEngagement,
  releasedByOverride,
  wentStaleAfter,
} from './brake';
import { CanvasLimiter } from './canvas-limiter';
import { errorMessage } from './error-message';
import { type LockEventPublisher, LockEventRecorder, NO_LOCK_EVENTS, type RunTrigger, WHOLE_TABLE_BRAKE } from './lock-events';
import type { CanvasOutcome, SkipReason } from './outcome';
import { logOutcome } from './outcome-log';
import type { CanvasStore, Clock, LockApi, LockApis, ReapLogger } from './ports';
import { distinctKeys, keyOf, projectOf, projectsNamed } from './project';
import { RunControl } from './run-control';
import {
  type BrakeProjectReport,
  type BrakeReport,
  emptyBrakeReport,
  MAX_PROJECTS_LISTED,
  type RunSummary,
  SummaryBuilder,
} from './summary';
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
  /**
   * A person releases the brake for the projects this run covers (all, or `projectIds`): this run unlocks what it
   * held, and records the release per project.
   */
  overrideBrake?: boolean;
  /** Aborted (Ctrl-C, SIGTERM): no canvas starts after it; those under way finish or give their claims back. */
  signal?: AbortSignal;
  /** Limit the run to these Scenario projects ("default": rows without projectId); other rows are passed over. */
  projectIds?: readonly string[];
}

/** What the brake keeps of one project during a run. */
type BrakeProject = { counts: BrakeCounts; held: number; sinceMs: number; engagement?: ProjectEngagement };

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
  // When the run started looking: a complete run's mark (brake.ts), and the summary's startedAt.
  const startedAtMs = clock.now();
  const brake = emptyBrakeReport(brakeSettings, brakeApplies, overrideBrake);
  const summary = new SummaryBuilder({ ...options, verifyAtSource, startedAtMs, brake });
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
  /** A canvas passed over for `reason`, with its row's lockExpiresAt when that is a string. */
  const skip = (canvas: TrackedCanvas, reason: SkipReason, project: string) => {
    const lockExpiresAt = stringValue(canvas.lockExpiresAt);
    report({ assetId: canvas.assetId, status: 'skipped', reason, ...(lockExpiresAt === undefined ? {} : { lockExpiresAt }) }, project);
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

  // The brake's row, read once before the scan (an override reads it too: it records what it releases).
  let brakeRow: BrakeRow = EMPTY_BRAKE_ROW;
  if (brakeApplies) {
    try {
      brakeRow = await store.readBrake();
    } catch (error) {
      control.stop('store-error', `reading the brake's state failed: ${errorMessage(error)}`);
    }
  }
  // Per project: its counts, its canvases held, and (looked up once) its engagement and "newly stale" boundary.
  const brakeProjects = new Map<string, BrakeProject>();
  const brakeProject = (project: string) => {
    let entry = brakeProjects.get(project);
    if (!entry) {
      const counts = { newlyStale: 0, live: 0 };
      const engagement = brakeApplies && !overrideBrake ? engagementOf(brakeRow, project, brakeSettings) : undefined;
      const sinceMs = newlyStaleSince(brakeEntryOf(brakeRow, project)?.markMs, startedAtMs, brakeSettings);
      entry = { counts, sinceMs, held: 0, ...(engagement ? { engagement } : {}) };
      brakeProjects.set(project, entry);
    }
    return entry;
  };

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
          if (verdict.kind === 'live') brakeProject(project).counts.live += 1;
          skip(canvas, verdict.kind, project);
          continue;
        }
        summary.countStale(project);
        // Held until the scan ends: newly stale (the brake decides on them then), or held by an engaged brake.
        const { counts, engagement, sinceMs } = brakeProject(project);
        const newlyStale = wentStaleAfter(verdict.expiresAt, graceMs, sinceMs);
        if (newlyStale) counts.newlyStale += 1;
        const holdIt =
          brakeApplies && !overrideBrake && (engagement ? heldByEngagedBrake(verdict.expiresAt, graceMs, engagement) : newlyStale);
        if (holdIt) held.push(canvas);
        else await submit(canvas);
      }
      if (control.stopReason) break;
    }
  } catch (error) {
    control.stop('store-error', `reading the table failed: ${errorMessage(error)}`);
  }

  // The brake decides once the scan is over, per project, on the counts of the whole table (or of the projects the
  // run covers), never on a part of it.
  const decision = decideBrake({
    counts: new Map([...brakeProjects].map(([project, { counts }]) => [project, counts])),
    row: brakeRow,
    settings: brakeSettings,
    projectIds: options.projectIds,
    override: !brakeApplies || overrideBrake,
  });
  const heldProjects = new Set([...decision.engaged.keys(), ...decision.trips]);
  const scanCutShort = control.stopReason !== undefined;
  let brakeStateSaved = true;
  if (scanCutShort) {
    for (const canvas of held) skip(canvas, 'run-stopped', projectOf(canvas));
    heldProjects.clear();
  } else {
    // Only the held projects' canvases stay held; the other projects' newly stale canvases go on in this run.
    for (const canvas of held) {
      const project = projectOf(canvas);
      if (!heldProjects.has(project)) await submit(canvas);
      else {
        brakeProject(project).held += 1;
        skip(canvas, 'held-by-brake', project);
      }
    }
    if (decision.trips.length > 0) {
      brakeStateSaved = await tripBrake(deps, summary, options, decision, brakeProjects);
      // One event per project the brake now holds (a dry run publishes nothing).
      if (brakeStateSaved)
        for (const project of decision.trips) {
          // A project tripped only on counts this run kept.
          const { counts, held } = brakeProjects.get(project)!;
          const engagement = decision.engaged.get(project);
          events.brakeEngaged(project, { ...counts, held, share: newlyStaleShare(counts) }, engagement?.trippedAtMs ?? clock.now());
        }
    }
  }
  reportBrake(brake, decision, brakeProjects, heldProjects, decision.legacyEngaged ? brakeRow.legacy : undefined);
  // Canvases already under way finish even when the run stopped: their rows were claimed and may still be written.
  await limiter.drain();
  const brakeEngaged = !scanCutShort && (heldProjects.size > 0 || decision.legacyEngaged);
  brake.engaged = decision.engaged.size > 0 || decision.legacyEngaged;
  // The marks move only at the end of a complete, non-dry run over the whole table, and not past a trip not saved.
  if (brakeApplies && !options.dryRun && !options.projectIds && !control.stopReason && brakeStateSaved) {
    // A project whose key was refused (or that has none) was not looked at through Scenario: its mark stays.
    const projects = [...brakeProjects.keys()].filter((project) => {
      const key = keyOf(lockApis, project);
      return key !== undefined && !control.isRefused(key);
    });
    // A failure only keeps the older marks (a longer look-back).
    if (projects.length > 0)
      await bestEffort(logger, "saving the brake's marks failed; the next run looks back to the older ones", {}, () =>
        store.advanceMarks({ atMs: startedAtMs, projects }),
      );
  }
  if (brakeEngaged) control.stop('brake', brakeDetail(brake));

  options.signal?.removeEventListener('abort', interrupted);
  // A 404 is recorded on its row only when the run did not find the 404s suspect, and only when its key also had a
  // 2xx in this run: a wrong base URL answers 404 for everything, and recording fewer 404s than the suspect-base-url
  // count would exempt those rows from the next run's count.
  if (control.stopReason?.reason !== 'suspect-base-url')
    for (const { canvas } of notFound.filter(({ key }) => control.hadSuccess(key)))
      await bestEffort(logger, 'recording lastNotFoundAt failed; the next run counts this canvas again', { assetId: canvas.assetId }, () =>
        store.markNotFound(canvas, { atMs: clock.now() }),
      );

  if (overrideBrake && !options.dryRun) {
    try {
      // Only what this run covers: the named projects, or every project (and a legacy whole-table engagement).
      const released = releasedByOverride(brakeRow, brakeSettings, options.projectIds);
      const releasedAtMs = clock.now();
      const legacy = brakeRow.legacy !== undefined && !options.projectIds;
      await store.releaseBrake({ runId: options.runId, releasedAtMs, projects: Object.fromEntries(released), legacy });
      brake.released = true;
      for (const project of released.keys()) events.brakeReleased(project, releasedAtMs);
      if (legacy) events.brakeReleased(WHOLE_TABLE_BRAKE, releasedAtMs);
    } catch (error) {
      logger.error('releasing the brake failed; it stays engaged', { error: errorMessage(error) });
    }
  }
  if (seen && !control.stopReason)
    for (const assetId of options.assetIds ?? []) if (!seen.has(assetId)) report({ assetId, status: 'skipped', reason: 'not-tracked' }, '');
  // The run returns only once every event batch is settled, so a run that dies later has published what it did.
  const { notPublished } = await events.settle();
  summary.countEventsNotPublished(notPublished.length);
  const result = summary.finish(clock.now(), control.stopReason, control.refusedProjects);
  const level = result.failed > 0 || result.cutShort || result.warnings.length > 0 ? 'warn' : 'info';
  logger[level]('reap run finished', { summary: result });
  return result;
}

/** A store write whose failure only costs a later run some work: a warning, and the run goes on. */
async function bestEffort(logger: ReapLogger, warning: string, context: Record<string, unknown>, write: () => Promise<void>) {
  try {
    await write();
  } catch (error) {
    logger.warn(warning, { ...context, error: errorMessage(error) });
  }
}

/**
 * Saves the projects the judgement tripped, so they hold across runs until a person releases them. A dry run only
 * says they would trip. False when the state could not be saved.
 */
async function tripBrake(
  deps: ReapDependencies,
  summary: SummaryBuilder,
  options: ReapOptions,
  decision: BrakeDecision,
  projects: ReadonlyMap<string, BrakeProject>,
): Promise<boolean> {
  const brake = summary.brake;
  if (options.dryRun) return true;
  const trippedAtMs = deps.clock.now();
  const engagements = Object.fromEntries(
    decision.trips.map((project) => {
      const { counts, sinceMs } = projects.get(project)!;
      return [project, { trippedAtMs, runId: options.runId, heldSinceMs: sinceMs, ...counts }];
    }),
  );
  let saved = true;
  try {
    await deps.store.engageBrake(engagements);
    brake.trippedNow = true;
    for (const project of decision.trips) decision.engaged.set(project, engagements[project]!);
  } catch (error) {
    saved = false;
    summary.warn({
      kind: 'brake-state-not-saved',
      message: `the brake tripped but its state could not be saved (${errorMessage(error)}); this run held the locks, the next run decides again`,
    });
  }
  // The counts of the projects that tripped: the summary's totals are only filled in after this line.
  const tripped = decision.trips.map((project) => projects.get(project)!.counts);
  const sum = (field: 'newlyStale' | 'live') => tripped.reduce((total, counts) => total + counts[field], 0);
  deps.logger.error('mass-expiry brake tripped: newly stale locks held, not unlocked, until a person releases the brake', {
    projects: decision.trips.slice(0, MAX_PROJECTS_LISTED),
    brake: { newlyStale: sum('newlyStale'), live: sum('live'), minLocks: brake.minLocks, minShare: brake.minShare },
  });
  return saved;
}

/** The brake's part of the summary: totals (as before per-project judgement) and the per-project report. */
function reportBrake(
  brake: BrakeReport,
  decision: BrakeDecision,
  projects: ReadonlyMap<string, BrakeProject>,
  heldProjects: ReadonlySet<string>,
  legacy: { trippedAtMs: number } | undefined,
): void {
  const reports = new Map<string, BrakeProjectReport>();
  for (const project of new Set([...projects.keys(), ...heldProjects])) {
    const { counts, held } = projects.get(project) ?? { counts: { newlyStale: 0, live: 0 }, held: 0 };
    const engagement = decision.engaged.get(project);
    reports.set(project, {
      ...counts,
      held,
      judged: decision.judgements.get(project)?.judged ?? 'pool',
      ...(engagement ? { engagedSince: new Date(engagement.trippedAtMs).toISOString() } : {}),
    });
  }
  brake.heldProjects = [...heldProjects].sort();
  brake.held = [...projects.values()].reduce((sum, p) => sum + p.held, 0);
  brake.newlyStale = [...reports.values()].reduce((sum, r) => sum + r.newlyStale, 0);
  brake.live = [...reports.values()].reduce((sum, r) => sum + r.live, 0);
  brake.share = newlyStaleShare(brake);
  brake.wouldTrip = brake.applies && [...decision.judgements.values()].some((j) => j.trips);
  const trippedAt = [...decision.engaged.values(), ...(legacy ? [legacy] : [])].map((e) => e.trippedAtMs);
  if (trippedAt.length > 0) brake.trippedAt = new Date(Math.min(...trippedAt)).toISOString();
  // Held projects first, then the most newly stale: the ones a person looks at.
  const order = [...reports].sort(
    ([a, ra], [b, rb]) => Number(heldProjects.has(b)) - Number(heldProjects.has(a)) || rb.newlyStale - ra.newlyStale || (a < b ? -1 : 1),
  );
  brake.projects = Object.fromEntries(order.slice(0, MAX_PROJECTS_LISTED));
  brake.projectsOmitted = Math.max(0, order.length - MAX_PROJECTS_LISTED);
}

function brakeDetail(brake: BrakeReport): string {
  const held = brake.heldProjects;
  const counts = held
    .map((project) => (Object.hasOwn(brake.projects, project) ? brake.projects[project] : undefined))
    .filter((r) => r !== undefined);
  const newlyStale = counts.reduce((sum, r) => sum + r.newlyStale, 0);
  const live = counts.reduce((sum, r) => sum + r.live, 0);
  const shown = held.slice(0, 10).join(', ') + (held.length > 10 ? `, … (${held.length} in all)` : '');
  const which =
    held.length > 0 ? ` for ${held.length} project(s) (${shown})` : ' for every project (an engagement from before per-project entries)';
  const since = brake.trippedAt ? `engaged since ${brake.trippedAt}` : 'would trip (dry run)';
  const rule = `trips at ≥ ${brake.minLocks} newly stale in a project, or in the pool of the smaller ones, and a share ≥ ${brake.minShare}`;
  return `mass-expiry brake ${since}${which}: ${brake.held} stale lock(s) held; ${newlyStale} newly stale vs ${live} live locks in the held project(s) (${rule}). Release it with "overrideBrake": true, --override-brake or ops invoke --override-brake (with --project for some projects only)`;
}
