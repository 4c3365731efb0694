import { type AttributeValue, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SeedRow } from '#local/tracked-canvas-table';
import { createScenarioLockApi } from '#reaper/adapters/scenario-lock-api';
import { PayloadError } from '#reaper/payload';
import { ENV } from '#reaper/settings';
import { BRAKE_ROW_KEY } from '#reaper/table-contract';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo, type ReaperHarness } from '#test-support/reaper-harness';
import { ruleEvent, scheduleTick } from '#test-support/scheduled-events';
import type { CaseIdOf } from './catalogue';
import type { Log, Observed } from './expectations';
import {
  deployedHandler,
  harness,
  logLine,
  logOf,
  notUnlocked,
  proxiedStore,
  type Resources,
  type Row,
  type RunResult,
  rowChange,
  summaryEntryOf,
  verdictOf,
} from './fault-kit';
import { HOSTILE_EDGE_SCENARIOS } from './hostile-edges';
import { HOSTILE_KEY_SCENARIOS } from './hostile-keys';

/**
 * Hostile rows (through the real Scan, or injected into a Scan answer by the DynamoDB fault proxy when DynamoDB
 * itself would refuse to store them), hostile manual payloads (through the real Lambda handler), and hostile ids
 * handed straight to the lock API adapter.
 */

const API_PATH = /^\/v1\/assets\/asset_[A-Za-z0-9_-]+(\/unlock)?$/;
const stale = () => minutesAgo(30);

type RowInput = { seed: SeedRow } | { inject: Record<string, AttributeValue> };

/** Runs a table holding the hostile row and one ordinary stale bystander; observes what happened to the hostile one. */
async function hostileRow(r: Resources, name: string, input: RowInput): Promise<Observed> {
  const h = await harness(r);
  const bystander = `asset_${name}_bystander`;
  await h.seed([{ assetId: bystander, lockExpiresAt: stale() }]);
  let runOptions = {};
  let before: Row;
  if ('seed' in input) {
    await h.seed([input.seed], { knownToApi: true });
    before = await h.row(input.seed.assetId);
  } else {
    // DynamoDB would not store this row: the proxy adds it to the Scan answer, as a corrupted or foreign table might.
    const { proxy, store } = await proxiedStore(r, h);
    proxy.inject({
      operation: 'Scan',
      fault: {
        kind: 'rewrite',
        rewrite: (answer) => ({ ...answer, Items: [input.inject, ...(answer.Items ?? [])], Count: (answer.Count ?? 0) + 1 }),
      },
    });
    runOptions = { store };
  }
  const result = await h.run(runOptions);
  const outcome = result.outcomes.find((o) => o.assetId !== bystander);
  const assetId = outcome?.assetId ?? '';
  const offPath = h.api.requests.filter((req) => !API_PATH.test(req.rawPath));
  const forIt = h.api.requests.filter((req) => req.assetId === assetId);
  return {
    outcome: { verdict: verdictOf(outcome) },
    summary: summaryEntryOf(result.summary, assetId),
    // A row DynamoDB would not store was never in the table; it can only have been created there.
    row:
      'seed' in input
        ? { row: rowChange(before, await h.row(input.seed.assetId)) }
        : (await rowCount(h)) === 1
          ? { notInTable: true }
          : { row: { changedTo: 'a row was written' } },
    run: {
      goesOn: true,
      othersNotUnlocked: notUnlocked(result, [bystander]),
      requestsForIt: forIt.length,
      offPathRequests: offPath.map((req) => req.rawPath),
    },
    log: assetId === '' ? emptyIdLog(result) : logOf(result, assetId),
  };
}

/** How many rows the table holds (the bystander alone, unless the reaper wrote one). */
async function rowCount(h: ReaperHarness): Promise<number | undefined> {
  return (await h.client.send(new ScanCommand({ TableName: h.tableName, Select: 'COUNT' }))).Count;
}

