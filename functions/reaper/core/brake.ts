/**
 * The brake on mass expiry. If the editors' writer breaks and stops renewing rows, every active lock looks stale
 * within one lock lifetime, and a reaper trusting the table would free every active editor's lock at once. Like
 * Kubernetes' node lifecycle controller, which stops evicting when a large share of a zone goes unhealthy at once,
 * the reaper holds back when many locks went stale *recently* compared with the locks still live.
 *
 * The brake judges each Scenario project on its own counts, so one project's outage is not diluted by another's
 * live locks; the projects too small to be judged alone are judged together, as one pool, so an outage spread over
 * many small projects still trips. A tripped judgement holds the projects it covers, and only those.
 *
 * "Newly stale" reaches back to the last complete run that looked at the project (its mark), so a gap between runs
 * (a daily schedule, a pause, an outage) does not turn a mass expiry into backlog; never further than 24 h.
 * Locks that went stale before that (a backlog: a first deployment) never count. Everything here is pure: the run
 * (reap.ts) counts, the store keeps the state.
 */

export interface BrakeSettings {
  /** A stale lock is "newly stale" when its expiry plus the grace falls within this many seconds before now. */
  windowSeconds: number;
  /** At least this many newly stale locks trip the brake; 0 turns the brake off. */
  minLocks: number;
  /** …and they are at least this share of newly stale + live locks. */
  share: number;
}

/** "Newly stale" never reaches back further than this, whatever the mark: older stale locks are backlog. */
export const MAX_LOOK_BACK_MS = 24 * 3600_000;

export interface BrakeCounts {
  newlyStale: number;
  live: number;
}

/** An engaged brake: when and by which run it tripped, on what counts (ops status shows what is engaged in this shape). */
export interface BrakeState extends BrakeCounts {
  trippedAtMs: number;
  runId: string;
}

/** One project's engaged brake: it stays engaged until a person releases it. */
export interface ProjectEngagement extends BrakeState {
  /** Locks that went stale after this are held (the newly stale boundary when it tripped). */
  heldSinceMs: number;
}

/** What the brake row keeps for one project. */
export interface ProjectBrakeEntry {
  /** When the last complete, non-dry run over the whole table started looking (epoch ms). */
  markMs?: number;
  /** Set while the project's brake is engaged. */
  engaged?: ProjectEngagement;
  /** The last release by a person (overrideBrake), kept for the record. */
  released?: { releasedAtMs: number; runId: string };
}

/** The brake row, as read once before the scan. */
export interface BrakeRow {
  projects: Readonly<Record<string, ProjectBrakeEntry>>;
  /** A whole-table brake engaged before per-project entries existed: it holds every project without an entry of its own. */
  legacy?: BrakeState;
}

export const EMPTY_BRAKE_ROW: BrakeRow = { projects: Object.freeze(Object.create(null)) };

/** A project's entry of the brake row, read as data (never an inherited property such as `toString`). */
export function brakeEntryOf(row: BrakeRow, project: string): ProjectBrakeEntry | undefined {
  return Object.hasOwn(row.projects, project) ? row.projects[project] : undefined;
}

/** The moment a lock became stale: its expiry plus the grace. */
const staleSince = (expiresAtMs: number, graceMs: number) => expiresAtMs + graceMs;

/**
 * The boundary after which a stale lock counts as newly stale for a project: the earlier of its mark and
 * now − window, but never more than 24 h back. With no mark (a first deployment), the window alone.
 */
export function newlyStaleSince(markMs: number | undefined, nowMs: number, settings: BrakeSettings): number {
  const window = nowMs - settings.windowSeconds * 1000;
  const since = markMs === undefined ? window : Math.min(markMs, window);
  return Math.max(since, nowMs - MAX_LOOK_BACK_MS);
}

/** The lock went stale after `sinceMs` (a project's newly stale boundary, or an engagement's). */
export function wentStaleAfter(expiresAtMs: number, graceMs: number, sinceMs: number): boolean {
  return staleSince(expiresAtMs, graceMs) > sinceMs;
}

export function isNewlyStale(expiresAtMs: number, graceMs: number, nowMs: number, settings: BrakeSettings, markMs?: number): boolean {
  return wentStaleAfter(expiresAtMs, graceMs, newlyStaleSince(markMs, nowMs, settings));
}

/** The trip rule: enough newly stale locks, and a large enough share of them. */
export function tripsBrake(counts: BrakeCounts, settings: BrakeSettings): boolean {
  if (settings.minLocks === 0 || counts.newlyStale < settings.minLocks) return false;
  return counts.newlyStale / (counts.newlyStale + counts.live) >= settings.share;
}

export interface ProjectJudgement {
  /** Judged on its own counts ("alone", at least BRAKE_MIN_LOCKS newly stale), or in the pool of the smaller ones. */
  judged: 'alone' | 'pool';
  trips: boolean;
}

