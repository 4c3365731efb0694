import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ReaperConfig } from './config';
import { DynamoCanvasStore } from './adapters/dynamo-canvas-store';
import { createScenarioLockApi } from './adapters/scenario-lock-api';
import { secretsManagerCredentials, staticCredentials, type ApiCredentials, type CredentialsProvider } from './adapters/credentials';
import type { CanvasStore, Clock, LockApi } from './core/ports';
import type { ReapOptions } from './core/reap';

export const systemClock: Clock = { now: () => Date.now() };

/** The AWS clients a run needs. Endpoints and region come from the standard AWS SDK settings (AWS_ENDPOINT_URL_*). */
export interface AwsClients {
  dynamo: DynamoDBClient;
  secrets: SecretsManagerClient;
}

export function createAwsClients(): AwsClients {
  return { dynamo: new DynamoDBClient({}), secrets: new SecretsManagerClient({}) };
}

export function createCredentialsProvider(config: ReaperConfig, clients: AwsClients, clock: Clock): CredentialsProvider {
  const source = config.credentials;
  return source.kind === 'environment'
    ? staticCredentials({ apiKey: source.apiKey, apiSecret: source.apiSecret })
    : secretsManagerCredentials({ client: clients.secrets, secretId: source.secretId, cacheSeconds: source.cacheSeconds, clock });
}

export function createCanvasStore(config: ReaperConfig, clients: AwsClients): CanvasStore {
  return new DynamoCanvasStore({ client: clients.dynamo, tableName: config.tableName });
}

export function createLockApi(config: ReaperConfig, credentials: ApiCredentials, clock: Clock): LockApi {
  return createScenarioLockApi({
    baseUrl: config.apiBaseUrl,
    credentials,
    requestTimeoutMs: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    clock,
  });
}

/** The run options that guard live locks: verification at Scenario and the mass-expiry brake. */
export function runSafetyOptions(config: ReaperConfig, overrideBrake: boolean): Pick<ReapOptions, 'verifyAtSource' | 'brake' | 'overrideBrake'> {
  return {
    verifyAtSource: config.verifyAtSource,
    brake: { windowSeconds: config.brakeWindowSeconds, minLocks: config.brakeMinLocks, share: config.brakeShare },
    overrideBrake,
  };
}
