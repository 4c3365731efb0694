import type { BrakeCounts, BrakeSettings, ProjectJudgement } from './brake';
import { type CanvasOutcome, doubtOf, type FailureKind, type FailureStep, type SkipReason } from './outcome';
import type { LockView } from './tracked-canvas';

export type StopReason = 'time-budget' | 'credentials-rejected' | 'store-error' | 'brake' | 'suspect-base-url' | 'interrupted';
export type RunStop = { reason: StopReason; detail: string };

export type WarningKind =
  /** The unlock was (or may have been) applied, and the lock changed since the claim: a live lock may be gone. */
  | 'possible-live-lock-unlock'
  /** The brake tripped but its state could not be saved: the next run decides afresh. */
  | 'brake-state-not-saved';

export interface RunWarning {
  assetId?: string;
  kind: WarningKind;
  message: string;
  /** possible-live-lock-unlock: the lock the run claimed, and the one found after it (null: none). */
  claimedLock?: LockView;
  currentLock?: LockView | null;
}

export interface ProjectReport {
  examined: number;
  stale: number;
  unlocked: number;
  failed: number;
  /** Its key was refused in this run. */
  refused: boolean;
}

/** The per-project map lists at most this many projects (the values writers put in rows are not bounded). */
export const MAX_PROJECTS_LISTED = 100;

/** What the mass-expiry brake saw and did in this run. */
export interface BrakeReport extends BrakeCounts {
  /** False for runs over named assets, and when BRAKE_MIN_LOCKS is 0. */
  applies: boolean;
  /** Engaged at the end of this run (tripped now, or still engaged from an earlier run). */
  engaged: boolean;
  /** This run's counts meet the trip rule (in a dry run: it would trip). */
  wouldTrip: boolean;
  /** This run tripped it (and saved its state). */
  trippedNow: boolean;
  /** When it tripped, while engaged. */
  trippedAt?: string;
  /** This run released it (overrideBrake). */
  released: boolean;
  overridden: boolean;
  /** newlyStale / (newlyStale + live). */
  share: number;
  /** Stale canvases held back (not unlocked). */
  held: number;
  windowSeconds: number;
  minLocks: number;
  minShare: number;
  /** The projects whose stale locks this run held (or, dry, would hold): engaged, or tripped now. */
  heldProjects: string[];
  /** Per project the run covered, what the brake saw (at most MAX_PROJECTS_LISTED: held ones first, then the most newly stale). */
  projects: Record<string, BrakeProjectReport>;
  /** Projects left out of `projects` by its cap. */
  projectsOmitted: number;
}

/** What the brake saw of one project. */
export interface BrakeProjectReport extends BrakeCounts {
  /** Its stale locks held back in this run. */
  held: number;
  judged: ProjectJudgement['judged'];
  /** When its brake tripped, while engaged. */
  engagedSince?: string;
}

/** Lists in the summary are capped so a bad day cannot push the Lambda response past its size limit. */
export const MAX_LISTED_PER_KIND = 100;

