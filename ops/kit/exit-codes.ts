import type { RunSummary } from '#reaper/core/summary';

/** Exit codes of every command line here (npm run reap, npm run ops, npm run bench): a contract with ops scripts. */
export const EXIT = {
  ok: 0,
  /**
   * A canvas outcome needs a look: a canvas failed, a row is invalid, the run stopped early, an unlock may have freed a
   * live lock, or a canvas's row changed under the command. Same value as `failed`.
   */
  canvasFailedOrInvalid: 1,
  /**
   * The command ran into a failure that is not a canvas outcome: an AWS call failed (DynamoDB, SQS, Scheduler, Logs,
   * Lambda), an answer was not understood, an unexpected error, or findings with --check. Same value as
   * `canvasFailedOrInvalid`: ops scripts see 1 either way.
   */
  failed: 1,
  /** The command line or the configuration must change before anything can be done; nothing was done. */
  usageOrConfig: 2,
} as const;

/**
 * A run's exit code: 1 when any canvas failed, any row is invalid, the run stopped early (the brake included), or an
 * unlock may have freed a live lock.
 */
export function exitCodeFor(summary: RunSummary): number {
  const needsALook = summary.failed > 0 || summary.skipped.invalid > 0 || summary.cutShort || summary.possibleLiveLockUnlocks > 0;
  return needsALook ? EXIT.canvasFailedOrInvalid : EXIT.ok;
}
