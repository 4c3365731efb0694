import type { ApiStep, AssetLogRecord, UnlockFailureKind } from './ports';
import type { LockView } from './tracked-canvas';

export type SkipReason =
  /** The lock has not expired (or is within the grace period). */
  | 'live'
  /** The row holds no lockExpiresAt. */
  | 'not-locked'
  /** The lock changed between the read and the unlock; the renewed lock was left alone. */
  | 'renewed'
  /** The row said stale, but Scenario holds a live lock (the mirror lagged): not unlocked, the row healed. */
  | 'renewed-at-source'
  /** Another run is reaping this canvas right now. */
  | 'claimed-by-other-run'
  /** Named in a manual run but not in the table (or removed while the run went on). */
  | 'not-tracked'
  /** Stale, but the run stopped (time budget, every key refused, store error) before trying it. */
  | 'run-stopped'
  /** Stale, but held by the mass-expiry brake (tripped now, or engaged since an earlier run). */
  | 'held-by-brake'
  /** Stale, but the key its project uses was refused earlier in this run (see RunControl); other keys went on. */
  | 'project-refused';

export type FailureKind = UnlockFailureKind | 'store-error' | 'internal-error' | 'no-credentials-for-project';

/** Where in a canvas's life a failure happened: the two API requests, or the table writes around them. */
export type FailureStep = ApiStep | 'claim' | 'record';

/**
 * A lock that may have been live when the reaper freed it: the unlock was (or may have been) applied, and the lock
 * changed since the claim. Always reported: it is the one harm the reaper exists to avoid.
 */
export interface PossibleLiveLockUnlock {
  /** The lock the run read and claimed (stale). */
  claimed: LockView;
  /** The lock found after the claim (null: the row no longer holds one). */
  current: LockView | null;
  /** Where the change was seen: the table's row, or Scenario's GET. */
  seenIn: 'table' | 'scenario';
}

/** What the GET before an unlock read at Scenario (set only when the lock was verified there). */
export interface SourceReading {
  /** Scenario's `metadata.lockExpiresAt` as read (null: the asset held none). */
  lockExpiresAt: string | null;
}

/** What happened to one canvas in one run: the unit of the log and of the summary. */
export type CanvasOutcome =
  | { assetId: string; status: 'unlocked'; lockExpiresAt: string; attempts: number; asset: AssetLogRecord; source?: SourceReading }
  /** Freed at Scenario, but the row changed before it could be updated; the row was left as the writer left it. */
  | {
      assetId: string;
      status: 'unlocked-row-changed';
      lockExpiresAt: string;
      attempts?: number;
      asset: AssetLogRecord;
      doubt: PossibleLiveLockUnlock;
      source?: SourceReading;
    }
  | { assetId: string; status: 'would-unlock'; lockExpiresAt: string }
  | {
      assetId: string;
      status: 'skipped';
      reason: SkipReason;
      lockExpiresAt?: string;
      sourceLockExpiresAt?: string;
      /** renewed-at-source: whether the row now holds Scenario's expiry (false: it changed first, or the write failed). */
      rowHealed?: boolean;
    }
  | { assetId: string; status: 'invalid'; problem: string }
  | {
      assetId: string;
      status: 'failed';
      kind: FailureKind;
      step?: FailureStep;
      httpStatus?: number;
      error: string;
      /** Set when the unlock may have been applied and the lock changed since the claim. */
      doubt?: PossibleLiveLockUnlock;
    };

/** The possible live-lock unlock an outcome carries, if any. */
export function doubtOf(outcome: CanvasOutcome): PossibleLiveLockUnlock | undefined {
  return outcome.status === 'unlocked-row-changed' || outcome.status === 'failed' ? outcome.doubt : undefined;
}
