import type { AssetLogRecord, UnlockFailureKind } from './ports';

export type SkipReason =
  /** The lock has not expired (or is within the grace period). */
  | 'live'
  /** The row holds no lockExpiresAt. */
  | 'not-locked'
  /** The lock changed between the read and the unlock; the renewed lock was left alone. */
  | 'renewed'
  /** Another run is reaping this canvas right now. */
  | 'claimed-by-other-run'
  /** Named in a manual run but not in the table (or removed while the run went on). */
  | 'not-tracked'
  /** Stale, but the run stopped (time budget, refused credentials, store error) before trying it. */
  | 'run-stopped';

export type FailureKind = UnlockFailureKind | 'store-error' | 'internal-error';

/** What happened to one canvas in one run: the unit of the log and of the summary. */
export type CanvasOutcome =
  | { assetId: string; status: 'unlocked'; lockExpiresAt: string; attempts: number; asset: AssetLogRecord }
  /** Freed at Scenario, but the row changed before it could be updated; the row was left as the writer left it. */
  | { assetId: string; status: 'unlocked-row-changed'; lockExpiresAt: string; asset: AssetLogRecord }
  | { assetId: string; status: 'would-unlock'; lockExpiresAt: string }
  | { assetId: string; status: 'skipped'; reason: SkipReason; lockExpiresAt?: string }
  | { assetId: string; status: 'invalid'; problem: string }
  | { assetId: string; status: 'failed'; kind: FailureKind; httpStatus?: number; error: string };
