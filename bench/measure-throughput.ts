import type { BenchEnvironment, ReaperRun } from './bench-environment';

export interface ThroughputPoint {
  inFlight: number;
  run: ReaperRun;
  unlocksPerSecond: number;
  boundUnlocksPerSecond: number;
  efficiency: number;
}

export interface ThroughputMeasurement {
  rows: number;
  latencyMs: number;
  /** Runs at the headline limit, Powertools logger at WARN (no per-canvas lines). */
  headline: ThroughputPoint[];
  /** One run at the headline limit with the logger at INFO, production's default: a JSON line per unlocked canvas. */
  withInfoLogging: ThroughputPoint;
  naive: { run: ReaperRun; unlocksPerSecond: number };
  sweep: ThroughputPoint[];
}

const TABLE = 'bench-unlock';

/**
 * Unlock throughput on a table whose rows are all stale, so a run's time is unlock time (its one Scan page is a
 * few milliseconds). The table is rewritten before every run: a run unlocks every row.
 */
export async function measureThroughput(
  env: BenchEnvironment,
  options: { unlockRows: number; latencyMs: number; concurrency: number; sweep: readonly number[]; repeats: number },
  progress: (message: string) => void,
): Promise<ThroughputMeasurement> {
  await env.createTable(TABLE);
  const relock = () => env.seed({ tableName: TABLE, idTag: 'U', rows: options.unlockRows, state: () => 'stale' });
  const point = async (inFlight: number, logLevel: 'INFO' | 'WARN'): Promise<ThroughputPoint> => {
    await relock();
    const run = await env.runReaper({ mode: 'reaper', tableName: TABLE, maxInFlight: inFlight, logLevel });
    const unlocksPerSecond = run.unlocked / (run.runMs / 1000);
    const boundUnlocksPerSecond = inFlight / (options.latencyMs / 1000);
    progress(`in flight ${inFlight} (${logLevel}): ${unlocksPerSecond.toFixed(1)} unlocks/s of ${boundUnlocksPerSecond} bound`);
    return { inFlight, run, unlocksPerSecond, boundUnlocksPerSecond, efficiency: unlocksPerSecond / boundUnlocksPerSecond };
  };

  const headline: ThroughputPoint[] = [];
  for (let i = 0; i < options.repeats; i += 1) headline.push(await point(options.concurrency, 'WARN'));
  const withInfoLogging = await point(options.concurrency, 'INFO');

  await relock();
  progress(`naive reaper on ${options.unlockRows} stale rows (one request at a time)…`);
  const naiveRun = await env.runReaper({ mode: 'naive', tableName: TABLE, maxInFlight: 1, logLevel: 'WARN' });
  const naive = { run: naiveRun, unlocksPerSecond: naiveRun.unlocked / (naiveRun.runMs / 1000) };
  progress(`naive: ${naive.unlocksPerSecond.toFixed(1)} unlocks/s`);

  const sweep: ThroughputPoint[] = [];
  for (const inFlight of options.sweep) {
    // The headline limit was just measured; its median run stands for it in the sweep.
    sweep.push(inFlight === options.concurrency ? medianPoint(headline) : await point(inFlight, 'WARN'));
  }
  return { rows: options.unlockRows, latencyMs: options.latencyMs, headline, withInfoLogging, naive, sweep };
}

/** The run with the median throughput (an actual run, so all its numbers belong together). */
export function medianPoint(points: readonly ThroughputPoint[]): ThroughputPoint {
  const sorted = [...points].sort((a, b) => a.unlocksPerSecond - b.unlocksPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle) throw new Error('no runs');
  return middle;
}
