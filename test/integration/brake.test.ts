import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putRow, type SeedRow } from '#local/tracked-canvas-table';
import type { BrakeSettings } from '#reaper/core/brake';
import { BRAKE_ROW_KEY } from '#reaper/table-contract';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';

/**
 * Issue 9: the brake on mass expiry, against the real store (local DynamoDB) and the Scenario stand-in. The four
 * cases the issue names, and the brake holding across runs until a person releases it.
 */
const BRAKE: BrakeSettings = { windowSeconds: 900, minLocks: 25, share: 0.5 };
const MINUTE = 60_000;

describe('the brake on mass expiry', () => {
  let h: ReaperHarness;
  beforeEach(async () => {
    h = await createReaperHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Seeds rows in parallel batches (thousands of rows), each known to the stand-in with the same lock. */
  const seedMany = async (rows: SeedRow[]) => {
    for (let start = 0; start < rows.length; start += 100) {
      await Promise.all(rows.slice(start, start + 100).map((row) => putRow(h.client, h.tableName, row)));
    }
    for (const row of rows) h.api.addCanvas(row.assetId, typeof row.lockExpiresAt === 'string' ? { lockExpiresAt: row.lockExpiresAt } : {});
  };
  /** Expired `minutes` ago (plus the 60 s grace, so "newly stale" means within the last 15 minutes). */
  const stale = (prefix: string, count: number, minutes: number) =>
    Array.from({ length: count }, (_, i) => ({
      assetId: `asset_${prefix}${i}`,
      lockExpiresAt: minutesAgo(minutes),
      lockId: `lk_${prefix}${i}`,
    }));
  const live = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ assetId: `asset_live${i}`, lockExpiresAt: minutesFromNow(10) }));

  it('a writer outage (60 newly stale, 0 live) trips it: nothing unlocked, stopReason brake, the state saved', async () => {
    await seedMany(stale('outage', 60, 5));

    const { summary, lines } = await h.run({ brake: BRAKE });

    // The error line an alarm or a person reads names the counts that tripped it, not zeros.
    const tripped = lines.find((line) => line.message?.startsWith('mass-expiry brake tripped'));
    expect(tripped).toMatchObject({ level: 'ERROR', projects: ['default'], brake: { newlyStale: 60, live: 0 } });

    expect(h.api.unlockRequests).toEqual([]);
    expect(summary).toMatchObject({
      stale: 60,
      unlocked: 0,
      cutShort: true,
      stopReason: 'brake',
      skipped: expect.objectContaining({ heldByBrake: 60 }),
      brake: expect.objectContaining({
        applies: true,
        engaged: true,
        trippedNow: true,
        wouldTrip: true,
        newlyStale: 60,
        live: 0,
        share: 1,
        held: 60,
      }),
    });
    expect(summary.stopDetail).toContain('60 newly stale vs 0 live');
    // One entry for the one project the outage hit (rows without projectId: "default").
    expect((await h.store.readBrake()).projects.default?.engaged).toMatchObject({ runId: summary.runId, newlyStale: 60, live: 0 });
    expect(summary.brake).toMatchObject({
      heldProjects: ['default'],
      projects: { default: expect.objectContaining({ newlyStale: 60, live: 0, held: 60, judged: 'alone' }) },
    });
  });

  it('a steady trickle (3 newly stale, 100 live) does not trip it', async () => {
    await seedMany([...stale('trickle', 3, 5), ...live(100)]);

    const { summary } = await h.run({ brake: BRAKE });

    expect(summary).toMatchObject({
      unlocked: 3,
      stopReason: null,
      brake: expect.objectContaining({ wouldTrip: false, engaged: false, newlyStale: 3, live: 100 }),
    });
    // The complete run left only its mark (when it looked) in the brake row: nothing engaged.
    const row = await h.store.readBrake();
    expect(row.projects.default?.engaged).toBeUndefined();
    expect(row.projects.default?.markMs).toBe(Date.parse(summary.startedAt));
  });

  it('a backlog (3,000 locks expired days ago) does not trip it, and is unlocked as the rows stream by', async () => {
    await seedMany(stale('backlog', 3000, 3 * 24 * 60));

    // The decision on the whole backlog, without 6,000 requests: a dry run over the 3,000 rows.
    const dry = await h.run({ brake: BRAKE, dryRun: true });
    expect(dry.summary).toMatchObject({
      stale: 3000,
      stopReason: null,
      brake: expect.objectContaining({ newlyStale: 0, wouldTrip: false, held: 0 }),
    });
    expect(dry.summary.wouldUnlock.length + dry.summary.omitted.wouldUnlock).toBe(3000);

    // And a real run frees them (the first 300 rows of the scan, by asset id, to keep the test short).
    const some = Array.from({ length: 300 }, (_, i) => `asset_backlog${i}`);
    const real = await h.run({ brake: BRAKE, maxInFlight: 16, assetIds: some });
    expect(real.summary).toMatchObject({ stale: 300, unlocked: 300, failed: 0, stopReason: null });
  }, 60_000);

  it('a dry run says it would trip, holds nothing in the table, sends nothing', async () => {
    await seedMany(stale('dry', 30, 5));

    const { summary } = await h.run({ brake: BRAKE, dryRun: true });

    expect(summary).toMatchObject({
      dryRun: true,
      stopReason: 'brake',
      wouldUnlock: [],
      brake: expect.objectContaining({ wouldTrip: true, engaged: false, trippedNow: false }),
    });
    expect(summary.wouldUnlockNote).toContain('unverified');
    expect(h.api.requests).toEqual([]);
    expect(await h.row(BRAKE_ROW_KEY)).toBeUndefined();
  });

  it('stays engaged across runs (even once the held locks age past the window) until overrideBrake unlocks them and clears it', async () => {
    await seedMany([...stale('held', 30, 5), ...stale('old', 2, 600)]);
    const first = await h.run({ brake: BRAKE });
    expect(first.summary).toMatchObject({
      unlocked: 2,
      stopReason: 'brake',
      brake: expect.objectContaining({ trippedNow: true, held: 30 }),
    });

    // An hour later (the reaper's clock), the held locks are no longer "newly stale": the engaged brake still holds them.
    const later = await createReaperHarness({ clock: { now: () => Date.now() + 60 * MINUTE } });
    try {
      const second = await later.run({ brake: BRAKE, store: h.store, lockApi: h.lockApi });
      expect(second.summary).toMatchObject({
        unlocked: 0,
        stopReason: 'brake',
        brake: expect.objectContaining({ engaged: true, trippedNow: false, newlyStale: 0, held: 30 }),
      });
    } finally {
      await later.close();
    }
    expect(h.api.unlockLog).toHaveLength(2);

    const released = await h.run({ brake: BRAKE, overrideBrake: true });
    expect(released.summary).toMatchObject({
      unlocked: 30,
      stopReason: null,
      brake: expect.objectContaining({ overridden: true, released: true }),
    });
    expect((await h.store.readBrake()).projects.default).toMatchObject({
      released: { runId: released.summary.runId },
    });
    expect((await h.store.readBrake()).projects.default?.engaged).toBeUndefined();

    const after = await h.run({ brake: BRAKE });
    expect(after.summary).toMatchObject({ stale: 0, stopReason: null, brake: expect.objectContaining({ engaged: false }) });
  });

  it('does not apply to a run over named assets, nor when BRAKE_MIN_LOCKS is 0; scans never see its state row', async () => {
    await seedMany(stale('named', 30, 5));
    const named = await h.run({ brake: BRAKE, assetIds: ['asset_named0', 'asset_named1'] });
    expect(named.summary).toMatchObject({ unlocked: 2, brake: expect.objectContaining({ applies: false }) });

    await h.run({ brake: BRAKE });
    expect(await h.row(BRAKE_ROW_KEY)).toBeDefined();
    const off = await h.run({ brake: { ...BRAKE, minLocks: 0 } });
    expect(off.summary).toMatchObject({ examined: 30, unlocked: 28, stopReason: null, brake: expect.objectContaining({ applies: false }) });
    expect(off.byAsset.has(BRAKE_ROW_KEY)).toBe(false);
  });

  it('a run whose scan is cut short unlocks none of the held canvases', async () => {
    await seedMany([...stale('cut', 5, 5), ...stale('cutOld', 1, 600)]);
    const { summary } = await h.run({ brake: BRAKE, deadlineMs: Date.now() + 500, safetyMarginMs: 1_000 });
    expect(summary).toMatchObject({ unlocked: 0, stopReason: 'time-budget', skipped: expect.objectContaining({ runStopped: 6 }) });
    expect(h.api.unlockRequests).toEqual([]);
  });
});

