/**
 * The table of tracked canvases: the contract between the editors' backend (the writer) and the reaper, in one
 * module that the DynamoDB adapter, the ops CLI, the local stand-ins, the stack and the docs all use.
 * These names are a contract: extend, never rename.
 */

/** The partition key (a string): the Scenario asset id. */
export const TABLE_KEY = 'assetId';

/** The attributes writers own. */
export const CANVAS_ATTRIBUTES = {
  assetId: TABLE_KEY,
  /** ISO-8601 with a zone while locked; absent: not locked. */
  lockExpiresAt: 'lockExpiresAt',
  /** Optional: the lock's id, part of "the same lock". */
  lockId: 'lockId',
  /** Optional: the Scenario project whose key unlocks it (1-128 of [A-Za-z0-9_-]); absent: the default project. */
  projectId: 'projectId',
} as const;

/** Attributes only the reaper writes; every other attribute of a row is left exactly as its writer wrote it. */
export const REAPER_ATTRIBUTES = {
  /** The run that is unlocking this canvas right now… */
  claimRunId: 'reaperClaimRunId',
  /** …until this epoch-ms deadline, after which another run may take over. */
  claimExpiresAt: 'reaperClaimExpiresAt',
  /** ISO time of the last force-unlock, the run that did it and the lock it freed: the audit trail. */
  lastUnlockedAt: 'lastForceUnlockedAt',
  lastUnlockedRunId: 'lastForceUnlockedRunId',
  lastUnlockedLockExpiresAt: 'lastForceUnlockedLockExpiresAt',
  /** ISO time and run of the last heal: the row said stale, Scenario held a live lock, the row got Scenario's expiry. */
  lastHealedAt: 'lastHealedAt',
  lastHealedRunId: 'lastHealedRunId',
  /**
   * ISO time Scenario last answered 404 for this canvas (the row keeps its lock; untrack it). Such a canvas no longer
   * counts toward the "suspect base URL" stop, so a few deleted canvases nobody untracked cannot trip it forever.
   */
  lastNotFoundAt: 'lastNotFoundAt',
} as const;

/**
 * The row that keeps the mass-expiry brake's state. Its key starts with "#", which no Scenario asset id can, so no
 * writer can take it and scans skip it.
 */
export const BRAKE_ROW_KEY = '#reaper-brake';

export const BRAKE_ATTRIBUTES = {
  /** "engaged" while it holds locks; "released" after a person's override. */
  state: 'brakeState',
  /** Epoch ms and ISO time of the trip, and the run that tripped it. */
  trippedAtMs: 'brakeTrippedAtMs',
  trippedAt: 'brakeTrippedAt',
  runId: 'brakeRunId',
  /** The counts that tripped it. */
  newlyStale: 'brakeNewlyStale',
  live: 'brakeLive',
  /** ISO time and run of the release. */
  releasedAt: 'brakeReleasedAt',
  releasedRunId: 'brakeReleasedRunId',
} as const;

export const BRAKE_STATES = { engaged: 'engaged', released: 'released' } as const;

/**
 * The brake row's per-project entries, one top-level attribute each so that one project's write never rewrites
 * another's: `project:<projectId>`, a map of BRAKE_PROJECT_FIELDS (engaged or released), and `mark:<projectId>`, the
 * epoch ms at which the last complete run over the whole table started looking at it. The row-wide attributes above
 * are a brake engaged before per-project entries existed (it holds every project without an entry of its own).
 */
export const BRAKE_PROJECT_PREFIX = 'project:';
export const BRAKE_MARK_PREFIX = 'mark:';

export const BRAKE_PROJECT_FIELDS = {
  /** "engaged" or "released". */
  state: 'state',
  /** Epoch ms of the trip, the run that tripped it, and the boundary of what it holds (stale after it). */
  trippedAtMs: 'trippedAtMs',
  runId: 'runId',
  heldSinceMs: 'heldSinceMs',
  /** The project's counts that tripped it. */
  newlyStale: 'newlyStale',
  live: 'live',
  /** Epoch ms and run of the release. */
  releasedAtMs: 'releasedAtMs',
  releasedRunId: 'releasedRunId',
} as const;

/** Keys the reaper reserves for itself: never a tracked canvas. */
export function isReservedKey(assetId: string): boolean {
  return assetId.startsWith('#');
}
