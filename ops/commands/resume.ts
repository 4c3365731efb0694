import type { OpsCommand } from '../io';
import { scheduleSwitchUsage, switchSchedule } from '../schedule-switch';

export const RESUME_USAGE = scheduleSwitchUsage('resume');

/** `ops resume`: enable the schedule now (undoes ops pause). */
export const resumeCommand: OpsCommand = (argv, io) => switchSchedule('resume', argv, io);
