import type { BenchEnvironment, ReaperRun } from './bench-environment';

export interface UnlockGrowthPoint {
  /** Stale canvases in the table, all unlocked by the run (its budget is an hour: none is cut short). */
  stale: number;
  run: ReaperRun;
}

const TABLE = 'bench-unlock-growth';

/**
 * Peak RSS against the work done: one table whose rows are all stale, topped up to each count in turn (rewriting the
 * first rows re-locks what the previous run unlocked), each count reaped by a fresh reaper process at the headline
 * limit, verification on and the logger at INFO (production's defaults). If memory were kept per canvas, the peak
 * would grow with the count; if not, only the garbage between collections shows.
 */
export async function measureUnlockGrowth(
  env: BenchEnvironment,
  options: { growthStale: readonly number[]; concurrency: number },
  progress: (message: string) => void,
): Promise<UnlockGrowthPoint[]> {
  await env.createTable(TABLE);
  const points: UnlockGrowthPoint[] = [];
  for (const stale of options.growthStale) {
    await env.seed({ tableName: TABLE, idTag: 'W', rows: stale, state: () => 'stale' });
    progress(`unlock growth: reaping ${stale} stale canvases (in-flight limit ${options.concurrency}, verification on, INFO)…`);
    const run = await env.runReaper({
      mode: 'reaper',
      tableName: TABLE,
      maxInFlight: options.concurrency,
      verifyAtSource: true,
      logLevel: 'INFO',
    });
    progress(`unlock growth: ${run.unlocked} unlocked in ${(run.runMs / 1000).toFixed(1)} s, peak RSS ${run.peakRssMiB.toFixed(1)} MiB`);
    points.push({ stale, run });
  }
  return points;
}
