/**
 * Every fault the suite injects, with the outcome the tests demand, in words. The fault tests compute these words
 * from what really happened (run summary, log lines, the row, the stand-in's request log) and compare them with
 * `expected`; docs/reliability.md is generated from this list (test/faults/print-reliability-table.ts) and a test
 * checks it is up to date. So the table can neither drift from the tests nor claim an outcome no test sees.
 */

export type Area = 'API' | 'DynamoDB' | 'Hostile input' | 'Races';

export interface Expected {
  outcome: string;
  summary: string;
  row: string;
  run: string;
  log: string;
}

export interface FaultCase {
  id: string;
  area: Area;
  fault: string;
  expected: Expected;
}

const KEPT = 'unchanged: keeps its lock, no claim left';
const FREED = 'lock removed, audit trail written, other attributes kept';
const GOES_ON = 'goes on: the other stale canvases are unlocked';
const LOG_FAILED = 'error: canvas unlock failed; row keeps its lock for the next run';
const LOG_UNLOCKED = 'info: canvas unlocked';
const COUNTED = 'counted, no failure';

const db = <I extends string>(id: I, fault: string, expected: Expected) => ({ id, area: 'DynamoDB' as const, fault, expected });
const ALL_FREED_ONCE = 'all 6 unlocked, one request each';
const SIX_FREED = 'no row lost: 6 freed (audit trail written, other attributes kept)';
const TARGET_GOES_ON = 'goes on: the other stale canvases are unlocked';

