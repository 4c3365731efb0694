import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getRow, putRow } from '#local/tracked-canvas-table';
import { CredentialsError } from '#reaper/adapters/credentials';
import { ConfigError } from '#reaper/config';
import { createHandler, ReapRunError } from '#reaper/handler';
import { PayloadError } from '#reaper/payload';
import { ENV } from '#reaper/settings';
import { useHandlerWorld } from '#test-support/handler-world';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';
import { ruleEvent } from '#test-support/scheduled-events';

const scheduledEvent = ruleEvent;

const lambdaContext = (remainingMs = 60_000) => ({ awsRequestId: `req-${randomUUID()}`, getRemainingTimeInMillis: () => remainingMs });

const world = useHandlerWorld('handler');

function lambdaEnv(overrides: Record<string, string | undefined> = {}) {
  return {
    ...process.env,
    [ENV.tableName]: world.tableName,
    [ENV.apiBaseUrl]: world.api.baseUrl,
    [ENV.secretId]: world.secretId,
    [ENV.logLevel]: 'INFO',
    ...overrides,
  };
}

async function seedStaleAndLive() {
  for (const [assetId, lockExpiresAt] of [
    ['asset_h_stale', minutesAgo(15)],
    ['asset_h_live', minutesFromNow(15)],
  ] as const) {
    await putRow(world.dynamo, world.tableName, { assetId, lockExpiresAt });
    world.api.addCanvas(assetId, { lockExpiresAt });
  }
}