/**
 * Issue 18: the brake judges each project (the small ones pooled), survives gaps between runs (the mark), and a
 * scoped override releases only the projects it covers. Rows carry projectId; one key unlocks them all.
 */
describe('the brake, per project', () => {
  let h: ReaperHarness;
  const others: ReaperHarness[] = [];
  beforeEach(async () => {
    h = await createReaperHarness();
  });
  afterEach(async () => {
    await h.close();
    for (const other of others.splice(0)) await other.close();
  });

  /** `count` rows of `project` whose locks expire at `expiresAt` (the stand-in knows them with the same lock). */
  const rowsOf = (project: string, prefix: string, count: number, expiresAt: string): SeedRow[] =>
    Array.from({ length: count }, (_, i) => ({
      assetId: `asset_${prefix}${i}`,
      lockExpiresAt: expiresAt,
      lockId: `lk_${prefix}${i}`,
      ...(project === 'default' ? {} : { extra: { projectId: { S: project } } }),
    }));
  const seed = async (rows: SeedRow[]) => {
    for (let start = 0; start < rows.length; start += 100) {
      await Promise.all(rows.slice(start, start + 100).map((row) => putRow(h.client, h.tableName, row)));
    }
    for (const row of rows) h.api.addCanvas(row.assetId, { lockExpiresAt: row.lockExpiresAt as string });
  };
  /** A run on the same table and stand-in, by a reaper whose clock is `offsetMinutes` from now. */
  const runAt = async (offsetMinutes: number, options: Parameters<ReaperHarness['run']>[0] = {}) => {
    const at = await createReaperHarness({ clock: { now: () => Date.now() + offsetMinutes * MINUTE } });
    others.push(at);
    return at.run({ brake: BRAKE, store: h.store, lockApi: h.lockApi, ...options });
  };
  const unlockedOf = (prefix: string) => h.api.unlockRequests.filter((request) => request.assetId?.startsWith(`asset_${prefix}`)).length;

  it("trips for the project whose locks all went stale, while another project's stale locks are unlocked in the same run", async () => {
    // Globally 43 newly stale vs 100 live (share 0.3) would not trip: proj_A's outage would be diluted by proj_B.
    await seed([
      ...rowsOf('proj_A', 'A', 40, minutesAgo(5)),
      ...rowsOf('proj_B', 'Bstale', 3, minutesAgo(5)),
      ...rowsOf('proj_B', 'Blive', 100, minutesFromNow(10)),
    ]);

    const { summary } = await h.run({ brake: BRAKE });

    expect(unlockedOf('A')).toBe(0);
    expect(unlockedOf('Bstale')).toBe(3);
    expect(summary).toMatchObject({
      unlocked: 3,
      stopReason: 'brake',
      skipped: expect.objectContaining({ heldByBrake: 40 }),
      brake: expect.objectContaining({
        engaged: true,
        trippedNow: true,
        newlyStale: 43,
        live: 100,
        held: 40,
        heldProjects: ['proj_A'],
        projects: {
          proj_A: { newlyStale: 40, live: 0, held: 40, judged: 'alone', engagedSince: expect.any(String) },
          proj_B: { newlyStale: 3, live: 100, held: 0, judged: 'pool' },
        },
      }),
    });
    expect(summary.stopDetail).toContain('proj_A');
    const row = await h.store.readBrake();
    expect(row.projects.proj_A?.engaged).toMatchObject({ runId: summary.runId, newlyStale: 40, live: 0 });
    expect(row.projects.proj_B?.engaged).toBeUndefined();
  });

  it('pools the small projects: an outage spread over ten of them trips the pool; a big healthy project goes on', async () => {
    const small = Array.from({ length: 10 }, (_, p) => rowsOf(`small_${p}`, `s${p}_`, 4, minutesAgo(5))).flat();
    await seed([...small, ...rowsOf('proj_big', 'bigStale', 30, minutesAgo(5)), ...rowsOf('proj_big', 'bigLive', 200, minutesFromNow(10))]);

    const { summary } = await h.run({ brake: BRAKE });

    // Judged alone on its own share (30 of 230), the big project's stale locks are unlocked; the pool's are held.
    expect(unlockedOf('bigStale')).toBe(30);
    expect(unlockedOf('s')).toBe(0);
    expect(summary.brake.heldProjects).toEqual(Array.from({ length: 10 }, (_, p) => `small_${p}`));
    expect(summary.brake.projects.small_3).toMatchObject({ newlyStale: 4, live: 0, held: 4, judged: 'pool' });
    expect(summary.brake.projects.proj_big).toMatchObject({ newlyStale: 30, live: 200, held: 0, judged: 'alone' });
    expect(summary).toMatchObject({ unlocked: 30, stopReason: 'brake', skipped: expect.objectContaining({ heldByBrake: 40 }) });
  });

  it("a small project is not dragged in by a big project's outage", async () => {
    await seed([
      ...rowsOf('proj_big', 'bigOut', 50, minutesAgo(5)),
      ...rowsOf('proj_small', 'smallStale', 2, minutesAgo(5)),
      ...rowsOf('proj_small', 'smallLive', 20, minutesFromNow(10)),
    ]);
    const { summary } = await h.run({ brake: BRAKE });
    expect(unlockedOf('bigOut')).toBe(0);
    expect(unlockedOf('smallStale')).toBe(2);
    expect(summary.brake.heldProjects).toEqual(['proj_big']);
  });

  it('a scoped override releases only the projects it names, recorded per project with its run id', async () => {
    await seed([...rowsOf('proj_A', 'A', 30, minutesAgo(5)), ...rowsOf('proj_B', 'B', 30, minutesAgo(5))]);
    const tripped = await h.run({ brake: BRAKE });
    expect(tripped.summary.brake.heldProjects).toEqual(['proj_A', 'proj_B']);

    const scoped = await h.run({ brake: BRAKE, overrideBrake: true, projectIds: ['proj_A'] });
    expect(scoped.summary).toMatchObject({ unlocked: 30, stopReason: null, brake: expect.objectContaining({ released: true }) });
    expect(unlockedOf('A')).toBe(30);
    const row = await h.store.readBrake();
    expect(row.projects.proj_A).toMatchObject({ released: { runId: scoped.summary.runId } });
    expect(row.projects.proj_A?.engaged).toBeUndefined();
    expect(row.projects.proj_B?.engaged).toMatchObject({ runId: tripped.summary.runId });

    // proj_B's held canvases do not go out on the next run: its brake is still engaged.
    const next = await h.run({ brake: BRAKE });
    expect(next.summary).toMatchObject({ unlocked: 0, stopReason: 'brake', brake: expect.objectContaining({ heldProjects: ['proj_B'] }) });
    expect(unlockedOf('B')).toBe(0);
  });

  it('a row engaged before per-project entries holds every project until released (scoped, then whole)', async () => {
    // The row as the previous version wrote it: one engagement for the whole table.
    await putRow(h.client, h.tableName, {
      assetId: BRAKE_ROW_KEY,
      extra: {
        brakeState: { S: 'engaged' },
        brakeTrippedAtMs: { N: String(Date.now() - 10 * MINUTE) },
        brakeTrippedAt: { S: new Date(Date.now() - 10 * MINUTE).toISOString() },
        brakeRunId: { S: 'run-legacy' },
        brakeNewlyStale: { N: '60' },
        brakeLive: { N: '0' },
      },
    });
    await seed([...rowsOf('proj_A', 'A', 2, minutesAgo(5)), ...rowsOf('default', 'D', 2, minutesAgo(5))]);

    const held = await h.run({ brake: BRAKE });
    expect(held.summary).toMatchObject({
      unlocked: 0,
      stopReason: 'brake',
      brake: expect.objectContaining({ engaged: true, held: 4, heldProjects: ['default', 'proj_A'] }),
    });

    const scoped = await h.run({ brake: BRAKE, overrideBrake: true, projectIds: ['proj_A'] });
    expect(scoped.summary).toMatchObject({ unlocked: 2, stopReason: null });
    const stillHeld = await h.run({ brake: BRAKE });
    expect(stillHeld.summary).toMatchObject({
      unlocked: 0,
      stopReason: 'brake',
      brake: expect.objectContaining({ heldProjects: ['default'] }),
    });

    const whole = await h.run({ brake: BRAKE, overrideBrake: true });
    expect(whole.summary).toMatchObject({ unlocked: 2, stopReason: null });
    expect(await h.row(BRAKE_ROW_KEY)).toMatchObject({ brakeState: { S: 'released' }, brakeReleasedRunId: { S: whole.summary.runId } });
    expect((await h.run({ brake: BRAKE })).summary).toMatchObject({ stopReason: null, brake: expect.objectContaining({ engaged: false }) });
  });

  it('a gap longer than the window after a complete run does not turn a mass expiry into backlog', async () => {
    // The locks expired an hour ago: four times the 15-minute window.
    await seed(rowsOf('proj_A', 'gap', 40, minutesAgo(60)));
    // The last complete run looked two hours ago (a daily schedule, a pause, an outage since), when they were live.
    const before = await runAt(-120);
    expect(before.summary).toMatchObject({ stale: 0, stopReason: null });

    const { summary } = await h.run({ brake: BRAKE });

    expect(unlockedOf('gap')).toBe(0);
    expect(summary).toMatchObject({
      unlocked: 0,
      stopReason: 'brake',
      brake: expect.objectContaining({ newlyStale: 40, heldProjects: ['proj_A'] }),
    });
  });

  it('a first run over an old backlog (no mark yet) unlocks it, as before', async () => {
    await seed(rowsOf('proj_A', 'first', 40, minutesAgo(60)));
    const { summary } = await h.run({ brake: BRAKE });
    expect(summary).toMatchObject({ unlocked: 40, stopReason: null, brake: expect.objectContaining({ newlyStale: 0, heldProjects: [] }) });
  });

  it('dry, --project, named-asset and cut-short runs do not move the mark; a complete run does', async () => {
    await seed([...rowsOf('proj_A', 'mA', 40, minutesAgo(150)), ...rowsOf('proj_B', 'mB', 1, minutesFromNow(60))]);
    const complete = await runAt(-180);
    const markOf = async (project: string) => (await h.store.readBrake()).projects[project]?.markMs;
    const mark = Date.parse(complete.summary.startedAt);
    expect(await markOf('proj_A')).toBe(mark);
    expect(await markOf('proj_B')).toBe(mark);

    // Each of these would have hidden proj_A's mass expiry as backlog had it moved the mark to its own time.
    const dry = await runAt(-60, { dryRun: true });
    expect(dry.summary).toMatchObject({
      stopReason: 'brake',
      brake: expect.objectContaining({ wouldTrip: true, heldProjects: ['proj_A'] }),
    });
    await runAt(-60, { projectIds: ['proj_B'] });
    await runAt(-60, { assetIds: ['asset_mB0'] });
    // A run cut short at its first unlock (an old lock of a project tracked since), its deadline already near.
    await seed(rowsOf('proj_C', 'mC', 1, minutesAgo(3 * 24 * 60)));
    const cut = await runAt(-60, { deadlineMs: Date.now() - 60 * MINUTE + 500, safetyMarginMs: 1_000 });
    expect(cut.summary).toMatchObject({ stopReason: 'time-budget', examined: 42 });
    expect(await markOf('proj_A')).toBe(mark);
    expect(await markOf('proj_B')).toBe(mark);
    expect(await markOf('proj_C')).toBeUndefined();
    expect(h.api.unlockRequests).toEqual([]);

    const { summary } = await h.run({ brake: BRAKE });
    expect(summary).toMatchObject({ unlocked: 1, stopReason: 'brake', brake: expect.objectContaining({ heldProjects: ['proj_A'] }) });
    expect(unlockedOf('mC')).toBe(1);
    expect(await markOf('proj_B')).toBe(Date.parse(summary.startedAt));
  });

  it('keeps the brake row within one read unit (4 KB) for 100 projects with marks and 5 engaged', async () => {
    const projects = Array.from({ length: 100 }, (_, i) => `proj_${String(i).padStart(3, '0')}_abcdef`);
    await h.store.advanceMarks({ atMs: Date.now(), projects });
    await h.store.engageBrake(
      Object.fromEntries(
        projects
          .slice(0, 5)
          .map((p) => [p, { trippedAtMs: Date.now(), runId: `run-${'x'.repeat(36)}`, heldSinceMs: Date.now(), newlyStale: 123, live: 45 }]),
      ),
    );
    const answer = await h.client.send(
      new GetItemCommand({
        TableName: h.tableName,
        Key: { assetId: { S: BRAKE_ROW_KEY } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(answer.ConsumedCapacity?.CapacityUnits).toBe(1);
    expect(Object.keys((await h.store.readBrake()).projects)).toHaveLength(100);
  });
});