const DYNAMO_CASES = [
  db('db-scan-throttled-recovers', 'Scan throttled (ProvisionedThroughputExceededException) twice', {
    outcome: ALL_FREED_ONCE,
    summary: 'examined 6, stale 6, unlocked 6, failed 0',
    row: SIX_FREED,
    run: 'goes on: the SDK retried the 2 throttled Scans',
    log: 'info: reap run finished',
  }),
  db('db-scan-internal-error-recovers', 'Scan answered 500 InternalServerError once', {
    outcome: ALL_FREED_ONCE,
    summary: 'examined 6, stale 6, unlocked 6, failed 0',
    row: SIX_FREED,
    run: 'goes on: the SDK retried the 1 failed Scan',
    log: 'info: reap run finished',
  }),
  db('db-scan-throttled-gives-up', 'Scan throttled on every attempt', {
    outcome: 'no API request',
    summary: 'examined 0, stale 0, unlocked 0, failed 0; cutShort, stopReason store-error (stopDetail names the throttling)',
    row: 'no row lost: 6 unchanged',
    run: 'stops after 3 Scan attempts; the next run unlocks 6, all 6 unlocked, one request each',
    log: 'warn: reap run finished',
  }),
  db('db-scan-second-page-gives-up', 'the 2nd Scan page throttled on every attempt (page size 3)', {
    outcome: '3 unlocked with one request each, 3 without any request',
    summary: 'examined 3, stale 3, unlocked 3, failed 0; cutShort, stopReason store-error',
    row: 'no row lost: 3 freed (audit trail written, other attributes kept), 3 unchanged',
    run: 'stops at page 2; the next run unlocks the other 3; then all 6 unlocked, one request each, no row lost: 6 freed (audit trail written, other attributes kept)',
    log: 'warn: reap run finished',
  }),
  db('db-page-boundary-writes', 'between two Scan pages a writer renews one unread canvas and releases another (page size 2)', {
    outcome: 'the 4 still-stale canvases unlocked once each; the renewed and the released one: no request',
    summary: 'examined 6, stale 4, unlocked 4, failed 0, live 1, notLocked 1',
    row: 'renewed and released rows exactly as the writer left them',
    run: 'goes on across 4 Scan pages; every row examined once',
    log: 'info: reap run finished',
  }),
  db('db-claim-throttled-recovers', 'the claim (conditional UpdateItem) throttled twice', {
    outcome: 'unlocked after 1 attempt; 1 API request',
    summary: COUNTED,
    row: FREED,
    run: TARGET_GOES_ON,
    log: LOG_UNLOCKED,
  }),
  db('db-claim-throttled-gives-up', 'the claim throttled on every attempt', {
    outcome: 'failed: store-error; 0 API requests',
    summary: 'failures: store-error',
    row: KEPT,
    run: TARGET_GOES_ON,
    log: LOG_FAILED,
  }),
  db('db-claim-applied-answer-lost', 'the claim applied, but its answer lost (500 after the write)', {
    outcome: 'unlocked after 1 attempt; 1 API request',
    summary: COUNTED,
    row: FREED,
    run: TARGET_GOES_ON,
    log: LOG_UNLOCKED,
  }),
  db('db-claim-connection-dropped', 'the connection dropped on the claim request', {
    outcome: 'unlocked after 1 attempt; 1 API request',
    summary: COUNTED,
    row: FREED,
    run: TARGET_GOES_ON,
    log: LOG_UNLOCKED,
  }),
  db('db-mark-throttled-recovers', 'the row update after the unlock throttled twice', {
    outcome: 'unlocked after 1 attempt; 1 API request',
    summary: COUNTED,
    row: FREED,
    run: TARGET_GOES_ON,
    log: LOG_UNLOCKED,
  }),
  db('db-mark-throttled-gives-up', 'the row update after the unlock throttled on every attempt', {
    outcome: 'failed: store-error; 1 API request',
    summary: 'failures: store-error',
    row: 'keeps its lock; the claim stays until the run deadline',
    run: 'goes on; a run before the claim lapses: skipped: claimed-by-other-run; a run after: unlocked after 1 attempt (API request #2), row then: lock removed, audit trail written, other attributes kept',
    log: LOG_FAILED,
  }),
  db('db-mark-applied-answer-lost', 'the row update applied, but its answer lost (500 after the write; the SDK retries it)', {
    outcome: 'unlocked after 1 attempt; 1 API request',
    summary: COUNTED,
    row: FREED,
    run: TARGET_GOES_ON,
    log: LOG_UNLOCKED,
  }),
  db('db-release-claim-fails', 'API 500 on every attempt, then giving the claim back throttled on every attempt', {
    outcome: 'failed: server-error (HTTP 500); 3 API requests',
    summary: 'failures: server-error 500',
    row: 'keeps its lock; the claim stays until the run deadline',
    run: TARGET_GOES_ON,
    log: 'warn: releasing the claim failed; it lapses at the run deadline + ' + LOG_FAILED,
  }),
  db('db-claim-condition-renewed', 'condition failure on the claim: a writer renewed the lock (UpdateItem) just before it', {
    outcome: 'skipped: renewed; 0 API requests',
    summary: COUNTED,
    row: "the writer's renewed lock, untouched",
    run: TARGET_GOES_ON,
    log: 'info: canvas skipped',
  }),
  db('db-mark-condition-renewed', 'condition failure on the row update: a writer renewed the lock after the unlock', {
    outcome: 'unlocked at the API, row changed meanwhile (unlocked-row-changed); 1 API request',
    summary: 'warnings: row changed',
    row: "the writer's renewed lock, not overwritten (the claim lingers until the run deadline)",
    run: TARGET_GOES_ON,
    log: 'warn: canvas unlocked but its row changed meanwhile; row left as is',
  }),
  db('db-batchget-unprocessed-recovers', 'manual run: BatchGetItem leaves every key unprocessed twice', {
    outcome: 'all 3 unlocked, one request each',
    summary: 'examined 3, stale 3, unlocked 3, failed 0',
    row: 'no row lost: 3 freed (audit trail written, other attributes kept)',
    run: 'goes on after 3 BatchGetItem rounds, waiting 50, 100 ms between them',
    log: 'info: reap run finished',
  }),
  db('db-batchget-unprocessed-gives-up', 'manual run: BatchGetItem leaves every key unprocessed, every round', {
    outcome: 'no API request',
    summary: 'examined 0, stale 0, unlocked 0, failed 0; cutShort, stopReason store-error',
    row: 'no row lost: 3 unchanged',
    run: 'stops after 8 BatchGetItem rounds, waiting 50, 100, 200, 400, 800, 1600, 3200 ms between them',
    log: 'warn: reap run finished',
  }),
  db('db-batchget-throttled-gives-up', 'manual run: BatchGetItem throttled on every attempt', {
    outcome: 'no API request',
    summary: 'examined 0, stale 0, unlocked 0, failed 0; cutShort, stopReason store-error',
    row: 'no row lost: 3 unchanged',
    run: 'stops after 3 BatchGetItem attempts; named canvases not reported as not-tracked',
    log: 'warn: reap run finished',
  }),
];

const api = <I extends string>(id: I, fault: string, expected: Expected) => ({ id, area: 'API' as const, fault, expected });

