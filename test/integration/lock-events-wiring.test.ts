import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type EventBridgeStandIn, startEventBridgeStandIn } from '#local/eventbridge-stand-in';
import { type ScenarioStandIn, startScenarioStandIn } from '#local/scenario-stand-in';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '#local/secrets-manager-stand-in';
import { createTrackedCanvasTable, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import { runCli } from '#ops/commands/reap';
import { createHandler, triggerOf } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { useLocalAwsEnvironment } from '#test-support/local-aws-environment';
import { lockEventSchemas, schemaProblems } from '#test-support/lock-event-schemas';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo } from '#test-support/reaper-harness';
import { ruleEvent } from '#test-support/scheduled-events';

/**
 * Issue 21, the wiring: the Lambda handler publishes to LOCK_EVENTS_BUS through a client it builds from the standard
 * SDK settings (here aimed at the local PutEvents stand-in), names its trigger, and LOCK_EVENTS=false turns it off.
 */
let dynamo: DynamoDBClient;
let secrets: SecretsManagerStandIn;
let bus: EventBridgeStandIn;
let api: ScenarioStandIn;
let tableName: string;
let secretId: string;
let restoreEnvironment: () => void;

beforeAll(async () => {
  secrets = await startSecretsManagerStandIn();
  bus = await startEventBridgeStandIn();
  restoreEnvironment = useLocalAwsEnvironment({ secretsManager: secrets.endpoint });
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = bus.endpoint;
  dynamo = localDynamoClient(inject('dynamoEndpoint'));
});
afterAll(async () => {
  // Every event these runs published fits docs/events.md's schema of its detail-type.
  const schemas = lockEventSchemas();
  for (const event of bus.events()) expect(schemaProblems(schemas.get(event['detail-type']), event.detail)).toEqual([]);
  restoreEnvironment();
  await secrets.close();
  await bus.close();
  dynamo.destroy();
});
beforeEach(async () => {
  api = await startScenarioStandIn();
  tableName = `events-${randomUUID()}`;
  secretId = `reaper/${randomUUID()}`;
  await createTrackedCanvasTable(dynamo, tableName);
  secrets.setSecret(secretId, JSON.stringify({ apiKey: api.apiKey, apiSecret: api.apiSecret }));
});
afterEach(async () => {
  await api.close();
});

const env = (overrides: Record<string, string> = {}) => ({
  ...process.env,
  [ENV.tableName]: tableName,
  [ENV.apiBaseUrl]: api.baseUrl,
  [ENV.secretId]: secretId,
  LOCK_EVENTS_BUS: 'reaper-lock-events',
  ...overrides,
});
const context = () => ({ awsRequestId: `req-${randomUUID()}`, getRemainingTimeInMillis: () => 60_000 });
const seedStale = async (assetId: string) => {
  const lockExpiresAt = minutesAgo(15);
  await putRow(dynamo, tableName, { assetId, lockExpiresAt });
  api.addCanvas(assetId, { lockExpiresAt });
};
const detailsFor = (assetId: string) =>
  bus
    .events()
    .map((event) => event.detail as Record<string, unknown>)
    .filter((detail) => detail.assetId === assetId);

describe('the handler publishes lock events', () => {
  it('a scheduled tick publishes with trigger scheduled, to the named bus; the metric line counts no miss', async () => {
    await seedStale('asset_w_tick');
    const handler = createHandler({ env: env() });
    const { result: summary, output } = await captureOutput(() => handler(ruleEvent, context()));
    expect(summary).toMatchObject({ unlocked: 1, eventsNotPublished: 0 });
    expect(detailsFor('asset_w_tick')).toEqual([expect.objectContaining({ trigger: 'scheduled', runId: summary.runId })]);
    expect(bus.events().at(-1)?.bus).toBe('reaper-lock-events');
    expect(output).toContain('"LockEventsNotPublished":0');
  });

  it('a manual payload publishes with trigger invoke; a dry run publishes nothing', async () => {
    await seedStale('asset_w_manual');
    const handler = createHandler({ env: env() });
    await captureOutput(() => handler({ dryRun: true }, context()));
    expect(detailsFor('asset_w_manual')).toEqual([]);
    await captureOutput(() => handler({ assetIds: ['asset_w_manual'] }, context()));
    expect(detailsFor('asset_w_manual')).toEqual([expect.objectContaining({ trigger: 'invoke' })]);
  });

  it('LOCK_EVENTS=false, or no bus, publishes nothing', async () => {
    await seedStale('asset_w_off');
    await seedStale('asset_w_nobus');
    await captureOutput(() => createHandler({ env: env({ LOCK_EVENTS: 'false' }) })({ assetIds: ['asset_w_off'] }, context()));
    await captureOutput(() => createHandler({ env: env({ LOCK_EVENTS_BUS: '' }) })({ assetIds: ['asset_w_nobus'] }, context()));
    expect(api.unlockRequests.length).toBeGreaterThanOrEqual(2);
    expect(detailsFor('asset_w_off')).toEqual([]);
    expect(detailsFor('asset_w_nobus')).toEqual([]);
  });

  it('reads the trigger from the invocation', () => {
    expect(triggerOf(ruleEvent)).toBe('scheduled');
    // None or {} runs a normal reap, but the schedule always sends its input: these come from a person (ops invoke).
    expect(triggerOf(undefined)).toBe('invoke');
    expect(triggerOf({})).toBe('invoke');
    expect(triggerOf({ dryRun: false })).toBe('invoke');
  });
});

describe('npm run reap and ops unlock publish too when the bus is set', () => {
  const localEnv = () => ({
    ...process.env,
    [ENV.tableName]: tableName,
    [ENV.apiBaseUrl]: api.baseUrl,
    [ENV.localApiKey]: api.apiKey,
    [ENV.localApiSecret]: api.apiSecret,
    LOCK_EVENTS_BUS: 'reaper-lock-events',
  });
  const clients = () => ({
    dynamo,
    secrets: unusedSecretsClient(),
    eventBridge: new EventBridgeClient({
      endpoint: bus.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  });

  it('npm run reap: trigger cli', async () => {
    await seedStale('asset_w_cli');
    const { result: code } = await captureOutput(() =>
      runCli(['--asset-id', 'asset_w_cli'], { env: localEnv(), stdout: () => {}, stderr: () => {}, awsClients: clients() }),
    );
    expect(code).toBe(0);
    expect(detailsFor('asset_w_cli')).toEqual([
      expect.objectContaining({ trigger: 'cli', verifiedAtSource: true, runId: expect.stringMatching(/^cli-/) }),
    ]);
  });

  it('ops unlock: trigger ops-unlock, not verified at Scenario (a person decided), with the row lock id', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_w_ops', lockExpiresAt: minutesAgo(-30), lockId: 'lk_person' });
    api.addCanvas('asset_w_ops');
    const { code } = await runOpsCapturing(['unlock', 'asset_w_ops', '--yes'], { env: localEnv(), awsClients: clients() });
    expect(code).toBe(0);
    expect(detailsFor('asset_w_ops')).toEqual([
      expect.objectContaining({
        trigger: 'ops-unlock',
        lockId: 'lk_person',
        verifiedAtSource: false,
        sourceLockExpiresAt: null,
        runId: expect.stringMatching(/^ops-/),
      }),
    ]);
  });
});