/** Powertools leaves empty strings out of a log line: the line about an empty id has no assetId field, only its problem. */
function emptyIdLog(result: RunResult): Log {
  return {
    lines: result.lines.filter((l) => l.status === 'invalid' && l.assetId === undefined && l.problem === 'assetId is empty').map(logLine),
  };
}

const row = (name: string, seed: Omit<SeedRow, 'assetId'> & { assetId?: string }) => (r: Resources) =>
  hostileRow(r, name, { seed: { assetId: `asset_${name}`, ...seed } });
const badId = (name: string, assetId: string) => (r: Resources) => hostileRow(r, name, { seed: { assetId, lockExpiresAt: stale() } });
const injected = (name: string, item: Record<string, AttributeValue>) => (r: Resources) => hostileRow(r, name, { inject: item });

/** Invokes the real handler (config, payload parsing, Secrets Manager client, store) with a hostile payload. */
async function hostilePayload(
  r: Resources,
  name: string,
  payload: unknown,
  problemsShown: 'first' | 'capped' = 'first',
): Promise<Observed> {
  const h = await harness(r);
  const staleId = `asset_${name}`;
  await h.seed([{ assetId: staleId, lockExpiresAt: stale() }]);
  const before = await h.row(staleId);
  const { handler, secretReads } = await deployedHandler(r, h, { [ENV.logLevel]: 'INFO' });
  const { result, lines } = await captureOutput(() =>
    handler(payload, { awsRequestId: `req-${name}`, getRemainingTimeInMillis: () => 20_000 }).then(
      (summary) => ({ summary, error: undefined }),
      (error: unknown) => ({ summary: undefined, error }),
    ),
  );
  if (result.summary) r.results.push({ summary: result.summary, output: '', lines, outcomes: [], byAsset: new Map() });
  if (result.error instanceof Error) r.texts.push(result.error.message, result.error.stack ?? '');
  const rowAfter = await h.row(staleId);
  const ownLines = lines.filter((line) => line.function_request_id === `req-${name}`);
  if (result.error instanceof PayloadError) {
    const { problems } = result.error;
    return {
      outcome: {
        payloadRejected:
          problemsShown === 'first'
            ? { firstProblem: problems[0]! }
            : { problemsListed: problems.length - 1, lastProblem: problems.at(-1)! },
      },
      summary: result.summary === undefined ? { invocationFails: true } : { counts: { examined: result.summary.examined } },
      row: { row: rowChange(before, rowAfter) },
      run: { nothingDone: { secretReads: secretReads(), apiRequests: h.api.requests.length } },
      log: { lines: ownLines.filter((line) => line.level === 'ERROR').map(logLine) },
    };
  }
  const s = result.summary;
  return {
    outcome: { unlockCount: h.api.unlockCount(staleId), unlockRequests: h.api.unlockRequests.length },
    summary: s ? { counts: { examined: s.examined, unlocked: s.unlocked } } : { invocationFails: true },
    row: { row: rowChange(before, rowAfter) },
    // Stopped: no canvas was the run's target; the stale one is unaccounted unless it was unlocked.
    run:
      s && !s.cutShort
        ? { goesOn: true }
        : { stops: s?.stopReason ?? null, requestsAfterIt: [], notTriedUnaccounted: h.api.unlockCount(staleId) > 0 ? [] : [staleId] },
    log: { lines: ownLines.filter((line) => line.assetId === staleId && ['INFO', 'WARN', 'ERROR'].includes(line.level)).map(logLine) },
  };
}

const payload = (name: string, value: unknown) => (r: Resources) => hostilePayload(r, name, value);

const fiftyUnknownFields = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`field${i}`, i]));

