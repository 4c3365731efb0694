import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type CredentialsProvider,
  projectsFileCredentials,
  type ScenarioKeys,
  secretsManagerCredentials,
  staticCredentials,
} from './adapters/credentials';
import { DynamoCanvasStore } from './adapters/dynamo-canvas-store';
import { EventBridgeLockEvents } from './adapters/eventbridge-lock-events';
import { createScenarioLockApi } from './adapters/scenario-lock-api';
import { type Spans, tracedLockApis } from './adapters/tracing';
import type { ReaperConfig } from './config';
import type { RunTrigger } from './core/lock-events';
import type { CanvasStore, Clock, LockApis, ReapLogger } from './core/ports';
import { mapKeys, oneKey } from './core/project';
import { type ReapDependencies, type ReapOptions, reap } from './core/reap';
import type { RunSummary } from './core/summary';
import type { RunRequest } from './payload';

export const systemClock: Clock = { now: () => Date.now() };

/** The AWS clients a run needs. Endpoints and region come from the standard AWS SDK settings (AWS_ENDPOINT_URL_*). */
export interface AwsClients {
  dynamo: DynamoDBClient;
  secrets: SecretsManagerClient;
  /** For lock events (LOCK_EVENTS_BUS); created when first needed if absent. */
  eventBridge?: EventBridgeClient;
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
const ATTEMPT_BOUNDS = { requestTimeoutMs: DYNAMODB_REQUEST_TIMEOUT_MS, connectionTimeoutMs: DYNAMODB_CONNECTION_TIMEOUT_MS };

/**
 * The DynamoDB client of every run and command, with bounded attempts. Region, credentials and endpoint come from
 * the standard SDK settings unless `config` sets them (tests aim it at a fault proxy, with shorter timeouts).
 *
 * Per call it skips SDK work that gives the same result every time (issue 20: two UpdateItems per canvas):
 * - `cacheMiddleware`: the SDK resolves each command class's middleware stack once per client instead of on every
 *   send. It applies only to sends without an options argument (the store passes none), and middleware added to the
 *   client after its first send of a class is not seen by that class (the bench adds its meter before any send).
 *   Concurrent sends of one class then share the SDK's handler context; what the SDK writes there (endpoint, auth
 *   scheme, signing region) is the same for every call of a client with one endpoint and one table; only the send
 *   time the SDK samples for clock-skew correction may come from a concurrent call, a few milliseconds apart.
 *   A command that carries middleware of its own is resolved afresh (honourCommandMiddleware).
 * - the request signer is built once (reuseFirstSigner).
 * Retries, timeouts, signing, endpoints and errors are the SDK's own, unchanged.
 */
export function createDynamoClient(config: Omit<DynamoDBClientConfig, 'requestHandler'> = {}, timeouts = ATTEMPT_BOUNDS): DynamoDBClient {
  const client = new DynamoDBClient({ cacheMiddleware: true, ...config, requestHandler: boundedAttempts(timeouts) });
  honourCommandMiddleware(client);
  reuseFirstSigner(client);
  return client;
}

/**
 * The SDK's handler cache keeps the handler resolved for the first command of a class, with that command's own
 * middleware: a later command of the class that carries middleware of its own (the clock check reads the Date header
 * of its GetItem that way) would run without it, and the first command's middleware would run for every later one.
 * Such a command is sent with an (empty) options argument, which the SDK resolves afresh, as without the cache.
 */
function honourCommandMiddleware(client: DynamoDBClient): void {
  const send = client.send.bind(client) as (command: unknown, optionsOrCallback?: unknown, callback?: unknown) => unknown;
  const withOwnMiddleware = (command: unknown) =>
    (command as { middlewareStack?: { identify?: () => readonly string[] } }).middlewareStack?.identify?.().length !== 0;
  client.send = ((command: unknown, optionsOrCallback?: unknown, callback?: unknown) =>
    optionsOrCallback === undefined && withOwnMiddleware(command)
      ? send(command, {}, callback)
      : send(command, optionsOrCallback, callback)) as DynamoDBClient['send'];
}

/**
 * The SDK builds a new SigV4 signer for every request: a copy of the whole client config and a SignatureV4 from it.
 * After the first request every input of that signer is fixed (the SDK itself pins config.signingRegion and
 * config.signingName then; the credentials are the client's own provider, asked at each signing, so refreshed
 * credentials still sign), so the first signer is kept and reused. The region and service of each request are still
 * passed to it per call by the SDK.
 */
function reuseFirstSigner(client: DynamoDBClient): void {
  const buildSigner = client.config.signer;
  let first: ReturnType<typeof buildSigner> | undefined;
  client.config.signer = (authScheme) => {
    // A failed build (no region configured, say) is not kept: the next request builds again, as the SDK would.
    first ??= buildSigner(authScheme).catch((error: unknown) => {
      first = undefined;
      throw error;
    });
    return first;
  };
}

/**
 * Options for the SDK's own NodeHttpHandler that bound each attempt. requestTimeout alone only logs a warning in this
 * SDK line; throwOnRequestTimeout makes it end the attempt.
 */
function boundedAttempts(timeouts = ATTEMPT_BOUNDS) {
  return { requestTimeout: timeouts.requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: timeouts.connectionTimeoutMs };
}

export function createAwsClients(): AwsClients {
  return { dynamo: createDynamoClient(), secrets: new SecretsManagerClient({}), eventBridge: createEventBridgeClient() };
}

/**
 * The EventBridge client of lock events: one attempt per call (the publisher retries failed entries itself, with
 * backoff within the run's budget), each bounded like DynamoDB's, so a hung call cannot outlive the run.
 */
export function createEventBridgeClient(config: Omit<EventBridgeClientConfig, 'requestHandler' | 'maxAttempts'> = {}): EventBridgeClient {
  return new EventBridgeClient({ ...config, maxAttempts: 1, requestHandler: boundedAttempts() });
}

/**
 * Where a run's lock events go (docs/events.md): to LOCK_EVENTS_BUS when it is set and LOCK_EVENTS is on; undefined
 * otherwise, and for a dry run (which publishes nothing).
 */
export function lockEventsOf(
  config: Pick<ReaperConfig, 'lockEvents' | 'lockEventsBus'>,
  clients: AwsClients,
  run: { clock: Clock; logger: ReapLogger; deadlineMs: number; trigger: RunTrigger; dryRun: boolean },
): ReapDependencies['lockEvents'] {
  if (!config.lockEvents || config.lockEventsBus === '' || run.dryRun) return undefined;
  const client = clients.eventBridge ?? createEventBridgeClient();
  return {
    publisher: new EventBridgeLockEvents({
      client,
      busName: config.lockEventsBus,
      clock: run.clock,
      logger: run.logger,
      deadlineMs: run.deadlineMs,
    }),
    trigger: run.trigger,
  };
}

export function createCredentialsProvider(config: ReaperConfig, clients: AwsClients, clock: Clock): CredentialsProvider {
  const source = config.credentials;
  switch (source.kind) {
    case 'environment':
      return staticCredentials(oneKey({ apiKey: source.apiKey, apiSecret: source.apiSecret }));
    case 'projects-file':
      return projectsFileCredentials(source.path);
    case 'secrets-manager':
      return secretsManagerCredentials({ client: clients.secrets, secretId: source.secretId, cacheSeconds: source.cacheSeconds, clock });
  }
}

export function createCanvasStore(config: ReaperConfig, clients: AwsClients): CanvasStore {
  return new DynamoCanvasStore({ client: clients.dynamo, tableName: config.tableName });
}

/** The lock API for each Scenario project, with its key (one ky client per distinct key). */
export function createLockApis(config: ReaperConfig, keys: ScenarioKeys, clock: Clock): LockApis {
  const { apiBaseUrl: baseUrl, requestTimeoutMs, maxRetries } = config;
  return mapKeys(keys, (credentials) => createScenarioLockApi({ baseUrl, credentials, requestTimeoutMs, maxRetries, clock }));
}

/** What one run is given besides the config and the request: its id, deadline and trigger, and the parts it runs on. */
export interface ReapRun {
  runId: string;
  deadlineMs: number;
  trigger: RunTrigger;
  /** Aborted on Ctrl-C or SIGTERM (the local CLI): the run stops as "interrupted". */
  signal?: AbortSignal | undefined;
  clock: Clock;
  logger: ReapLogger;
  store: CanvasStore;
  /** The Scenario keys the run unlocks with (one lock API per key). */
  keys: ScenarioKeys;
  /** The handler's X-Ray spans: each lock API call is traced. */
  spans?: Spans;
}

/**
 * One reap run, wired in one place for the Lambda handler and the local CLI: its lock APIs, its lock events
 * (lockEventsOf), its options (what the request asks for, payload or flags; the config's limits; the run's safety
 * guards: verification at Scenario, the brake), then the core's reap.
 */
export function runReap(config: ReaperConfig, clients: AwsClients, request: RunRequest, run: ReapRun): Promise<RunSummary> {
  const { clock, logger, store, deadlineMs } = run;
  const untraced = createLockApis(config, run.keys, clock);
  const lockApis = run.spans ? tracedLockApis(untraced, run.spans) : untraced;
  const lockEvents = lockEventsOf(config, clients, { clock, logger, deadlineMs, trigger: run.trigger, dryRun: request.dryRun });
  return reap({ clock, store, lockApis, logger, ...(lockEvents ? { lockEvents } : {}) }, reapOptions(config, request, run));
}

export function reapOptions(
  config: ReaperConfig,
  request: RunRequest,
  run: { runId: string; deadlineMs: number; signal?: AbortSignal | undefined },
): ReapOptions {
  return {
    runId: run.runId,
    dryRun: request.dryRun,
    graceSeconds: request.graceSeconds ?? config.graceSeconds,
    ...(request.assetIds ? { assetIds: request.assetIds } : {}),
    ...(request.projectIds ? { projectIds: request.projectIds } : {}),
    maxInFlight: config.maxInFlight,
    deadlineMs: run.deadlineMs,
    safetyMarginMs: config.safetyMarginMs,
    verifyAtSource: config.verifyAtSource,
    brake: { windowSeconds: config.brakeWindowSeconds, minLocks: config.brakeMinLocks, share: config.brakeShare },
    overrideBrake: request.overrideBrake ?? false,
    ...(run.signal ? { signal: run.signal } : {}),
  };
}