export interface RunSummary {
  runId: string;
  dryRun: boolean;
  graceSeconds: number;
  /** Each stale lock was checked with GET /assets/{id} before the unlock (VERIFY_AT_SOURCE). */
  verifyAtSource: boolean;
  /** Set when the run was limited to named assets (manual invoke, --asset-id). */
  assetIds?: string[];
  /** Set when the run was limited to some Scenario projects (manual invoke, --project). */
  projectIds?: string[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  examined: number;
  stale: number;
  unlocked: number;
  failed: number;
  skipped: {
    live: number;
    notLocked: number;
    invalid: number;
    renewed: number;
    renewedAtSource: number;
    claimedByOtherRun: number;
    notTracked: number;
    runStopped: number;
    heldByBrake: number;
    projectRefused: number;
  };
  /** The canvases this run unlocked (the first MAX_LISTED_PER_KIND; `omitted.unlockedAssetIds` counts the rest). */
  unlockedAssetIds: string[];
  /** Dry run: the canvases a real run would have unlocked, as far as the table says. */
  wouldUnlock: string[];
  /** Dry run: says that wouldUnlock was not verified at Scenario (a dry run sends no request). */
  wouldUnlockNote?: string;
  failures: { assetId: string; kind: FailureKind; step?: FailureStep; httpStatus?: number; error: string }[];
  invalidRows: { assetId: string; problem: string }[];
  /** Things that deserve a look; `kind` says which (see WarningKind). */
  warnings: RunWarning[];
  /** Canvases whose unlock may have freed a live lock (every one, even past the warnings list's cap). */
  possibleLiveLockUnlocks: number;
  /** Lock events (docs/events.md) that could not be published, even after retries; 0 when events are off. */
  eventsNotPublished: number;
  brake: BrakeReport;
  /**
   * Per Scenario project ("default": rows without projectId): what happened to its canvases. A null-prototype object
   * (project ids are data, not property names): read it with Object.hasOwn; it is a plain JSON object in the output.
   */
  projects: Record<string, ProjectReport>;
  /** Projects whose rows used a key the API refused in this run (see RunControl): their remaining canvases were skipped. */
  refusedProjects: string[];
  /**
   * How many entries each list above left out (see MAX_LISTED_PER_KIND; `projects`: how many projects the per-project
   * map left out, each counted once); the per-canvas log lines have them all.
   */
  omitted: { unlockedAssetIds: number; wouldUnlock: number; failures: number; invalidRows: number; warnings: number; projects: number };
  cutShort: boolean;
  stopReason: StopReason | null;
  stopDetail?: string;
}

/** The counter of each skip reason (and of invalid rows), in the order the summary lists them. */
const SKIP_COUNTER: Record<SkipReason | 'invalid', keyof RunSummary['skipped']> = {
  live: 'live',
  'not-locked': 'notLocked',
  invalid: 'invalid',
  renewed: 'renewed',
  'renewed-at-source': 'renewedAtSource',
  'claimed-by-other-run': 'claimedByOtherRun',
  'not-tracked': 'notTracked',
  'run-stopped': 'runStopped',
  'held-by-brake': 'heldByBrake',
  'project-refused': 'projectRefused',
};

const UNVERIFIED_DRY_RUN_NOTE =
  'unverified: a dry run sends no request, so Scenario was not asked; a real run verifies each lock first and may skip some';

/** The brake's report before a run has seen anything. */
export function emptyBrakeReport(settings: BrakeSettings, applies: boolean, overridden: boolean): BrakeReport {
  return {
    applies,
    engaged: false,
    wouldTrip: false,
    trippedNow: false,
    released: false,
    overridden,
    newlyStale: 0,
    live: 0,
    share: 0,
    held: 0,
    windowSeconds: settings.windowSeconds,
    minLocks: settings.minLocks,
    minShare: settings.share,
    heldProjects: [],
    projects: {},
    projectsOmitted: 0,
  };
}

/** Accumulates outcomes into the run summary. */
export class SummaryBuilder {
  private readonly summary: RunSummary;
  /**
   * Every project seen, with its report in `summary.projects`, or null when it came past the cap (counted once in
   * `omitted.projects`). One lookup per row: every row read updates its project, and an idle run's work on a row is
   * little more than that.
   */
  private readonly projectReports = new Map<string, ProjectReport | null>();

  constructor(
    init: Pick<RunSummary, 'runId' | 'dryRun' | 'graceSeconds' | 'verifyAtSource' | 'brake'> & {
      assetIds?: readonly string[];
      projectIds?: readonly string[];
      startedAtMs: number;
    },
  ) {
    this.summary = {
      runId: init.runId,
      dryRun: init.dryRun,
      graceSeconds: init.graceSeconds,
      verifyAtSource: init.verifyAtSource,
      ...(init.assetIds ? { assetIds: [...init.assetIds] } : {}),
      ...(init.projectIds ? { projectIds: [...init.projectIds] } : {}),
      startedAt: new Date(init.startedAtMs).toISOString(),
      finishedAt: '',
      durationMs: 0,
      examined: 0,
      stale: 0,
      unlocked: 0,
      failed: 0,
      skipped: Object.fromEntries(Object.values(SKIP_COUNTER).map((counter) => [counter, 0])) as RunSummary['skipped'],
      unlockedAssetIds: [],
      wouldUnlock: [],
      ...(init.dryRun ? { wouldUnlockNote: UNVERIFIED_DRY_RUN_NOTE } : {}),
      failures: [],
      invalidRows: [],
      warnings: [],
      possibleLiveLockUnlocks: 0,
      eventsNotPublished: 0,
      brake: init.brake,
      projects: Object.create(null) as Record<string, ProjectReport>,
      refusedProjects: [],
      omitted: { unlockedAssetIds: 0, wouldUnlock: 0, failures: 0, invalidRows: 0, warnings: 0, projects: 0 },
      cutShort: false,
      stopReason: null,
    };
  }