describe('the Lambda handler', () => {
  it('runs a normal reap for a scheduled EventBridge event and returns the summary, with credentials from Secrets Manager', async () => {
    await seedStaleAndLive();
    const handler = createHandler({ env: lambdaEnv() });

    const { result: summary, lines } = await captureOutput(() => handler(scheduledEvent, lambdaContext()));

    expect(summary).toMatchObject({
      dryRun: false,
      examined: 2,
      stale: 1,
      unlocked: 1,
      failed: 0,
      skipped: expect.objectContaining({ live: 1 }),
    });
    expect((await getRow(world.dynamo, world.tableName, 'asset_h_stale'))?.lockExpiresAt).toBeUndefined();
    expect(world.api.requests.every((r) => r.authorized)).toBe(true);
    // Powertools Metrics wrote an EMF line with the run's counts.
    const emf = lines.find((line) => line._aws);
    expect(emf).toMatchObject({
      service: 'canvas-lock-reaper',
      ReapRuns: 1,
      LocksUnlocked: 1,
      StaleLocksFound: 1,
      UnlockFailures: 0,
      PossibleLiveLockUnlocks: 0,
      BrakeTripped: 0,
    });
    expect(emf?._aws.CloudWatchMetrics[0].Namespace).toBe('CanvasLockReaper');
  });

  it('verifies at Scenario by default, and publishes a possible live-lock unlock and an engaged brake as metrics', async () => {
    // A mass expiry: 30 locks went stale minutes ago, none live; and one canvas renewed in the table mid-unlock.
    for (let i = 0; i < 30; i += 1) {
      await putRow(world.dynamo, world.tableName, { assetId: `asset_h_outage${i}`, lockExpiresAt: minutesAgo(5) });
      world.api.addCanvas(`asset_h_outage${i}`, { lockExpiresAt: minutesAgo(5) });
    }
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_h_old', lockExpiresAt: minutesAgo(600) });
    world.api.addCanvas('asset_h_old', {});
    const renewed = minutesFromNow(10);
    world.api.script('asset_h_old', [
      { action: () => putRow(world.dynamo, world.tableName, { assetId: 'asset_h_old', lockExpiresAt: renewed }) },
    ]);
    const handler = createHandler({ env: lambdaEnv() });

    const { result: summary, lines } = await captureOutput(() => handler(scheduledEvent, lambdaContext()));

    expect(summary).toMatchObject({
      verifyAtSource: true,
      unlocked: 1,
      possibleLiveLockUnlocks: 1,
      stopReason: 'brake',
      brake: expect.objectContaining({ engaged: true, held: 30 }),
    });
    expect(world.api.requests.filter((r) => r.route === 'get').map((r) => r.assetId)).toEqual(['asset_h_old']);
    expect(lines.find((line) => line._aws)).toMatchObject({ PossibleLiveLockUnlocks: 1, BrakeTripped: 1, RunsCutShort: 1 });

    // Released by a person's manual payload: the held locks are unlocked.
    const { result: released } = await captureOutput(() => handler({ overrideBrake: true }, lambdaContext()));
    expect(released).toMatchObject({ unlocked: 30, stopReason: null, brake: expect.objectContaining({ released: true }) });
  });

  it('reads the secret once across warm invocations', async () => {
    const handler = createHandler({ env: lambdaEnv() });
    await captureOutput(() => handler(scheduledEvent, lambdaContext()));
    await captureOutput(() => handler({}, lambdaContext()));
    expect(world.secrets.reads(world.secretId)).toBe(1);
  });

  it('takes a manual payload: dry run limited to named assets with another grace', async () => {
    await seedStaleAndLive();
    const handler = createHandler({ env: lambdaEnv() });

    const { result: summary } = await captureOutput(() =>
      handler({ dryRun: true, assetIds: ['asset_h_stale', 'asset_h_live'], graceSeconds: 3600 }, lambdaContext()),
    );

    // With an hour of grace, a lock that expired 15 minutes ago is not stale yet.
    expect(summary).toMatchObject({ dryRun: true, graceSeconds: 3600, examined: 2, stale: 0, wouldUnlock: [] });
    expect(world.api.requests).toEqual([]);
  });

  it.each([
    ['an unknown field', { dryRun: true, force: true }, 'unknown field "force"'],
    ['a string for dryRun', { dryRun: 'yes' }, 'dryRun must be true or false'],
    ['a negative grace', { graceSeconds: -5 }, 'graceSeconds must be a whole number'],
    ['a bad asset id', { assetIds: ['asset_ok', '../admin'] }, 'assetIds[1] "../admin"'],
    ['an array payload', ['asset_x'], 'must be a JSON object'],
    ['10k asset ids', { assetIds: Array.from({ length: 10_000 }, (_, i) => `asset_${i}`) }, 'at most 1000'],
  ])('rejects %s before any side effect', async (_name, payload, message) => {
    await seedStaleAndLive();
    const before = await getRow(world.dynamo, world.tableName, 'asset_h_stale');
    const handler = createHandler({ env: lambdaEnv() });

    const { result } = await captureOutput(() =>
      handler(payload, lambdaContext()).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );

    expect(result).toBeInstanceOf(PayloadError);
    expect((result as Error).message).toContain(message);
    expect(world.api.requests).toEqual([]);
    expect(world.secrets.reads(world.secretId)).toBe(0);
    expect(await getRow(world.dynamo, world.tableName, 'asset_h_stale')).toEqual(before);
  });

  it('fails at start with a message naming a missing or bad variable', () => {
    expect(() => createHandler({ env: lambdaEnv({ [ENV.tableName]: undefined }) })).toThrow(ConfigError);
    expect(() => createHandler({ env: lambdaEnv({ [ENV.tableName]: undefined }) })).toThrow(/^TABLE_NAME: is required/);
    expect(() => createHandler({ env: lambdaEnv({ [ENV.apiBaseUrl]: 'http://api.example.com/v1' }) })).toThrow(
      /SCENARIO_API_BASE_URL: plain http is refused/,
    );
    expect(() => createHandler({ env: lambdaEnv({ [ENV.maxInFlight]: 'lots' }) })).toThrow(/MAX_IN_FLIGHT: "lots" is not a whole number/);
    expect(() => createHandler({ env: lambdaEnv({ [ENV.localApiSecret]: 'x' }) })).toThrow(
      /SCENARIO_SDK_API_SECRET: is for local runs only/,
    );
  });

  it.each([
    ['not JSON', 'apiKey=abc;apiSecret=s3cr3t-not-json', 'is not JSON'],
    ['missing apiSecret', JSON.stringify({ apiKey: 'k-visible', apiSecrt: 's3cr3t-typo' }), 'apiSecret is missing'],
    ['an array', JSON.stringify(['s3cr3t-in-array']), 'not an object'],
  ])('refuses a malformed secret (%s) with a clear error that never echoes the value', async (_name, secretString, message) => {
    world.secrets.setSecret(world.secretId, secretString);
    await seedStaleAndLive();
    const handler = createHandler({ env: lambdaEnv() });

    const { result, output } = await captureOutput(() =>
      handler(scheduledEvent, lambdaContext()).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );

    expect(result).toBeInstanceOf(CredentialsError);
    expect((result as Error).message).toContain(message);
    expect((result as Error).message).toContain(world.secretId);
    expect((result as Error).message).not.toContain('s3cr3t');
    expect(output).not.toContain('s3cr3t');
    expect(world.api.requests).toEqual([]);
  });

  it('fails the invocation when the API refuses the credentials, and reads the secret again next time', async () => {
    world.secrets.setSecret(world.secretId, JSON.stringify({ apiKey: world.api.apiKey, apiSecret: 'rotated-away-secret' }));
    await seedStaleAndLive();
    const handler = createHandler({ env: lambdaEnv() });

    const { result } = await captureOutput(() =>
      handler(scheduledEvent, lambdaContext()).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );

    expect(result).toBeInstanceOf(ReapRunError);
    expect((result as ReapRunError).summary).toMatchObject({ stopReason: 'credentials-rejected', cutShort: true });
    world.secrets.setSecret(world.secretId, JSON.stringify({ apiKey: world.api.apiKey, apiSecret: world.api.apiSecret }));
    const { result: summary } = await captureOutput(() => handler(scheduledEvent, lambdaContext()));
    expect(summary).toMatchObject({ unlocked: 1, cutShort: false });
    expect(world.secrets.reads(world.secretId)).toBe(2);
  });

  it('never lets the API secret, the Authorization header or a signed URL reach the output or the summary', async () => {
    await seedStaleAndLive();
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_h_gone', lockExpiresAt: minutesAgo(30) });
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_h_flaky', lockExpiresAt: minutesAgo(30) });
    world.api.addCanvas('asset_h_flaky');
    world.api.script('asset_h_flaky', [{ status: 503, body: { message: 'down, see https://status.example/x?sig=abc' } }]);
    const handler = createHandler({ env: lambdaEnv({ [ENV.logLevel]: 'DEBUG' }) });

    const { result: summary, output } = await captureOutput(() => handler(scheduledEvent, lambdaContext()));

    const everything = output + JSON.stringify(summary);
    const basic = Buffer.from(`${world.api.apiKey}:${world.api.apiSecret}`).toString('base64');
    expect(summary.unlocked).toBe(2);
    expect(world.api.issuedSignatures.length).toBeGreaterThan(0);
    expect(everything).not.toContain(world.api.apiSecret);
    expect(everything).not.toContain(basic);
    expect(everything).not.toContain('sig=abc');
    for (const signature of world.api.issuedSignatures) expect(everything).not.toContain(signature);
  });
});
