import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EventBridgeStandIn, startEventBridgeStandIn } from '#local/eventbridge-stand-in';
import { type RecordedRequest, type ScenarioStandIn, startScenarioStandIn } from '#local/scenario-stand-in';
import { createTrackedCanvasTable, localDynamoClient } from '#local/tracked-canvas-table';
import { bundleWithStackSettings } from './bundle';
import { type DynamoDbServerProcess, startDynamoDbServerProcess } from './dynamodb-server';
import { lambdaCommandLine } from './lambda-runtime';
import { runNodeForResult } from './node-process';
import { machineBusyCpuMs, ownCpuMs, processCpuMs } from './process-cpu';
import { RESULT_PREFIX, type ReaperJob, type ReaperProcessResult } from './reaper-job';
import { type SeededTable, type SeedSpec, seedTable } from './seed-rows';
import { median, percentile } from './stats';

/** The verify→unlock window over one run's canvases, in milliseconds. */
export interface WindowStats {
  samples: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

export interface ReaperRun extends ReaperProcessResult {
  /** Unlock requests (PUT /assets/{id}/unlock) the API stand-in received during the run. */
  unlockRequests: number;
  /** Verifications (GET /assets/{id}) the API stand-in received during the run. */
  getRequests: number;
  /** Per unlocked canvas, from its GET's arrival at the stand-in to its PUT's; undefined when no PUT followed a GET. */
  verifyToUnlockWindow: WindowStats | undefined;
  /** CPU the local DynamoDB process used while the reaper process lived (undefined without /proc). */
  dynamoCpuMs: number | undefined;
  /** CPU this process (seeding aside: the API stand-in) used meanwhile. */
  standInCpuMs: number;
  /**
   * CPU used meanwhile by every other process on the machine (nothing of the bench's): on a shared machine this
   * says how much the numbers were disturbed. Undefined without /proc.
   */
  otherCpuMs: number | undefined;
}

/**
 * The three processes of a bench run, on a 2-core machine:
 * - this one: seeds tables and hosts the Scenario stand-in, whose added latency is a timer (next to no CPU), and the
 *   EventBridge stand-in the reaper publishes its lock events to;
 * - dynalite, in its own process (bench/dynamodb-process.ts);
 * - one reaper process per measured run, built from bench/reaper-process.ts with the stack's esbuild settings.
 */
export class BenchEnvironment {
  private constructor(
    private readonly dynamo: DynamoDbServerProcess,
    readonly client: DynamoDBClient,
    readonly api: ScenarioStandIn,
    private readonly eventBus: EventBridgeStandIn,
    private readonly workDir: string,
    private readonly reaperBundle: string,
    private readonly graceSeconds: number,
  ) {}

  static async start(options: { latencyMs: number; graceSeconds: number }): Promise<BenchEnvironment> {
    const workDir = mkdtempSync(path.join(tmpdir(), 'reaper-bench-'));
    const reaperBundle = await bundleWithStackSettings(path.join(__dirname, 'reaper-process.ts'), workDir, 'reaper-process');
    const dynamo = await startDynamoDbServerProcess();
    const api = await startScenarioStandIn({ latencyMs: options.latencyMs });
    const eventBus = await startEventBridgeStandIn({ keepEvents: false });
    return new BenchEnvironment(
      dynamo,
      localDynamoClient(dynamo.endpoint),
      api,
      eventBus,
      workDir,
      reaperBundle.file,
      options.graceSeconds,
    );
  }

  get tempDir(): string {
    return this.workDir;
  }

  async createTable(name: string): Promise<void> {
    await createTrackedCanvasTable(this.client, name);
  }

  /**
   * Writes (or rewrites, which re-locks what a run unlocked) the rows, and gives the stand-in the stale rows' own
   * locks (expired an hour ago), so a verification GET finds the lock stale at Scenario too and lets the unlock go ahead.
   */
  async seed(spec: SeedSpec): Promise<SeededTable> {
    const seeded = await seedTable(this.client, spec);
    for (const { assetId, lockExpiresAt, lockId } of seeded.staleLocks) this.api.addCanvas(assetId, { lockExpiresAt, lockId });
    return seeded;
  }

