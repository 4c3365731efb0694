import type { BenchEnvironment, ReaperRun } from './bench-environment';

export interface ThroughputPoint {
  inFlight: number;
  verifyAtSource: boolean;
  /** API requests per stale canvas: the GET and the PUT with verification, the PUT alone without. */
  requestsPerCanvas: 1 | 2;
  run: ReaperRun;
  unlocksPerSecond: number;
  /** limit ÷ (requests per canvas × latency): what the API's latency allows at that limit. */
  boundUnlocksPerSecond: number;
  efficiency: number;
}

/** Verification on beside off at one in-flight limit, from the same bench run. */
export interface VerifyCost {
  inFlight: number;
  on: ThroughputPoint;
  off: ThroughputPoint;
  /** on ÷ off unlocks per second (the ceiling set by the latency alone is 0.5). */
  ratio: number;
}

export interface ThroughputMeasurement {
  rows: number;
  latencyMs: number;
  /**
   * Runs at the headline limit, Powertools logger at WARN (no per-canvas lines): verification on and off, one after
   * the other in each repeat, so a change of the machine's load falls on both alike.
   */
  headline: { on: ThroughputPoint[]; off: ThroughputPoint[] };
  /** One run at the headline limit with the logger at INFO, production's default: a JSON line per unlocked canvas. */
  withInfoLogging: ThroughputPoint;
  /** The same with verification off (CPU per canvas both ways, as production logs). */
  withInfoLoggingOff: ThroughputPoint;
  naive: { run: ReaperRun; unlocksPerSecond: number };
  /** Verification on (production's default) at every limit of the sweep. */
  sweep: ThroughputPoint[];
  /** Verification off at the limits of --sweep-off. */
  sweepOff: ThroughputPoint[];
  /** Every limit measured both ways. */
  verifyCost: VerifyCost[];
}

const TABLE = 'bench-unlock';

/**
 * Unlock throughput on a table whose rows are all stale, so a run's time is unlock time (its one Scan page is a
 * few milliseconds). The table is rewritten before every run (a run unlocks every row), and the stand-in re-locked
 * with the same expired locks.
 */
export async function measureThroughput(
  env: BenchEnvironment,
  options: {
    unlockRows: number;
    latencyMs: number;
    concurrency: number;
    sweep: readonly number[];
    sweepOff: readonly number[];
    repeats: number;
  },
  progress: (message: string) => void,
): Promise<ThroughputMeasurement> {
  await env.createTable(TABLE);
  const relock = () => env.seed({ tableName: TABLE, idTag: 'U', rows: options.unlockRows, state: () => 'stale' });
  const point = async (inFlight: number, verifyAtSource: boolean, logLevel: 'INFO' | 'WARN'): Promise<ThroughputPoint> => {
    await relock();
    const run = await env.runReaper({ mode: 'reaper', tableName: TABLE, maxInFlight: inFlight, verifyAtSource, logLevel });
    const requestsPerCanvas = verifyAtSource ? 2 : 1;
    const unlocksPerSecond = run.unlocked / (run.runMs / 1000);
    const boundUnlocksPerSecond = inFlight / ((requestsPerCanvas * options.latencyMs) / 1000);
    const window = run.verifyToUnlockWindow;
    progress(
      `in flight ${inFlight}, verification ${verifyAtSource ? 'on' : 'off'} (${logLevel}): ${unlocksPerSecond.toFixed(1)} unlocks/s of ${boundUnlocksPerSecond} bound` +
        (window ? `; verify→unlock median ${window.medianMs} ms, p99 ${window.p99Ms} ms` : ''),
    );
    return {
      inFlight,
      verifyAtSource,
      requestsPerCanvas,
      run,
      unlocksPerSecond,
      boundUnlocksPerSecond,
      efficiency: unlocksPerSecond / boundUnlocksPerSecond,
    };
  };

  const headline = { on: [] as ThroughputPoint[], off: [] as ThroughputPoint[] };
  for (let i = 0; i < options.repeats; i += 1) {
    headline.on.push(await point(options.concurrency, true, 'WARN'));
    headline.off.push(await point(options.concurrency, false, 'WARN'));
  }
  const withInfoLogging = await point(options.concurrency, true, 'INFO');
  const withInfoLoggingOff = await point(options.concurrency, false, 'INFO');

  await relock();
  progress(`naive reaper on ${options.unlockRows} stale rows (one request at a time, no verification)…`);
  const naiveRun = await env.runReaper({ mode: 'naive', tableName: TABLE, maxInFlight: 1, verifyAtSource: false, logLevel: 'WARN' });
  const naive = { run: naiveRun, unlocksPerSecond: naiveRun.unlocked / (naiveRun.runMs / 1000) };
  progress(`naive: ${naive.unlocksPerSecond.toFixed(1)} unlocks/s`);

  // The headline limit was just measured both ways; its median runs stand for it in the sweeps. A limit measured
  // both ways is measured on, then off, back to back.
  const sweep: ThroughputPoint[] = [];
  const sweepOff: ThroughputPoint[] = [];
  for (const inFlight of [...new Set([...options.sweep, ...options.sweepOff])].sort((a, b) => a - b)) {
    const headlineLimit = inFlight === options.concurrency;
    if (options.sweep.includes(inFlight)) sweep.push(headlineLimit ? medianPoint(headline.on) : await point(inFlight, true, 'WARN'));
    if (options.sweepOff.includes(inFlight))
      sweepOff.push(headlineLimit ? medianPoint(headline.off) : await point(inFlight, false, 'WARN'));
  }

  const verifyCost: VerifyCost[] = [];
  for (const off of sweepOff) {
    const on = sweep.find((p) => p.inFlight === off.inFlight);
    if (on) verifyCost.push({ inFlight: off.inFlight, on, off, ratio: on.unlocksPerSecond / off.unlocksPerSecond });
  }
  return {
    rows: options.unlockRows,
    latencyMs: options.latencyMs,
    headline,
    withInfoLogging,
    withInfoLoggingOff,
    naive,
    sweep,
    sweepOff,
    verifyCost,
  };
}

/** The run with the median throughput (an actual run, so all its numbers belong together). */
export function medianPoint(points: readonly ThroughputPoint[]): ThroughputPoint {
  const sorted = [...points].sort((a, b) => a.unlocksPerSecond - b.unlocksPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle) throw new Error('no runs');
  return middle;
}
