/**
 * The CloudWatch metrics a run publishes (Powertools Metrics, EMF), shared with the stack's alarms and dashboard
 * so an alarm can never watch a metric the code stopped emitting. Every metric carries the dimension
 * `service` = the configured POWERTOOLS_SERVICE_NAME, in the namespace POWERTOOLS_METRICS_NAMESPACE.
 */
export const METRIC_NAMES = {
  /** 1 per completed run (the "schedule is running" heartbeat). */
  runs: 'ReapRuns',
  /** Rows read from the table. */
  examined: 'CanvasesExamined',
  /** Locks found past lockExpiresAt + grace. */
  stale: 'StaleLocksFound',
  /** Locks freed through the API. */
  unlocked: 'LocksUnlocked',
  /** Stale locks the run tried and failed to free (the row keeps its lock; the next run retries). */
  failed: 'UnlockFailures',
  /** Rows whose assetId or lockExpiresAt is malformed; never touched. */
  invalid: 'InvalidRows',
  /** 1 when the run stopped early (time budget, refused credentials, table read error, or the brake). */
  cutShort: 'RunsCutShort',
  /** Unlocks that may have freed a live lock (the lock changed since the claim, and the unlock was or may have been applied). */
  possibleLiveLockUnlocks: 'PossibleLiveLockUnlocks',
  /** 1 while the mass-expiry brake is engaged (published every run, so its alarm stays in alarm until released). */
  brakeTripped: 'BrakeTripped',
  /** Lock events (docs/events.md) that could not be published after their retries; the unlocks stand. */
  eventsNotPublished: 'LockEventsNotPublished',
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** The dimension Powertools Metrics adds to every metric. */
export const METRIC_SERVICE_DIMENSION = 'service';

/** With a key per Scenario project, LocksUnlocked and UnlockFailures are also published per project, with this dimension. */
export const METRIC_PROJECT_DIMENSION = 'Project';
/** At most this many projects get their own series (CloudWatch bills each series). */
export const MAX_PROJECT_DIMENSIONS = 50;
