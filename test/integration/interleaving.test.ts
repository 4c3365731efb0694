import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoCanvasStore } from '../../functions/reaper/adapters/dynamo-canvas-store';
import { asReapLogger, createLogger } from '../../functions/reaper/adapters/logger';
import { createScenarioLockApi } from '../../functions/reaper/adapters/scenario-lock-api';
import { doubtOf, type CanvasOutcome } from '../../functions/reaper/core/outcome';
import { reap } from '../../functions/reaper/core/reap';
import type { RunSummary } from '../../functions/reaper/core/summary';
import { itemKeyOf, REAPER_WRITES, startDynamoFaultProxy, type DynamoFaultProxy, type DynamoFaultRule, type ProxyLogEntry } from '../../local/dynamodb-fault-proxy';
import { startScenarioStandIn, type ScenarioStandIn, type ScriptedAnswer } from '../../local/scenario-stand-in';
import { createTrackedCanvasTable, deleteTable, getRow } from '../../local/tracked-canvas-table';
import { captureOutput } from '../support/output-capture';
import { DEFAULT_INTERLEAVING_SCHEDULES } from '../faults/catalogue';
import { proxiedClient } from '../faults/fault-kit';

/**
 * Randomized interleavings of writers (lock, renew, release), overlapping reap runs and injected faults, against the
 * real local DynamoDB server (through the fault proxy, which also orders writes to one item and logs them) and the
 * local API. After each schedule the invariants below are checked; a failing schedule prints its seed:
 *
 *   REAPER_INTERLEAVING_SEED=<seed> REAPER_INTERLEAVING_SCHEDULES=1 npx vitest run test/integration/interleaving.test.ts
 *
 * Time is modelled so wall-clock jitter cannot flip a verdict: live locks expire 5-30 minutes from now, stale ones
 * expired 5-30 minutes ago, and the grace is 60 s.
 *
 * Invariants:
 *  1. No live lock freed, except the documented race: at the moment the API frees a lock, the row's lock (replayed
 *     from the proxy's ordered write log) is stale or absent, or it is live only because the writer wrote it after a
 *     reaper's claim on that row succeeded (renewed after the claim, before the unlock). Every such race is reported
 *     by a run: `unlocked-row-changed` (a summary warning), or, when the row update itself failed, a store-error
 *     failure saying the canvas was unlocked at Scenario.
 *  2. The reaper never overwrites a writer: every row update it applied removed a stale lock, the one it had claimed;
 *     at the end each row holds the writer's last lock, or no lock because that (stale) lock was reaped after it was
 *     written; writer-owned attributes (doc) are the writer's; no row lost.
 *  3. Every stale canvas is freed or reported: each run examines every row once and gives it exactly one outcome
 *     (or says it stopped early), its counters match its outcomes, and a final run without faults frees exactly the
 *     rows still holding a stale lock.
 *  4. Nothing unlocked twice: one lock is freed at the API at most once, unless a run reported that it freed it but
 *     could not update the row (then the next run frees it again, by design).
 */

const SCHEDULES = Number(process.env.REAPER_INTERLEAVING_SCHEDULES ?? DEFAULT_INTERLEAVING_SCHEDULES);
const BASE_SEED = Number(process.env.REAPER_INTERLEAVING_SEED ?? 20_261_127);
const CONCURRENT_SCHEDULES = 3;
const GRACE_SECONDS = 60;
const MINUTE = 60_000;
const RUN_BUDGET_MS = 6_000;

