import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { exitForError } from '#ops/kit/report-error';
import { UsageError } from '#ops/kit/usage-error';
import { CONFIG_DEFAULTS } from '#reaper/config';
import { BenchEnvironment } from './bench-environment';
import { measureArtifact } from './measure-artifact';
import { growthSizes, measureGrowth } from './measure-growth';
import { measureLargeTable } from './measure-large-table';
import { measureThroughput } from './measure-throughput';
import { measureUnlockGrowth } from './measure-unlock-growth';
import { parseOptions, USAGE } from './options';
import { renderThroughputSvg } from './plot';
import { renderReport } from './report';
import { assembleResult } from './results';

/**
 * `npm run bench [-- flags]`: measures unlock throughput against the API's bound, read cost and memory on a large
 * table, the idle run, and the deployable artifact, all in one run. Exits non-zero only on an error, never on a
 * missed target (numbers on shared machines are noisy).
 */
async function main(): Promise<void> {
  // The SDK's notice about Node 20 would be printed by every client; the bench's output has no room for it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n(see docs/performance.md for what each number measures)\n`);
    return;
  }
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.exitCode = exitForError(error, { name: 'bench', usage: USAGE, helpCommand: 'npm run bench -- --help' }, (text) =>
      process.stderr.write(text),
    );
    return;
  }
  const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  const started = performance.now();
  const env = await BenchEnvironment.start({ latencyMs: options.latencyMs, graceSeconds: CONFIG_DEFAULTS.graceSeconds });
  let result: ReturnType<typeof assembleResult>;
  try {
    const largeTable = await measureLargeTable(env, options, progress);
    const growth = await measureGrowth(env, growthSizes(options.rows), progress);
    const unlockGrowth = await measureUnlockGrowth(env, options, progress);
    const throughput = await measureThroughput(env, options, progress);
    progress('bundling the handler and timing its import…');
    const artifact = await measureArtifact(env.tempDir, options.importRuns);
    result = assembleResult(options, largeTable, growth, throughput, artifact, unlockGrowth);
  } finally {
    await env.close();
  }

  const report = renderReport(result);
  // Quick runs (CI) go to an ignored folder, so they never overwrite the committed results of a full run.
  const outDir = path.join(__dirname, 'results', ...(options.quick ? ['quick'] : []));
  mkdirSync(outDir, { recursive: true });
  const title = `Unlock throughput, ${result.latencyMs} ms API latency, ${result.throughput.rows} stale rows`;
  writeFileSync(path.join(outDir, 'throughput-vs-inflight.svg'), renderThroughputSvg(result.throughput, title));
  writeFileSync(path.join(outDir, 'last-run.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'last-run.md'), report);
  progress(`done in ${((performance.now() - started) / 1000).toFixed(0)} s; results in ${path.relative(process.cwd(), outDir) || '.'}/`);
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : report);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
