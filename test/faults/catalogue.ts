/**
 * Every fault the suite injects, with the outcome the tests demand, in words. The fault tests compute these words
 * from what really happened (run summary, log lines, the row, the stand-in's request log) and compare them with
 * `expected`; docs/reliability.md is generated from this list (test/faults/print-reliability-table.ts) and a test
 * checks it is up to date. So the table can neither drift from the tests nor claim an outcome no test sees.
 */

/** Schedules the interleaving test runs under \`npm test\` (REAPER_INTERLEAVING_SCHEDULES overrides it; the soak runs 400). */
export const DEFAULT_INTERLEAVING_SCHEDULES = 48;

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
    run: 'goes on; a run before the claim lapses: skipped: claimed-by-other-run; a run after: unlocked after 1 attempt (API request #2), row andThen: lock removed, audit trail written, other attributes kept',
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
    summary: 'warnings: possible-live-lock-unlock',
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

const hostile = <I extends string>(id: I, fault: string, expected: Expected) => ({ id, area: 'Hostile input' as const, fault, expected });
const NOT_AN_ID = 'invalid: assetId is not "asset_" followed by letters, digits, "_" or "-"';
/** A row the reaper refuses to act on: reported, untouched, no request. */
const refusedRow = <I extends string>(id: I, fault: string, outcome: string) =>
  hostile(id, fault, {
    outcome,
    summary: 'invalidRows',
    row: 'unchanged',
    run: 'goes on: no request for it; every request on /v1/assets/{id} or /v1/assets/{id}/unlock',
    log: 'warn: tracked row is invalid; left untouched',
  });
const refusedPayload = <I extends string>(id: I, fault: string, problem: string) =>
  hostile(id, fault, {
    outcome: `rejected: PayloadError (${problem})`,
    summary: 'none: the invocation fails',
    row: 'unchanged',
    run: 'nothing done: no read, no secret read, no request',
    log: 'error: invoke payload rejected; nothing was done',
  });

