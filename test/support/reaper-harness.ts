import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { type ScenarioStandIn, type ScenarioStandInOptions, startScenarioStandIn } from '#local/scenario-stand-in';
import { createTrackedCanvasTable, getRow, localDynamoClient, putRow, type SeedRow } from '#local/tracked-canvas-table';
import { DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import { createScenarioLockApi } from '#reaper/adapters/scenario-lock-api';
import type { LockEventPublisher, RunTrigger } from '#reaper/core/lock-events';
import type { CanvasOutcome } from '#reaper/core/outcome';
import type { CanvasStore, Clock, LockApi, LockApis } from '#reaper/core/ports';
import { oneKey } from '#reaper/core/project';
import { type ReapOptions, reap } from '#reaper/core/reap';
import { captureOutput } from './output-capture';

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
export const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

export interface HarnessOptions {
  pageSize?: number;
  requestTimeoutMs?: number;
  maxRetries?: number;
  /** Wrong credentials, to see a 401. */
  apiSecretOverride?: string;
  /** The reaper's clock (default: the system clock); e.g. a frozen or skewed one. */
  clock?: Clock;
  /** Options of the local Scenario stand-in (e.g. onUnlock). */
  standIn?: ScenarioStandInOptions;
}

/**
 * The real parts, wired as in production: the AWS SDK client against the local DynamoDB server over a socket,
 * ky against the local Scenario stand-in over HTTP, Powertools Logger writing JSON lines to (captured) stdout.
 */
export async function createReaperHarness(options: HarnessOptions = {}) {
  const client: DynamoDBClient = localDynamoClient(inject('dynamoEndpoint'));
  const tableName = `canvases-${randomUUID()}`;
  await createTrackedCanvasTable(client, tableName);
  const api: ScenarioStandIn = await startScenarioStandIn(options.standIn);
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  const store = new DynamoCanvasStore({ client, tableName, ...(options.pageSize ? { pageSize: options.pageSize } : {}) });
  const lockApi = createScenarioLockApi({
    baseUrl: api.baseUrl,
    credentials: { apiKey: api.apiKey, apiSecret: options.apiSecretOverride ?? api.apiSecret },
    requestTimeoutMs: options.requestTimeoutMs ?? 2_000,
    maxRetries: options.maxRetries ?? 2,
    clock,
  });

  const seed = async (rows: SeedRow[], { knownToApi = true } = {}) => {
    for (const row of rows) {
      await putRow(client, tableName, row);
      if (knownToApi) api.addCanvas(row.assetId, typeof row.lockExpiresAt === 'string' ? { lockExpiresAt: row.lockExpiresAt } : {});
    }
  };

  const run = async (
    overrides: Partial<ReapOptions> & {
      store?: CanvasStore;
      lockApi?: LockApi;
      lockApis?: LockApis;
      lockEvents?: { publisher: LockEventPublisher; trigger: RunTrigger };
    } = {},
  ) => {
    const outcomes: CanvasOutcome[] = [];
    const logger = asReapLogger(createLogger({ serviceName: 'reaper-test', logLevel: 'DEBUG' }));
    const { store: storeOverride, lockApi: apiOverride, lockApis: apisOverride, lockEvents, ...reapOverrides } = overrides;
    const lockApis = apisOverride ?? oneKey(apiOverride ?? lockApi);
    const captured = await captureOutput(() =>
      reap(
        {
          clock,
          store: storeOverride ?? store,
          lockApis,
          logger,
          onOutcome: (o) => outcomes.push(o),
          ...(lockEvents ? { lockEvents } : {}),
        },
        {
          runId: `run-${randomUUID()}`,
          dryRun: false,
          graceSeconds: 60,
          maxInFlight: 4,
          deadlineMs: Date.now() + 30_000,
          safetyMarginMs: 1_000,
          ...reapOverrides,
        },
      ),
    );
    const byAsset = new Map(outcomes.map((o) => [o.assetId, o]));
    return { summary: captured.result, output: captured.output, lines: captured.lines, outcomes, byAsset };
  };

  return {
    client,
    tableName,
    api,
    store,
    lockApi,
    clock,
    seed,
    run,
    row: (assetId: string) => getRow(client, tableName, assetId),
    /** A writer's own PutItem, straight to the table: the whole row replaced, nothing mirrored at the stand-in. */
    writeRow: (row: SeedRow) => putRow(client, tableName, row),
    /** A writer renews a row's lock (a new expiry and lockId) with an UpdateItem straight to the table; the rest stays. */
    renewLock: (assetId: string, lockExpiresAt: string, lockId: string) =>
      client
        .send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { assetId: { S: assetId } },
            UpdateExpression: 'SET lockExpiresAt = :exp, lockId = :id',
            ExpressionAttributeValues: { ':exp': { S: lockExpiresAt }, ':id': { S: lockId } },
          }),
        )
        .then(() => undefined),
    close: async () => {
      await api.close();
      client.destroy();
    },
  };
}

export type ReaperHarness = Awaited<ReturnType<typeof createReaperHarness>>;
