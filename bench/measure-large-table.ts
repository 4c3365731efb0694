import type { BenchEnvironment, ReaperRun } from './bench-environment';
import { rowState } from './seed-rows';

export interface LargeTableMeasurement {
  rows: number;
  stale: number;
  /** Sum of the seeded items' billed sizes. */
  totalItemBytes: number;
  seedMs: number;
  /** The real reaper on the freshly seeded table, verification on: unlocks every stale row (read cost, peak RSS). */
  firstRun: ReaperRun;
  /** The real reaper again on the same table, now with nothing stale: the cost every 5-minute tick pays. */
  idleRun: ReaperRun;
  /** The naive reaper on the same idle table: the whole table in memory at once. */
  naiveIdleRun: ReaperRun;
}

const TABLE = 'bench-large';

/** Read cost, memory and idle time of the real reaper as the table grows. */
export async function measureLargeTable(
  env: BenchEnvironment,
  options: { rows: number; staleShare: number; concurrency: number },
  progress: (message: string) => void,
): Promise<LargeTableMeasurement> {
  await env.createTable(TABLE);
  progress(`seeding ${options.rows} rows (${options.staleShare * 100}% stale)…`);
  const seedStart = performance.now();
  const seeded = await env.seed({ tableName: TABLE, idTag: 'L', rows: options.rows, state: (i) => rowState(i, options.staleShare) });
  const seedMs = performance.now() - seedStart;
  progress(`seeded in ${(seedMs / 1000).toFixed(1)} s; reaping the large table (in-flight limit ${options.concurrency}, verification on)…`);
  const firstRun = await env.runReaper({
    mode: 'reaper',
    tableName: TABLE,
    maxInFlight: options.concurrency,
    verifyAtSource: true,
    logLevel: 'WARN',
  });
  progress(`unlocked ${firstRun.unlocked} in ${(firstRun.runMs / 1000).toFixed(1)} s; idle run…`);
  const idleRun = await env.runReaper({
    mode: 'reaper',
    tableName: TABLE,
    maxInFlight: options.concurrency,
    verifyAtSource: true,
    logLevel: 'WARN',
  });
  progress(`idle run ${idleRun.runMs.toFixed(0)} ms; naive idle run…`);
  const naiveIdleRun = await env.runReaper({ mode: 'naive', tableName: TABLE, maxInFlight: 1, verifyAtSource: false, logLevel: 'WARN' });
  return {
    rows: options.rows,
    stale: seeded.staleLocks.length,
    totalItemBytes: seeded.totalItemBytes,
    seedMs,
    firstRun,
    idleRun,
    naiveIdleRun,
  };
}
