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
] as const satisfies readonly FaultCase[];

export type FaultCaseId = (typeof FAULT_CASES)[number]['id'];
export type CaseIdOf<A extends Area> = Extract<(typeof FAULT_CASES)[number], { area: A }>['id'];

export function casesOf<A extends Area>(area: A): Extract<(typeof FAULT_CASES)[number], { area: A }>[] {
  return FAULT_CASES.filter((c): c is Extract<(typeof FAULT_CASES)[number], { area: A }> => c.area === area);
}
