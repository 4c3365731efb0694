import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startScenarioStandIn, type ScenarioStandIn } from '../local/scenario-stand-in';
import { createTrackedCanvasTable, localDynamoClient } from '../local/tracked-canvas-table';
import { bundleWithStackSettings } from './bundle';
import { startDynamoDbServerProcess, type DynamoDbServerProcess } from './dynamodb-server';
import { runNodeForResult } from './node-process';
import { machineBusyCpuMs, ownCpuMs, processCpuMs } from './process-cpu';
import { RESULT_PREFIX, type ReaperJob, type ReaperProcessResult } from './reaper-job';
import { seedTable, type SeedSpec, type SeededTable } from './seed-rows';

export interface ReaperRun extends ReaperProcessResult {
  /** Unlock requests the API stand-in received during the run. */
  apiRequests: number;
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
 * - this one: seeds tables and hosts the Scenario stand-in, whose added latency is a timer (next to no CPU);
 * - dynalite, in its own process (bench/dynamodb-process.ts);
 * - one reaper process per measured run, built from bench/reaper-process.ts with the stack's esbuild settings.
 */
export class BenchEnvironment {
  private constructor(
    private readonly dynamo: DynamoDbServerProcess,
    readonly client: DynamoDBClient,
    readonly api: ScenarioStandIn,
    private readonly workDir: string,
    private readonly reaperBundle: string,
    private readonly graceSeconds: number,
  ) {}

  static async start(options: { latencyMs: number; graceSeconds: number }): Promise<BenchEnvironment> {
    const workDir = mkdtempSync(path.join(tmpdir(), 'reaper-bench-'));
    const reaperBundle = await bundleWithStackSettings(path.join(__dirname, 'reaper-process.ts'), workDir, 'reaper-process');
    const dynamo = await startDynamoDbServerProcess();
    const api = await startScenarioStandIn({ latencyMs: options.latencyMs });
    return new BenchEnvironment(dynamo, localDynamoClient(dynamo.endpoint), api, workDir, reaperBundle.file, options.graceSeconds);
  }

  get tempDir(): string {
    return this.workDir;
  }

  async createTable(name: string): Promise<void> {
    await createTrackedCanvasTable(this.client, name);
  }

  /** Writes (or rewrites, which re-locks what a run unlocked) the rows, and makes the stale ones known to the API. */
  async seed(spec: SeedSpec): Promise<SeededTable> {
    const seeded = await seedTable(this.client, spec);
    for (const assetId of seeded.staleIds) this.api.addCanvas(assetId);
    return seeded;
  }

  /** One run in a fresh reaper process. */
  async runReaper(job: Pick<ReaperJob, 'mode' | 'tableName' | 'maxInFlight' | 'logLevel'>): Promise<ReaperRun> {
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
    };
    const machineBefore = machineBusyCpuMs();
    const dynamoBefore = processCpuMs(this.dynamo.pid);
    const ownBefore = ownCpuMs();
    const result = await runNodeForResult<ReaperProcessResult>([this.reaperBundle, JSON.stringify(fullJob)], RESULT_PREFIX);
    const standInCpuMs = ownCpuMs() - ownBefore;
    const dynamoCpuMs = difference(dynamoBefore, processCpuMs(this.dynamo.pid));
    const machineCpuMs = difference(machineBefore, machineBusyCpuMs());
    const apiRequests = this.api.requests.filter((request) => request.method === 'PUT').length;
    const otherCpuMs =
      machineCpuMs === undefined || dynamoCpuMs === undefined ? undefined : Math.max(0, machineCpuMs - result.cpuMs - dynamoCpuMs - standInCpuMs);
    return { ...result, apiRequests, dynamoCpuMs, standInCpuMs, otherCpuMs };
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.api.close();
    await this.dynamo.stop();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

function difference(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : after - before;
}