export const FAULT_CASES = [
  api('api-429-retry-after-seconds', '429 with `Retry-After: 1`', {
    outcome: 'unlocked after 2 attempts; 2 requests, the 2nd one after the wait asked for',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-429-retry-after-date', '429 with `Retry-After` as an HTTP-date ~2 s ahead', {
    outcome: 'unlocked after 2 attempts; 2 requests, the 2nd one after the wait asked for',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-429-retry-after-huge-seconds', '429 with `Retry-After: 3600` (past the run budget)', {
    outcome: 'failed: rate-limited (HTTP 429); 1 request',
    summary: 'failures: rate-limited 429',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-retry-after-huge-date', '429 with `Retry-After` as an HTTP-date an hour ahead', {
    outcome: 'failed: rate-limited (HTTP 429); 1 request',
    summary: 'failures: rate-limited 429',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-ratelimit-reset-huge', '429 with no `Retry-After` but `RateLimit-Reset: 3600` (ky honours it too)', {
    outcome: 'failed: rate-limited (HTTP 429); 1 request',
    summary: 'failures: rate-limited 429',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-retry-after-garbage', '429 with an unreadable `Retry-After: soon`', {
    outcome: 'unlocked after 2 attempts; 2 requests',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-429-no-retry-after-persistent', '429 without `Retry-After`, 3 times (every attempt)', {
    outcome: 'failed: rate-limited (HTTP 429); 3 requests',
    summary: 'failures: rate-limited 429',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-no-retry-after-once', '429 without `Retry-After`, once', {
    outcome: 'unlocked after 2 attempts; 2 requests',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-503-retry-after', '503 with `Retry-After: 1`', {
    outcome: 'unlocked after 2 attempts; 2 requests, the 2nd one after the wait asked for',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  ...([500, 502, 503, 504] as const).map((status) =>
    api(`api-${status}-persistent` as const, `${status} on every attempt`, {
      outcome: `failed: server-error (HTTP ${status}); 3 requests`,
      summary: `failures: server-error ${status}`,
      row: KEPT,
      run: GOES_ON,
      log: LOG_FAILED,
    }),
  ),
  api('api-502-once', '502 once, then a normal answer', {
    outcome: 'unlocked after 2 attempts; 2 requests',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-hang-persistent', 'every attempt hangs past the 300 ms request timeout', {
    outcome: 'failed: timeout; 3 requests',
    summary: 'failures: timeout',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-hang-once', 'one attempt hangs past the request timeout, the next answers', {
    outcome: 'unlocked after 2 attempts; 2 requests',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-hang-past-deadline', 'a request hangs past the run deadline (request timeout longer than the budget)', {
    outcome: 'failed: out-of-time; 1 request',
    summary: 'failures: out-of-time; cutShort, stopReason time-budget',
    row: KEPT,
    run: 'stops (time-budget): no request after it, canvases not yet tried reported run-stopped',
    log: LOG_FAILED,
  }),
  api('api-reset-mid-response', 'connection reset in the middle of a 200 answer', {
    outcome: 'failed: network-error; 1 request',
    summary: 'failures: network-error',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-connection-refused-once', 'connection reset before any answer, once', {
    outcome: 'unlocked after 2 attempts; 2 requests',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-connection-reset-persistent', 'connection reset before any answer, every attempt', {
    outcome: 'failed: network-error; 3 requests',
    summary: 'failures: network-error',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-200-not-json', '200 whose body is HTML, not JSON', {
    outcome: 'failed: bad-response (HTTP 200); 1 request',
    summary: 'failures: bad-response 200',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-200-other-asset', '200 whose asset id is not the one requested', {
    outcome: 'failed: bad-response (HTTP 200); 1 request',
    summary: 'failures: bad-response 200',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-200-no-asset', '200 with JSON but no `asset` object', {
    outcome: 'failed: bad-response (HTTP 200); 1 request',
    summary: 'failures: bad-response 200',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-400', '400', {
    outcome: 'failed: request-rejected (HTTP 400); 1 request',
    summary: 'failures: request-rejected 400',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-400-echoing-credentials', '400 whose body echoes the Authorization header and a signed URL', {
    outcome: 'failed: request-rejected (HTTP 400); 1 request',
    summary: 'failures: request-rejected 400',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  ...([401, 403] as const).map((status) =>
    api(`api-${status}` as const, `${status}`, {
      outcome: `failed: credentials-rejected (HTTP ${status}); 1 request`,
      summary: 'failures: credentials-rejected ' + status + '; cutShort, stopReason credentials-rejected',
      row: KEPT,
      run: 'stops (credentials-rejected): no request after it, canvases not yet tried reported run-stopped',
      log: LOG_FAILED,
    }),
  ),
  api('api-404', '404 (the asset is gone at Scenario)', {
    outcome: 'failed: asset-not-found (HTTP 404); 1 request',
    summary: 'failures: asset-not-found 404',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  ...DYNAMO_CASES,
] as const satisfies readonly FaultCase[];

export type FaultCaseId = (typeof FAULT_CASES)[number]['id'];
export type CaseIdOf<A extends Area> = Extract<(typeof FAULT_CASES)[number], { area: A }>['id'];

export function casesOf<A extends Area>(area: A): Extract<(typeof FAULT_CASES)[number], { area: A }>[] {
  return FAULT_CASES.filter((c): c is Extract<(typeof FAULT_CASES)[number], { area: A }> => c.area === area);
}
