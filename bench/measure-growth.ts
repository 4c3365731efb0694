import type { BenchEnvironment, ReaperRun } from './bench-environment';

export interface GrowthPoint {
  rows: number;
  reaper: ReaperRun;
  naive: ReaperRun;
}

const TABLE = 'bench-growth';

/**
 * The idle run (nothing stale) as the table grows: one table, topped up to each size in turn, read by the real
 * reaper (pages streamed) and by the naive one (whole table in memory). Shows how read cost, run time and peak RSS
 * scale with the row count rather than with the work to do.
 */
export async function measureGrowth(
  env: BenchEnvironment,
  sizes: readonly number[],
  progress: (message: string) => void,
): Promise<GrowthPoint[]> {
  await env.createTable(TABLE);
  const points: GrowthPoint[] = [];
  for (const rows of sizes) {
    // Rewriting the first rows again is harmless: every row is unlocked, so the table's content is the same.
    await env.seed({ tableName: TABLE, idTag: 'G', rows, state: () => 'unlocked' });
    const reaper = await env.runReaper({ mode: 'reaper', tableName: TABLE, maxInFlight: 8, verifyAtSource: true, logLevel: 'WARN' });
    const naive = await env.runReaper({ mode: 'naive', tableName: TABLE, maxInFlight: 1, verifyAtSource: false, logLevel: 'WARN' });
    progress(
      `idle at ${rows} rows: reaper ${reaper.runMs.toFixed(0)} ms ${reaper.peakRssMiB.toFixed(0)} MiB, naive ${naive.peakRssMiB.toFixed(0)} MiB`,
    );
    points.push({ rows, reaper, naive });
  }
  return points;
}

/** A hundredth, a tenth and all of the large table's size (the ones that are at least one row). */
export function growthSizes(rows: number): number[] {
  return [...new Set([Math.round(rows / 100), Math.round(rows / 10), rows])].filter((size) => size >= 1);
}
