import type { CapacityTally } from './consumed-capacity';

/** What the parent asks one reaper process to do (passed as JSON in argv). */
export interface ReaperJob {
  /** `reaper`: the real reap code path; `naive`: the baseline in naive-reaper.ts. */
  mode: 'reaper' | 'naive';
  dynamoEndpoint: string;
  tableName: string;
  apiBaseUrl: string;
  apiKey: string;
  apiSecret: string;
  maxInFlight: number;
  /**
   * GET each stale asset at Scenario before its unlock (VERIFY_AT_SOURCE). Always passed explicitly, so a change of
   * the core's default cannot change what a measurement means. The naive reaper never verifies.
   */
  verifyAtSource: boolean;
  graceSeconds: number;
  /** Powertools log level of the real reaper ('WARN' keeps per-canvas lines out; 'INFO' is production's default). */
  logLevel: 'INFO' | 'WARN';
  /**
   * The EventBridge stand-in the real reaper publishes its lock events to, as the deployed function does by default
   * (LOCK_EVENTS on, the stack's bus), with production's EventBridge client. The naive reaper publishes nothing.
   */
  lockEventsEndpoint: string;
}

/** What the reaper process reports back, as one line on stdout after RESULT_PREFIX. */
export interface ReaperProcessResult {
  mode: ReaperJob['mode'];
  /** Wall time of the run itself (the reap call), not of the process start. */
  runMs: number;
  examined: number;
  stale: number;
  unlocked: number;
  failed: number;
  /** Skipped because Scenario said the lock is live (0 in the bench: the stand-in holds the same expired locks). */
  renewedAtSource: number;
  /** Held by the mass-expiry brake (0 in the bench: its stale locks expired before the brake's window). */
  heldByBrake: number;
  /** What the run's summary says it did (undefined for the naive reaper). */
  verifiedAtSource: boolean | undefined;
  stopReason: string | null;
  /** Lock events the run published (PutEvents accepted them) and could not publish; 0 for the naive reaper. */
  eventsPublished: number;
  eventsNotPublished: number;
  capacity: CapacityTally;
  /** process.resourceUsage().maxRSS of the reaper process over its whole life, in MiB. */
  peakRssMiB: number;
  /** CPU time the process used (user + system), whole life. */
  cpuMs: number;
  /** CPU time (user + system) of the run itself, module loading and start-up left out. */
  runCpuMs: number;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';
