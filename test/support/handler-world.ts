import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { type ScenarioStandIn, type ScenarioStandInOptions, startScenarioStandIn } from '#local/scenario-stand-in';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '#local/secrets-manager-stand-in';
import { createTrackedCanvasTable, localDynamoClient } from '#local/tracked-canvas-table';
import { useLocalAwsEnvironment } from './local-aws-environment';

/** What a test of the real Lambda handler talks to; the table, stand-in and secret id are new for each test. */
export interface HandlerWorld {
  dynamo: DynamoDBClient;
  secrets: SecretsManagerStandIn;
  api: ScenarioStandIn;
  tableName: string;
  secretId: string;
}

/**
 * Registers the hooks of a file whose tests call the real handler: one local Secrets Manager for the file, with the
 * standard SDK settings aimed at it and at the local DynamoDB (the handler builds its own clients, as in Lambda); and
 * before each test a new table, a Scenario stand-in (with `standIn`'s options) and a secret id. Unless `pairSecret` is
 * false, that secret holds the stand-in's one key pair. Read the fields inside the tests (they change per test).
 */
export function useHandlerWorld(prefix: string, options: { standIn?: ScenarioStandInOptions; pairSecret?: boolean } = {}): HandlerWorld {
  const world = {} as HandlerWorld;
  let restoreEnvironment: () => void;
  beforeAll(async () => {
    world.secrets = await startSecretsManagerStandIn();
    restoreEnvironment = useLocalAwsEnvironment({ secretsManager: world.secrets.endpoint });
    world.dynamo = localDynamoClient(inject('dynamoEndpoint'));
  });
  afterAll(async () => {
    restoreEnvironment();
    await world.secrets.close();
    world.dynamo.destroy();
  });
  beforeEach(async () => {
    world.api = await startScenarioStandIn(options.standIn);
    world.tableName = `${prefix}-${randomUUID()}`;
    world.secretId = `reaper/${randomUUID()}`;
    await createTrackedCanvasTable(world.dynamo, world.tableName);
    if (options.pairSecret !== false) {
      world.secrets.setSecret(world.secretId, JSON.stringify({ apiKey: world.api.apiKey, apiSecret: world.api.apiSecret }));
    }
  });
  afterEach(() => world.api.close());
  return world;
}
