import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type ApiCredentials,
  type CredentialsProvider,
  keyedProjects,
  keyFor,
  projectsFileCredentials,
  type ScenarioKeys,
  secretsManagerCredentials,
  staticCredentials,
} from './adapters/credentials';
import { DynamoCanvasStore } from './adapters/dynamo-canvas-store';
import { createScenarioLockApi } from './adapters/scenario-lock-api';
import type { ReaperConfig } from './config';
import type { CanvasStore, Clock, LockApi, ProjectLockApis } from './core/ports';
import type { ReapOptions } from './core/reap';

export const systemClock: Clock = { now: () => Date.now() };

/** The AWS clients a run needs. Endpoints and region come from the standard AWS SDK settings (AWS_ENDPOINT_URL_*). */
export interface AwsClients {
  dynamo: DynamoDBClient;
  secrets: SecretsManagerClient;
}

/**
 * Bounds of one DynamoDB call attempt. Without them the SDK waits on a hung connection for its 5-minute socket
 * default, so a hung call outlives the Lambda's timeout and the run dies without logging its summary. DynamoDB
 * answers in milliseconds (a 1 MB Scan page in well under a second), so an attempt still unanswered after 5 s is
 * hung: it ends as a TimeoutError, the SDK retries it on a fresh connection (DynamoDB's default: 4 attempts), and a
 * call that keeps hanging ends as the run's store-error within ~25 s, leaving time to log the summary. A TCP/TLS
 * connection within the region takes milliseconds; 2 s is a dead endpoint.
 */
export const DYNAMODB_REQUEST_TIMEOUT_MS = 5_000;
export const DYNAMODB_CONNECTION_TIMEOUT_MS = 2_000;

export interface DynamoTimeouts {
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
}

/**
 * The DynamoDB client of every run and command, with bounded attempts. Region, credentials and endpoint come from
 * the standard SDK settings unless `config` sets them (tests aim it at a fault proxy, with shorter timeouts).
 */
export function createDynamoClient(
  config: Omit<DynamoDBClientConfig, 'requestHandler'> = {},
  timeouts: DynamoTimeouts = { requestTimeoutMs: DYNAMODB_REQUEST_TIMEOUT_MS, connectionTimeoutMs: DYNAMODB_CONNECTION_TIMEOUT_MS },
): DynamoDBClient {
  return new DynamoDBClient({
    ...config,
    // Options for the SDK's own NodeHttpHandler. requestTimeout alone only logs a warning in this SDK line;
    // throwOnRequestTimeout makes it end the attempt.
    requestHandler: {
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
      connectionTimeout: timeouts.connectionTimeoutMs,
    },
  });
}

export function createAwsClients(): AwsClients {
  return { dynamo: createDynamoClient(), secrets: new SecretsManagerClient({}) };
}

export function createCredentialsProvider(config: ReaperConfig, clients: AwsClients, clock: Clock): CredentialsProvider {
  const source = config.credentials;
  switch (source.kind) {
    case 'environment':
      return staticCredentials({ shape: 'single', pair: { apiKey: source.apiKey, apiSecret: source.apiSecret } });
    case 'projects-file':
      return projectsFileCredentials(source.path);
    case 'secrets-manager':
      return secretsManagerCredentials({ client: clients.secrets, secretId: source.secretId, cacheSeconds: source.cacheSeconds, clock });
  }
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

/** The lock API for each Scenario project, with its key (one ky client per key, made when first needed). */
export function createLockApis(config: ReaperConfig, keys: ScenarioKeys, clock: Clock): ProjectLockApis {
  const byKey = new Map<ApiCredentials, LockApi>();
  return {
    shape: keys.shape,
    keyedProjects: keyedProjects(keys),
    forProject(projectId) {
      const pair = keyFor(keys, projectId);
      if (!pair) return undefined;
      let api = byKey.get(pair);
      if (!api) {
        api = createLockApi(config, pair, clock);
        byKey.set(pair, api);
      }
      return api;
    },
  };
}

/** The run options that guard live locks: verification at Scenario and the mass-expiry brake. */
export function runSafetyOptions(
  config: ReaperConfig,
  overrideBrake: boolean,
): Pick<ReapOptions, 'verifyAtSource' | 'brake' | 'overrideBrake'> {
  return {
    verifyAtSource: config.verifyAtSource,
    brake: { windowSeconds: config.brakeWindowSeconds, minLocks: config.brakeMinLocks, share: config.brakeShare },
    overrideBrake,
  };
}
