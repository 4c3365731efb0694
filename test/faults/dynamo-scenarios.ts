import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoFaultRule, type DynamoRequestBody, REAPER_WRITES } from '#local/dynamodb-fault-proxy';
import type { BrakeSettings } from '#reaper/core/brake';
import { BRAKE_ROW_KEY } from '#reaper/table-contract';
import { minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';
import type { CaseIdOf } from './catalogue';
import type { LogLine, Observed, RequestTally, RowChange } from './expectations';
import {
  harness,
  logLine,
  logOf,
  notUnlocked,
  type Proxied,
  proxiedStore,
  type Resources,
  type Row,
  type RunResult,
  rowChange,
  sleep,
  summaryEntryOf,
  tallyOf,
  verdictOf,
} from './fault-kit';

/**
 * DynamoDB misbehaving, at its socket: the reaper's DynamoDB client (standard retries, 3 attempts) talks to the local
 * server through the fault proxy (local/dynamodb-fault-proxy.ts), which throttles, fails, drops or rewrites chosen
 * operations, or lets a writer write just before a request is forwarded. The API is the local stand-in, unfaulted.
 */

const { claim, markUnlocked, releaseClaim, forAsset } = REAPER_WRITES;
const both = (a: (b: DynamoRequestBody) => boolean, b: (b: DynamoRequestBody) => boolean) => (body: DynamoRequestBody) =>
  a(body) && b(body);

interface Table {
  h: ReaperHarness;
  p: Proxied;
  ids: string[];
  before: Map<string, Row>;
}

/**
 * The Scenario API is a bystander in every DynamoDB scenario, so its answers must not race a clock: with the fault
 * kit's 300 ms request timeout (FAST_API, made for the API scenarios), an unlock answered late on a loaded machine was
 * retried, and a canvas counted two unlock requests ("2nd Scan page throttled" saw once:2, more:1). Here a request
 * times out only after the test itself would (vitest's testTimeout), so the scenarios' counts no longer depend on
 * how fast the machine is.
 */
const BYSTANDER_API = { requestTimeoutMs: 30_000 } as const;

/** `stale` stale canvases named asset_<name>_<i>, through a proxied store. */
async function table(
  r: Resources,
  name: string,
  stale: number,
  options: { pageSize?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<Table> {
  const h = await harness(r, BYSTANDER_API);
  const ids = Array.from({ length: stale }, (_, i) => `asset_${name}_${i}`);
  await h.seed(
    ids.map((assetId, i) => ({ assetId, lockExpiresAt: minutesAgo(10 + i), lockId: `lock-${i}`, extra: { doc: { S: `doc-${i}` } } })),
  );
  const p = await proxiedStore(r, h, options);
  const before = new Map<string, Row>();
  for (const id of ids) before.set(id, await h.row(id));
  return { h, p, ids, before };
}

/** The table's rows now: how many freed, how many unchanged, and what became of the others. */
async function rowsReport(t: Table): Promise<{ freed: number; unchanged: number; other?: RowChange[] }> {
  let freed = 0;
  let unchanged = 0;
  const other: RowChange[] = [];
  for (const id of t.ids) {
    const change = rowChange(t.before.get(id), await t.h.row(id));
    if (change === 'freed') freed += 1;
    else if (change === 'kept') unchanged += 1;
    else other.push(change);
  }
  return { freed, unchanged, ...(other.length ? { other } : {}) };
}

function countsOf(s: RunResult['summary'], stopDetailNames?: 'throttling' | 'timeout') {
  const skipped = Object.fromEntries(Object.entries(s.skipped).filter(([, n]) => n > 0));
  return {
    counts: {
      examined: s.examined,
      stale: s.stale,
      unlocked: s.unlocked,
      failed: s.failed,
      ...(Object.keys(skipped).length ? { skipped } : {}),
      ...(s.cutShort && s.stopReason ? { cutShort: s.stopReason } : {}),
      ...(stopDetailNames ? { stopDetailNames } : {}),
    },
  };
}

/** The run's own lines (scenarios run at the same time share the captured output): its canvases' warnings and errors, then its summary line. */
function runLog(result: RunResult, ids: string[]): Observed['log'] {
  return { lines: runLines(result, ids) };
}

function runLines(result: RunResult, ids: string[]): LogLine[] {
  const finished = result.lines.find((line) => line.message === 'reap run finished' && line.summary?.runId === result.summary.runId);
  const others = new Map(
    result.lines
      .filter((line) => ['WARN', 'ERROR'].includes(line.level) && ids.includes(line.assetId))
      .map((line) => [`${line.level} ${line.message}`, logLine(line)]),
  );
  return [...others.values(), ...(finished ? [logLine(finished)] : [])];
}

const requestsPerCanvas = (t: Table): RequestTally => tallyOf(t.ids, t.h);

const faults = (t: Table, operation: string) => t.p.proxy.log.filter((e) => e.operation === operation && e.fault).length;
/** The Scan page the run stopped at: the pages answered before the faulted one, plus one. */
const faultedPage = (t: Table) => t.p.proxy.log.filter((e) => e.operation === 'Scan' && !e.fault).length + 1;

/** What a run over the whole table shows: the requests per canvas, the counts, the rows, and its log lines. */
async function tableObserved(t: Table, result: RunResult) {
  return {
    outcome: { requestsPerCanvas: requestsPerCanvas(t) },
    summary: countsOf(result.summary),
    row: { rows: await rowsReport(t) },
    log: runLog(result, t.ids),
  };
}

async function wholeTable(r: Resources, name: string, rule: (t: Table) => DynamoFaultRule, pageSize?: number) {
  const t = await table(r, name, 6, pageSize ? { pageSize } : {});
  t.p.proxy.inject(rule(t));
  const result = await t.h.run({ store: t.p.store });
  return { t, result, observed: await tableObserved(t, result) };
}

/** One stale target among two stale bystanders; the fault is aimed at the target's own requests. */
async function targeted(
  r: Resources,
  name: string,
  rules: (target: string, t: Table) => DynamoFaultRule[],
  runOptions: { deadlineMs?: number; safetyMarginMs?: number } = {},
) {
  const t = await table(r, name, 3);
  const target = t.ids[0]!;
  for (const rule of rules(target, t)) t.p.proxy.inject(rule);
  const result = await t.h.run({ store: t.p.store, maxInFlight: 1, ...runOptions });
  const after = await t.h.row(target);
  const requests = t.h.api.unlockRequests.filter((req) => req.assetId === target).length;
  return {
    t,
    target,
    result,
    observed: {
      outcome: { canvas: verdictOf(result.byAsset.get(target)), unlockRequests: requests },
      summary: summaryEntryOf(result.summary, target),
      row: { row: rowChange(t.before.get(target), after) },
      run: { goesOn: true, othersNotUnlocked: notUnlocked(result, t.ids.slice(1)) },
      log: logOf(result, target),
    } satisfies Observed,
  };
}

/** A writer renews the lock (new expiry and lockId) with an UpdateItem straight to the server. */
const renewWith = (h: ReaperHarness, assetId: string, until: string) => () => h.renewLock(assetId, until, 'lock-renewed');

/**
 * A writer renews the target's lock just before the reaper's conditional UpdateItem `write` reaches the table: the
 * target's observations, with the row reported as the writer's lock kept when expiry, lockId and document are the
 * writer's and no unlock was marked.
 */
async function writerRenewsBefore(r: Resources, prefix: string, write: (body: DynamoRequestBody) => boolean): Promise<Observed> {
  const until = minutesFromNow(10);
  const o = await targeted(r, prefix, (target, t) => [
    { operation: 'UpdateItem', match: both(write, forAsset(target)), fault: { kind: 'before', action: renewWith(t.h, target, until) } },
  ]);
  const row = await o.t.h.row(o.target);
  const writerKept =
    row?.lockExpiresAt?.S === until && row?.lockId?.S === 'lock-renewed' && row?.doc?.S === 'doc-0' && !row.lastForceUnlockedAt;
  return {
    ...o.observed,
    row: writerKept ? { row: { writerLockKept: true, claimLingers: row.reaperClaimRunId !== undefined } } : o.observed.row,
  };
}

/** Production's brake settings. */
const BRAKE: BrakeSettings = { windowSeconds: 900, minLocks: 25, share: 0.5 };
const brakeRow = (body: DynamoRequestBody) => body.Key?.assetId?.S === BRAKE_ROW_KEY;
const namesAttribute = (prefix: string) => (body: DynamoRequestBody) =>
  Object.values<string>(body.ExpressionAttributeNames ?? {}).some((name) => name.startsWith(prefix));

export const DYNAMO_SCENARIOS: Record<CaseIdOf<'DynamoDB'>, (r: Resources) => Promise<Observed>> = {
  'db-brake-read-gives-up': async (r) => {
    const t = await table(r, 'db_brake_read', 6);
    t.p.proxy.inject({ operation: 'GetItem', match: brakeRow, times: Number.POSITIVE_INFINITY, fault: { kind: 'throttle' } });
    const result = await t.h.run({ store: t.p.store, brake: BRAKE });
    const observed = await tableObserved(t, result);
    const attempts = faults(t, 'GetItem');
    t.p.proxy.clearFaults();
    const next = await t.h.run({ store: t.p.store, brake: BRAKE });
    return {
      ...observed,
      run: {
        stopsAfterAttempts: attempts,
        operation: 'GetItem',
        nextRun: { unlocks: next.summary.unlocked, thenRequestsPerCanvas: requestsPerCanvas(t) },
      },
    };
  },
  'db-brake-trip-not-saved': async (r) => {
    const h = await harness(r);
    const ids = Array.from({ length: 30 }, (_, i) => `asset_db_brake_trip_${i}`);
    await h.seed(ids.map((assetId, i) => ({ assetId, lockExpiresAt: minutesAgo(3), lockId: `lock-${i}` })));
    const p = await proxiedStore(r, h);
    const before = new Map<string, Row>();
    for (const id of ids) before.set(id, await h.row(id));
    const t: Table = { h, p, ids, before };
    // Only the engagement's write fails: a write of the marks would go through, so "not moved" is the run's choice.
    p.proxy.inject({
      operation: 'UpdateItem',
      match: both(brakeRow, namesAttribute('project:')),
      times: Number.POSITIVE_INFINITY,
      fault: { kind: 'throttle' },
    });
    const result = await h.run({ store: p.store, brake: BRAKE });
    const row = await h.store.readBrake();
    // Only this scenario trips the brake among those that share the captured output.
    const tripped = result.lines.find((line) => line.message?.startsWith('mass-expiry brake tripped') && line.level === 'ERROR');
    const s = result.summary;
    return {
      outcome: { requestsPerCanvas: requestsPerCanvas(t) },
      summary: {
        warnings: s.warnings.filter((w) => w.assetId === undefined).map((w) => w.kind),
        ...(s.cutShort && s.stopReason ? { cutShort: s.stopReason } : {}),
      },
      row: { rows: await rowsReport(t) },
      run: {
        brakeHolds: result.summary.brake.heldProjects,
        engagedInRow: result.summary.brake.heldProjects.every((project) => row.projects[project]?.engaged !== undefined),
        marksMoved: Object.values(row.projects).some((entry) => entry.markMs !== undefined),
      },
      log: { lines: [...(tripped ? [logLine(tripped)] : []), ...runLines(result, ids)] },
    };
  },
  'db-brake-marks-not-saved': async (r) => {
    const t = await table(r, 'db_brake_marks', 6);
    t.p.proxy.inject({
      operation: 'UpdateItem',
      match: both(brakeRow, namesAttribute('mark:')),
      times: Number.POSITIVE_INFINITY,
      fault: { kind: 'throttle' },
    });
    const result = await t.h.run({ store: t.p.store, brake: BRAKE });
    const marksLine = result.lines.find(
      (line) => line.message === "saving the brake's marks failed; the next run looks back to the older ones" && line.level === 'WARN',
    );
    return {
      ...(await tableObserved(t, result)),
      run: { goesOn: true },
      log: { lines: [...(marksLine ? [logLine(marksLine)] : []), ...runLines(result, t.ids)] },
    };
  },
  'db-scan-throttled-recovers': async (r) => {
    const o = await wholeTable(r, 'db_scan_thr', () => ({ operation: 'Scan', times: 2, fault: { kind: 'throttle' } }));
    return { ...o.observed, run: { sdkRetried: faults(o.t, 'Scan'), operation: 'Scan' } };
  },
  'db-scan-internal-error-recovers': async (r) => {
    const o = await wholeTable(r, 'db_scan_500', () => ({ operation: 'Scan', times: 1, fault: { kind: 'internal-error' } }));
    return { ...o.observed, run: { sdkRetried: faults(o.t, 'Scan'), operation: 'Scan' } };
  },
  'db-scan-throttled-gives-up': async (r) => {
    const o = await wholeTable(r, 'db_scan_stop', () => ({
      operation: 'Scan',
      times: Number.POSITIVE_INFINITY,
      fault: { kind: 'throttle' },
    }));
    const namesThrottling = o.result.summary.stopDetail?.includes('ProvisionedThroughputExceededException');
    const stopped = { stopsAfterAttempts: faults(o.t, 'Scan'), operation: 'Scan' as const, atPage: faultedPage(o.t) };
    o.t.p.proxy.clearFaults();
    const next = await o.t.h.run({ store: o.t.p.store });
    return {
      ...o.observed,
      summary: countsOf(o.result.summary, namesThrottling ? 'throttling' : undefined),
      run: { ...stopped, nextRun: { unlocks: next.summary.unlocked, thenRequestsPerCanvas: requestsPerCanvas(o.t) } },
    };
  },
  'db-scan-second-page-gives-up': async (r) => {
    const o = await wholeTable(
      r,
      'db_page2',
      () => ({
        operation: 'Scan',
        times: Number.POSITIVE_INFINITY,
        match: (body) => body.ExclusiveStartKey !== undefined,
        fault: { kind: 'throttle' },
      }),
      3,
    );
    const stopped = { stopsAfterAttempts: faults(o.t, 'Scan'), operation: 'Scan' as const, atPage: faultedPage(o.t) };
    o.t.p.proxy.clearFaults();
    const next = await o.t.h.run({ store: o.t.p.store });
    const { freed, unchanged } = await rowsReport(o.t);
    return {
      ...o.observed,
      run: {
        ...stopped,
        nextRun: { unlocks: next.summary.unlocked, thenRequestsPerCanvas: requestsPerCanvas(o.t), thenRows: { freed, unchanged } },
      },
    };
  },
  'db-page-boundary-writes': async (r) => {
    const t = await table(r, 'db_boundary', 6, { pageSize: 2 });
    let renewed = '';
    let released = '';
    const renewedUntil = minutesFromNow(10);
    t.p.proxy.inject({
      operation: 'Scan',
      match: (body) => body.ExclusiveStartKey !== undefined,
      fault: {
        kind: 'before',
        action: async () => {
          // Between two pages, a writer renews one canvas and releases another, both on pages not read yet.
          const firstPage = (t.p.proxy.log.find((e) => e.operation === 'Scan')?.serverAnswer?.Items ?? []).map(
            (item: any) => item.assetId.S,
          );
          const unread = t.ids.filter((id) => !firstPage.includes(id));
          renewed = unread[0]!;
          released = unread[1]!;
          await renewWith(t.h, renewed, renewedUntil)();
          await t.h.client.send(
            new UpdateItemCommand({
              TableName: t.h.tableName,
              Key: { assetId: { S: released } },
              UpdateExpression: 'REMOVE lockExpiresAt, lockId',
            }),
          );
        },
      },
    });
    const result = await t.h.run({ store: t.p.store });
    const renewedRow = await t.h.row(renewed);
    const releasedRow = await t.h.row(released);
    const writerKept =
      renewedRow?.lockExpiresAt?.S === renewedUntil &&
      renewedRow?.lockId?.S === 'lock-renewed' &&
      releasedRow?.lockExpiresAt === undefined &&
      !releasedRow?.lastForceUnlockedAt;
    const freed = t.ids.filter((id) => id !== renewed && id !== released);
    return {
      outcome: {
        stillStaleUnlockedOnce: freed.filter((id) => t.h.api.unlockCount(id) === 1).length,
        writerCanvasesUnlocked: t.h.api.unlockCount(renewed) + t.h.api.unlockCount(released),
      },
      summary: countsOf(result.summary),
      row: writerKept ? { row: 'as-writer-left-it' } : { row: { changedTo: [renewedRow, releasedRow] } },
      run: {
        scanPages: t.p.proxy.log.filter((e) => e.operation === 'Scan').length,
        notExaminedOnce: [...new Set([...t.ids, ...result.outcomes.map((o) => o.assetId)])]
          .map((id) => ({ id, times: result.outcomes.filter((o) => o.assetId === id).length }))
          .filter(({ times }) => times !== 1)
          .map(({ id, times }) => `${id} ×${times}`),
      },
      log: runLog(result, t.ids),
    };
  },
  'db-claim-throttled-recovers': async (r) =>
    (
      await targeted(r, 'db_claim_thr', (target) => [
        { operation: 'UpdateItem', match: both(claim, forAsset(target)), times: 2, fault: { kind: 'throttle' } },
      ])
    ).observed,
  'db-claim-throttled-gives-up': async (r) =>
    (
      await targeted(r, 'db_claim_stop', (target) => [
        { operation: 'UpdateItem', match: both(claim, forAsset(target)), times: Number.POSITIVE_INFINITY, fault: { kind: 'throttle' } },
      ])
    ).observed,
  'db-claim-applied-answer-lost': async (r) =>
    (
      await targeted(r, 'db_claim_lost', (target) => [
        { operation: 'UpdateItem', match: both(claim, forAsset(target)), fault: { kind: 'apply-then-internal-error' } },
      ])
    ).observed,
  'db-claim-connection-dropped': async (r) =>
    (
      await targeted(r, 'db_claim_drop', (target) => [
        { operation: 'UpdateItem', match: both(claim, forAsset(target)), fault: { kind: 'drop-connection' } },
      ])
    ).observed,
  'db-mark-throttled-recovers': async (r) =>
    (
      await targeted(r, 'db_mark_thr', (target) => [
        { operation: 'UpdateItem', match: both(markUnlocked, forAsset(target)), times: 2, fault: { kind: 'throttle' } },
      ])
    ).observed,
  'db-mark-throttled-gives-up': async (r) => {
    const deadlineMs = Date.now() + 2_000;
    const o = await targeted(
      r,
      'db_mark_stop',
      (target) => [
        {
          operation: 'UpdateItem',
          match: both(markUnlocked, forAsset(target)),
          times: Number.POSITIVE_INFINITY,
          fault: { kind: 'throttle' },
        },
      ],
      { deadlineMs, safetyMarginMs: 200 },
    );
    o.t.p.proxy.clearFaults();
    const early = await o.t.h.run({ store: o.t.p.store });
    await sleep(Math.max(0, deadlineMs - Date.now() + 20));
    const late = await o.t.h.run({ store: o.t.p.store });
    return {
      ...o.observed,
      run: {
        othersNotUnlocked: notUnlocked(o.result, o.t.ids.slice(1)),
        beforeLapse: verdictOf(early.byAsset.get(o.target)),
        afterLapse: verdictOf(late.byAsset.get(o.target)),
        unlockRequestsInAll: o.t.h.api.unlockRequests.filter((req) => req.assetId === o.target).length,
        rowAfterwards: rowChange(o.t.before.get(o.target), await o.t.h.row(o.target)),
      },
    };
  },
  'db-mark-applied-answer-lost': async (r) =>
    (
      await targeted(r, 'db_mark_lost', (target) => [
        { operation: 'UpdateItem', match: both(markUnlocked, forAsset(target)), fault: { kind: 'apply-then-internal-error' } },
      ])
    ).observed,
  'db-release-claim-fails': async (r) => {
    const o = await targeted(r, 'db_release', (target, t) => {
      t.h.api.script(target, [{ status: 500 }, { status: 500 }, { status: 500 }]);
      return [
        {
          operation: 'UpdateItem',
          match: both(releaseClaim, forAsset(target)),
          times: Number.POSITIVE_INFINITY,
          fault: { kind: 'throttle' },
        },
      ];
    });
    return o.observed;
  },
  'db-claim-condition-renewed': (r) => writerRenewsBefore(r, 'db_claim_cond', claim),
  'db-mark-condition-renewed': (r) => writerRenewsBefore(r, 'db_mark_cond', markUnlocked),
  'db-batchget-unprocessed-recovers': async (r) => batchGet(r, 'db_bg_ok', 2),
  'db-batchget-unprocessed-gives-up': async (r) => batchGet(r, 'db_bg_stop', Number.POSITIVE_INFINITY),
  'db-batchget-throttled-gives-up': async (r) => {
    const t = await table(r, 'db_bg_thr', 3);
    t.p.proxy.inject({ operation: 'BatchGetItem', times: Number.POSITIVE_INFINITY, fault: { kind: 'throttle' } });
    const result = await t.h.run({ store: t.p.store, assetIds: t.ids });
    return {
      ...(await tableObserved(t, result)),
      run: {
        stopsAfterAttempts: faults(t, 'BatchGetItem'),
        operation: 'BatchGetItem',
        notTrackedReported: result.summary.skipped.notTracked,
      },
    };
  },
};

/** A manual run (BatchGetItem) whose answers leave every key unprocessed, `rounds` times. */
async function batchGet(r: Resources, name: string, rounds: number): Promise<Observed> {
  const waits: number[] = [];
  const t = await table(r, name, 3, {
    sleep: async (ms) => {
      waits.push(ms);
      await sleep(1);
    },
  });
  t.p.proxy.inject({
    operation: 'BatchGetItem',
    times: rounds,
    fault: {
      kind: 'rewrite',
      // What DynamoDB does when throttled inside a batch: the keys come back unprocessed, not as an error.
      rewrite: (answer, body) => ({
        Responses: Object.fromEntries(Object.keys(answer.Responses ?? {}).map((table) => [table, []])),
        UnprocessedKeys: body.RequestItems,
      }),
    },
  });
  const result = await t.h.run({ store: t.p.store, assetIds: t.ids });
  return {
    ...(await tableObserved(t, result)),
    run: {
      batchGetRounds: t.p.proxy.log.filter((e) => e.operation === 'BatchGetItem').length,
      waitsMs: waits,
      stops: result.summary.cutShort,
    },
  };
}
