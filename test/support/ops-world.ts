import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { type ScenarioStandIn, startScenarioStandIn } from '#local/scenario-stand-in';
import { createTrackedCanvasTable, localDynamoClient } from '#local/tracked-canvas-table';
import type { OpsIo } from '#ops/io';
import { ENV } from '#reaper/settings';
import { runOpsCapturing, unusedSecretsClient } from './ops-runner';

type Env = Record<string, string | undefined>;
export type OpsOptions = Partial<OpsIo> & { answer?: boolean };

/** What the table commands of ops (status, track, untrack, unlock, reap, invoke) talk to; new for each test. */
export interface OpsWorld {
  dynamo: DynamoDBClient;
  /** The Scenario stand-in whose key the world's environment carries. */
  api: ScenarioStandIn;
  tableName: string;
  /** An empty folder the commands run in: no cdk-outputs.json unless a test writes one. */
  cwd: string;
  /** The variables naming the table and the stand-in with its key, as a person's shell would set them, over `overrides`. */
  env(overrides?: Env): Env;
  /** The variables naming the stand-in and its key only (no table). */
  apiEnv(): Env;
  /** Runs one ops command in process in `cwd` with `env()`, the local DynamoDB client and a Secrets Manager never read. */
  ops(argv: string[], options?: OpsOptions): ReturnType<typeof runOpsCapturing>;
}

/**
 * Registers the hooks of a file of ops command tests: one DynamoDB client for the file; before each test a new table
 * (named after `prefix`), a Scenario stand-in and an empty working folder, all gone after it. Read the fields inside
 * the tests (they change per test).
 */
export function useOpsWorld(prefix: string): OpsWorld {
  const unusedSecrets = unusedSecretsClient();
  const world: OpsWorld = {
    env: (overrides = {}) => ({ [ENV.tableName]: world.tableName, ...world.apiEnv(), ...overrides }),
    apiEnv: () => ({ [ENV.apiBaseUrl]: world.api.baseUrl, [ENV.localApiKey]: world.api.apiKey, [ENV.localApiSecret]: world.api.apiSecret }),
    ops: (argv, options = {}) =>
      runOpsCapturing(argv, { env: world.env(), cwd: world.cwd, awsClients: { dynamo: world.dynamo, secrets: unusedSecrets }, ...options }),
  } as OpsWorld;
  beforeAll(() => {
    world.dynamo = localDynamoClient(inject('dynamoEndpoint'));
  });
  afterAll(() => {
    world.dynamo.destroy();
    unusedSecrets.destroy();
  });
  beforeEach(async () => {
    world.api = await startScenarioStandIn();
    world.tableName = `${prefix}-${randomUUID()}`;
    await createTrackedCanvasTable(world.dynamo, world.tableName);
    world.cwd = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  });
  afterEach(async () => {
    rmSync(world.cwd, { recursive: true, force: true });
    await world.api.close();
  });
  return world;
}