/** mulberry32: a small, seedable PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

interface Lock {
  lockExpiresAt?: string;
  lockId?: string;
}
const isLive = (lock: Lock, atMs: number) => lock.lockExpiresAt !== undefined && Date.parse(lock.lockExpiresAt) + GRACE_SECONDS * 1000 >= atMs;
const isStale = (lock: Lock, atMs: number) => lock.lockExpiresAt !== undefined && !isLive(lock, atMs);
const liveLock = (rng: Rng, n: number): Lock => ({ lockExpiresAt: new Date(Date.now() + rng.int(5, 30) * MINUTE).toISOString(), lockId: `live-${n}` });
const staleLock = (rng: Rng, n: number): Lock => ({ lockExpiresAt: new Date(Date.now() - rng.int(5, 30) * MINUTE).toISOString(), lockId: `stale-${n}` });

let dynamoEndpoint: string;
let proxy: DynamoFaultProxy;
let api: ScenarioStandIn;
let reaperClient: DynamoDBClient;
let writerClient: DynamoDBClient;

beforeAll(async () => {
  dynamoEndpoint = inject('dynamoEndpoint');
  proxy = await startDynamoFaultProxy({ upstream: dynamoEndpoint, serializeWritesPerItem: true });
  api = await startScenarioStandIn();
  reaperClient = proxiedClient(proxy.endpoint, 3);
  // Writers go through the proxy too (never faulted), so their writes are ordered with the reaper's in its log.
  writerClient = proxiedClient(proxy.endpoint, 5);
});
afterAll(async () => {
  reaperClient.destroy();
  writerClient.destroy();
  await api.close();
  await proxy.close();
});

interface WriterWrite {
  lock: Lock;
  doc: string;
}

interface ScheduleStats {
  runs: number;
  unlocks: number;
  racesReported: number;
  refreedAfterStoreError: number;
  cutShort: number;
}

async function runSchedule(seed: number): Promise<{ violations: string[]; stats: ScheduleStats }> {
  const rng = prng(seed);
  const tag = `s${seed}_${randomUUID().slice(0, 6)}`;
  const tableName = `interleave-${tag}`;
  const setupClient = proxiedClient(dynamoEndpoint, 3);
  await createTrackedCanvasTable(setupClient, tableName);
  const ids = Array.from({ length: rng.int(3, 6) }, (_, i) => `asset_${tag}_${i}`);
  const violations: string[] = [];
  const lastWrite = new Map<string, WriterWrite>();
  let writeCounter = 0;

  const write = async (assetId: string, lock: Lock, how: 'put' | 'update') => {
    const doc = `doc-${++writeCounter}`;
    if (how === 'update' && lock.lockExpiresAt === undefined) {
      await writerClient.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { assetId: { S: assetId } },
          UpdateExpression: 'REMOVE lockExpiresAt, lockId SET doc = :doc',
          ExpressionAttributeValues: { ':doc': { S: doc } },
        }),
      );
    } else if (how === 'put' || lock.lockExpiresAt === undefined) {
      const item: Record<string, any> = { assetId: { S: assetId }, doc: { S: doc } };
      if (lock.lockExpiresAt) item.lockExpiresAt = { S: lock.lockExpiresAt };
      if (lock.lockId) item.lockId = { S: lock.lockId };
      await writerClient.send(new PutItemCommand({ TableName: tableName, Item: item }));
    } else {
      await writerClient.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { assetId: { S: assetId } },
          UpdateExpression: 'SET lockExpiresAt = :exp, lockId = :id, doc = :doc',
          ExpressionAttributeValues: { ':exp': { S: lock.lockExpiresAt }, ':id': { S: lock.lockId ?? '' }, ':doc': { S: doc } },
        }),
      );
    }
    lastWrite.set(assetId, { lock, doc });
  };

  // Initial rows: unlocked, live or stale.
  for (const assetId of ids) {
    api.addCanvas(assetId);
    const kind = rng.pick(['free', 'live', 'stale', 'stale'] as const);
    await write(assetId, kind === 'free' ? {} : kind === 'live' ? liveLock(rng, writeCounter) : staleLock(rng, writeCounter), 'put');
  }

  // API faults, each for one canvas's next request(s); some renew the lock at the moment the unlock arrives.
  const apiFaults: ScriptedAnswer[][] = [
    [{ status: 500 }],
    [{ status: 503 }, { status: 503 }],
    [{ status: 429 }],
    [{ hang: true }],
    [{ reset: true }],
    [{ destroy: true }],
    [{ status: 404 }],
  ];
  for (const assetId of ids) {
    if (rng.chance(0.3)) api.script(assetId, rng.pick(apiFaults));
    if (rng.chance(0.2)) {
      // The writer comes back while the unlock is at the API (after the reaper's claim): the documented race.
      const renewal = liveLock(rng, writeCounter + 100);
      const how = rng.chance(0.5) ? 'put' : 'update';
      api.script(assetId, [{ action: () => write(assetId, renewal, how) }]);
    }
  }

  // DynamoDB faults on the reaper's own requests in this table.
  const inTable = (body: Record<string, any>) => body.TableName === tableName;
  const dynamoFaults: (() => DynamoFaultRule)[] = [
    () => ({ operation: 'Scan', match: inTable, times: rng.int(1, 2), fault: { kind: 'throttle' } }),
    () => ({ operation: 'Scan', match: inTable, times: 3, fault: { kind: 'throttle' } }),
    () => ({ operation: 'UpdateItem', match: (b) => inTable(b) && REAPER_WRITES.claim(b), times: rng.int(1, 3), fault: { kind: 'throttle' } }),
    () => ({ operation: 'UpdateItem', match: (b) => inTable(b) && REAPER_WRITES.claim(b), fault: { kind: 'apply-then-internal-error' } }),
    () => ({ operation: 'UpdateItem', match: (b) => inTable(b) && REAPER_WRITES.markUnlocked(b), times: rng.int(1, 3), fault: { kind: 'throttle' } }),
    () => ({ operation: 'UpdateItem', match: (b) => inTable(b) && REAPER_WRITES.markUnlocked(b), fault: { kind: 'apply-then-internal-error' } }),
    () => ({ operation: 'UpdateItem', match: (b) => inTable(b) && REAPER_WRITES.releaseClaim(b), times: 3, fault: { kind: 'internal-error' } }),
    () => ({ operation: 'GetItem', match: inTable, fault: { kind: 'drop-connection' } }),
  ];
  const ruleCount = rng.int(0, 3);
  for (let i = 0; i < ruleCount; i += 1) proxy.inject({ ...rng.pick(dynamoFaults)(), tag: tableName });

  const lockApiOptions = {
    baseUrl: api.baseUrl,
    credentials: { apiKey: api.apiKey, apiSecret: api.apiSecret },
    requestTimeoutMs: 400,
    maxRetries: 1,
    clock: { now: () => Date.now() },
  };
  const lockApi = createScenarioLockApi(lockApiOptions);
  const runs: { summary: RunSummary; outcomes: CanvasOutcome[] }[] = [];
  const reapOnce = async (maxInFlight: number, pageSize: number | undefined, clockOffsetMs = 0) => {
    const clock = { now: () => Date.now() + clockOffsetMs };
    const outcomes: CanvasOutcome[] = [];
    const store = new DynamoCanvasStore({ client: reaperClient, tableName, ...(pageSize ? { pageSize } : {}) });
    const logger = asReapLogger(createLogger({ serviceName: 'interleaving', logLevel: 'WARN' }));
    const summary = await reap(
      { clock, store, lockApi: clockOffsetMs ? createScenarioLockApi({ ...lockApiOptions, clock }) : lockApi, logger, onOutcome: (o) => outcomes.push(o) },
      { runId: `run-${randomUUID()}`, dryRun: false, graceSeconds: GRACE_SECONDS, maxInFlight, deadlineMs: clock.now() + RUN_BUDGET_MS, safetyMarginMs: 500 },
    );
    runs.push({ summary, outcomes });
  };

  // Writers and runs, at random moments within ~250 ms.
  const activities: Promise<void>[] = [];
  for (const assetId of ids) {
    for (let op = rng.int(0, 3); op > 0; op -= 1) {
      const at = rng.int(0, 250);
      const action = rng.pick(['renew', 'renew', 'release', 'abandon'] as const);
      const lock = action === 'renew' ? liveLock(rng, writeCounter + op) : action === 'abandon' ? staleLock(rng, writeCounter + op) : {};
      const how = rng.chance(0.5) ? 'put' : 'update';
      activities.push(sleep(at).then(() => write(assetId, lock, how)));
    }
  }
  const runCount = rng.int(1, 3);
  for (let i = 0; i < runCount; i += 1) {
    const at = rng.int(0, 200);
    const maxInFlight = rng.int(1, 4);
    const pageSize = rng.chance(0.5) ? 2 : undefined;
    activities.push(sleep(at).then(() => reapOnce(maxInFlight, pageSize)));
  }
  await captureOutput(() => Promise.all(activities));
  // Faults not used up must not leak into the final run.
  proxy.clearFaults(tableName);
  for (const assetId of ids) api.clearScript(assetId);

  // --- Invariant 2, end state: each row holds the writer's last lock (or none, that stale lock having been reaped).
  const stats: ScheduleStats = { runs: runs.length, unlocks: 0, racesReported: 0, refreedAfterStoreError: 0, cutShort: runs.filter((r) => r.summary.cutShort).length };
  for (const assetId of ids) {
    const row = await getRow(setupClient, tableName, assetId);
    const writer = lastWrite.get(assetId)!;
    if (!row) {
      violations.push(`2: ${assetId}: row LOST`);
      continue;
    }
    if (row.doc?.S !== writer.doc) violations.push(`2: ${assetId}: doc is ${row.doc?.S}, the writer wrote ${writer.doc}`);
    const rowLock: Lock = { lockExpiresAt: row.lockExpiresAt?.S, lockId: row.lockId?.S };
    const asWritten = rowLock.lockExpiresAt === writer.lock.lockExpiresAt && (rowLock.lockId ?? '') === (writer.lock.lockId ?? '');
    const reapedAfterWrite = rowLock.lockExpiresAt === undefined && isStale(writer.lock, Date.now()) && row.lastForceUnlockedLockExpiresAt?.S === writer.lock.lockExpiresAt;
    if (!asWritten && !reapedAfterWrite) violations.push(`2: ${assetId}: row holds ${JSON.stringify(rowLock)}, the writer last wrote ${JSON.stringify(writer.lock)}`);
  }

  // --- Invariant 3: honest runs.
  for (const [i, { summary, outcomes }] of runs.entries()) {
    const assets = outcomes.map((o) => o.assetId);
    if (new Set(assets).size !== assets.length) violations.push(`3: run ${i} reported a canvas twice: ${assets.join(', ')}`);
    if (summary.stopReason !== 'store-error' && (summary.examined !== ids.length || outcomes.length !== ids.length)) {
      violations.push(`3: run ${i} examined ${summary.examined} rows with ${outcomes.length} outcomes, the table has ${ids.length}`);
    }
    if (summary.stopReason === 'store-error' && !summary.cutShort) violations.push(`3: run ${i} stopped on a store error without saying it was cut short`);
    const count = (status: CanvasOutcome['status']) => outcomes.filter((o) => o.status === status).length;
    const skippedTotal = Object.values(summary.skipped).reduce((a, b) => a + b, 0);
    if (summary.unlocked !== count('unlocked') + count('unlocked-row-changed') || summary.failed !== count('failed') || skippedTotal !== count('skipped') + count('invalid')) {
      violations.push(`3: run ${i} counters do not match its outcomes: ${JSON.stringify(summary)}`);
    }
    const doubts = outcomes.filter((o) => doubtOf(o)).length;
    if (summary.possibleLiveLockUnlocks !== doubts || summary.warnings.length !== doubts) {
      violations.push(`3: run ${i} counts ${summary.possibleLiveLockUnlocks} possible live-lock unlocks (${summary.warnings.length} warnings) for ${doubts} doubtful outcomes`);
    }
  }

  // Final run without faults, as a later scheduled run would be: once the claims of the runs above have lapsed (a
  // claim is kept past a failed row update or a failed release, until its run's deadline), it frees exactly the
  // rows still holding a stale lock. Its clock is set past those deadlines; lock times are minutes away.
  const staleBefore: string[] = [];
  for (const assetId of ids) {
    const row = await getRow(setupClient, tableName, assetId);
    if (row && isStale({ lockExpiresAt: row.lockExpiresAt?.S }, Date.now())) staleBefore.push(assetId);
  }
  const unlocksBefore = api.unlockLog.length;
  const final = await captureOutput(async () => {
    await reapOnce(4, undefined, RUN_BUDGET_MS + 5_000);
    return runs.at(-1)!;
  });
  const freedNow = api.unlockLog.slice(unlocksBefore).map((u) => u.assetId).filter((id) => ids.includes(id));
  if (JSON.stringify([...freedNow].sort()) !== JSON.stringify([...staleBefore].sort()) || final.result.summary.failed !== 0) {
    violations.push(`3: the final run freed [${freedNow.join(', ')}] (failed ${final.result.summary.failed}); stale rows were [${staleBefore.join(', ')}]`);
  }
  for (const assetId of ids) {
    const row = await getRow(setupClient, tableName, assetId);
    if (row && isStale({ lockExpiresAt: row.lockExpiresAt?.S }, Date.now())) {
      violations.push(`3: ${assetId} still holds a stale lock after the final run: ${JSON.stringify(row)}; final outcome ${JSON.stringify(final.result.outcomes.find((o) => o.assetId === assetId))}`);
    }
  }

  // --- Invariants 1, 2, 4 from the proxy's ordered write log and the API's unlock log, the final run included.
  const log = proxy.log.filter((e) => e.body.TableName === tableName);
  const reportsOf = (assetId: string) => runs.flatMap((r) => r.outcomes.filter((o) => o.assetId === assetId));
  for (const assetId of ids) {
    const key = itemKeyOf('PutItem', { TableName: tableName, Item: { assetId: { S: assetId } } })!;
    const writes = log.filter((e) => ['PutItem', 'UpdateItem', 'DeleteItem'].includes(e.operation) && e.forwarded && e.serverStatus === 200 && itemKeyOf(e.operation, e.body) === key);
    const unlocks = api.unlockLog.filter((u) => u.assetId === assetId);
    stats.unlocks += unlocks.length;
    const freedVersions = new Map<string, number>();
    let races = 0;
    for (const unlock of unlocks) {
      const applied = writes.filter((e) => e.finishedAtMs <= unlock.atMs);
      const { lock, setBy } = replay(applied);
      // Written after a claim succeeded: the reaper could not see it (the renewal race; harmless if that lock is stale).
      const writtenAfterClaim = applied.some((e) => REAPER_WRITES.claim(e.body) && setBy !== undefined && e.seq < setBy.seq);
      if (isLive(lock, unlock.atMs)) {
        if (!writtenAfterClaim) violations.push(`1: ${assetId}: live lock ${JSON.stringify(lock)} freed at the API, and no claim preceded its write`);
        races += 1;
      } else if (isStale(lock, unlock.atMs) && !writtenAfterClaim) {
        const version = `${lock.lockExpiresAt}|${lock.lockId}`;
        freedVersions.set(version, (freedVersions.get(version) ?? 0) + 1);
      }
    }
    const reports = reportsOf(assetId);
    const raceReports = reports.filter((o) => o.status === 'unlocked-row-changed' || (o.status === 'failed' && o.kind === 'store-error' && o.error.startsWith('unlocked at Scenario'))).length;
    if (raceReports < races) violations.push(`1: ${assetId}: ${races} live lock(s) freed in the renewal race, only ${raceReports} reported`);
    stats.racesReported += races;
    const storeErrorsAfterUnlock = reports.filter((o) => o.status === 'failed' && o.kind === 'store-error' && o.error.startsWith('unlocked at Scenario')).length;
    for (const [version, count] of freedVersions) {
      if (count > 1) {
        stats.refreedAfterStoreError += count - 1;
        if (count - 1 > storeErrorsAfterUnlock) violations.push(`4: ${assetId}: stale lock ${version} freed ${count} times, ${storeErrorsAfterUnlock} store-error report(s); reports: ${JSON.stringify(reports.map(brief))}`);
      }
    }
    // Invariant 2: every row update the reaper applied removed the stale lock it had claimed.
    for (const [index, entry] of writes.entries()) {
      if (!REAPER_WRITES.markUnlocked(entry.body)) continue;
      const { lock } = replay(writes.slice(0, index));
      const claimed = entry.body.ExpressionAttributeValues?.[':exp']?.S;
      if (lock.lockExpiresAt !== claimed || !isStale(lock, entry.startedAtMs)) {
        violations.push(`2: ${assetId}: the reaper's row update removed ${JSON.stringify(lock)} (claimed ${claimed})`);
      }
    }
  }

  await deleteTable(setupClient, tableName);
  setupClient.destroy();
  return { violations, stats };
}

/** The row's lock after the given writes (in the proxy's order), and the writer write that set it. */
function replay(writes: ProxyLogEntry[]): { lock: Lock; setBy?: ProxyLogEntry } {
  let lock: Lock = {};
  let setBy: ProxyLogEntry | undefined;
  for (const entry of writes) {
    const body = entry.body;
    if (entry.operation === 'PutItem') {
      lock = { lockExpiresAt: body.Item?.lockExpiresAt?.S, lockId: body.Item?.lockId?.S };
      setBy = entry;
    } else if (entry.operation === 'UpdateItem' && typeof body.UpdateExpression === 'string' && body.UpdateExpression.startsWith('SET lockExpiresAt')) {
      lock = { lockExpiresAt: body.ExpressionAttributeValues[':exp'].S, lockId: body.ExpressionAttributeValues[':id'].S || undefined };
      setBy = entry;
    } else if (entry.operation === 'UpdateItem' && typeof body.UpdateExpression === 'string' && body.UpdateExpression.startsWith('REMOVE lockExpiresAt')) {
      lock = {};
      setBy = entry;
    } else if (REAPER_WRITES.markUnlocked(body)) {
      lock = {};
      setBy = undefined;
    }
  }
  return { lock, setBy };
}