/** The adapter alone: each hostile id must be refused before any request is sent. */
async function adapterHostileIds(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const lockApi = createScenarioLockApi({
    baseUrl: h.api.baseUrl,
    credentials: { apiKey: h.api.apiKey, apiSecret: h.api.apiSecret },
    requestTimeoutMs: 300,
    maxRetries: 0,
    clock: h.clock,
  });
  const ids = ['..', '.', '', 'asset_a/b', '../../admin', 'asset_x?force=1', 'asset_x#y', 'asset_%2F..%2F', 'asset_é', 'x'.repeat(10_240)];
  const results = new Map<string, { kind: string; attempts: number }>();
  for (const id of ids) {
    const result = await lockApi.forceUnlock(id, { deadlineMs: Date.now() + 2_000 });
    const seen = result.ok ? { kind: 'ok', attempts: 1 } : { kind: result.failure.kind, attempts: result.failure.attempts };
    results.set(JSON.stringify(seen), seen);
  }
  return {
    outcome: { adapterResults: [...results.values()] },
    summary: null,
    row: null,
    run: { adapterRequests: h.api.requests.length },
    log: null,
  };
}

/**
 * The brake row's entry for proj_dmg is unreadable; the project has a lock that went stale 2 h ago (inside the
 * 24 h look-back) and one 2 days ago (backlog). Production's brake settings.
 */
async function brakeEntryDamaged(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const project = { projectId: { S: 'proj_dmg' } };
  const recent = 'asset_brake_dmg_recent';
  const old = 'asset_brake_dmg_old';
  await h.seed([
    { assetId: recent, lockExpiresAt: minutesAgo(120), lockId: 'l1', extra: project },
    { assetId: old, lockExpiresAt: minutesAgo(2 * 24 * 60), lockId: 'l2', extra: project },
  ]);
  await h.client.send(
    new PutItemCommand({
      TableName: h.tableName,
      Item: {
        assetId: { S: BRAKE_ROW_KEY },
        'project:proj_dmg': { M: { state: { S: 'paused?' }, trippedAtMs: { S: 'yesterday' }, heldSinceMs: { BOOL: true } } },
      },
    }),
  );
  const before = new Map<string, Row>([
    [recent, await h.row(recent)],
    [old, await h.row(old)],
  ]);
  const result = await h.run({ brake: { windowSeconds: 900, minLocks: 25, share: 0.5 } });
  const after = await Promise.all([recent, old].map((id) => h.row(id)));
  const rowsNow = [recent, old].map((id, i) => rowChange(before.get(id), after[i]));
  const row = await h.store.readBrake();
  return {
    outcome: {
      verdicts: { 'stale 2 h ago': verdictOf(result.byAsset.get(recent)), 'stale 2 days ago': verdictOf(result.byAsset.get(old)) },
    },
    summary: summaryEntryOf(result.summary, recent),
    row: { rows: { freed: rowsNow.filter((c) => c === 'freed').length, unchanged: rowsNow.filter((c) => c === 'kept').length } },
    run: {
      brakeHolds: result.summary.brake.heldProjects,
      engagedInRow: row.projects.proj_dmg?.engaged !== undefined,
      marksMoved: row.projects.proj_dmg?.markMs === Date.parse(result.summary.startedAt),
    },
    log: logOf(result, recent),
  };
}

