import type { ReaperRun } from './bench-environment';
import { lambdaHeapFlags, MB_PER_VCPU } from './lambda-runtime';
import { medianPoint, type ThroughputPoint } from './measure-throughput';
import { type BenchResult, fixed } from './results';

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
    `**Unlock throughput** (table of ${throughput.rows} rows, all stale, the stand-in holding the same expired locks; each run a fresh reaper process; Powertools logger at WARN). ` +
      `With verification on (production's default) each stale canvas costs two requests, GET then PUT, inside its slot: bound = limit ÷ (2 × ${result.latencyMs} ms); ` +
      `with it off, one: bound = limit ÷ ${result.latencyMs} ms. The verify→unlock window is, per canvas, the time from its GET's arrival at the stand-in to its PUT's (median / p99 over the run's canvases).`,
    '',
    '| in-flight limit | verification | bound | measured unlocks/s | efficiency | on ÷ off | verify→unlock median / p99 | speedup vs naive | run time | CPU: reaper / DynamoDB / API stand-in / other processes |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...sweepRows(result),
    `| naive (1 at a time) | off | ${fixed(1000 / result.latencyMs, 0)} | ${fixed(throughput.naive.unlocksPerSecond, 1)} | ${fixed(throughput.naive.unlocksPerSecond / (1000 / result.latencyMs), 3)} | | | 1× | ${seconds(throughput.naive.run.runMs)} | ${cpu(throughput.naive.run)} |`,
    '',
    `At limit ${result.concurrency}, run by run (on, then off, back to back): ` +
      throughput.headline.on.map((on, i) => pairText(on, throughput.headline.off[i])).join('; ') +
      ` (medians reported: ${fixed(result.unlocksPerSecond, 1)} vs ${fixed(result.unlocksPerSecondVerifyOff, 1)}, ratio ${fixed(result.verifyOnOffRatio, 3)}). ` +
      `With the logger at INFO (a JSON line per unlocked canvas, production's default level), verification on: ${fixed(throughput.withInfoLogging.unlocksPerSecond, 1)} unlocks/s ` +
      `(efficiency ${fixed(throughput.withInfoLogging.efficiency, 3)}).`,
    '',
    windowText(result),
    '',
    slotCycle(result),
    '',
    cpuText(result),
    '',
    result.anomalies.length === 0
      ? 'Every measured run unlocked every stale row, with one GET per unlock when verifying and none when not, and published one lock event per unlock to the EventBridge stand-in (nothing renewed at source, nothing held by the brake).'
      : `**Anomalies** (these runs' numbers do not mean what they claim): ${result.anomalies.join('; ')}.`,
    '',
    `**Large table** (${largeTable.rows} rows, ${largeTable.stale} stale, ${fixed(largeTable.totalItemBytes / largeTable.rows, 0)} B per item on average, seeded in ${seconds(largeTable.seedMs)}):`,
    '',
    '| run | examined | unlocked | run time | read units (RCU) | RCU per 1,000 rows | Scan pages | write units | peak RSS | CPU: reaper / DynamoDB / API stand-in / other processes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    runRow(`reaper, first run (in flight ${result.concurrency})`, largeTable.firstRun, largeTable.rows),
    runRow('reaper, idle run (nothing stale)', largeTable.idleRun, largeTable.rows),
    runRow('naive, idle run (whole table in memory)', largeTable.naiveIdleRun, largeTable.rows),
    '',
    `**Peak RSS against the work done** (one table, all rows stale, topped up to each count; in flight ${result.concurrency}, verification on, logger at INFO; ` +
      `every reaper process starts as the deployed function does: Lambda's runtime flags for ${result.cpuCeiling.memoryMb} MB, ${lambdaHeapFlags().join(' ')}, handed to the function's exec wrapper, which lowers the semi-space):`,
    '',
    '| stale canvases | unlocked | run time | peak RSS | CPU of the run | CPU per canvas |',
    '|---:|---:|---:|---:|---:|---:|',
    ...result.unlockGrowth.map(
      (g) =>
        `| ${g.stale} | ${g.run.unlocked} | ${seconds(g.run.runMs)} | ${fixed(g.run.peakRssMiB, 1)} MiB | ${seconds(g.run.runCpuMs)} | ${fixed(g.run.unlocked > 0 ? g.run.runCpuMs / g.run.unlocked : Number.NaN, 2)} ms |`,
    ),
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

/** The sweep, a limit measured both ways on two rows (on first), with its on ÷ off ratio. */
function sweepRows(result: BenchResult): string[] {
  const { throughput } = result;
  const naive = throughput.naive.unlocksPerSecond;
  const rows: string[] = [];
  const limits = [...new Set([...throughput.sweep, ...throughput.sweepOff].map((p) => p.inFlight))].sort((a, b) => a - b);
  for (const limit of limits) {
    const cost = throughput.verifyCost.find((c) => c.inFlight === limit);
    for (const p of [...throughput.sweep, ...throughput.sweepOff].filter((q) => q.inFlight === limit)) {
      const window = p.run.verifyToUnlockWindow;
      rows.push(
        `| ${p.inFlight} | ${p.verifyAtSource ? 'on' : 'off'} | ${fixed(p.boundUnlocksPerSecond, 0)} | ${fixed(p.unlocksPerSecond, 1)} | ${fixed(p.efficiency, 3)} | ` +
          `${cost && p.verifyAtSource ? fixed(cost.ratio, 3) : ''} | ${window ? `${fixed(window.medianMs, 0)} / ${fixed(window.p99Ms, 0)} ms` : ''} | ` +
          `${fixed(p.unlocksPerSecond / naive, 1)}× | ${seconds(p.run.runMs)} | ${cpu(p.run)} |`,
      );
    }
  }
  return rows;
}

