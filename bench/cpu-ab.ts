import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REAPER_EXEC_WRAPPER_SCRIPT } from '#infra/paths';
import { CONFIG_DEFAULTS } from '#reaper/config';
import { BenchEnvironment } from './bench-environment';
import { bundleWithStackSettings } from './bundle';
import { rowState } from './seed-rows';
import { median } from './stats';

/**
 * A focused A/B of the reaper process's CPU per unlocked canvas, for a loaded machine where wall-clock numbers are
 * noise: each variant (a reaper-process.ts entry, e.g. one from a copy of another commit) is bundled with the stack's
 * settings and run in turn, repeat after repeat, on the same freshly re-locked table, logger at INFO, in flight 8.
 *
 *   npx tsx bench/cpu-ab.ts --rows=1000 [--stale=N] --repeats=3 --verify=on [--entries=a/reaper-process.ts,b/reaper-process.ts]
 *     [--wrapper=on|off|both] [--readable] [--node-args=--cpu-prof,--cpu-prof-dir=/tmp/prof]
 *
 * Prints, per variant, the median CPU ms per unlocked canvas (the run only, module loading left out) and peak RSS.
 */
async function main(): Promise<void> {
  const args = new Map<string, string>();
  for (const arg of process.argv.slice(2)) {
    const [name, ...value] = arg.replace(/^--/, '').split('=');
    args.set(name ?? '', value.join('='));
  }
  const rows = Number(args.get('rows') || 1000);
  // --stale=N: N of the rows stale, spread through the table (the rest live or unlocked); default: every row.
  const stale = Number(args.get('stale') || rows);
  const repeats = Number(args.get('repeats') || 3);
  const verifyAtSource = (args.get('verify') || 'on') === 'on';
  const inFlight = Number(args.get('in-flight') || CONFIG_DEFAULTS.maxInFlight);
  const entries = (args.get('entries') || path.join(__dirname, 'reaper-process.ts')).split(',');
  const nodeArgs = (args.get('node-args') || '').split(',').filter((arg) => arg !== '');
  // --wrapper=both: each bundle with and without the exec wrapper (peak RSS and CPU of the smaller semi-space);
  // --semi-space=8,16,32: with copies of the wrapper set to each size instead.
  const wrapperModes = args.get('wrapper') === 'both' ? [true, false] : [args.get('wrapper') !== 'off'];
  const semiSpaces = (args.get('semi-space') || '')
    .split(',')
    .filter((size) => size !== '')
    .map(Number);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const env = await BenchEnvironment.start({ latencyMs: Number(args.get('latency-ms') || 50), graceSeconds: CONFIG_DEFAULTS.graceSeconds });
  try {
    // --readable: not minified, so a --cpu-prof profile names each function and its source file.
    const readable = args.has('readable') ? { minify: false, keepNames: false } : {};
    const bundles = await Promise.all(
      entries.map((entry, index) =>
        bundleWithStackSettings(entry, env.tempDir, `variant-${index}`, readable).then((bundle) => bundle.file),
      ),
    );
    await env.createTable('cpu-ab');
    const wrapperCopies = semiSpaces.map((sizeMb) => {
      const file = path.join(env.tempDir, `exec-wrapper-${sizeMb}`);
      const script = readFileSync(REAPER_EXEC_WRAPPER_SCRIPT, 'utf8');
      if (!/^REAPER_SEMI_SPACE_MB=\d+$/m.test(script)) throw new Error('the exec wrapper no longer sets REAPER_SEMI_SPACE_MB');
      writeFileSync(file, script.replace(/^REAPER_SEMI_SPACE_MB=\d+$/m, `REAPER_SEMI_SPACE_MB=${sizeMb}`), { mode: 0o755 });
      return { sizeMb, file };
    });
    const variants: { bundle: string; viaExecWrapper: boolean; execWrapper?: string; name: string }[] = bundles.flatMap((bundle, index) =>
      wrapperCopies.length > 0
        ? wrapperCopies.map(({ sizeMb, file }) => ({
            bundle,
            viaExecWrapper: true,
            execWrapper: file,
            name: `${entries[index]} (exec wrapper, semi-space ${sizeMb} MB)`,
          }))
        : wrapperModes.map((viaExecWrapper) => ({
            bundle,
            viaExecWrapper,
            name: `${entries[index]} (exec wrapper ${viaExecWrapper ? 'on' : 'off'})`,
          })),
    );
    const perCanvas: number[][] = variants.map(() => []);
    const peakRss: number[][] = variants.map(() => []);
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      for (const [index, { bundle, viaExecWrapper, execWrapper }] of variants.entries()) {
        await env.seed({ tableName: 'cpu-ab', idTag: 'C', rows, state: (row) => rowState(row, stale / rows) });
        const run = await env.runReaper(
          { mode: 'reaper', tableName: 'cpu-ab', maxInFlight: inFlight, verifyAtSource, logLevel: 'INFO' },
          { bundle, nodeArgs, viaExecWrapper, ...(execWrapper ? { execWrapper } : {}) },
        );
        if (run.unlocked !== run.stale || run.stale === 0) throw new Error(`variant ${index} unlocked ${run.unlocked} of ${run.stale}`);
        perCanvas[index]?.push(run.runCpuMs / run.unlocked);
        peakRss[index]?.push(run.peakRssMiB);
        process.stderr.write(
          `repeat ${repeat} variant ${index}: ${(run.runCpuMs / run.unlocked).toFixed(2)} ms CPU/canvas, peak RSS ${run.peakRssMiB.toFixed(1)} MiB, ${(run.runMs / 1000).toFixed(1)} s, ${run.unlocked} unlocked, ${run.eventsPublished} lock events published\n`,
        );
      }
    }
    for (const [index, { name: entry }] of variants.entries()) {
      const cpu = perCanvas[index] ?? [];
      const rss = peakRss[index] ?? [];
      process.stdout.write(
        `${entry}: median ${median(cpu).toFixed(2)} ms CPU per canvas [${cpu.map((ms) => ms.toFixed(2)).join(', ')}], peak RSS median ${median(rss).toFixed(1)} MiB\n`,
      );
    }
  } finally {
    await env.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`cpu-ab failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
