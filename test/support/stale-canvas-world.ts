import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { type ScenarioStandIn, startScenarioStandIn } from '#local/scenario-stand-in';
import { createTrackedCanvasTable, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import { minutesAgo } from './reaper-harness';

/** What a test of a real CLI process talks to; each test gets a fresh table and Scenario stand-in. */
export interface StaleCanvasWorld {
  dynamo: DynamoDBClient;
  api: ScenarioStandIn;
  tableName: string;
  /** An empty home, so no ~/.aws of the machine running the tests takes part. */
  home: string;
}

/**
 * Registers the hooks of a file whose tests run a CLI against the local servers: before each test, a new table whose
 * `canvases` all hold a lock that expired 30 minutes ago, mirrored at the Scenario stand-in. Read the fields inside
 * the tests (they change per test).
 */
export function useStaleCanvasWorld(prefix: string, canvases: readonly string[]): StaleCanvasWorld {
  const world = {} as StaleCanvasWorld;
  beforeAll(() => {
    world.dynamo = localDynamoClient(inject('dynamoEndpoint'));
    world.home = mkdtempSync(path.join(tmpdir(), `${prefix}-home-`));
  });
  afterAll(() => world.dynamo.destroy());
  beforeEach(async () => {
    world.api = await startScenarioStandIn();
    world.tableName = `${prefix}-${randomUUID()}`;
    await createTrackedCanvasTable(world.dynamo, world.tableName);
    for (const assetId of canvases) {
      const lockExpiresAt = minutesAgo(30);
      await putRow(world.dynamo, world.tableName, { assetId, lockExpiresAt });
      world.api.addCanvas(assetId, { lockExpiresAt });
    }
  });
  afterEach(() => world.api.close());
  return world;
}
