import type { OpsCommand } from '../io';
import { scheduleSwitchUsage, switchSchedule } from '../schedule-switch';

export const PAUSE_USAGE = scheduleSwitchUsage('pause');

/** `ops pause`: disable the schedule now (until resume or the next deploy). */
export const pauseCommand: OpsCommand = (argv, io) => switchSchedule('pause', argv, io);
