import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { REAPER_WRITES, type DynamoFaultRule, type DynamoRequestBody } from '../../local/dynamodb-fault-proxy';
import { minutesAgo, minutesFromNow, type ReaperHarness } from '../support/reaper-harness';
import type { CaseIdOf } from './catalogue';
import {
  describeInSummary,
  describeLog,
  describeOutcome,
  describeRow,
  harness,
  proxiedStore,
  sleep,
  type Observed,
  type Proxied,
  type Resources,
  type Row,
  type RunResult,
} from './fault-kit';

/**
 * DynamoDB misbehaving, at its socket: the reaper's DynamoDB client (standard retries, 3 attempts) talks to the local
 * server through the fault proxy (local/dynamodb-fault-proxy.ts), which throttles, fails, drops or rewrites chosen
 * operations, or lets a writer write just before a request is forwarded. The API is the local stand-in, unfaulted.
 */

const { claim, markUnlocked, releaseClaim, forAsset } = REAPER_WRITES;
const both = (a: (b: DynamoRequestBody) => boolean, b: (b: DynamoRequestBody) => boolean) => (body: DynamoRequestBody) => a(body) && b(body);

interface Table {
  h: ReaperHarness;
  p: Proxied;
  ids: string[];
  before: Map<string, Row>;
}