/**
 * The per-project rule. A project with at least BRAKE_MIN_LOCKS newly stale locks is judged alone, on its own share;
 * the others are judged together on their summed counts. A tripped pool covers the pooled projects that have newly
 * stale locks (those it holds); a pooled project with none has nothing to hold and is left out of the state.
 */
export function judgeProjects(counts: ReadonlyMap<string, BrakeCounts>, settings: BrakeSettings): Map<string, ProjectJudgement> {
  const judgements = new Map<string, ProjectJudgement>();
  const pool: BrakeCounts = { newlyStale: 0, live: 0 };
  for (const [project, c] of counts) {
    if (settings.minLocks > 0 && c.newlyStale >= settings.minLocks) {
      judgements.set(project, { judged: 'alone', trips: tripsBrake(c, settings) });
    } else {
      pool.newlyStale += c.newlyStale;
      pool.live += c.live;
    }
  }
  const poolTrips = tripsBrake(pool, settings);
  for (const [project, c] of counts) {
    if (!judgements.has(project)) judgements.set(project, { judged: 'pool', trips: poolTrips && c.newlyStale > 0 });
  }
  return judgements;
}

/**
 * The engagement that holds a project's canvases, if any: its own (unless released since), else a legacy row's.
 * A legacy engagement holds what went stale after (trip time − window), as it did before per-project entries.
 */
export function engagementOf(row: BrakeRow, project: string, settings: BrakeSettings): ProjectEngagement | undefined {
  const entry = brakeEntryOf(row, project);
  if (entry?.engaged) return entry.engaged;
  if (entry?.released || !row.legacy) return undefined;
  const legacy = row.legacy;
  return { ...legacy, heldSinceMs: legacy.trippedAtMs - settings.windowSeconds * 1000 };
}

/**
 * While a project's brake is engaged, no lock of it that went stale after its boundary is unlocked: those are the
 * locks the trip held, and the ones that went stale since. Without this, the held locks would age past the window
 * and the next run would free them all, only later.
 */
export function heldByEngagedBrake(expiresAtMs: number, graceMs: number, engagement: Pick<ProjectEngagement, 'heldSinceMs'>): boolean {
  return wentStaleAfter(expiresAtMs, graceMs, engagement.heldSinceMs);
}

/** The share of newly stale among newly stale + live locks (0 when there are none), rounded for a report. */
export function newlyStaleShare(counts: BrakeCounts): number {
  const total = counts.newlyStale + counts.live;
  return total === 0 ? 0 : Math.round((counts.newlyStale / total) * 1000) / 1000;
}

/** What the run's brake decides once the scan is over. */
export interface BrakeDecision {
  /** How each project the run examined was judged. */
  judgements: Map<string, ProjectJudgement>;
  /** Engagements from earlier runs that hold the projects the run covers (none when overriding). */
  engaged: Map<string, ProjectEngagement>;
  /** Projects the judgement trips now (not engaged already; none when overriding). */
  trips: string[];
  /** A legacy whole-table engagement holds this run (it covers every project). */
  legacyEngaged: boolean;
}

/**
 * The projects a run covers that an earlier engagement holds: the named ones (`projectIds`), or, over the whole
 * table, every engaged entry and, under a legacy engagement, every project the run examined without an entry.
 */
function coveredEngagements(
  row: BrakeRow,
  examined: Iterable<string>,
  settings: BrakeSettings,
  projectIds?: readonly string[],
): Map<string, ProjectEngagement> {
  const engaged = new Map<string, ProjectEngagement>();
  const candidates = projectIds ?? [...Object.keys(row.projects), ...(row.legacy ? examined : [])];
  for (const project of candidates) {
    const engagement = engagementOf(row, project, settings);
    if (engagement) engaged.set(project, engagement);
  }
  return engaged;
}

/**
 * What an override releases: the named projects (their own engagement, or a legacy one), or, over the whole table,
 * every project's own engagement (a legacy whole-table engagement is released as such, not copied per project).
 */
export function releasedByOverride(row: BrakeRow, settings: BrakeSettings, projectIds?: readonly string[]): Map<string, ProjectEngagement> {
  if (projectIds) return coveredEngagements(row, [], settings, projectIds);
  return new Map(Object.entries(row.projects).flatMap(([project, entry]) => (entry.engaged ? [[project, entry.engaged] as const] : [])));
}

export function decideBrake(input: {
  counts: ReadonlyMap<string, BrakeCounts>;
  row: BrakeRow;
  settings: BrakeSettings;
  projectIds?: readonly string[];
  override: boolean;
}): BrakeDecision {
  const { counts, row, settings, projectIds, override } = input;
  const judgements = judgeProjects(counts, settings);
  if (override) return { judgements, engaged: new Map(), trips: [], legacyEngaged: false };
  const engaged = coveredEngagements(row, counts.keys(), settings, projectIds);
  const trips = [...judgements].filter(([project, j]) => j.trips && !engaged.has(project)).map(([project]) => project);
  return { judgements, engaged, trips: trips.sort(), legacyEngaged: row.legacy !== undefined && projectIds === undefined };
}
