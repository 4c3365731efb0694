import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DeliveredEvent, type EventBridgeStandIn, startEventBridgeStandIn } from '#local/eventbridge-stand-in';
import { EventBridgeLockEvents } from '#reaper/adapters/eventbridge-lock-events';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import { LOCK_EVENT_SOURCE, LOCK_EVENT_TYPE_NAMES, type RunTrigger } from '#reaper/core/lock-events';
import { lockEventSchemas, schemaProblems } from '#test-support/lock-event-schemas';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';

/**
 * Issue 21: the run tells the editors' backend what it freed. The real reaper (local DynamoDB, the Scenario stand-in)
 * publishes through the real EventBridge client to a local PutEvents stand-in that keeps what it accepts, and can
 * throttle or fail. Every event any test here sees is checked against docs/events.md's schemas at the end.
 */
describe('lock events on the bus', () => {
  let h: ReaperHarness;
  let bus: EventBridgeStandIn;
  let client: EventBridgeClient;
  const everyEvent: DeliveredEvent[] = [];
  beforeEach(async () => {
    h = await createReaperHarness({ requestTimeoutMs: 300, maxRetries: 2 });
    bus = await startEventBridgeStandIn();
    client = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    everyEvent.push(...bus.events());
    client.destroy();
    await bus.close();
    await h.close();
  });

  const publisher = (options: { maxAttempts?: number; busName?: string } = {}) =>
    new EventBridgeLockEvents({
      client,
      busName: options.busName ?? 'lock-events',
      clock: h.clock,
      logger: asReapLogger(createLogger({ serviceName: 'reaper-test', logLevel: 'DEBUG' })),
      deadlineMs: Date.now() + 30_000,
      backoffBaseMs: 5,
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    });
  const run = (trigger: RunTrigger = 'scheduled', overrides: Parameters<ReaperHarness['run']>[0] = {}) =>
    h.run({ lockEvents: { publisher: publisher(), trigger }, ...overrides });
  const ofType = (type: string) => bus.events().filter((event) => event['detail-type'] === type);

  it('each canvas unlocked gives one Canvas Lock Released, with the row lock, the source reading and the asset', async () => {
    const expired = minutesAgo(10);
    await h.seed([
      { assetId: 'asset_a', lockExpiresAt: expired, lockId: 'lk_a', extra: { projectId: { S: 'proj_1' } } },
      { assetId: 'asset_b', lockExpiresAt: expired },
      { assetId: 'asset_live', lockExpiresAt: minutesFromNow(10) },
    ]);

    const { summary } = await run('scheduled');

    expect(summary).toMatchObject({ unlocked: 2, eventsNotPublished: 0 });
    const released = ofType('Canvas Lock Released');
    expect(released.map((event) => event.source)).toEqual([LOCK_EVENT_SOURCE, LOCK_EVENT_SOURCE]);
    expect(released.map((event) => event.bus)).toEqual(['lock-events', 'lock-events']);
    const a = released.find((event) => (event.detail as { assetId: string }).assetId === 'asset_a');
    expect(a?.detail).toEqual({
      eventId: `${summary.runId}:asset_a:Canvas Lock Released`,
      runId: summary.runId,
      trigger: 'scheduled',
      assetId: 'asset_a',
      projectId: 'proj_1',
      releasedAt: expect.any(String),
      lockExpiresAt: expired,
      lockId: 'lk_a',
      verifiedAtSource: true,
      sourceLockExpiresAt: expired,
      attempts: 1,
      possibleLiveLockUnlock: false,
      asset: expect.objectContaining({ assetId: 'asset_a', kind: 'image' }),
    });
    const b = released.find((event) => (event.detail as { assetId: string }).assetId === 'asset_b');
    expect(b?.detail).toMatchObject({ projectId: 'default', lockId: null });
    expect(bus.events()).toHaveLength(2);
  });

  it('with verification off, verifiedAtSource is false and sourceLockExpiresAt null; the trigger is the caller’s', async () => {
    await h.seed([{ assetId: 'asset_unverified', lockExpiresAt: minutesAgo(10) }]);

    await run('cli', { verifyAtSource: false });

    expect(ofType('Canvas Lock Released').map((event) => event.detail)).toEqual([
      expect.objectContaining({ trigger: 'cli', verifiedAtSource: false, sourceLockExpiresAt: null }),
    ]);
  });

  it('a row changed meanwhile gives a Released event with possibleLiveLockUnlock and a Doubted event with what was seen', async () => {
    await h.seed([{ assetId: 'asset_rowChanged', lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    const renewedUntil = minutesFromNow(10);
    h.api.script('asset_rowChanged', [
      {
        action: () => h.writeRow({ assetId: 'asset_rowChanged', lockExpiresAt: renewedUntil, lockId: 'lk_new' }),
      },
    ]);

    const { summary } = await run('invoke');

    expect(summary.possibleLiveLockUnlocks).toBe(1);
    expect(ofType('Canvas Lock Released').map((event) => event.detail)).toEqual([
      expect.objectContaining({ assetId: 'asset_rowChanged', possibleLiveLockUnlock: true, attempts: 1, lockId: 'lk_old' }),
    ]);
    expect(ofType('Canvas Lock Release Doubted').map((event) => event.detail)).toEqual([
      {
        eventId: `${summary.runId}:asset_rowChanged:Canvas Lock Release Doubted`,
        runId: summary.runId,
        trigger: 'invoke',
        assetId: 'asset_rowChanged',
        projectId: 'default',
        kind: 'possible-live-lock-unlock',
        outcome: 'unlocked-row-changed',
        seenIn: 'table',
        claimedLock: { lockExpiresAt: expect.any(String), lockId: 'lk_old' },
        currentLock: { lockExpiresAt: renewedUntil, lockId: 'lk_new' },
      },
    ]);
  });

  it('an unlock applied then answered 504 while the row was renewed: a Doubted event (outcome failed), no Released', async () => {
    await h.seed([{ assetId: 'asset_ambiguous', lockExpiresAt: minutesAgo(10), lockId: 'lk_old' }]);
    const renewedUntil = minutesFromNow(10);
    h.api.script('asset_ambiguous', [
      {
        action: () => h.writeRow({ assetId: 'asset_ambiguous', lockExpiresAt: renewedUntil, lockId: 'lk_new' }),
        andThen: { applyThen: { status: 504 } },
      },
    ]);

    const { summary } = await run();

    expect(summary).toMatchObject({ unlocked: 0, failed: 1, possibleLiveLockUnlocks: 1 });
    expect(ofType('Canvas Lock Released')).toEqual([]);
    expect(ofType('Canvas Lock Release Doubted').map((event) => event.detail)).toEqual([
      expect.objectContaining({
        assetId: 'asset_ambiguous',
        outcome: 'failed',
        failureKind: 'server-error',
        currentLock: { lockExpiresAt: renewedUntil, lockId: 'lk_new' },
      }),
    ]);
  });

  it('batches stay under 256 KB, and an event too large for PutEvents is counted and logged, not sent', async () => {
    // A bus of its own: these made-up details are not a run's events (the schema check below is for those).
    const own = await startEventBridgeStandIn();
    const ownClient = new EventBridgeClient({
      endpoint: own.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const events = new EventBridgeLockEvents({
        client: ownClient,
        busName: 'lock-events',
        clock: h.clock,
        logger: asReapLogger(createLogger({ serviceName: 'reaper-test', logLevel: 'SILENT' })),
        deadlineMs: Date.now() + 30_000,
      });
      const big = 'x'.repeat(100_000);
      for (const i of [1, 2, 3])
        events.publish({
          detailType: 'Canvas Lock Released',
          detail: { eventId: `r:asset_big${i}:x`, runId: 'r', trigger: 'cli', pad: big },
        });
      events.publish({
        detailType: 'Canvas Lock Released',
        detail: { eventId: 'r:asset_huge:x', runId: 'r', trigger: 'cli', pad: 'y'.repeat(300_000) },
      });
      const { notPublished } = await events.settle();
      expect(notPublished).toEqual(['r:asset_huge:x']);
      expect(own.calls()).toEqual([2, 1]);
      expect(own.events()).toHaveLength(3);
    } finally {
      ownClient.destroy();
      await own.close();
    }
  });

  it('a row healed from Scenario gives a Canvas Mirror Healed with both expiries, and no Released', async () => {
    const expired = minutesAgo(10);
    await h.seed([{ assetId: 'asset_lagging', lockExpiresAt: expired, lockId: 'lk_old' }]);
    const liveAtScenario = minutesFromNow(15);
    h.api.lock('asset_lagging', liveAtScenario);

    const { summary } = await run();

    expect(bus.events().map((event) => event['detail-type'])).toEqual(['Canvas Mirror Healed']);
    expect(ofType('Canvas Mirror Healed')[0]?.detail).toEqual({
      eventId: `${summary.runId}:asset_lagging:Canvas Mirror Healed`,
      runId: summary.runId,
      trigger: 'scheduled',
      assetId: 'asset_lagging',
      projectId: 'default',
      healedAt: expect.any(String),
      lockId: 'lk_old',
      mirrorLockExpiresAt: expired,
      sourceLockExpiresAt: liveAtScenario,
    });
  });

  it('the brake gives Reaper Brake Engaged with its counts, and its release names the run and trigger', async () => {
    const brake = { windowSeconds: 900, minLocks: 3, share: 0.5 };
    await h.seed(Array.from({ length: 4 }, (_, i) => ({ assetId: `asset_outage${i}`, lockExpiresAt: minutesAgo(3) })));

    const tripped = await run('scheduled', { brake });
    expect(tripped.summary.stopReason).toBe('brake');
    expect(ofType('Reaper Brake Engaged').map((event) => event.detail)).toEqual([
      expect.objectContaining({
        eventId: `${tripped.summary.runId}:default:Reaper Brake Engaged`,
        projectId: 'default',
        newlyStale: 4,
        live: 0,
        held: 4,
        share: 1,
      }),
    ]);
    expect(ofType('Canvas Lock Released')).toEqual([]);

    const released = await run('invoke', { brake, overrideBrake: true });
    expect(released.summary.unlocked).toBe(4);
    expect(ofType('Reaper Brake Released').map((event) => event.detail)).toEqual([
      expect.objectContaining({ projectId: 'default', releasedByRunId: released.summary.runId, releasedByTrigger: 'invoke' }),
    ]);
    expect(ofType('Canvas Lock Released')).toHaveLength(4);
  });

  it('a dry run publishes nothing', async () => {
    await h.seed([{ assetId: 'asset_dry', lockExpiresAt: minutesAgo(10) }]);
    const { summary } = await run('cli', { dryRun: true });
    expect(summary.wouldUnlock).toEqual(['asset_dry']);
    expect(bus.calls()).toEqual([]);
  });

  it('batches hold at most 10 entries, and the run returns only once all are accepted', async () => {
    await h.seed(Array.from({ length: 23 }, (_, i) => ({ assetId: `asset_many${i}`, lockExpiresAt: minutesAgo(30) })));
    const { summary } = await run();
    expect(summary.unlocked).toBe(23);
    expect(Math.max(...bus.calls())).toBeLessThanOrEqual(10);
    expect(bus.calls().reduce((sum, n) => sum + n, 0)).toBe(23);
    expect(ofType('Canvas Lock Released')).toHaveLength(23);
  });

  it('a throttled PutEvents (whole call, then every entry) is retried: nothing lost, the unlock stands', async () => {
    await h.seed([{ assetId: 'asset_throttled', lockExpiresAt: minutesAgo(10) }]);
    bus.injectFaults('throttle-call', 'throttle-entries', 'fail-first-entry');

    const { summary } = await run();

    expect(bus.calls()).toEqual([1, 1, 1, 1]);
    expect(summary).toMatchObject({ unlocked: 1, eventsNotPublished: 0 });
    expect(ofType('Canvas Lock Released')).toHaveLength(1);
  });

  it('a PutEvents that throttles and then keeps failing: the unlocks stand, the misses are counted and logged with their ids', async () => {
    await h.seed([
      { assetId: 'asset_lost1', lockExpiresAt: minutesAgo(10) },
      { assetId: 'asset_lost2', lockExpiresAt: minutesAgo(10) },
    ]);
    bus.injectFaults('throttle-call', 'throttle-entries');
    bus.failAlways('internal-error');

    const { summary, lines } = await h.run({ lockEvents: { publisher: publisher({ maxAttempts: 3 }), trigger: 'scheduled' } });

    expect(summary).toMatchObject({ unlocked: 2, failed: 0, eventsNotPublished: 2 });
    expect((await h.row('asset_lost1'))?.lockExpiresAt).toBeUndefined();
    expect(bus.events()).toEqual([]);
    const logged = lines.filter((line) => line.message === 'lock events not published; the unlocks stand, subscribers miss these events');
    expect(logged.flatMap((line) => line.eventIds as string[]).sort()).toEqual([
      `${summary.runId}:asset_lost1:Canvas Lock Released`,
      `${summary.runId}:asset_lost2:Canvas Lock Released`,
    ]);
    expect(String(logged[0]?.problem)).toContain('InternalException');
  });

  it('every detail passes the logs’ redaction (a signed URL in a row’s lock id never reaches the bus)', async () => {
    await h.seed([
      { assetId: 'asset_signed', lockExpiresAt: minutesAgo(10), lockId: 'https://cdn.example/x?X-Amz-Signature=abcdef123456' },
    ]);
    await run();
    const text = JSON.stringify(bus.events());
    expect(text).not.toContain('abcdef123456');
    expect(ofType('Canvas Lock Released')[0]?.detail).toMatchObject({ lockId: 'https://cdn.example/x?[redacted]' });
  });

  afterAll(() => {
    // The contract: every event these tests saw has a schema in docs/events.md, and fits it.
    expect(everyEvent.length).toBeGreaterThan(0);
    const seenTypes = new Set(everyEvent.map((event) => event['detail-type']));
    expect([...seenTypes].sort()).toEqual([...LOCK_EVENT_TYPE_NAMES].sort());
    const schemas = lockEventSchemas();
    for (const event of everyEvent) {
      const schema = schemas.get(event['detail-type']);
      expect(schema, event['detail-type']).toBeDefined();
      expect(schemaProblems(schema, event.detail), `${event['detail-type']} ${JSON.stringify(event.detail)}`).toEqual([]);
    }
  });
});

// Keep the loaded schemas honest even when this file runs alone.
beforeAll(() => {
  expect(lockEventSchemas().size).toBe(LOCK_EVENT_TYPE_NAMES.length);
});