const HOSTILE_CASES = [
  refusedRow('row-id-slash', 'row id `asset_a/b`', NOT_AN_ID),
  refusedRow('row-id-dotdot', 'row id `..`', NOT_AN_ID),
  refusedRow('row-id-dotdot-path', 'row id `asset_x/../../admin`', NOT_AN_ID),
  refusedRow('row-id-query', 'row id `asset_x?force=1`', NOT_AN_ID),
  refusedRow('row-id-fragment', 'row id `asset_x#top`', NOT_AN_ID),
  refusedRow('row-id-encoded-slash', 'row id `asset_%2F..%2Fadmin`', NOT_AN_ID),
  refusedRow('row-id-unicode', 'row id `asset_é` (unicode)', NOT_AN_ID),
  refusedRow('row-id-fullwidth', 'row id `asset_ＡＢＣ` (full-width letters)', NOT_AN_ID),
  refusedRow('row-id-control', 'row id with a NUL and a newline', NOT_AN_ID),
  refusedRow('row-id-2kb', 'row id of 2,000 characters (about DynamoDB\'s key limit)', 'invalid: assetId is 2000 characters long (at most 128)'),
  refusedRow('row-id-empty', 'row id `""` (DynamoDB refuses it as a key; injected into a Scan answer)', 'invalid: assetId is empty'),
  refusedRow('row-id-10kb', 'row id of 10 KB (injected into a Scan answer)', 'invalid: assetId is 10240 characters long (at most 128)'),
  refusedRow('row-id-number', 'row whose assetId is a number (injected into a Scan answer)', NOT_AN_ID),
  refusedRow('row-id-missing', 'row without assetId (injected into a Scan answer)', NOT_AN_ID),
  refusedRow('row-exp-number', '`lockExpiresAt` as a number', 'invalid: lockExpiresAt is a DynamoDB N ("1700000000"), not an ISO-8601 string'),
  refusedRow('row-exp-no-zone', '`lockExpiresAt` without a time zone', 'invalid: lockExpiresAt "2020-01-01T00:00:00" is not an ISO-8601 date-time with a time zone'),
  refusedRow('row-exp-empty', '`lockExpiresAt` an empty string', 'invalid: lockExpiresAt "" is not an ISO-8601 date-time with a time zone'),
  refusedRow('row-exp-date-only', '`lockExpiresAt` a date without a time', 'invalid: lockExpiresAt "2020-01-01" is not an ISO-8601 date-time with a time zone'),
  refusedRow('row-exp-not-real', '`lockExpiresAt` on February 30th', 'invalid: lockExpiresAt "2024-02-30T10:00:00Z" is not a real date and time'),
  refusedRow('row-exp-10kb', '`lockExpiresAt` a 10 KB string', `invalid: lockExpiresAt "${'9'.repeat(79)}…(10002 chars) is not an ISO-8601 date-time with a time zone`),
  refusedRow('row-exp-bool', '`lockExpiresAt` a boolean', 'invalid: lockExpiresAt is a DynamoDB BOOL (true), not an ISO-8601 string'),
  refusedRow('row-exp-map', '`lockExpiresAt` a map', 'invalid: lockExpiresAt is a DynamoDB M ({"at":{"S":"2020-01-01T00:00:00Z"}}), not an ISO-8601 string'),
  hostile('row-exp-far-past', '`lockExpiresAt` far in the past (`0001-01-01T00:00:00Z`)', {
    outcome: 'unlocked after 1 attempt',
    summary: COUNTED,
    row: FREED,
    run: 'goes on: every request on /v1/assets/{id} or /v1/assets/{id}/unlock',
    log: LOG_UNLOCKED,
  }),
  hostile('row-exp-far-future', '`lockExpiresAt` far in the future (`9999-12-31T23:59:59Z`)', {
    outcome: 'skipped: live',
    summary: COUNTED,
    row: 'unchanged',
    run: 'goes on: no request for it; every request on /v1/assets/{id} or /v1/assets/{id}/unlock',
    log: 'nothing above debug',
  }),
  hostile('row-lockid-number', 'stale row whose `lockId` is a number', {
    outcome: 'unlocked after 1 attempt',
    summary: COUNTED,
    row: FREED,
    run: 'goes on: every request on /v1/assets/{id} or /v1/assets/{id}/unlock',
    log: LOG_UNLOCKED,
  }),
  hostile('adapter-hostile-ids', 'the lock API adapter called directly with `..`, `.`, `""`, `a/b`, `x?y`, `x#y`, `%2F`, unicode, 10 KB ids', {
    outcome: 'request-rejected, 0 attempts for each',
    summary: 'n/a (adapter only)',
    row: 'n/a',
    run: 'no request at all',
    log: 'n/a',
  }),
  refusedPayload('payload-dryrun-string', 'manual payload `{"dryRun":"yes"}`', 'dryRun must be true or false, got "yes"'),
  refusedPayload('payload-grace-fraction', 'manual payload `{"graceSeconds":1.5}`', 'graceSeconds must be a whole number of seconds from 0 to 604800, got 1.5'),
  refusedPayload('payload-grace-string', 'manual payload `{"graceSeconds":"60"}`', 'graceSeconds must be a whole number of seconds from 0 to 604800, got "60"'),
  refusedPayload('payload-ids-string', 'manual payload `{"assetIds":"asset_x"}`', 'assetIds must be an array of asset ids, got string'),
  refusedPayload('payload-ids-numbers', 'manual payload `{"assetIds":[1,null]}`', 'assetIds[0] 1: assetId must be a string, got number'),
  refusedPayload('payload-ids-hostile', 'manual payload naming `asset_x/../admin`, `..`, `asset_%2F`, `asset_é`, `""`', 'assetIds[0] "asset_x/../admin": assetId is not "asset_" followed by letters, digits, "_" or "-"'),
  refusedPayload('payload-ids-empty', 'manual payload `{"assetIds":[]}`', 'assetIds is empty (omit it to reap every tracked canvas)'),
  refusedPayload('payload-ids-10k', 'manual payload with 10,000 asset ids', 'assetIds has 10000 entries (at most 1000 per run)'),
  refusedPayload('payload-extra-field', 'manual payload with an extra field `{"dryRun":true,"force":true}`', 'unknown field "force"'),
  refusedPayload('payload-number', 'payload `42`', 'the payload must be a JSON object, got number'),
  refusedPayload('payload-string', 'payload `"reap"`', 'the payload must be a JSON object, got string'),
  hostile('payload-ids-duplicates', 'manual payload naming the same stale canvas 3 times', {
    outcome: 'unlocked once: 1 request',
    summary: 'examined 1, unlocked 1',
    row: FREED,
    run: 'goes on',
    log: LOG_UNLOCKED,
  }),
  refusedPayload(
    'payload-event-lookalike',
    'an event look-alike `{"source":"ops","detail-type":"manual","dryRun":true,"assetIds":["asset_x"]}` (it used to run a real reap of the whole table)',
    'not a scheduled event (source "ops" is neither "aws.scheduler" nor "aws.events"); read as a manual payload',
  ),
  refusedPayload(
    'payload-schedule-input-plus-field',
    "the schedule's input with `\"dryRun\":true` added",
    'not a scheduled event (as the stack\'s schedule input: field "dryRun" is not part of one); read as a manual payload',
  ),
  refusedPayload(
    'payload-rule-event-with-detail',
    "an EventBridge rule's Scheduled Event whose `detail` names assets",
    'not a scheduled event (as an EventBridge rule\'s Scheduled Event: detail {"assetIds":["asset_x"]} is not what it would carry); read as a manual payload',
  ),
  hostile('payload-schedule-input', "the schedule's input as Scheduler sends it (its tick time and schedule ARN filled in)", {
    outcome: 'unlocked once: 1 request',
    summary: 'examined 1, unlocked 1',
    row: FREED,
    run: 'goes on',
    log: LOG_UNLOCKED,
  }),
  hostile('payload-rule-event', "an EventBridge rule's Scheduled Event (all its standard fields)", {
    outcome: 'unlocked once: 1 request',
    summary: 'examined 1, unlocked 1',
    row: FREED,
    run: 'goes on',
    log: LOG_UNLOCKED,
  }),
  refusedPayload('payload-problems-capped', 'manual payload with 50 unknown fields', '20 problems listed, then "…and 30 more"'),
  hostile(
    'secret-error-message-spellings',
    'npm run reap: a 400 whose `message` quotes a JSON-escaped signed URL (`https:\\/\\/cdn…?X-Amz-Signature=…`), a percent-encoded one, a `#token=…` fragment and a lowercase `basic …` credential',
    {
      outcome: 'failed: request-rejected (HTTP 400); 1 request',
      summary: 'failures: request-rejected 400, its message kept with 4 parts [redacted]',
      row: KEPT,
      run: 'npm run reap exit 1; summary on stdout, failure table on stderr',
      log: LOG_FAILED,
    },
  ),
  hostile(
    'secret-asset-odd-places',
    'a 200 unlock answer whose asset carries signed URLs as object keys of non-string fields (`kind`, `metadata.type`), in a list, protocol-relative, JSON-escaped, CloudFront-style and as a `#token=` fragment',
    {
      outcome: 'unlocked after 1 attempt',
      summary: COUNTED,
      row: FREED,
      run: 'asset record: assetId "asset_secretAsset", lockExpiresAt "#token=[redacted]", name "[redacted]", status "success"',
      log: 'info: canvas unlocked, redactedUrls kind.[key], privacy[0], url, metadata.name, metadata.type.[key], metadata.description',
    },
  ),
  hostile('secret-thrown-error', 'the handler: refused credentials (401) whose `message` carries a percent-encoded signed URL and a `#token=` fragment', {
    outcome: 'failed: credentials-rejected; the invocation fails (ReapRunError)',
    summary: 'cutShort, stopReason credentials-rejected',
    row: KEPT,
    run: 'the thrown error (what the failure queue keeps) has 2 parts [redacted]',
    log: LOG_FAILED,
  }),
  hostile('secret-ops-output', 'a tracked row whose `lockId` is a signed URL, shown by `ops status`, `ops status --json` and `ops untrack`', {
    outcome: 'shown as "https://cdn.scenario.example/l.png?[redacted]" 3 times',
    summary: 'n/a (ops output)',
    row: 'untracked',
    run: 'ops status, status --json, untrack --yes: exit 0, 0, 0',
    log: 'n/a',
  }),
  hostile(
    'config-base-url-hidden-parts',
    '`SCENARIO_API_BASE_URL` of `https://api…/v1?` (a bare `?` leaves url.search empty), `…/v1#`, `…/v1/../admin`, `…/v1/%2e%2e/admin`, `https://api…\\v1`',
    {
      outcome: 'each refused at start: ConfigError naming SCENARIO_API_BASE_URL',
      summary: 'none: the invocation fails',
      row: 'unchanged',
      run: 'nothing done: no read, no secret read, no request',
      log: 'none: the cold start fails with the error',
    },
  ),
  hostile('local-run-clock-ahead', "npm run reap from a laptop whose clock is 2 minutes ahead of DynamoDB's `Date` header (a lock that expired 90 s ago, grace 60 s)", {
    outcome: 'refused: exit 2, clock error: about 2 min ahead, 15.0 s allowed (grace 60 s)',
    summary: 'none: nothing ran',
    row: 'unchanged',
    run: 'nothing done: GetItem (the clock check), 0 API requests',
    log: 'stderr: reap: clock error …; (nothing was done)',
  }),
  hostile('local-run-interrupted', 'SIGINT to npm run reap (a real process, one canvas at a time) while the first of 4 stale canvases is at the API', {
    outcome: '1 unlocked (the canvas under way), 3 not started (run-stopped)',
    summary: 'cutShort, stopReason interrupted',
    row: '1 freed, 3 unchanged, 0 claims left',
    run: 'exit 1; the summary so far on stdout; 2 API requests',
    log: 'stderr: SIGINT: stopping; no canvas starts from now on…',
  }),
  hostile('db-scan-hangs', 'the handler: every Scan hangs (no answer); the DynamoDB client has a request and a connection timeout (300 ms here)', {
    outcome: '0 API requests',
    summary: 'examined 0; cutShort, stopReason store-error (stopDetail names the timeout)',
    row: 'unchanged',
    run: "stops after 4 Scan attempts (the SDK's default for DynamoDB), each ended by the client's timeout; the invocation fails (ReapRunError)",
    log: 'warn: reap run finished',
  }),
];

