import * as os from 'node:os';
import type { GrowthPoint } from './measure-growth';
import type { LargeTableMeasurement } from './measure-large-table';
import { medianPoint, type ThroughputMeasurement } from './measure-throughput';
import type { ArtifactMeasurement } from './measure-artifact';
import type { BenchOptions } from './options';

/** An eventually consistent read unit covers 8 KB: 0.5 RCU per 4 KB. */
const EVENTUALLY_CONSISTENT_RCU_PER_4KB = 0.5;

export const TARGETS = {
  efficiency: 0.9,
  speedupVsNaive: 10,
  peakRssMiB: 256,
  bundleBytes: 500_000,
  importMs: 150,
} as const;

export interface TargetCheck {
  name: string;
  value: string;
  target: string;
  met: boolean;
}

/** The object `--json` prints: the keys the issue asks for first, then what explains them. */
export interface BenchResult {
  rows: number;
  stale: number;
  unlocked: number;
  latencyMs: number;
  concurrency: number;
  unlocksPerSecond: number;
  boundUnlocksPerSecond: number;
  efficiency: number;
  naiveUnlocksPerSecond: number;
  speedupVsNaive: number;
  readCapacityUnits: number;
  readCapacityUnitsPer1000Rows: number;
  /** What one pass over every item costs at least: the billed item sizes summed, in 4 KB units, eventually consistent. */
  minimumReadCapacityUnits: number;
  peakRssMiB: number;
  idleRunMs: number;
  bundleBytes: number;
  importMs: number;
  targets: TargetCheck[];
  options: BenchOptions;
  machine: { cpus: number; cpuModel: string; totalMemoryGiB: number; node: string; platform: string; ranAt: string; loadAverageAtEnd: number[] };
  largeTable: LargeTableMeasurement;
  growth: GrowthPoint[];
  throughput: ThroughputMeasurement;
  artifact: ArtifactMeasurement;
}

export function assembleResult(
  options: BenchOptions,
  largeTable: LargeTableMeasurement,
  growth: GrowthPoint[],
  throughput: ThroughputMeasurement,
  artifact: ArtifactMeasurement,
): BenchResult {
  const headline = medianPoint(throughput.headline);
  const { firstRun, idleRun } = largeTable;
  const minimumReadCapacityUnits = EVENTUALLY_CONSISTENT_RCU_PER_4KB * Math.ceil(largeTable.totalItemBytes / 4096);
  // DynamoDB rounds each Scan page up to the next 4 KB: at most half a unit more per page than the exact minimum.
  const allowedReadUnits = minimumReadCapacityUnits + EVENTUALLY_CONSISTENT_RCU_PER_4KB * firstRun.capacity.scanPages;
  const peakRssMiB = Math.max(firstRun.peakRssMiB, idleRun.peakRssMiB);
  const speedupVsNaive = headline.unlocksPerSecond / throughput.naive.unlocksPerSecond;
  const result: Omit<BenchResult, 'targets'> = {
    rows: largeTable.rows,
    stale: largeTable.stale,
    unlocked: firstRun.unlocked,
    latencyMs: options.latencyMs,
    concurrency: options.concurrency,
    unlocksPerSecond: headline.unlocksPerSecond,
    boundUnlocksPerSecond: headline.boundUnlocksPerSecond,
    efficiency: headline.efficiency,
    naiveUnlocksPerSecond: throughput.naive.unlocksPerSecond,
    speedupVsNaive,
    readCapacityUnits: firstRun.capacity.readUnits,
    readCapacityUnitsPer1000Rows: (firstRun.capacity.readUnits / largeTable.rows) * 1000,
    minimumReadCapacityUnits,
    peakRssMiB,
    idleRunMs: idleRun.runMs,
    bundleBytes: artifact.bundleBytes,
    importMs: artifact.importMs,
    options,
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      ranAt: new Date().toISOString(),
      loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100),
    },
    largeTable,
    growth,
    throughput,
    artifact,
  };
  const targets: TargetCheck[] = [
    check(`efficiency at in-flight ${options.concurrency}`, fixed(headline.efficiency, 3), `≥ ${TARGETS.efficiency}`, headline.efficiency >= TARGETS.efficiency),
    check('speedup over the naive reaper', `${fixed(speedupVsNaive, 1)}×`, `≥ ${TARGETS.speedupVsNaive}×`, speedupVsNaive >= TARGETS.speedupVsNaive),
    check(`peak RSS at ${largeTable.rows} rows`, `${fixed(peakRssMiB, 1)} MiB`, `< ${TARGETS.peakRssMiB} MiB`, peakRssMiB < TARGETS.peakRssMiB),
    check(
      'read capacity of one run',
      `${fixed(firstRun.capacity.readUnits, 1)} RCU`,
      `≤ ${fixed(allowedReadUnits, 1)} RCU (one Scan pass)`,
      firstRun.capacity.readUnits <= allowedReadUnits,
    ),
    check('bundled handler', `${artifact.bundleBytes} B`, `≤ ${TARGETS.bundleBytes} B`, artifact.bundleBytes <= TARGETS.bundleBytes),
    check('import time (median)', `${fixed(artifact.importMs, 1)} ms`, `≤ ${TARGETS.importMs} ms`, artifact.importMs <= TARGETS.importMs),
  ];
  return { ...result, targets };
}

function check(name: string, value: string, target: string, met: boolean): TargetCheck {
  return { name, value, target, met };
}

export function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}