  /** A row read; `project` undefined when the row is invalid (its project cannot be trusted). */
  countExamined(project: string | undefined): void {
    this.summary.examined += 1;
    if (project !== undefined) this.project(project, (p) => (p.examined += 1));
  }

  countStale(project: string): void {
    this.summary.stale += 1;
    this.project(project, (p) => (p.stale += 1));
  }

  /** One canvas's outcome; `project` is '' for outcomes that belong to no project (invalid rows, untracked ids). */
  record(outcome: CanvasOutcome, project = ''): void {
    const s = this.summary;
    if (project !== '' && (outcome.status === 'unlocked' || outcome.status === 'unlocked-row-changed'))
      this.project(project, (p) => (p.unlocked += 1));
    if (project !== '' && outcome.status === 'failed') this.project(project, (p) => (p.failed += 1));
    const doubt = doubtOf(outcome);
    if (doubt) {
      s.possibleLiveLockUnlocks += 1;
      this.warn({
        assetId: outcome.assetId,
        kind: 'possible-live-lock-unlock',
        message:
          outcome.status === 'unlocked-row-changed'
            ? `unlocked at Scenario, but the ${doubt.seenIn === 'table' ? 'row' : 'asset'} changed since the claim: the lock freed may have been live; the row was left as its writer left it`
            : `the unlock may have been applied (${outcome.status === 'failed' ? outcome.kind : ''}), and the lock changed since the claim (seen in the ${doubt.seenIn === 'table' ? 'row' : 'asset at Scenario'}): a live lock may have been freed`,
        claimedLock: doubt.claimed,
        currentLock: doubt.current,
      });
    }
    switch (outcome.status) {
      case 'unlocked':
      case 'unlocked-row-changed':
        s.unlocked += 1;
        this.list('unlockedAssetIds', outcome.assetId);
        return;
      case 'would-unlock':
        this.list('wouldUnlock', outcome.assetId);
        return;
      case 'skipped':
        s.skipped[SKIP_COUNTER[outcome.reason]] += 1;
        return;
      case 'invalid':
        s.skipped.invalid += 1;
        this.list('invalidRows', { assetId: outcome.assetId, problem: outcome.problem });
        return;
      case 'failed':
        s.failed += 1;
        this.list('failures', {
          assetId: outcome.assetId,
          kind: outcome.kind,
          ...(outcome.step === undefined ? {} : { step: outcome.step }),
          ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
          error: outcome.error,
        });
        return;
    }
  }

  warn(warning: RunWarning): void {
    this.list('warnings', warning);
  }

  /** Lock events that could not be published (the run waited for every batch before it finishes). */
  countEventsNotPublished(count: number): void {
    this.summary.eventsNotPublished += count;
  }

  get brake(): BrakeReport {
    return this.summary.brake;
  }

  finish(finishedAtMs: number, stop: RunStop | undefined, refusedProjects: readonly string[] = []): RunSummary {
    const s = this.summary;
    s.refusedProjects = [...refusedProjects];
    for (const project of refusedProjects) this.project(project, (p) => (p.refused = true));
    s.finishedAt = new Date(finishedAtMs).toISOString();
    s.durationMs = Math.max(0, finishedAtMs - Date.parse(s.startedAt));
    s.cutShort = stop !== undefined;
    s.stopReason = stop?.reason ?? null;
    if (stop) s.stopDetail = stop.detail;
    return s;
  }

  private project(project: string, change: (report: ProjectReport) => void): void {
    let report = this.projectReports.get(project);
    if (report === undefined) {
      const listed = this.projectReports.size - this.summary.omitted.projects;
      if (listed >= MAX_PROJECTS_LISTED) {
        this.projectReports.set(project, null);
        this.summary.omitted.projects += 1;
        return;
      }
      report = { examined: 0, stale: 0, unlocked: 0, failed: 0, refused: false };
      Object.defineProperty(this.summary.projects, project, { value: report, enumerable: true, writable: true, configurable: true });
      this.projectReports.set(project, report);
    }
    if (report !== null) change(report);
  }

  private list<K extends 'unlockedAssetIds' | 'wouldUnlock' | 'failures' | 'invalidRows' | 'warnings'>(
    key: K,
    entry: RunSummary[K][number],
  ): void {
    const target = this.summary[key] as RunSummary[K][number][];
    if (target.length < MAX_LISTED_PER_KIND) target.push(entry);
    else this.summary.omitted[key] += 1;
  }
}
