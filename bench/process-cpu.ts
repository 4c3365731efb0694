import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) another process has used so far, from /proc/<pid>/stat; undefined where there is no
 * /proc. Fields 14 and 15 are utime and stime in clock ticks (USER_HZ, 100 on Linux).
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** This process's CPU time so far. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * CPU time every process on the machine has used so far (all cores, from the first line of /proc/stat), so a run
 * can tell how much CPU went to processes other than the bench's own; undefined where there is no /proc.
 */
export function machineBusyCpuMs(): number | undefined {
  try {
    const [first = ''] = readFileSync('/proc/stat', 'utf8').split('\n', 1);
    // cpu user nice system idle iowait irq softirq steal …: busy is everything but idle and iowait.
    const [, user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, ticks) => sum + (ticks ?? 0), 0);
    return Number.isFinite(busy) ? (busy * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
