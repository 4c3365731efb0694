import type { CanvasOutcome } from './outcome';
import type { ReapLogger } from './ports';

/** One log line per canvas outcome, at a level that matches what ops should do about it. */
export function logOutcome(logger: ReapLogger, outcome: CanvasOutcome): void {
  switch (outcome.status) {
    case 'unlocked':
      logger.info('canvas unlocked', { ...outcome });
      return;
    case 'unlocked-row-changed':
      logger.warn('canvas unlocked but its row changed meanwhile; row left as is', { ...outcome });
      return;
    case 'would-unlock':
      logger.info('canvas would be unlocked (dry run)', { ...outcome });
      return;
    case 'invalid':
      logger.warn('tracked row is invalid; left untouched', { ...outcome });
      return;
    case 'failed':
      logger.error(
        outcome.doubt
          ? 'canvas unlock failed and may have freed a live lock; row keeps its lock'
          : 'canvas unlock failed; row keeps its lock for the next run',
        { ...outcome },
      );
      return;
    case 'skipped':
      if (outcome.reason === 'renewed-at-source') {
        logger.warn("canvas stale in the table but live at Scenario; not unlocked, row healed with Scenario's expiry", { ...outcome });
        return;
      }
      // Live and unlocked rows are the bulk of every run: keep them out of the default log level.
      if (outcome.reason === 'live' || outcome.reason === 'not-locked') logger.debug('canvas skipped', { ...outcome });
      else logger.info('canvas skipped', { ...outcome });
      return;
  }
}