/** An outcome without the logged asset record, for a violation message. */
const brief = (o: CanvasOutcome) => ('asset' in o ? { ...o, asset: undefined } : o);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('randomized interleavings of writers, overlapping reap runs and faults', () => {
  it(`keeps the invariants over ${SCHEDULES} seeded schedules (seeds ${BASE_SEED}…${BASE_SEED + SCHEDULES - 1})`, async () => {
    const failures: string[] = [];
    const total: ScheduleStats = { runs: 0, unlocks: 0, racesReported: 0, refreedAfterStoreError: 0, cutShort: 0 };
    const seeds = Array.from({ length: SCHEDULES }, (_, i) => BASE_SEED + i);
    for (let start = 0; start < seeds.length; start += CONCURRENT_SCHEDULES) {
      const batch = seeds.slice(start, start + CONCURRENT_SCHEDULES);
      const results = await Promise.all(
        batch.map((seed) =>
          runSchedule(seed).catch((error: unknown) => ({ violations: [`threw: ${error instanceof Error ? error.stack : String(error)}`], stats: undefined })),
        ),
      );
      results.forEach(({ violations, stats }, i) => {
        const seed = batch[i]!;
        if (violations.length > 0) {
          const message = `schedule seed ${seed} broke an invariant (replay: REAPER_INTERLEAVING_SEED=${seed} REAPER_INTERLEAVING_SCHEDULES=1 npx vitest run test/integration/interleaving.test.ts):\n  ${violations.join('\n  ')}`;
          console.error(message);
          failures.push(message);
        }
        if (stats) for (const k of Object.keys(total) as (keyof ScheduleStats)[]) total[k] += stats[k];
      });
    }
    console.log(`interleaving: ${SCHEDULES} schedules, ${total.runs} runs (${total.cutShort} cut short), ${total.unlocks} unlocks, ${total.racesReported} renewal races (all reported), ${total.refreedAfterStoreError} locks freed again after a store error`);
    expect(failures).toEqual([]);
    // The schedules really exercise the reaper: locks were freed, and some runs hit the renewal race.
    expect(total.unlocks).toBeGreaterThan(SCHEDULES);
    if (SCHEDULES >= 20) expect(total.racesReported).toBeGreaterThan(0);
  }, 30_000 + SCHEDULES * 1_000);
});