/** `stale` stale canvases named asset_<name>_<i>, through a proxied store. */
async function table(r: Resources, name: string, stale: number, options: { pageSize?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<Table> {
  const h = await harness(r);
  const ids = Array.from({ length: stale }, (_, i) => `asset_${name}_${i}`);
  await h.seed(ids.map((assetId, i) => ({ assetId, lockExpiresAt: minutesAgo(10 + i), lockId: `lock-${i}`, extra: { doc: { S: `doc-${i}` } } })));
  const p = await proxiedStore(r, h, options);
  const before = new Map<string, Row>();
  for (const id of ids) before.set(id, await h.row(id));
  return { h, p, ids, before };
}

async function rowsReport(t: Table): Promise<{ freed: string[]; unchanged: string[]; other: string[] }> {
  const report = { freed: [] as string[], unchanged: [] as string[], other: [] as string[] };
  for (const id of t.ids) {
    const text = describeRow(t.before.get(id), await t.h.row(id));
    if (text.startsWith('lock removed, audit trail written, other')) report.freed.push(id);
    else if (text.startsWith('unchanged')) report.unchanged.push(id);
    else report.other.push(`${id}: ${text}`);
  }
  return report;
}

function rowsText(report: { freed: string[]; unchanged: string[]; other: string[] }): string {
  const parts = [];
  if (report.freed.length) parts.push(`${report.freed.length} freed (audit trail written, other attributes kept)`);
  if (report.unchanged.length) parts.push(`${report.unchanged.length} unchanged`);
  parts.push(...report.other);
  return `no row lost: ${parts.join(', ')}`;
}

function countsText(s: RunResult['summary']): string {
  const skipped = Object.entries(s.skipped)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return [`examined ${s.examined}`, `stale ${s.stale}`, `unlocked ${s.unlocked}`, `failed ${s.failed}`, ...skipped].join(', ') +
    (s.cutShort ? `; cutShort, stopReason ${s.stopReason}` : '');
}

/** The run's own lines (scenarios run at the same time share the captured output). */
function runLog(result: RunResult, ids: string[]): string {
  const finished = result.lines.find((line) => line.message === 'reap run finished' && line.summary?.runId === result.summary.runId);
  const others = new Set(
    result.lines
      .filter((line) => ['WARN', 'ERROR'].includes(line.level) && ids.includes(line.assetId))
      .map((line) => `${String(line.level).toLowerCase()}: ${line.message}`),
  );
  return [...others, `${String(finished?.level).toLowerCase()}: reap run finished`].join(' + ');
}

function requestsPerCanvas(t: Table): string {
  const counts = t.ids.map((id) => t.h.api.unlockRequests.filter((req) => req.assetId === id).length);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 'no API request';
  if (counts.every((n) => n === 1)) return `all ${t.ids.length} unlocked, one request each`;
  const once = counts.filter((n) => n === 1).length;
  const none = counts.filter((n) => n === 0).length;
  if (once + none === counts.length) return `${once} unlocked with one request each, ${none} without any request`;
  return `requests per canvas: ${counts.join(', ')}`;
}

const faults = (t: Table, operation: string) => t.p.proxy.log.filter((e) => e.operation === operation && e.fault).length;

async function wholeTable(r: Resources, name: string, rule: (t: Table) => DynamoFaultRule, pageSize?: number): Promise<Observed & { t: Table; result: RunResult }> {
  const t = await table(r, name, 6, pageSize ? { pageSize } : {});
  t.p.proxy.inject(rule(t));
  const result = await t.h.run({ store: t.p.store });
  const rows = await rowsReport(t);
  return {
    t,
    result,
    outcome: requestsPerCanvas(t),
    summary: countsText(result.summary),
    row: rowsText(rows),
    run: '',
    log: runLog(result, t.ids),
  };
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
  const others = t.ids.slice(1).every((id) => result.byAsset.get(id)?.status === 'unlocked');
  return {
    t,
    target,
    result,
    observed: {
      outcome: `${describeOutcome(result.byAsset.get(target))}; ${requests} API request${requests === 1 ? '' : 's'}`,
      summary: describeInSummary(result.summary, target),
      row: describeRow(t.before.get(target), after),
      run: others ? 'goes on: the other stale canvases are unlocked' : 'bystanders NOT all unlocked',
      log: describeLog(result, target),
    } satisfies Observed,
  };
}

/** A writer renews the lock (new expiry and lockId) with an UpdateItem straight to the server. */
const renewWith = (h: ReaperHarness, assetId: string, until: string) => () =>
  h.client
    .send(
      new UpdateItemCommand({
        TableName: h.tableName,
        Key: { assetId: { S: assetId } },
        UpdateExpression: 'SET lockExpiresAt = :exp, lockId = :id',
        ExpressionAttributeValues: { ':exp': { S: until }, ':id': { S: 'lock-renewed' } },
      }),
    )
    .then(() => undefined);

export const DYNAMO_SCENARIOS: Record<CaseIdOf<'DynamoDB'>, (r: Resources) => Promise<Observed>> = {
  'db-scan-throttled-recovers': async (r) => {
    const o = await wholeTable(r, 'db_scan_thr', () => ({ operation: 'Scan', times: 2, fault: { kind: 'throttle' } }));
    return strip({ ...o, run: `goes on: the SDK retried the ${faults(o.t, 'Scan')} throttled Scans` });
  },
  'db-scan-internal-error-recovers': async (r) => {
    const o = await wholeTable(r, 'db_scan_500', () => ({ operation: 'Scan', times: 1, fault: { kind: 'internal-error' } }));
    return strip({ ...o, run: `goes on: the SDK retried the ${faults(o.t, 'Scan')} failed Scan` });
  },
  'db-scan-throttled-gives-up': async (r) => {
    const o = await wholeTable(r, 'db_scan_stop', () => ({ operation: 'Scan', times: Infinity, fault: { kind: 'throttle' } }));
    const detail = o.result.summary.stopDetail?.includes('ProvisionedThroughputExceededException') ? 'stopDetail names the throttling' : `stopDetail: ${o.result.summary.stopDetail}`;
    o.t.p.proxy.clearFaults();
    const next = await o.t.h.run({ store: o.t.p.store });
    return strip({
      ...o,
      summary: `${o.summary} (${detail})`,
      run: `stops after ${faults(o.t, 'Scan')} Scan attempts; the next run unlocks ${next.summary.unlocked}, ${requestsPerCanvas(o.t)}`,
    });
  },
  'db-scan-second-page-gives-up': async (r) => {
    const o = await wholeTable(
      r,
      'db_page2',
      () => ({ operation: 'Scan', times: Infinity, match: (body) => body.ExclusiveStartKey !== undefined, fault: { kind: 'throttle' } }),
      3,
    );
    o.t.p.proxy.clearFaults();
    const next = await o.t.h.run({ store: o.t.p.store });
    const after = await rowsReport(o.t);
    return strip({
      ...o,
      run: `stops at page 2; the next run unlocks the other ${next.summary.unlocked}; then ${requestsPerCanvas(o.t)}, ${rowsText(after)}`,
    });
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
          const firstPage = (t.p.proxy.log.find((e) => e.operation === 'Scan')?.serverAnswer?.Items ?? []).map((item: any) => item.assetId.S);
          const unread = t.ids.filter((id) => !firstPage.includes(id));
          renewed = unread[0]!;
          released = unread[1]!;
          await renewWith(t.h, renewed, renewedUntil)();
          await t.h.client.send(
            new UpdateItemCommand({ TableName: t.h.tableName, Key: { assetId: { S: released } }, UpdateExpression: 'REMOVE lockExpiresAt, lockId' }),
          );
        },
      },
    });
    const result = await t.h.run({ store: t.p.store });
    const renewedRow = await t.h.row(renewed);
    const releasedRow = await t.h.row(released);
    const writerKept =
      renewedRow?.lockExpiresAt?.S === renewedUntil && renewedRow?.lockId?.S === 'lock-renewed' && releasedRow?.lockExpiresAt === undefined && !releasedRow?.lastForceUnlockedAt;
    const freed = t.ids.filter((id) => id !== renewed && id !== released);
    const oncePerFreed = freed.every((id) => t.h.api.unlockCount(id) === 1) && t.h.api.unlockCount(renewed) === 0 && t.h.api.unlockCount(released) === 0;
    return {
      outcome: oncePerFreed ? `the ${freed.length} still-stale canvases unlocked once each; the renewed and the released one: no request` : `unlock counts: ${t.ids.map((id) => t.h.api.unlockCount(id)).join(', ')}`,
      summary: countsText(result.summary),
      row: writerKept ? 'renewed and released rows exactly as the writer left them' : `writer rows changed: ${JSON.stringify([renewedRow, releasedRow])}`,
      run: `goes on across ${t.p.proxy.log.filter((e) => e.operation === 'Scan').length} Scan pages; every row examined once`,
      log: runLog(result, t.ids),
    };
  },
  'db-claim-throttled-recovers': async (r) =>
    (await targeted(r, 'db_claim_thr', (target) => [{ operation: 'UpdateItem', match: both(claim, forAsset(target)), times: 2, fault: { kind: 'throttle' } }])).observed,
  'db-claim-throttled-gives-up': async (r) =>
    (await targeted(r, 'db_claim_stop', (target) => [{ operation: 'UpdateItem', match: both(claim, forAsset(target)), times: Infinity, fault: { kind: 'throttle' } }])).observed,
  'db-claim-applied-answer-lost': async (r) =>
    (await targeted(r, 'db_claim_lost', (target) => [{ operation: 'UpdateItem', match: both(claim, forAsset(target)), fault: { kind: 'apply-then-internal-error' } }])).observed,
  'db-claim-connection-dropped': async (r) =>
    (await targeted(r, 'db_claim_drop', (target) => [{ operation: 'UpdateItem', match: both(claim, forAsset(target)), fault: { kind: 'drop-connection' } }])).observed,
  'db-mark-throttled-recovers': async (r) =>
    (await targeted(r, 'db_mark_thr', (target) => [{ operation: 'UpdateItem', match: both(markUnlocked, forAsset(target)), times: 2, fault: { kind: 'throttle' } }])).observed,
  'db-mark-throttled-gives-up': async (r) => {
    const deadlineMs = Date.now() + 2_000;
    const o = await targeted(
      r,
      'db_mark_stop',
      (target) => [{ operation: 'UpdateItem', match: both(markUnlocked, forAsset(target)), times: Infinity, fault: { kind: 'throttle' } }],
      { deadlineMs, safetyMarginMs: 200 },
    );
    o.t.p.proxy.clearFaults();
    const early = await o.t.h.run({ store: o.t.p.store });
    await sleep(Math.max(0, deadlineMs - Date.now() + 20));
    const late = await o.t.h.run({ store: o.t.p.store });
    const requests = o.t.h.api.unlockRequests.filter((req) => req.assetId === o.target).length;
    return {
      ...o.observed,
      run: `goes on; a run before the claim lapses: ${describeOutcome(early.byAsset.get(o.target))}; a run after: ${describeOutcome(late.byAsset.get(o.target))} (API request #${requests}), row andThen: ${describeRow(o.t.before.get(o.target), await o.t.h.row(o.target))}`,
    };
  },
  'db-mark-applied-answer-lost': async (r) =>
    (await targeted(r, 'db_mark_lost', (target) => [{ operation: 'UpdateItem', match: both(markUnlocked, forAsset(target)), fault: { kind: 'apply-then-internal-error' } }])).observed,
  'db-release-claim-fails': async (r) => {
    const o = await targeted(r, 'db_release', (target, t) => {
      t.h.api.script(target, [{ status: 500 }, { status: 500 }, { status: 500 }]);
      return [{ operation: 'UpdateItem', match: both(releaseClaim, forAsset(target)), times: Infinity, fault: { kind: 'throttle' } }];
    });
    return o.observed;
  },
  'db-claim-condition-renewed': async (r) => {
    const until = minutesFromNow(10);
    const o = await targeted(r, 'db_claim_cond', (target, t) => [
      { operation: 'UpdateItem', match: both(claim, forAsset(target)), fault: { kind: 'before', action: renewWith(t.h, target, until) } },
    ]);
    const row = await o.t.h.row(o.target);
    return { ...o.observed, row: row?.lockExpiresAt?.S === until && row?.lockId?.S === 'lock-renewed' && !row.reaperClaimRunId ? "the writer's renewed lock, untouched" : o.observed.row };
  },
  'db-mark-condition-renewed': async (r) => {
    const until = minutesFromNow(10);
    const o = await targeted(r, 'db_mark_cond', (target, t) => [
      { operation: 'UpdateItem', match: both(markUnlocked, forAsset(target)), fault: { kind: 'before', action: renewWith(t.h, target, until) } },
    ]);
    const row = await o.t.h.row(o.target);
    const writerKept = row?.lockExpiresAt?.S === until && row?.lockId?.S === 'lock-renewed' && row?.doc?.S === 'doc-0' && !row.lastForceUnlockedAt;
    return {
      ...o.observed,
      row: writerKept ? `the writer's renewed lock, not overwritten${row?.reaperClaimRunId ? ' (the claim lingers until the run deadline)' : ''}` : o.observed.row,
    };
  },
  'db-batchget-unprocessed-recovers': async (r) => batchGet(r, 'db_bg_ok', 2),
  'db-batchget-unprocessed-gives-up': async (r) => batchGet(r, 'db_bg_stop', Infinity),
  'db-batchget-throttled-gives-up': async (r) => {
    const t = await table(r, 'db_bg_thr', 3);
    t.p.proxy.inject({ operation: 'BatchGetItem', times: Infinity, fault: { kind: 'throttle' } });
    const result = await t.h.run({ store: t.p.store, assetIds: t.ids });
    return {
      outcome: requestsPerCanvas(t),
      summary: countsText(result.summary),
      row: rowsText(await rowsReport(t)),
      run: `stops after ${faults(t, 'BatchGetItem')} BatchGetItem attempts; named canvases not reported as not-tracked`,
      log: runLog(result, t.ids),
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
    outcome: requestsPerCanvas(t),
    summary: countsText(result.summary),
    row: rowsText(await rowsReport(t)),
    run: `${result.summary.cutShort ? 'stops' : 'goes on'} after ${t.p.proxy.log.filter((e) => e.operation === 'BatchGetItem').length} BatchGetItem rounds, waiting ${waits.join(', ')} ms between them`,
    log: runLog(result, t.ids),
  };
}

function strip(o: Observed & { t?: unknown; result?: unknown }): Observed {
  const { outcome, summary, row, run, log } = o;
  return { outcome, summary, row, run, log };
}
