import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { REAPER_WRITES } from '#local/dynamodb-fault-proxy';
import { runCli } from '#ops/commands/reap';
import { ENV } from '#reaper/settings';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';
import type { CaseIdOf } from './catalogue';
import type { Log, Observed, Outcome } from './expectations';
import {
  deployedHandler,
  harness,
  logLine,
  logOf,
  proxiedStore,
  type Resources,
  type Row,
  type RunResult,
  sleep,
  stoppedAt,
  summaryEntryOf,
  tallyOf,
  verdictOf,
} from './fault-kit';

/**
 * Races are about ordering, not timeouts: a request gets time enough on a loaded 2-core machine, so a writer's step
 * inside it cannot turn into a timeout and change the scenario.
 */
const RACE_API = { requestTimeoutMs: 3_000, maxRetries: 2 } as const;

/**
 * Races between reap runs, and between a run and the writers, against the real local DynamoDB server and the local
 * API. Writers write straight to the server; the moment they write is set by the DynamoDB fault proxy ("before this
 * request is forwarded") or by the API stand-in ("when the unlock request arrives"), never by replacing our code.
 */

const lockOf = (row: Row) => ({ lockExpiresAt: row?.lockExpiresAt?.S, lockId: row?.lockId?.S });
const sameWriterRow = (row: Row, expected: { lockExpiresAt?: string; lockId?: string }) =>
  row?.lockExpiresAt?.S === expected.lockExpiresAt && row?.lockId?.S === expected.lockId && row?.lastForceUnlockedAt === undefined;

/** How many canvases the API unlocked exactly once (or not, or more), and its unlock requests in all. */
function unlockCounts(h: ReaperHarness, ids: string[]): Outcome {
  return { unlockedOnce: tallyOf(ids, h), unlockRequestsInAll: h.api.unlockRequests.length };
}

/**
 * The runs' counters added up, and the rows a run did not account for: each run must examine every row and give each
 * one exactly one outcome, none of them live or invalid (the rows are all stale and valid), and its counters must
 * add up to what it examined.
 */
function overlapSummary(runs: RunResult[], ids: readonly string[]): Observed['summary'] {
  const notAccountedFor = runs.flatMap(({ summary: s, outcomes }, index) => {
    const run = `run ${index + 1}`;
    const byRow = ids.flatMap((id) => {
      const mine = outcomes.filter((o) => o.assetId === id);
      if (mine.length !== 1) return [`${run}: ${id} (${mine.length} outcomes)`];
      const o = mine[0]!;
      return o.status === 'invalid' || (o.status === 'skipped' && o.reason === 'live')
        ? [`${run}: ${id} (${o.status === 'invalid' ? 'invalid' : 'live'})`]
        : [];
    });
    const counted = s.unlocked + s.failed + Object.values(s.skipped).reduce((a, b) => a + b, 0);
    const totals =
      s.examined === ids.length && counted === s.examined ? [] : [`${run}: examined ${s.examined}, counted ${counted}, of ${ids.length}`];
    return [...byRow, ...totals];
  });
  return {
    unlockedInAll: runs.reduce((sum, run) => sum + run.summary.unlocked, 0),
    failedInAll: runs.reduce((sum, run) => sum + run.summary.failed, 0),
    warningsInAll: runs.reduce((sum, run) => sum + run.summary.warnings.length, 0),
    notAccountedFor,
  };
}

/** The rows among `ids` still holding a lock. */
const notFreed = async (h: ReaperHarness, ids: readonly string[]) =>
  (await Promise.all(ids.map(async (id) => ({ id, row: await h.row(id) }))))
    .filter(({ row }) => !row || row.lockExpiresAt)
    .map(({ id }) => id);

