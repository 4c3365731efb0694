import type { BrakeRow, ProjectEngagement } from './brake';
import type { ProjectKeys } from './project';
import type { AttributeReading, LockView, TrackedCanvas } from './tracked-canvas';

/** Milliseconds since the epoch; injected so tests decide what "now" is. */
export interface Clock {
  now(): number;
}

export type ClaimResult = 'claimed' | 'lock-changed' | 'no-longer-locked' | 'claimed-by-other-run' | 'gone';
export type MarkUnlockedResult = 'updated' | 'lock-changed';
export type HealResult = 'healed' | 'row-changed';

/** The row as a consistent read sees it now, against the lock this run read and claimed. */
export type RowCheck =
  /** Same lock, and our claim still stands. */
  | { kind: 'held' }
  /** The lock changed (renewed, released, re-taken) or the row is gone; `current` is the row's lock now. */
  | { kind: 'lock-changed'; current: LockView | null }
  /** Same lock, but the claim is no longer this run's (it lapsed and another run took it). */
  | { kind: 'claim-lost'; current: LockView };

/**
 * The table of tracked canvases, as the reaper needs it. Every write is conditional on the row still holding
 * the lock exactly as it was read, so a renewed lock is never overwritten.
 */
export interface CanvasStore {
  /** Every tracked canvas, one page at a time (never the whole table at once). */
  pages(): AsyncIterable<readonly TrackedCanvas[]>;
  /** Only the named canvases, in pages; ids not in the table are simply not yielded. */
  pagesOf(assetIds: readonly string[]): AsyncIterable<readonly TrackedCanvas[]>;
  /**
   * Marks the row as being reaped by this run until `untilMs`, if its lock is still the one read and no other
   * live run holds it. This is both the last look at the table before the requests and the guard against
   * overlapping runs.
   */
  claim(canvas: TrackedCanvas, claim: { runId: string; untilMs: number; nowMs: number }): Promise<ClaimResult>;
  /** A consistent read of the row, compared with the lock read and this run's claim (before a retry, after a doubt). */
  check(canvas: TrackedCanvas, runId: string): Promise<RowCheck>;
  /**
   * Scenario says the lock is live although the row says stale (the mirror lags): writes Scenario's expiry into the
   * row, drops the row's (old) lockId, gives the claim back and records the heal, if the row still holds the lock
   * read and our claim. A writer's own late write wins over this one.
   */
  healFromSource(canvas: TrackedCanvas, heal: { runId: string; lockExpiresAt: string; healedAtMs: number }): Promise<HealResult>;
  /** Removes lockExpiresAt and lockId and records the unlock, if the row still holds the lock read and our claim. */
  markUnlocked(canvas: TrackedCanvas, unlock: { runId: string; unlockedAtMs: number }): Promise<MarkUnlockedResult>;
  /** Records that Scenario answered 404 for this canvas (lastNotFoundAt), if the row still holds the lock read. */
  markNotFound(canvas: TrackedCanvas, notFound: { atMs: number }): Promise<void>;
  /** Gives the claim back (the unlock did not happen), so the next run may try at once. Best effort. */
  releaseClaim(canvas: TrackedCanvas, runId: string): Promise<void>;
  /** The mass-expiry brake's row (one read): per-project entries, and a legacy whole-table engagement if any. */
  readBrake(): Promise<BrakeRow>;
  /** Engages these projects' brakes until a person releases them (one write for a realistic number of projects). */
  engageBrake(engagements: Readonly<Record<string, ProjectEngagement>>): Promise<void>;
  /**
   * A person's override: records the release of each of these projects (with the engagement it ends), and of a
   * legacy whole-table engagement when `legacy` is set (only when the run covered every project).
   */
  releaseBrake(release: {
    runId: string;
    releasedAtMs: number;
    projects: Readonly<Record<string, ProjectEngagement>>;
    legacy: boolean;
  }): Promise<void>;
  /** Moves these projects' marks to `atMs` (the start of a complete, non-dry run over the whole table). */
  advanceMarks(marks: { atMs: number; projects: readonly string[] }): Promise<void>;
}

export type UnlockFailureKind =
  | 'asset-not-found'
  /** 401: the key is refused. */
  | 'credentials-rejected'
  /** 403: this asset is refused to this key (the key is refused only after two such assets; see RunControl). */
  | 'forbidden'
  | 'request-rejected'
  | 'rate-limited'
  | 'server-error'
  | 'timeout'
  | 'network-error'
  | 'bad-response'
  /** Scenario answered 3xx: never followed (an answer from elsewhere is not Scenario's, and carries no key). */
  | 'unexpected-redirect'
  | 'out-of-time';

/** Which request of a canvas's life failed: the GET that verifies the lock at Scenario, or the PUT that frees it. */
export type ApiStep = 'verify' | 'unlock';

export interface ApiFailure {
  kind: UnlockFailureKind;
  /** HTTP status of the last attempt, when there was one. */
  status?: number;
  /** Safe to log: never holds credentials, headers or signed URLs. */
  message: string;
  attempts: number;
  /**
   * An attempt may have been applied by the API although no success came back (a timeout, reset, 5xx or a 200 that
   * is not the asset, unless the error proves no connection was made). Always false for a GET.
   */
  possiblyApplied: boolean;
  /** Set when the run's own check before a retry stopped the retries (see RetryDecision). */
  halted?: RetryHalt;
}

/** The asset returned by the API, reduced to log-safe fields (signed URLs already redacted). */
export type AssetLogRecord = Readonly<Record<string, unknown>>;

export type UnlockResult = { ok: true; asset: AssetLogRecord; attempts: number } | { ok: false; failure: ApiFailure };

/**
 * Scenario's own view of the lock: `metadata.lockExpiresAt` of the asset, absent or a timestamp the table contract
 * accepts. An answer that is neither (no `metadata` object, an unparsable value) is a `bad-response` failure, never
 * "no lock".
 */
export type SourceLockResult = { ok: true; lockExpiresAt: AttributeReading; attempts: number } | { ok: false; failure: ApiFailure };

/** Why the run stopped retrying an unlock: the truth no longer says the lock is stale. */
export interface RetryHalt {
  reason: string;
  /** The lock now differs from the one claimed (row or Scenario): a renewal, not just a doubt. */
  lockChanged: boolean;
  /** The lock that replaced the claimed one, when known (null: the row holds none). */
  current?: LockView | null;
  /** Where the change was seen. */
  seenIn?: 'table' | 'scenario';
  /**
   * The check read an answer it does not understand (an unreadable lock, a redirect): the canvas fails with this kind
   * rather than the kind of the last unlock attempt.
   */
  failureKind?: UnlockFailureKind;
}

export type RetryDecision = { retry: true } | ({ retry: false } & RetryHalt);

/** The Scenario lock API, as the reaper needs it. Never throws for an expected failure. */
export interface LockApi {
  /** `GET /assets/{assetId}`: the lock as Scenario holds it; gives up rather than wait past `deadlineMs`. */
  readSourceLock(assetId: string, options: { deadlineMs: number }): Promise<SourceLockResult>;
  /**
   * Force-unlocks one asset; gives up (out-of-time) rather than wait past `deadlineMs`. Before each retry it asks
   * `mayRetry`, and stops retrying when told so.
   */
  forceUnlock(assetId: string, options: { deadlineMs: number; mayRetry?: () => Promise<RetryDecision> }): Promise<UnlockResult>;
}

/** The lock API with each project's key (see ProjectKeys): each canvas is verified and unlocked with its project's key. */
export type LockApis = ProjectKeys<LockApi>;

/** Structured logging; each call becomes one JSON line in production. */
export interface ReapLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
