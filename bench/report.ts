import type { ReaperRun } from './bench-environment';
import { medianPoint } from './measure-throughput';
import { fixed, type BenchResult } from './results';

/** The results as Markdown: printed by `npm run bench` and saved as bench/results/last-run.md. */
export function renderReport(result: BenchResult): string {
  const { largeTable, throughput, artifact, machine, options } = result;
  const lines: string[] = [];
  lines.push(
    `Run ${machine.ranAt}${options.quick ? ' (quick mode)' : ''} on ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB, Node ${machine.node}, ${machine.platform}; load average at the end ${machine.loadAverageAtEnd.join(' / ')}.`,
    `API stand-in latency ${result.latencyMs} ms per request; headline in-flight limit ${result.concurrency}; grace 60 s.`,
    '',
    '| target | measured | wanted | met |',
    '|---|---|---|---|',
    ...result.targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`),
    '',
    `**Unlock throughput** (table of ${throughput.rows} rows, all stale; each run a fresh reaper process; Powertools logger at WARN):`,
    '',
    '| in-flight limit | bound (limit ÷ latency) | measured unlocks/s | efficiency | speedup vs naive | run time | CPU: reaper / DynamoDB / API stand-in / other processes |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...throughput.sweep.map(
      (p) =>
        `| ${p.inFlight} | ${fixed(p.boundUnlocksPerSecond, 0)} | ${fixed(p.unlocksPerSecond, 1)} | ${fixed(p.efficiency, 3)} | ${fixed(p.unlocksPerSecond / throughput.naive.unlocksPerSecond, 1)}× | ${seconds(p.run.runMs)} | ${cpu(p.run)} |`,
    ),
    `| naive (1 at a time) | ${fixed(1000 / result.latencyMs, 0)} | ${fixed(throughput.naive.unlocksPerSecond, 1)} | ${fixed(throughput.naive.unlocksPerSecond / (1000 / result.latencyMs), 3)} | 1× | ${seconds(throughput.naive.run.runMs)} | ${cpu(throughput.naive.run)} |`,
    '',
    `At limit ${result.concurrency}: runs ${throughput.headline.map((p) => fixed(p.unlocksPerSecond, 1)).join(', ')} unlocks/s (median reported); ` +
      `with the logger at INFO (a JSON line per unlocked canvas, production's default level) ${fixed(throughput.withInfoLogging.unlocksPerSecond, 1)} unlocks/s ` +
      `(efficiency ${fixed(throughput.withInfoLogging.efficiency, 3)}).`,
    '',
    slotCycle(result),
    '',
    `**Large table** (${largeTable.rows} rows, ${largeTable.stale} stale, ${fixed(largeTable.totalItemBytes / largeTable.rows, 0)} B per item on average, seeded in ${seconds(largeTable.seedMs)}):`,
    '',
    '| run | examined | unlocked | run time | read units (RCU) | RCU per 1,000 rows | Scan pages | write units | peak RSS | CPU: reaper / DynamoDB / API stand-in / other processes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    runRow(`reaper, first run (in flight ${result.concurrency})`, largeTable.firstRun, largeTable.rows),
    runRow('reaper, idle run (nothing stale)', largeTable.idleRun, largeTable.rows),
    runRow('naive, idle run (whole table in memory)', largeTable.naiveIdleRun, largeTable.rows),
    '',
    '**As the table grows** (idle runs, nothing stale, a separate table topped up to each size):',
    '',
    '| rows | reaper run time | reaper RCU | reaper peak RSS | naive run time | naive RCU | naive peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...result.growth.map(
      (g) =>
        `| ${g.rows} | ${seconds(g.reaper.runMs)} | ${fixed(g.reaper.capacity.readUnits, 1)} | ${fixed(g.reaper.peakRssMiB, 1)} MiB | ${seconds(g.naive.runMs)} | ${fixed(g.naive.capacity.readUnits, 1)} | ${fixed(g.naive.peakRssMiB, 1)} MiB |`,
    ),
    '',
    `One Scan pass over every item costs at least ${fixed(result.minimumReadCapacityUnits, 1)} RCU (billed item sizes summed, 0.5 RCU per 4 KB, eventually consistent); ` +
      `the first run read ${fixed(result.readCapacityUnits, 1)} RCU (${fixed(result.readCapacityUnitsPer1000Rows, 2)} per 1,000 rows), as reported by the local server's ConsumedCapacity.`,
    '',
    `**Artifact**: bundled handler ${artifact.bundleBytes} bytes (index.mjs, stack's esbuild settings); import in a fresh Node: median ${fixed(artifact.importMs, 1)} ms ` +
      `over ${artifact.importMsSamples.length} runs (${artifact.importMsSamples.map((ms) => fixed(ms, 0)).join(', ')} ms).`,
  );
  return `${lines.join('\n')}\n`;
}

function runRow(name: string, run: ReaperRun, rows: number): string {
  const c = run.capacity;
  return `| ${name} | ${run.examined} | ${run.unlocked} | ${seconds(run.runMs)} | ${fixed(c.readUnits, 1)} | ${fixed((c.readUnits / rows) * 1000, 2)} | ${c.scanPages} | ${fixed(c.writeUnits, 0)} | ${fixed(run.peakRssMiB, 1)} MiB | ${cpu(run)} |`;
}

/**
 * Where a request slot's time goes at the headline limit: the slot covers the API request only (the claim before it
 * and the row update after it run outside the slot), so what lowers the efficiency is time beyond the API's latency
 * spent in the HTTP client or waiting for a busy event loop.
 */
function slotCycle(result: BenchResult): string {
  const { run } = medianPoint(result.throughput.headline);
  const cycleMs = (result.concurrency * 1000) / result.unlocksPerSecond;
  const updates = run.capacity.requests.UpdateItemCommand ?? 0;
  const updateMs = updates > 0 ? (run.capacity.requestMs.UpdateItemCommand ?? 0) / updates : 0;
  const perUnlockUpdates = run.unlocked > 0 ? updates / run.unlocked : 0;
  return (
    `Per unlock at limit ${result.concurrency}, a request slot is busy ${fixed(cycleMs, 1)} ms (limit ÷ throughput): ${result.latencyMs} ms of API latency ` +
    `and ${fixed(cycleMs - result.latencyMs, 1)} ms in the HTTP client and waiting for the event loop. The ${fixed(perUnlockUpdates, 1)} DynamoDB writes per unlock ` +
    `(claim, mark unlocked; ${fixed(updateMs, 1)} ms each as the reaper's client saw them) run outside the slot, overlapped with other requests.`
  );
}

/** Where the CPU went while the run's process lived (the reaper's includes its start-up). */
function cpu(run: ReaperRun): string {
  const maybe = (ms: number | undefined) => (ms === undefined ? '?' : seconds(ms));
  return `${seconds(run.cpuMs)} / ${maybe(run.dynamoCpuMs)} / ${seconds(run.standInCpuMs)} / ${maybe(run.otherCpuMs)}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${fixed(ms, 0)} ms` : `${fixed(ms / 1000, 2)} s`;
}