async function overlappingRuns(r: Resources): Promise<Observed> {
  const h = await harness(r, RACE_API);
  const ids = Array.from({ length: 24 }, (_, i) => `asset_overlap4_${i}`);
  await h.seed(ids.map((assetId) => ({ assetId, lockExpiresAt: minutesAgo(10), lockId: `l${assetId}` })));
  h.api.setLatencyMs(15);
  const paged = await proxiedStore(r, h, { pageSize: 5 });
  const runs = await Promise.all([
    h.run({ maxInFlight: 4 }),
    sleep(5).then(() => h.run({ maxInFlight: 1 })),
    sleep(10).then(() => h.run({ maxInFlight: 8, store: paged.store })),
    sleep(20).then(() => h.run({ maxInFlight: 2, store: paged.store })),
  ]);
  const claimed = await Promise.all(ids.map(async (id) => ((await h.row(id))?.reaperClaimRunId === undefined ? [] : [id])));
  return {
    outcome: unlockCounts(h, ids),
    summary: overlapSummary(runs, ids),
    row: { notFreed: await notFreed(h, ids), claimsLeftOn: claimed.flat() },
    run: {
      runs: runs.length,
      distinctUnlocked: new Set(runs.flatMap((run) => run.outcomes.filter((o) => o.status === 'unlocked').map((o) => o.assetId))).size,
    },
    log: warnOrAbove(
      runs.flatMap((run) => run.lines),
      ids,
    ),
  };
}

async function cliAndLambda(r: Resources): Promise<Observed> {
  const h = await harness(r, RACE_API);
  const ids = Array.from({ length: 16 }, (_, i) => `asset_pair_${i}`);
  await h.seed(ids.map((assetId) => ({ assetId, lockExpiresAt: minutesAgo(10) })));
  h.api.setLatencyMs(10);
  const common = { [ENV.tableName]: h.tableName, [ENV.apiBaseUrl]: h.api.baseUrl, [ENV.logLevel]: 'WARN', [ENV.maxInFlight]: '3' };
  const { handler, awsClients } = await deployedHandler(r, h, common);
  let cliSummaryLine = '';
  const { result, lines } = await captureOutput(() =>
    Promise.all([
      handler({}, { awsRequestId: `req-${randomUUID()}`, getRemainingTimeInMillis: () => 20_000 }),
      runCli([], {
        env: { ...common, [ENV.localApiKey]: h.api.apiKey, [ENV.localApiSecret]: h.api.apiSecret },
        stdout: () => undefined,
        stderr: (text) => {
          cliSummaryLine += text;
        },
        awsClients,
      }),
    ]),
  );
  const [lambdaSummary, cliExit] = result;
  const cliUnlocked = Number(/(\d+) unlocked/.exec(cliSummaryLine)?.[1] ?? Number.NaN);
  return {
    outcome: unlockCounts(h, ids),
    summary: { unlockedInAll: lambdaSummary.unlocked + cliUnlocked },
    row: { notFreed: await notFreed(h, ids) },
    run: { cliExitCode: cliExit, lambdaReturnedSummary: typeof lambdaSummary.runId === 'string' },
    log: warnOrAbove(lines, ids),
  };
}

function warnOrAbove(lines: Record<string, any>[], ids: string[]): Log {
  const found = new Map(
    lines
      .filter((l) => ids.includes(l.assetId) && ['WARN', 'ERROR', 'CRITICAL'].includes(l.level))
      .map((l) => [`${l.level} ${l.message}`, logLine(l)]),
  );
  return { warnOrAbove: [...found.values()] };
}

type Writer = (h: ReaperHarness, assetId: string) => Promise<{ lockExpiresAt?: string; lockId?: string } | 'deleted'>;

const renewByUpdate: Writer = async (h, assetId) => {
  const until = minutesFromNow(10);
  await h.client.send(
    new UpdateItemCommand({
      TableName: h.tableName,
      Key: { assetId: { S: assetId } },
      UpdateExpression: 'SET lockExpiresAt = :exp, lockId = :id',
      ExpressionAttributeValues: { ':exp': { S: until }, ':id': { S: 'lock-2' } },
    }),
  );
  return { lockExpiresAt: until, lockId: 'lock-2' };
};
const renewByPut: Writer = async (h, assetId) => {
  const until = minutesFromNow(10);
  await h.client.send(
    new PutItemCommand({
      TableName: h.tableName,
      Item: { assetId: { S: assetId }, lockExpiresAt: { S: until }, lockId: { S: 'lock-2' }, doc: { S: 'v2' } },
    }),
  );
  return { lockExpiresAt: until, lockId: 'lock-2' };
};
/** The editor takes the canvas over with a new lock id, keeping the expiry it had (the reaper must see the change). */
const newLockIdOnly: Writer = async (h, assetId) => {
  const row = await h.row(assetId);
  await h.client.send(
    new UpdateItemCommand({
      TableName: h.tableName,
      Key: { assetId: { S: assetId } },
      UpdateExpression: 'SET lockId = :id',
      ExpressionAttributeValues: { ':id': { S: 'lock-2' } },
    }),
  );
  return { lockExpiresAt: row?.lockExpiresAt?.S, lockId: 'lock-2' };
};
const release: Writer = async (h, assetId) => {
  await h.client.send(
    new UpdateItemCommand({ TableName: h.tableName, Key: { assetId: { S: assetId } }, UpdateExpression: 'REMOVE lockExpiresAt, lockId' }),
  );
  return {};
};
const remove: Writer = async (h, assetId) => {
  await h.client.send(new DeleteItemCommand({ TableName: h.tableName, Key: { assetId: { S: assetId } } }));
  return 'deleted';
};

