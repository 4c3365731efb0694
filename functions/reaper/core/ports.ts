import type { TrackedCanvas } from './tracked-canvas';

/** Milliseconds since the epoch; injected so tests decide what "now" is. */
export interface Clock {
  now(): number;
}

export type ClaimResult = 'claimed' | 'lock-changed' | 'no-longer-locked' | 'claimed-by-other-run' | 'gone';
export type MarkUnlockedResult = 'updated' | 'lock-changed';

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
   * live run holds it. This is both the last look before the request and the guard against overlapping runs.
   */
  claim(canvas: TrackedCanvas, claim: { runId: string; untilMs: number; nowMs: number }): Promise<ClaimResult>;
  /** Removes lockExpiresAt and lockId and records the unlock, if the row still holds the lock read and our claim. */
  markUnlocked(canvas: TrackedCanvas, unlock: { runId: string; unlockedAtMs: number }): Promise<MarkUnlockedResult>;
  /** Gives the claim back (the unlock did not happen), so the next run may try at once. Best effort. */
  releaseClaim(canvas: TrackedCanvas, runId: string): Promise<void>;
}

export type UnlockFailureKind =
  | 'asset-not-found'
  | 'credentials-rejected'
  | 'request-rejected'
  | 'rate-limited'
  | 'server-error'
  | 'timeout'
  | 'network-error'
  | 'bad-response'
  | 'out-of-time';

export interface UnlockFailure {
  kind: UnlockFailureKind;
  /** HTTP status of the last attempt, when there was one. */
  status?: number;
  /** Safe to log: never holds credentials, headers or signed URLs. */
  message: string;
  attempts: number;
}

/** The asset returned by the API, reduced to log-safe fields (signed URLs already redacted). */
export type AssetLogRecord = Readonly<Record<string, unknown>>;

export type UnlockResult = { ok: true; asset: AssetLogRecord; attempts: number } | { ok: false; failure: UnlockFailure };

/** The Scenario lock API, as the reaper needs it. */
export interface LockApi {
  /** Force-unlocks one asset; gives up (out-of-time) rather than wait past `deadlineMs`. Never throws. */
  forceUnlock(assetId: string, options: { deadlineMs: number }): Promise<UnlockResult>;
}

/** Structured logging; each call becomes one JSON line in production. */
export interface ReapLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
