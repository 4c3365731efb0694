import { type CanvasOutcome, doubtOf } from './outcome';
import type { Clock } from './ports';
import { DEFAULT_PROJECT } from './project';
import { type LockView, readingText, type TrackedCanvas } from './tracked-canvas';

/**
 * Events that tell the editors' backend what the reaper freed (issue 21): one per released lock, doubt, healed mirror
 * and brake change. The core only builds them and hands them to a publisher port; where they go (an EventBridge bus,
 * the local stand-in) and how they are batched, retried and redacted is the adapter's business. The detail-types and
 * fields are a contract (docs/events.md holds their JSON Schemas): fields are only ever added.
 */
export const LOCK_EVENT_SOURCE = 'canvas-lock-reaper';

export const LOCK_EVENT_TYPES = {
  released: 'Canvas Lock Released',
  doubted: 'Canvas Lock Release Doubted',
  healed: 'Canvas Mirror Healed',
  brakeEngaged: 'Reaper Brake Engaged',
  brakeReleased: 'Reaper Brake Released',
} as const;

export type LockEventType = (typeof LOCK_EVENT_TYPES)[keyof typeof LOCK_EVENT_TYPES];
export const LOCK_EVENT_TYPE_NAMES: readonly LockEventType[] = Object.values(LOCK_EVENT_TYPES);

/** What started the run that freed the lock. */
export type RunTrigger = 'scheduled' | 'invoke' | 'cli' | 'ops-unlock';

/** The brake is one for the whole table until it is judged per project: its events then name this "project". */
export const WHOLE_TABLE_BRAKE = '*';

/** The part every detail carries. */
export interface LockEventDetailBase {
  /** runId + asset id (or brake project) + detail-type: the same event re-sent (a PutEvents retry) has the same id. */
  eventId: string;
  runId: string;
  trigger: RunTrigger;
}

export interface LockEvent {
  detailType: LockEventType;
  detail: LockEventDetailBase & Record<string, unknown>;
}

/**
 * Where the run's events go. `publish` only hands the event over and never waits or throws: delivery never blocks or
 * reverses an unlock. `settle` waits for everything handed over so far and says which events could not be published.
 */
export interface LockEventPublisher {
  publish(event: LockEvent): void;
  settle(): Promise<{ notPublished: readonly string[] }>;
}

/** Publishes nothing (events off, or a dry run). */
export const NO_LOCK_EVENTS: LockEventPublisher = {
  publish: () => undefined,
  settle: async () => ({ notPublished: [] }),
};

export function lockEventId(runId: string, subject: string, detailType: LockEventType): string {
  return `${runId}:${subject}:${detailType}`;
}

/** The counts a brake event carries. */
export interface BrakeEventCounts {
  newlyStale: number;
  live: number;
  held: number;
  share: number;
}

/** Turns what the run records (canvas outcomes, brake changes) into events, for one run. */
export class LockEventRecorder {
  constructor(
    private readonly publisher: LockEventPublisher,
    private readonly run: { runId: string; trigger: RunTrigger; clock: Clock },
  ) {}

  /** One canvas outcome, as it is recorded (the canvas as read, for its lock id and project). */
  outcome(outcome: CanvasOutcome, canvas: TrackedCanvas | undefined): void {
    if (!canvas) return;
    const projectId = canvas.projectId?.kind === 'string' ? canvas.projectId.value : DEFAULT_PROJECT;
    const base = { assetId: outcome.assetId, projectId };
    const doubt = doubtOf(outcome);
    if (outcome.status === 'unlocked' || outcome.status === 'unlocked-row-changed') {
      this.emit(LOCK_EVENT_TYPES.released, outcome.assetId, {
        ...base,
        releasedAt: new Date(this.run.clock.now()).toISOString(),
        lockExpiresAt: readingText(canvas.lockExpiresAt) ?? null,
        lockId: readingText(canvas.lockId) ?? null,
        verifiedAtSource: outcome.source !== undefined,
        sourceLockExpiresAt: outcome.source?.lockExpiresAt ?? null,
        attempts: outcome.attempts ?? null,
        possibleLiveLockUnlock: doubt !== undefined,
        asset: outcome.asset,
      });
    }
    if (doubt) {
      this.emit(LOCK_EVENT_TYPES.doubted, outcome.assetId, {
        ...base,
        kind: 'possible-live-lock-unlock',
        outcome: outcome.status,
        ...(outcome.status === 'failed' ? { failureKind: outcome.kind } : {}),
        seenIn: doubt.seenIn,
        claimedLock: lockOrNull(doubt.claimed),
        currentLock: doubt.current === null ? null : lockOrNull(doubt.current),
      });
    }
    if (outcome.status === 'skipped' && outcome.reason === 'renewed-at-source' && outcome.rowHealed) {
      this.emit(LOCK_EVENT_TYPES.healed, outcome.assetId, {
        ...base,
        healedAt: new Date(this.run.clock.now()).toISOString(),
        lockId: readingText(canvas.lockId) ?? null,
        mirrorLockExpiresAt: outcome.lockExpiresAt ?? null,
        sourceLockExpiresAt: outcome.sourceLockExpiresAt ?? null,
      });
    }
  }

  brakeEngaged(projectId: string, counts: BrakeEventCounts, trippedAtMs: number): void {
    this.emit(LOCK_EVENT_TYPES.brakeEngaged, projectId, {
      projectId,
      engagedAt: new Date(trippedAtMs).toISOString(),
      ...counts,
    });
  }

  brakeReleased(projectId: string, releasedAtMs: number): void {
    this.emit(LOCK_EVENT_TYPES.brakeReleased, projectId, {
      projectId,
      releasedAt: new Date(releasedAtMs).toISOString(),
      releasedByRunId: this.run.runId,
      releasedByTrigger: this.run.trigger,
    });
  }

  settle(): Promise<{ notPublished: readonly string[] }> {
    return this.publisher.settle();
  }

  private emit(detailType: LockEventType, subject: string, fields: Record<string, unknown>): void {
    const { runId, trigger } = this.run;
    this.publisher.publish({ detailType, detail: { eventId: lockEventId(runId, subject, detailType), runId, trigger, ...fields } });
  }
}

function lockOrNull(lock: LockView): { lockExpiresAt: string | null; lockId: string | null } {
  return { lockExpiresAt: lock.lockExpiresAt ?? null, lockId: lock.lockId ?? null };
}