const race = <I extends string>(id: I, fault: string, expected: Expected) => ({ id, area: 'Races' as const, fault, expected });
const NA = 'n/a';
const beforeClaim = <I extends string>(id: I, fault: string, outcome: string, row: string, log: string) =>
  race(id, fault, { outcome: `${outcome}; 0 API requests`, summary: COUNTED, row, run: 'goes on', log });
const duringUnlock = <I extends string>(id: I, fault: string, row: string) =>
  race(id, fault, {
    outcome: 'unlocked at the API, row changed meanwhile (unlocked-row-changed); 1 API request',
    summary: 'warnings: possible-live-lock-unlock',
    row,
    run: 'goes on',
    log: 'warn: canvas unlocked but its row changed meanwhile; row left as is',
  });

const RACE_CASES = [
  race('race-four-overlapping-runs', 'four reap runs overlap on 24 stale canvases (different concurrency, two reading 5-row pages)', {
    outcome: 'each of the 24 stale canvases unlocked exactly once (24 API requests in all)',
    summary: "runs' unlocked add up to 24; failed 0; warnings 0; each run examined every row and gave each one outcome (unlocked, claimed-by-other-run or not-locked)",
    row: 'every row freed once, no claim left',
    run: '4 runs (2 with 5-row pages) overlap; 24 distinct canvases unlocked',
    log: 'nothing at warn or above about these canvases',
  }),
  race('race-cli-and-lambda', 'the Lambda handler and the CLI reap the same 16 stale canvases at the same time', {
    outcome: 'each of the 16 stale canvases unlocked exactly once (16 API requests in all)',
    summary: "the Lambda's and the CLI's unlocked add up to 16",
    row: 'every row freed once',
    run: 'CLI exit code 0, the Lambda returns its summary',
    log: 'nothing at warn or above about these canvases',
  }),
  beforeClaim('race-renew-update-before-claim', 'between read and claim, the writer renews (UpdateItem: new expiry and lockId)', 'skipped: renewed', 'exactly as the writer left it', 'info: canvas skipped'),
  beforeClaim('race-renew-put-before-claim', 'between read and claim, the writer rewrites the whole row (PutItem)', 'skipped: renewed', 'exactly as the writer left it', 'info: canvas skipped'),
  beforeClaim('race-new-lockid-before-claim', 'between read and claim, the writer sets a new lockId only (same expiry)', 'skipped: renewed', 'exactly as the writer left it', 'info: canvas skipped'),
  beforeClaim('race-release-before-claim', 'between read and claim, the writer releases the lock', 'skipped: not-locked', 'exactly as the writer left it', 'nothing above debug'),
  beforeClaim('race-delete-before-claim', 'between read and claim, the row is deleted (canvas untracked)', 'skipped: not-tracked', 'still deleted (not recreated)', 'info: canvas skipped'),
  duringUnlock('race-renew-update-during-unlock', 'KNOWN LIMITATION: after the claim, while the unlock is at the API, the writer renews (UpdateItem)', "the writer's new lock, not overwritten (the claim lingers until the run deadline)"),
  duringUnlock('race-renew-put-during-unlock', 'KNOWN LIMITATION: after the claim, while the unlock is at the API, the writer rewrites the row (PutItem)', "the writer's new lock, not overwritten"),
  duringUnlock('race-new-lockid-during-unlock', 'KNOWN LIMITATION: after the claim, while the unlock is at the API, the writer sets a new lockId', "the writer's new lock, not overwritten (the claim lingers until the run deadline)"),
  race('grace-sweep', 'grace G of 0, 60, 300, 3600 s: locks that expired 0.5·G and 0.9·G ago (G = 0: expiring in 10 s), and 1.1·G + 5 s ago', {
    outcome: '0 freed inside the grace, 0 kept past it (G=0s, G=60s, G=300s, G=3600s)',
    summary: NA,
    row: NA,
    run: NA,
    log: NA,
  }),
  race('grace-boundary', 'frozen clock, G = 60 s: a lock that expired exactly G ago, and one G + 1 ms ago', {
    outcome: 'exactly G ago: skipped: live; G + 1 ms ago: unlocked after 1 attempt',
    summary: NA,
    row: NA,
    run: NA,
    log: NA,
  }),
  race('grace-skewed-reaper-clock', "the reaper's clock 45 s ahead of the writers', G = 60 s", {
    outcome: 'recent: skipped: live; live: skipped: live; old: unlocked after 1 attempt',
    summary: NA,
    row: NA,
    run: NA,
    log: NA,
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
  api('api-404', '404 (the asset is gone at Scenario: the GET that verifies the lock answers 404)', {
    outcome: 'failed at verify: asset-not-found (HTTP 404); no unlock sent',
    summary: 'failures: asset-not-found 404',
    row: 'keeps its lock, no claim left; lastNotFoundAt recorded',
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-renewed-at-source', 'the row says stale, but Scenario holds a live lock (an editor re-locked; its mirror write lags)', {
    outcome: 'skipped: renewed-at-source; no unlock sent',
    summary: COUNTED,
    row: "healed: Scenario's live expiry, no (old) lockId, no claim; other attributes kept",
    run: GOES_ON,
    log: "warn: canvas stale in the table but live at Scenario; not unlocked, row healed with Scenario's expiry",
  }),
  api('api-get-503-persistent', 'the GET that verifies the lock answers 503 on every attempt', {
    outcome: 'failed at verify: server-error (HTTP 503); no unlock sent',
    summary: 'failures: server-error 503',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-get-hang-persistent', 'the GET that verifies the lock hangs past the request timeout on every attempt (harmless: nothing was unlocked)', {
    outcome: 'failed at verify: timeout; no unlock sent',
    summary: 'failures: timeout',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-apply-then-504-renewed', 'the API applies the unlock, then answers 504; the writer renewed the row meanwhile', {
    outcome: 'failed: server-error (HTTP 504); 1 request',
    summary: 'failures: server-error 504; warnings: possible-live-lock-unlock',
    row: "the writer's new lock, not overwritten",
    run: GOES_ON,
    log: 'error: canvas unlock failed and may have freed a live lock; row keeps its lock',
  }),
  api('api-apply-then-hang', 'the API applies the unlock, then never answers; nobody took the lock meanwhile', {
    outcome: 'unlocked after 2 attempts; 2 requests',
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-apply-then-reset-newcomer', 'the API applies the unlock, then cuts the connection; a newcomer locks the canvas at Scenario before the retry', {
    outcome: 'failed: network-error; 1 request',
    summary: 'failures: network-error; warnings: possible-live-lock-unlock',
    row: KEPT,
    run: GOES_ON,
    log: 'error: canvas unlock failed and may have freed a live lock; row keeps its lock',
  }),
  api('api-project-key-refused', "a key per project: the target's project key is refused (401); the other projects' canvases go on", {
    outcome: 'failed at verify: credentials-rejected (HTTP 401); no unlock sent',
    summary: 'failures: credentials-rejected 401',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-project-no-key', "a key per project: the target's project has no key and there is no default", {
    outcome: 'failed: no-credentials-for-project; no unlock sent',
    summary: 'failures: no-credentials-for-project',
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  ...DYNAMO_CASES,
  ...HOSTILE_CASES,
  ...RACE_CASES,
] as const satisfies readonly FaultCase[];

export type FaultCaseId = (typeof FAULT_CASES)[number]['id'];
export type CaseIdOf<A extends Area> = Extract<(typeof FAULT_CASES)[number], { area: A }>['id'];

export function casesOf<A extends Area>(area: A): Extract<(typeof FAULT_CASES)[number], { area: A }>[] {
  return FAULT_CASES.filter((c): c is Extract<(typeof FAULT_CASES)[number], { area: A }> => c.area === area);
}