export const HOSTILE_SCENARIOS: Record<CaseIdOf<'Hostile input'>, (r: Resources) => Promise<Observed>> = {
  'brake-entry-damaged': brakeEntryDamaged,
  'row-id-slash': badId('row-id-slash', 'asset_a/b'),
  'row-id-dotdot': badId('row-id-dotdot', '..'),
  'row-id-dotdot-path': badId('row-id-dotdot-path', 'asset_x/../../admin'),
  'row-id-query': badId('row-id-query', 'asset_x?force=1'),
  'row-id-fragment': badId('row-id-fragment', 'asset_x#top'),
  'row-id-encoded-slash': badId('row-id-encoded-slash', 'asset_%2F..%2Fadmin'),
  'row-id-unicode': badId('row-id-unicode', 'asset_é'),
  'row-id-fullwidth': badId('row-id-fullwidth', 'asset_ＡＢＣ'),
  'row-id-control': badId('row-id-control', 'asset_x\u0000\n'),
  'row-id-2kb': badId('row-id-2kb', `asset_${'k'.repeat(1_994)}`),
  'row-id-empty': injected('row-id-empty', { assetId: { S: '' }, lockExpiresAt: { S: stale() } }),
  'row-id-10kb': injected('row-id-10kb', { assetId: { S: `asset_${'k'.repeat(10_234)}` }, lockExpiresAt: { S: stale() } }),
  'row-id-number': injected('row-id-number', { assetId: { N: '5' }, lockExpiresAt: { S: stale() } }),
  'row-id-missing': injected('row-id-missing', { lockExpiresAt: { S: stale() } }),
  'row-exp-number': row('row_exp_number', { lockExpiresAt: 1_700_000_000 }),
  'row-exp-no-zone': row('row_exp_no_zone', { lockExpiresAt: '2020-01-01T00:00:00' }),
  'row-exp-empty': row('row_exp_empty', { lockExpiresAt: '' }),
  'row-exp-date-only': row('row_exp_date_only', { lockExpiresAt: '2020-01-01' }),
  'row-exp-not-real': row('row_exp_not_real', { lockExpiresAt: '2024-02-30T10:00:00Z' }),
  'row-exp-10kb': row('row_exp_10kb', { lockExpiresAt: '9'.repeat(10_000) }),
  'row-exp-bool': row('row_exp_bool', { lockExpiresAt: { BOOL: true } }),
  'row-exp-map': row('row_exp_map', { lockExpiresAt: { M: { at: { S: '2020-01-01T00:00:00Z' } } } }),
  'row-exp-far-past': row('row_exp_far_past', { lockExpiresAt: '0001-01-01T00:00:00Z' }),
  'row-exp-far-future': row('row_exp_far_future', { lockExpiresAt: '9999-12-31T23:59:59Z' }),
  'row-lockid-number': row('row_lockid_number', { lockExpiresAt: stale(), extra: { lockId: { N: '42' } } }),
  'adapter-hostile-ids': adapterHostileIds,
  'payload-dryrun-string': payload('p_dryrun', { dryRun: 'yes' }),
  'payload-grace-fraction': payload('p_grace_frac', { graceSeconds: 1.5 }),
  'payload-grace-string': payload('p_grace_str', { graceSeconds: '60' }),
  'payload-ids-string': payload('p_ids_str', { assetIds: 'asset_x' }),
  'payload-ids-numbers': payload('p_ids_num', { assetIds: [1, null] }),
  'payload-ids-hostile': payload('p_ids_hostile', { assetIds: ['asset_x/../admin', '..', 'asset_%2F', 'asset_é', ''] }),
  'payload-ids-empty': payload('p_ids_empty', { assetIds: [] }),
  'payload-ids-10k': payload('p_ids_10k', { assetIds: Array.from({ length: 10_000 }, (_, i) => `asset_${i}`) }),
  'payload-extra-field': payload('p_extra', { dryRun: true, force: true }),
  'payload-number': payload('p_number', 42),
  'payload-string': payload('p_string', 'reap'),
  'payload-ids-duplicates': payload('p_dup', { assetIds: ['asset_p_dup', 'asset_p_dup', 'asset_p_dup'] }),
  'payload-event-lookalike': payload('p_lookalike', { source: 'ops', 'detail-type': 'manual', dryRun: true, assetIds: ['asset_x'] }),
  'payload-schedule-input-plus-field': payload('p_tick_plus', { ...scheduleTick, dryRun: true }),
  'payload-rule-event-with-detail': payload('p_rule_detail', { ...ruleEvent, detail: { assetIds: ['asset_x'] } }),
  'payload-schedule-input': payload('p_tick', scheduleTick),
  'payload-rule-event': payload('p_rule', ruleEvent),
  'payload-problems-capped': (r) => hostilePayload(r, 'p_capped', fiftyUnknownFields, 'capped'),
  'row-project-reserved': row('row_project_reserved', { lockExpiresAt: stale(), extra: { projectId: { S: '__proto__' } } }),
  'row-project-inherited-name': row('row_project_to_string', { lockExpiresAt: stale(), extra: { projectId: { S: 'toString' } } }),
  ...HOSTILE_KEY_SCENARIOS,
  ...HOSTILE_EDGE_SCENARIOS,
};