/** The writer acts between the reaper's read and its claim (the proxy runs it just before the claim is forwarded). */
async function writerBeforeClaim(r: Resources, name: string, writer: Writer): Promise<Observed> {
  const h = await harness(r, RACE_API);
  const assetId = `asset_${name}`;
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lock-1', extra: { doc: { S: 'v1' } } }]);
  const { proxy, store } = await proxiedStore(r, h);
  let written = {} as Awaited<ReturnType<Writer>>;
  proxy.inject({
    operation: 'UpdateItem',
    match: REAPER_WRITES.claim,
    fault: {
      kind: 'before',
      action: async () => {
        written = await writer(h, assetId);
      },
    },
  });
  const result = await h.run({ store });
  const row = await h.row(assetId);
  const writerKept = written === 'deleted' ? row === undefined : sameWriterRow(row, written) && !row?.reaperClaimRunId;
  return {
    outcome: { canvas: verdictOf(result.byAsset.get(assetId)), unlockRequests: h.api.unlockRequests.length },
    summary: summaryEntryOf(result.summary, assetId),
    row: { row: writerKept ? (written === 'deleted' ? 'still-deleted' : 'as-writer-left-it') : { changedTo: row ?? 'recreated' } },
    run: result.summary.cutShort ? stoppedAt(result, h, assetId, []) : { goesOn: true },
    log: logOf(result, assetId),
  };
}

/** The writer acts after the claim, while the unlock request is at the API (the documented limitation). */
async function writerDuringUnlock(r: Resources, name: string, writer: Writer): Promise<Observed> {
  const h = await harness(r, RACE_API);
  const assetId = `asset_${name}`;
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(10), lockId: 'lock-1', extra: { doc: { S: 'v1' } } }]);
  let written = {} as Awaited<ReturnType<Writer>>;
  h.api.script(assetId, [
    {
      action: async () => {
        written = await writer(h, assetId);
      },
    },
  ]);
  const result = await h.run();
  const row = await h.row(assetId);
  const kept = written !== 'deleted' && sameWriterRow(row, written);
  return {
    outcome: { canvas: verdictOf(result.byAsset.get(assetId)), unlockRequests: h.api.unlockRequests.length },
    summary: summaryEntryOf(result.summary, assetId),
    row: { row: kept ? { writerLockKept: true, claimLingers: row?.reaperClaimRunId !== undefined } : { changedTo: lockOf(row) } },
    run: result.summary.cutShort ? stoppedAt(result, h, assetId, []) : { goesOn: true },
    log: logOf(result, assetId),
  };
}

/** With grace G, locks that expired less than G ago are never freed; those past it are. */
async function graceSweep(r: Resources): Promise<Observed> {
  const h = await harness(r, RACE_API);
  const graces = [0, 60, 300, 3600];
  const gracesSeconds: number[] = [];
  let freedInsideGrace = 0;
  let keptPastGrace = 0;
  for (const grace of graces) {
    const now = Date.now();
    // Within grace: expired 0.5·G and 0.9·G ago (for G = 0: expiring 10 s from now). Past grace: 1.1·G + 5 s ago.
    const inside = grace === 0 ? [now + 10_000] : [now - grace * 500, now - grace * 900];
    const past = [now - grace * 1100 - 5_000];
    const rows = [
      ...inside.map((at, i) => ({ assetId: `asset_g${grace}_in${i}`, lockExpiresAt: new Date(at).toISOString() })),
      ...past.map((at, i) => ({ assetId: `asset_g${grace}_past${i}`, lockExpiresAt: new Date(at).toISOString() })),
    ];
    await h.seed(rows);
    const names = rows.map((row) => row.assetId);
    await h.run({ graceSeconds: grace, assetIds: names });
    for (const name of names) {
      const freed = h.api.unlockCount(name) > 0;
      if (name.includes('_in') && freed) freedInsideGrace += 1;
      if (name.includes('_past') && !freed) keptPastGrace += 1;
    }
    gracesSeconds.push(grace);
  }
  return {
    outcome: { grace: { freedInside: freedInsideGrace, keptPast: keptPastGrace, gracesSeconds } },
    summary: null,
    row: null,
    run: null,
    log: null,
  };
}

