import type { CanvasOutcome } from './outcome';
import type { ReapLogger } from './ports';

/**
 * The message of each outcome line. `ops explain` reads the lines back: a line of a canvas with one of these messages
 * is an outcome line, and one it cannot read is reported, never skipped.
 */
export const OUTCOME_MESSAGES = {
  unlocked: 'canvas unlocked',
  unlockedRowChanged: 'canvas unlocked but its row changed meanwhile; row left as is',
  wouldUnlock: 'canvas would be unlocked (dry run)',
  invalid: 'tracked row is invalid; left untouched',
  failedInDoubt: 'canvas unlock failed and may have freed a live lock; row keeps its lock',
  failed: 'canvas unlock failed; row keeps its lock for the next run',
  renewedAtSource: "canvas stale in the table but live at Scenario; not unlocked, row healed with Scenario's expiry",
  skipped: 'canvas skipped',
} as const;

/** One log line per canvas outcome, at a level that matches what ops should do about it. */
export function logOutcome(logger: ReapLogger, outcome: CanvasOutcome): void {
  switch (outcome.status) {
    case 'unlocked':
      logger.info(OUTCOME_MESSAGES.unlocked, { ...outcome });
      return;
    case 'unlocked-row-changed':
      logger.warn(OUTCOME_MESSAGES.unlockedRowChanged, { ...outcome });
      return;
    case 'would-unlock':
      logger.info(OUTCOME_MESSAGES.wouldUnlock, { ...outcome });
      return;
    case 'invalid':
      logger.warn(OUTCOME_MESSAGES.invalid, { ...outcome });
      return;
    case 'failed':
      logger.error(outcome.doubt ? OUTCOME_MESSAGES.failedInDoubt : OUTCOME_MESSAGES.failed, { ...outcome });
      return;
    case 'skipped':
      if (outcome.reason === 'renewed-at-source') {
        logger.warn(OUTCOME_MESSAGES.renewedAtSource, { ...outcome });
        return;
      }
      // Live and unlocked rows are the bulk of every run: keep them out of the default log level.
      if (outcome.reason === 'live' || outcome.reason === 'not-locked') logger.debug(OUTCOME_MESSAGES.skipped, { ...outcome });
      else logger.info(OUTCOME_MESSAGES.skipped, { ...outcome });
      return;
  }
}
