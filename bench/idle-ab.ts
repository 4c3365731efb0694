import * as path from 'node:path';
import { CONFIG_DEFAULTS } from '#reaper/config';
import { BenchEnvironment } from './bench-environment';
import { bundleWithStackSettings } from './bundle';
import { rowState } from './seed-rows';
import { median } from './stats';

/**
 * A focused A/B of the idle run (nothing stale) against the naive reaper's, on one table: each variant (a
 * reaper-process.ts entry, e.g. one from a copy of another commit) and the naive reaper run in turn, repeat after
 * repeat, so a change of the machine's load falls on all alike.
 *
 *   npx tsx bench/idle-ab.ts --rows=100000 --repeats=5 [--entries=a/reaper-process.ts,b/reaper-process.ts] [--readable]
 *     [--node-args=--cpu-prof,--cpu-prof-dir=/tmp/prof]
 *
 * Prints, per variant, the median run time and CPU, and the median of its per-repeat ratios to the naive run.
 */
async function main(): Promise<void> {
  const args = new Map<string, string>();
  for (const arg of process.argv.slice(2)) {
    const [name, ...value] = arg.replace(/^--/, '').split('=');
    args.set(name ?? '', value.join('='));
  }
  const rows = Number(args.get('rows') || 100_000);
  const repeats = Number(args.get('repeats') || 5);
  const entries = (args.get('entries') || path.join(__dirname, 'reaper-process.ts')).split(',');
  const nodeArgs = (args.get('node-args') || '').split(',').filter((arg) => arg !== '');
  // --readable: not minified, so a --cpu-prof profile names each function and its source file.
  const readable = args.has('readable') ? { minify: false, keepNames: false } : {};
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const env = await BenchEnvironment.start({ latencyMs: 50, graceSeconds: CONFIG_DEFAULTS.graceSeconds });
  try {
    const bundles = await Promise.all(
      entries.map((entry, index) =>
        bundleWithStackSettings(entry, env.tempDir, `variant-${index}`, readable).then((bundle) => bundle.file),
      ),
    );
    await env.createTable('idle-ab');
    await env.seed({ tableName: 'idle-ab', idTag: 'I', rows, state: (row) => rowState(row, 0) });
    const job = { tableName: 'idle-ab', maxInFlight: CONFIG_DEFAULTS.maxInFlight, verifyAtSource: true, logLevel: 'INFO' } as const;
    const runMs: number[][] = bundles.map(() => []);
    const cpuMs: number[][] = bundles.map(() => []);
    const ratios: number[][] = bundles.map(() => []);
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      const naive = await env.runReaper({ ...job, mode: 'naive' });
      for (const [index, bundle] of bundles.entries()) {
        const run = await env.runReaper({ ...job, mode: 'reaper' }, { bundle, nodeArgs });
        if (run.examined !== rows || run.stale !== 0) throw new Error(`variant ${index} examined ${run.examined}, ${run.stale} stale`);
        runMs[index]?.push(run.runMs);
        cpuMs[index]?.push(run.runCpuMs);
        ratios[index]?.push(run.runMs / naive.runMs);
        process.stderr.write(
          `repeat ${repeat} variant ${index}: ${run.runMs.toFixed(0)} ms (CPU ${run.runCpuMs.toFixed(0)} ms), naive ${naive.runMs.toFixed(0)} ms (CPU ${naive.runCpuMs.toFixed(0)} ms): ${(run.runMs / naive.runMs).toFixed(2)}\n`,
        );
      }
    }
    for (const [index, entry] of entries.entries()) {
      process.stdout.write(
        `${entry}: median ${median(runMs[index] ?? []).toFixed(0)} ms, CPU ${median(cpuMs[index] ?? []).toFixed(0)} ms; ÷ naive median ${median(ratios[index] ?? []).toFixed(3)} [${(ratios[index] ?? []).map((ratio) => ratio.toFixed(2)).join(', ')}]\n`,
      );
    }
  } finally {
    await env.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`idle-ab failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
