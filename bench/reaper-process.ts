import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localEndpointSettings } from '#local/tracked-canvas-table';
import { DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import { EventBridgeLockEvents } from '#reaper/adapters/eventbridge-lock-events';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import { createScenarioLockApi } from '#reaper/adapters/scenario-lock-api';
import { CONFIG_DEFAULTS } from '#reaper/config';
import type { Clock } from '#reaper/core/ports';
import { oneKey } from '#reaper/core/project';
import { reap } from '#reaper/core/reap';
import { createEventBridgeClient } from '#reaper/wiring';
import { meterConsumedCapacity } from './consumed-capacity';
import { naiveReap } from './naive-reaper';
import { benchDynamoClient } from './reaper-clients';
import { RESULT_PREFIX, type ReaperJob, type ReaperProcessResult } from './reaper-job';

/**
 * One reap run in a process of its own, so its peak RSS and CPU time are the reaper's alone. The parent bundles
 * this file with the stack's esbuild settings and runs it with plain `node`, as Lambda runs the handler's bundle.
 */
const HOUR_MS = 3_600_000;

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as ReaperJob;
  const client = benchDynamoClient(job);
  const capacity = meterConsumedCapacity(client);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const counts = job.mode === 'naive' ? await runNaive(job, client) : await runReaper(job, client);
  const runCpu = process.cpuUsage(cpuBefore);
  const runMs = performance.now() - started;
  client.destroy();
  const usage = process.resourceUsage();
  const result: ReaperProcessResult = {
    mode: job.mode,
    runMs,
    ...counts,
    capacity,
    peakRssMiB: usage.maxRSS / 1024,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    runCpuMs: (runCpu.user + runCpu.system) / 1000,
  };
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

async function runReaper(job: ReaperJob, client: DynamoDBClient) {
  const clock: Clock = { now: () => Date.now() };
  const logger = asReapLogger(createLogger({ serviceName: CONFIG_DEFAULTS.serviceName, logLevel: job.logLevel }));
  const deadlineMs = clock.now() + HOUR_MS;
  const events = new EventBridgeLockEvents({
    client: createEventBridgeClient(localEndpointSettings(job.lockEventsEndpoint)),
    busName: 'canvas-lock-reaper-bench',
    clock,
    logger,
    deadlineMs,
  });
  const summary = await reap(
    {
      clock,
      store: new DynamoCanvasStore({ client, tableName: job.tableName }),
      lockApis: oneKey(
        createScenarioLockApi({
          baseUrl: job.apiBaseUrl,
          credentials: { apiKey: job.apiKey, apiSecret: job.apiSecret },
          requestTimeoutMs: CONFIG_DEFAULTS.requestTimeoutMs,
          maxRetries: CONFIG_DEFAULTS.maxRetries,
          clock,
        }),
      ),
      logger,
      lockEvents: { publisher: events, trigger: 'scheduled' },
    },
    {
      runId: randomUUID(),
      dryRun: false,
      graceSeconds: job.graceSeconds,
      maxInFlight: job.maxInFlight,
      verifyAtSource: job.verifyAtSource,
      // Production's brake; the bench's stale locks expired an hour ago, a backlog it never holds (heldByBrake says so).
      brake: {
        windowSeconds: CONFIG_DEFAULTS.brakeWindowSeconds,
        minLocks: CONFIG_DEFAULTS.brakeMinLocks,
        share: CONFIG_DEFAULTS.brakeShare,
      },
      // Far away: the bench measures speed, not the time budget (a Lambda run has at most its timeout).
      deadlineMs,
      safetyMarginMs: CONFIG_DEFAULTS.safetyMarginMs,
    },
  );
  return {
    examined: summary.examined,
    stale: summary.stale,
    unlocked: summary.unlocked,
    failed: summary.failed,
    renewedAtSource: summary.skipped.renewedAtSource,
    heldByBrake: summary.skipped.heldByBrake,
    verifiedAtSource: summary.verifyAtSource,
    stopReason: summary.stopReason,
    eventsPublished: events.publishedCount,
    eventsNotPublished: summary.eventsNotPublished,
  };
}

async function runNaive(job: ReaperJob, client: DynamoDBClient) {
  const counts = await naiveReap({
    client,
    tableName: job.tableName,
    apiBaseUrl: job.apiBaseUrl,
    apiKey: job.apiKey,
    apiSecret: job.apiSecret,
    graceSeconds: job.graceSeconds,
  });
  return {
    ...counts,
    renewedAtSource: 0,
    heldByBrake: 0,
    verifiedAtSource: undefined,
    stopReason: null,
    eventsPublished: 0,
    eventsNotPublished: 0,
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`reaper process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