function pairText(on: ThroughputPoint, off: ThroughputPoint | undefined): string {
  const offText = off ? ` / off ${fixed(off.unlocksPerSecond, 1)} (ratio ${fixed(on.unlocksPerSecond / off.unlocksPerSecond, 3)})` : '';
  return `on ${fixed(on.unlocksPerSecond, 1)}${offText} unlocks/s`;
}

/** The verify→unlock window of the headline run, and how it moves with the limit. */
function windowText(result: BenchResult): string {
  const w = result.verifyToUnlockWindowMs;
  const sweep = result.throughput.sweep
    .filter((p) => p.run.verifyToUnlockWindow)
    .map((p) => `${p.inFlight}: ${fixed(p.run.verifyToUnlockWindow!.medianMs, 0)} / ${fixed(p.run.verifyToUnlockWindow!.p99Ms, 0)} ms`)
    .join(', ');
  return (
    `**Verify→unlock window** at limit ${result.concurrency} (the median verification-on run, ${w.samples} canvases): median ${fixed(w.median, 0)} ms, ` +
    `p99 ${fixed(w.p99, 0)} ms, max ${fixed(w.max, 0)} ms, from the GET's arrival at the stand-in to the PUT's (the stand-in's request log, ms resolution). ` +
    `It includes the GET's ${result.latencyMs} ms of latency: the stand-in waits the same latency before reading the lock for a GET and before applying an unlock, ` +
    `so this is also the time from the state the GET read to the unlock's effect, in which a renewal at Scenario goes unseen. ` +
    `Median / p99 by limit: ${sweep}.`
  );
}

/**
 * Where a request slot's time goes at the headline limit: a slot covers a canvas from its claim (a conditional
 * UpdateItem) to the end of its last request (GET and PUT with verification, PUT alone without); the row update
 * after it runs outside the slot. What lowers the efficiency is the claim and time beyond the API's latency spent in
 * the HTTP client or waiting for a busy event loop.
 */
function slotCycle(result: BenchResult): string {
  const on = medianPoint(result.throughput.headline.on);
  const off = medianPoint(result.throughput.headline.off);
  const part = (p: ThroughputPoint) => {
    const cycleMs = (p.inFlight * 1000) / p.unlocksPerSecond;
    const updates = p.run.capacity.requests.UpdateItemCommand ?? 0;
    const updateMs = updates > 0 ? (p.run.capacity.requestMs.UpdateItemCommand ?? 0) / updates : 0;
    const apiMs = p.requestsPerCanvas * result.latencyMs;
    return (
      `verification ${p.verifyAtSource ? 'on' : 'off'}: ${fixed(cycleMs, 1)} ms = ${apiMs} ms of API latency (${p.requestsPerCanvas} request${p.requestsPerCanvas === 1 ? '' : 's'}) ` +
      `+ the claim (~${fixed(updateMs, 1)} ms, the mean UpdateItem as the reaper's client saw it) + ${fixed(cycleMs - apiMs - updateMs, 1)} ms in the HTTP client and waiting for the event loop`
    );
  };
  return (
    `Per canvas at limit ${result.concurrency}, a slot is busy limit ÷ throughput from the claim to the end of the last request; ${part(on)}; ${part(off)}. ` +
    "With verification on the claim is sent together with the GET (it overlaps the GET's latency, so it counts only where it outlasts the GET); with it off the claim comes first. " +
    `The row update after the last request (the second of ${fixed(on.run.unlocked > 0 ? (on.run.capacity.requests.UpdateItemCommand ?? 0) / on.run.unlocked : 0, 1)} DynamoDB writes per unlock) runs outside the slot, overlapped with other canvases' requests.`
  );
}

/** CPU per canvas as production logs (INFO), and what it allows the deployed function beside what the API allows. */
function cpuText(result: BenchResult): string {
  const { cpuMsPerCanvas, cpuCeiling } = result;
  const bounds = cpuCeiling.apiBound
    .map((b) => `at in-flight ${b.inFlight}: ${fixed(b.verifyOn, 0)}/s verified, ${fixed(b.verifyOff, 0)}/s unverified`)
    .join('; ');
  return (
    `**CPU per canvas and the Lambda's share** (the reaper process's CPU during the run, module loading left out, ÷ canvases unlocked; in flight ${result.concurrency}, logger at INFO): ` +
    `${fixed(cpuMsPerCanvas.verifyOn, 2)} ms per verified canvas, ${fixed(cpuMsPerCanvas.verifyOff, 2)} ms unverified. ` +
    `At the deployed ${cpuCeiling.memoryMb} MB (${fixed(cpuCeiling.vcpuShare, 3)} vCPU; ${MB_PER_VCPU} MB = one vCPU) CPU alone allows ` +
    `${fixed(cpuCeiling.canvasesPerSecond.verifyOn, 0)} verified canvases/s and ${fixed(cpuCeiling.canvasesPerSecond.verifyOff, 0)} unverified; ` +
    `the API's latency allows ${bounds}. CPU ceiling ÷ API bound at the default limit, verified: ${fixed(cpuCeiling.overApiBoundAtDefault, 2)}.`
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