/** The exact boundary, with a frozen clock: expired exactly G ago is still live; 1 ms more is stale. */
async function graceBoundary(r: Resources): Promise<Observed> {
  const frozen = Date.now();
  const h = await harness(r, { ...RACE_API, clock: { now: () => frozen } });
  const grace = 60;
  await h.seed([
    { assetId: 'asset_boundary_exact', lockExpiresAt: new Date(frozen - grace * 1000).toISOString() },
    { assetId: 'asset_boundary_past', lockExpiresAt: new Date(frozen - grace * 1000 - 1).toISOString() },
  ]);
  const result = await h.run({ graceSeconds: grace, deadlineMs: frozen + 20_000 });
  return {
    outcome: {
      verdicts: {
        'exactly G ago': verdictOf(result.byAsset.get('asset_boundary_exact')),
        'G + 1 ms ago': verdictOf(result.byAsset.get('asset_boundary_past')),
      },
    },
    summary: null,
    row: null,
    run: null,
    log: null,
  };
}

/** The reaper's clock runs 45 s ahead of the writers'; a grace of 60 s absorbs it. */
async function skewedReaperClock(r: Resources): Promise<Observed> {
  const skewMs = 45_000;
  const h = await harness(r, { ...RACE_API, clock: { now: () => Date.now() + skewMs } });
  await h.seed([
    // Expired 10 s ago in the writer's time: the reaper sees 55 s, inside the 60 s grace.
    { assetId: 'asset_skew_recent', lockExpiresAt: new Date(Date.now() - 10_000).toISOString() },
    // Expiring in 30 s in the writer's time: the reaper sees it expired 15 s ago, inside the grace.
    { assetId: 'asset_skew_live', lockExpiresAt: new Date(Date.now() + 30_000).toISOString() },
    { assetId: 'asset_skew_old', lockExpiresAt: minutesAgo(10) },
  ]);
  const result = await h.run({ graceSeconds: 60, deadlineMs: Date.now() + skewMs + 20_000 });
  const verdicts = Object.fromEntries(
    ['asset_skew_recent', 'asset_skew_live', 'asset_skew_old'].map((id) => [
      id.slice('asset_skew_'.length),
      verdictOf(result.byAsset.get(id)),
    ]),
  );
  return { outcome: { verdicts }, summary: null, row: null, run: null, log: null };
}

export const RACE_SCENARIOS: Record<CaseIdOf<'Races'>, (r: Resources) => Promise<Observed>> = {
  'race-four-overlapping-runs': overlappingRuns,
  'race-cli-and-lambda': cliAndLambda,
  'race-renew-update-before-claim': (r) => writerBeforeClaim(r, 'rb_update', renewByUpdate),
  'race-renew-put-before-claim': (r) => writerBeforeClaim(r, 'rb_put', renewByPut),
  'race-new-lockid-before-claim': (r) => writerBeforeClaim(r, 'rb_lockid', newLockIdOnly),
  'race-release-before-claim': (r) => writerBeforeClaim(r, 'rb_release', release),
  'race-delete-before-claim': (r) => writerBeforeClaim(r, 'rb_delete', remove),
  'race-renew-update-during-unlock': (r) => writerDuringUnlock(r, 'rd_update', renewByUpdate),
  'race-renew-put-during-unlock': (r) => writerDuringUnlock(r, 'rd_put', renewByPut),
  'race-new-lockid-during-unlock': (r) => writerDuringUnlock(r, 'rd_lockid', newLockIdOnly),
  'grace-sweep': graceSweep,
  'grace-boundary': graceBoundary,
  'grace-skewed-reaper-clock': skewedReaperClock,
};