  /**
   * One run in a fresh reaper process. `variant` lets a focused harness (bench/cpu-ab.ts) run another bundle of the
   * reaper process, add node flags (e.g. --cpu-prof), or leave out the exec wrapper, in the same environment.
   */
  async runReaper(
    job: Pick<ReaperJob, 'mode' | 'tableName' | 'maxInFlight' | 'verifyAtSource' | 'logLevel'>,
    variant: { bundle?: string; nodeArgs?: readonly string[]; viaExecWrapper?: boolean; execWrapper?: string } = {},
  ): Promise<ReaperRun> {
    // The stand-in keeps every request; forget the previous run's so only this run's are counted (and memory stays flat).
    this.api.requests.splice(0);
    this.api.issuedSignatures.splice(0);
    const fullJob: ReaperJob = {
      ...job,
      dynamoEndpoint: this.dynamo.endpoint,
      apiBaseUrl: this.api.baseUrl,
      apiKey: this.api.apiKey,
      apiSecret: this.api.apiSecret,
      graceSeconds: this.graceSeconds,
      lockEventsEndpoint: this.eventBus.endpoint,
    };
    const machineBefore = machineBusyCpuMs();
    const dynamoBefore = processCpuMs(this.dynamo.pid);
    const ownBefore = ownCpuMs();
    // Started as Lambda would start the deployed function (its heap flags, through its exec wrapper), so garbage
    // collection (and so peak RSS) behaves as it does on Lambda.
    const { command, args } = lambdaCommandLine(variant.nodeArgs ?? [], [variant.bundle ?? this.reaperBundle, JSON.stringify(fullJob)], {
      ...(variant.viaExecWrapper === undefined ? {} : { viaExecWrapper: variant.viaExecWrapper }),
      ...(variant.execWrapper === undefined ? {} : { execWrapper: variant.execWrapper }),
    });
    const result = await runNodeForResult<ReaperProcessResult>(args, RESULT_PREFIX, undefined, command);
    const standInCpuMs = ownCpuMs() - ownBefore;
    const dynamoCpuMs = difference(dynamoBefore, processCpuMs(this.dynamo.pid));
    const machineCpuMs = difference(machineBefore, machineBusyCpuMs());
    const unlockRequests = this.api.requests.filter((request) => request.route === 'unlock').length;
    const getRequests = this.api.requests.filter((request) => request.route === 'get').length;
    const otherCpuMs =
      machineCpuMs === undefined || dynamoCpuMs === undefined
        ? undefined
        : Math.max(0, machineCpuMs - result.cpuMs - dynamoCpuMs - standInCpuMs);
    const verifyToUnlockWindow = windowStats(verifyToUnlockWindowsMs(this.api.requests));
    return { ...result, unlockRequests, getRequests, verifyToUnlockWindow, dynamoCpuMs, standInCpuMs, otherCpuMs };
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.api.close();
    await this.eventBus.close();
    await this.dynamo.stop();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/**
 * From the stand-in's request log (arrival order): for each unlock request, the time since the latest GET of the
 * same asset arrived. The stand-in adds the same latency before reading a lock for a GET and before applying an
 * unlock, so this is also the time between the state the GET read and the unlock's effect: how long a renewal at
 * Scenario can go unseen.
 */
export function verifyToUnlockWindowsMs(requests: readonly RecordedRequest[]): number[] {
  const lastGetAtMs = new Map<string, number>();
  const windows: number[] = [];
  for (const request of requests) {
    if (request.assetId === undefined) continue;
    if (request.route === 'get') lastGetAtMs.set(request.assetId, request.receivedAtMs);
    if (request.route !== 'unlock') continue;
    const getAtMs = lastGetAtMs.get(request.assetId);
    if (getAtMs !== undefined) windows.push(request.receivedAtMs - getAtMs);
  }
  return windows;
}

function windowStats(windowsMs: readonly number[]): WindowStats | undefined {
  if (windowsMs.length === 0) return undefined;
  return { samples: windowsMs.length, medianMs: median(windowsMs), p99Ms: percentile(windowsMs, 99), maxMs: Math.max(...windowsMs) };
}

function difference(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : after - before;
}
