import type { FailureKind, SkipReason } from '#reaper/core/outcome';
import type { Expected, Log, Outcome, Row, RowChange, Run, RunCounts, Summary, Verdict } from './expectations';

/**
 * Every fault the suite injects, with the outcome the tests demand, as typed values (expectations.ts). The fault
 * tests observe the same values from what really happened (run summary, log lines, the row, the stand-in's request
 * log) and compare them with `expected`; docs/reliability.md is generated from this list (prose.ts renders the
 * values, print-reliability-table.ts the doc) and a test checks it is up to date. So the table can neither drift
 * from the tests nor claim an outcome no test sees.
 *
 * To add a case: add it here (its id, area, the fault in words, the expected values), add a scenario under the same
 * id in the area's scenarios file (TypeScript requires one), and regenerate the doc.
 */

/** Schedules the interleaving test runs under \`npm test\` (REAPER_INTERLEAVING_SCHEDULES overrides it; the soak runs 400). */
export const DEFAULT_INTERLEAVING_SCHEDULES = 48;

export type Area = 'API' | 'DynamoDB' | 'Hostile input' | 'Races';

export interface FaultCase {
  id: string;
  area: Area;
  fault: string;
  expected: Expected;
  /** Words the doc adds after a column's value, where a value would be contrived; no test computes or checks them. */
  notes?: Partial<Record<keyof Expected, string>>;
}

const KEPT = { row: 'kept' } as const satisfies Row;
const KEPT_CLAIMED = { row: 'kept-claimed' } as const satisfies Row;
const FREED = { row: 'freed' } as const satisfies Row;
const GOES_ON = { goesOn: true, othersNotUnlocked: [] } as const satisfies Run;
const GOES_ON_ALONE = { goesOn: true } as const satisfies Run;
const LOG_FAILED = {
  lines: [{ level: 'error', message: 'canvas unlock failed; row keeps its lock for the next run' }],
} as const satisfies Log;
const LOG_UNLOCKED = { lines: [{ level: 'info', message: 'canvas unlocked' }] } as const satisfies Log;
const LOG_SKIPPED = { lines: [{ level: 'info', message: 'canvas skipped' }] } as const satisfies Log;
const LOG_NOTHING = { lines: [] } as const satisfies Log;
const LOG_ROW_CHANGED = {
  lines: [{ level: 'warn', message: 'canvas unlocked but its row changed meanwhile; row left as is' }],
} as const satisfies Log;
const LOG_MAY_HAVE_FREED_LIVE = {
  lines: [{ level: 'error', message: 'canvas unlock failed and may have freed a live lock; row keeps its lock' }],
} as const satisfies Log;
const logRunFinished = (level: 'info' | 'warn') => ({ lines: [{ level, message: 'reap run finished' }] }) satisfies Log;
const COUNTED = {} as const satisfies Summary;
const POSSIBLE_LIVE_LOCK_UNLOCK = { warnings: ['possible-live-lock-unlock'] } satisfies Summary;

const unlocked = (attempts: number) => ({ status: 'unlocked', attempts }) as const satisfies Verdict;
const skipped = (reason: SkipReason) => ({ status: 'skipped', reason }) as const satisfies Verdict;
const failed = (kind: FailureKind, httpStatus?: number, step?: 'verify'): Verdict => ({
  status: 'failed',
  kind,
  ...(httpStatus === undefined ? {} : { httpStatus }),
  ...(step ? { step } : {}),
});
const ROW_CHANGED = { status: 'unlocked-row-changed' } as const satisfies Verdict;
/** The target canvas's verdict and its unlock requests; `waitHonoured`: the 2nd request came no earlier than asked. */
const canvas = (verdict: Verdict, unlockRequests: number, waitHonoured?: true): Outcome => ({
  canvas: verdict,
  unlockRequests,
  ...(waitHonoured ? { sentEarlyByMs: 0 } : {}),
});
const failure = (kind: FailureKind, httpStatus?: number): Summary => ({
  failure: { kind, ...(httpStatus === undefined ? {} : { httpStatus }) },
});
const allOnce = (n: number) => ({ requestsPerCanvas: { once: n, none: 0 } }) satisfies Outcome;
const noRequest = (n: number) => ({ requestsPerCanvas: { once: 0, none: n } }) satisfies Outcome;
const counts = (c: RunCounts) => ({ counts: c }) satisfies Summary;
const rows = (freed: number, unchanged: number) => ({ rows: { freed, unchanged } }) satisfies Row;

/** The builder of one area's cases. */
const inArea =
  <A extends Area>(area: A) =>
  <I extends string>(id: I, fault: string, expected: Expected, notes?: FaultCase['notes']) => ({
    id,
    area,
    fault,
    expected,
    ...(notes ? { notes } : {}),
  });
const db = inArea('DynamoDB');
/** The target canvas among two stale bystanders, the fault aimed at its own requests. */
const dbTarget = <I extends string>(id: I, fault: string, outcome: Outcome, summary: Summary, row: Row, log: Log, run: Run = GOES_ON) =>
  db(id, fault, { outcome, summary, row, run, log });
const DB_UNLOCKED = [canvas(unlocked(1), 1), COUNTED, FREED, LOG_UNLOCKED] as const;
const SIX_STALE_UNLOCKED = counts({ examined: 6, stale: 6, unlocked: 6, failed: 0 });

const DYNAMO_CASES = [
  db('db-scan-throttled-recovers', 'Scan throttled (ProvisionedThroughputExceededException) twice', {
    outcome: allOnce(6),
    summary: SIX_STALE_UNLOCKED,
    row: rows(6, 0),
    run: { sdkRetried: 2, operation: 'Scan' },
    log: logRunFinished('info'),
  }),
  db('db-scan-internal-error-recovers', 'Scan answered 500 InternalServerError once', {
    outcome: allOnce(6),
    summary: SIX_STALE_UNLOCKED,
    row: rows(6, 0),
    run: { sdkRetried: 1, operation: 'Scan' },
    log: logRunFinished('info'),
  }),
  db('db-scan-throttled-gives-up', 'Scan throttled on every attempt', {
    outcome: noRequest(6),
    summary: counts({ examined: 0, stale: 0, unlocked: 0, failed: 0, cutShort: 'store-error', stopDetailNames: 'throttling' }),
    row: rows(0, 6),
    run: { stopsAfterAttempts: 3, operation: 'Scan', atPage: 1, nextRun: { unlocks: 6, thenRequestsPerCanvas: { once: 6, none: 0 } } },
    log: logRunFinished('warn'),
  }),
  db('db-scan-second-page-gives-up', 'the 2nd Scan page throttled on every attempt (page size 3)', {
    outcome: { requestsPerCanvas: { once: 3, none: 3 } },
    summary: counts({ examined: 3, stale: 3, unlocked: 3, failed: 0, cutShort: 'store-error' }),
    row: rows(3, 3),
    run: {
      stopsAfterAttempts: 3,
      operation: 'Scan',
      atPage: 2,
      nextRun: { unlocks: 3, thenRequestsPerCanvas: { once: 6, none: 0 }, thenRows: { freed: 6, unchanged: 0 } },
    },
    log: logRunFinished('warn'),
  }),
  db(
    'db-page-boundary-writes',
    'between two Scan pages a writer renews one unread canvas and releases another (page size 2)',
    {
      outcome: { stillStaleUnlockedOnce: 4, writerCanvasesUnlocked: 0 },
      summary: counts({ examined: 6, stale: 4, unlocked: 4, failed: 0, skipped: { live: 1, notLocked: 1 } }),
      row: { row: 'as-writer-left-it' },
      run: { scanPages: 4, notExaminedOnce: [] },
      log: logRunFinished('info'),
    },
    { row: '(the renewed and the released row)' },
  ),
  dbTarget('db-claim-throttled-recovers', 'the claim (conditional UpdateItem) throttled twice', ...DB_UNLOCKED),
  dbTarget(
    'db-claim-throttled-gives-up',
    'the claim throttled on every attempt',
    canvas(failed('store-error'), 0),
    failure('store-error'),
    KEPT,
    LOG_FAILED,
  ),
  dbTarget('db-claim-applied-answer-lost', 'the claim applied, but its answer lost (500 after the write)', ...DB_UNLOCKED),
  dbTarget('db-claim-connection-dropped', 'the connection dropped on the claim request', ...DB_UNLOCKED),
  dbTarget('db-mark-throttled-recovers', 'the row update after the unlock throttled twice', ...DB_UNLOCKED),
  dbTarget(
    'db-mark-throttled-gives-up',
    'the row update after the unlock throttled on every attempt',
    canvas(failed('store-error'), 1),
    failure('store-error'),
    KEPT_CLAIMED,
    LOG_FAILED,
    {
      othersNotUnlocked: [],
      beforeLapse: skipped('claimed-by-other-run'),
      afterLapse: unlocked(1),
      unlockRequestsInAll: 2,
      rowAfterwards: 'freed',
    },
  ),
  dbTarget(
    'db-mark-applied-answer-lost',
    'the row update applied, but its answer lost (500 after the write; the SDK retries it)',
    ...DB_UNLOCKED,
  ),
  dbTarget(
    'db-release-claim-fails',
    'API 500 on every attempt, then giving the claim back throttled on every attempt',
    canvas(failed('server-error', 500), 3),
    failure('server-error', 500),
    KEPT_CLAIMED,
    { lines: [{ level: 'warn', message: 'releasing the claim failed; it lapses at the run deadline' }, ...LOG_FAILED.lines] },
  ),
  dbTarget(
    'db-claim-condition-renewed',
    'condition failure on the claim: a writer renewed the lock (UpdateItem) just before it',
    canvas(skipped('renewed'), 0),
    COUNTED,
    { row: { writerLockKept: true, claimLingers: false } },
    LOG_SKIPPED,
  ),
  dbTarget(
    'db-mark-condition-renewed',
    'condition failure on the row update: a writer renewed the lock after the unlock',
    canvas(ROW_CHANGED, 1),
    POSSIBLE_LIVE_LOCK_UNLOCK,
    { row: { writerLockKept: true, claimLingers: true } },
    LOG_ROW_CHANGED,
  ),
  db('db-brake-read-gives-up', "the brake row's read (GetItem of `#reaper-brake`, before the scan) throttled on every attempt", {
    outcome: noRequest(6),
    summary: counts({ examined: 0, stale: 0, unlocked: 0, failed: 0, cutShort: 'store-error' }),
    row: rows(0, 6),
    run: { stopsAfterAttempts: 3, operation: 'GetItem', nextRun: { unlocks: 6, thenRequestsPerCanvas: { once: 6, none: 0 } } },
    log: logRunFinished('warn'),
  }),
  db(
    'db-brake-trip-not-saved',
    '30 newly stale canvases of one project trip the brake, and saving its engagement (UpdateItem of `#reaper-brake`) throttled on every attempt',
    {
      outcome: noRequest(30),
      summary: { warnings: ['brake-state-not-saved'], cutShort: 'brake' },
      row: rows(0, 30),
      run: { brakeHolds: ['default'], engagedInRow: false, marksMoved: false },
      log: {
        lines: [
          { level: 'error', message: 'mass-expiry brake tripped: newly stale locks held, not unlocked, until a person releases the brake' },
          { level: 'warn', message: 'reap run finished' },
        ],
      },
    },
  ),
  db(
    'db-brake-marks-not-saved',
    'saving the marks at the end of a complete run (UpdateItem of `#reaper-brake`) throttled on every attempt',
    {
      outcome: allOnce(6),
      summary: SIX_STALE_UNLOCKED,
      row: rows(6, 0),
      run: GOES_ON_ALONE,
      log: {
        lines: [
          { level: 'warn', message: "saving the brake's marks failed; the next run looks back to the older ones" },
          { level: 'info', message: 'reap run finished' },
        ],
      },
    },
  ),
  db('db-batchget-unprocessed-recovers', 'manual run: BatchGetItem leaves every key unprocessed twice', {
    outcome: allOnce(3),
    summary: counts({ examined: 3, stale: 3, unlocked: 3, failed: 0 }),
    row: rows(3, 0),
    run: { batchGetRounds: 3, waitsMs: [50, 100], stops: false },
    log: logRunFinished('info'),
  }),
  db('db-batchget-unprocessed-gives-up', 'manual run: BatchGetItem leaves every key unprocessed, every round', {
    outcome: noRequest(3),
    summary: counts({ examined: 0, stale: 0, unlocked: 0, failed: 0, cutShort: 'store-error' }),
    row: rows(0, 3),
    run: { batchGetRounds: 8, waitsMs: [50, 100, 200, 400, 800, 1600, 3200], stops: true },
    log: logRunFinished('warn'),
  }),
  db('db-batchget-throttled-gives-up', 'manual run: BatchGetItem throttled on every attempt', {
    outcome: noRequest(3),
    summary: counts({ examined: 0, stale: 0, unlocked: 0, failed: 0, cutShort: 'store-error' }),
    row: rows(0, 3),
    run: { stopsAfterAttempts: 3, operation: 'BatchGetItem', notTrackedReported: 0 },
    log: logRunFinished('warn'),
  }),
];

const hostile = inArea('Hostile input');
const NOT_AN_ID = 'assetId is not "asset_" followed by letters, digits, "_" or "-"';
/** The run goes on (its ordinary stale bystander unlocked), and every request it sent is on the API's asset paths. */
const onPath = (requestsForIt: number) => ({ goesOn: true, othersNotUnlocked: [], requestsForIt, offPathRequests: [] }) satisfies Run;
/** A row the reaper refuses to act on: reported, untouched (or, injected into a Scan answer, never in the table), no request. */
const refusedRow = <I extends string>(id: I, fault: string, problem: string, stored: 'in-table' | 'injected' = 'in-table') =>
  hostile(id, fault, {
    outcome: { verdict: { status: 'invalid', problem } },
    summary: { invalidRow: true },
    row: stored === 'in-table' ? KEPT : { notInTable: true },
    run: onPath(0),
    log: { lines: [{ level: 'warn', message: 'tracked row is invalid; left untouched' }] },
  });
const NOTHING_DONE = { nothingDone: { secretReads: 0, apiRequests: 0 } } as const satisfies Run;
const refusedPayload = <I extends string>(id: I, fault: string, firstProblem: string) =>
  hostile(id, fault, {
    outcome: { payloadRejected: { firstProblem } },
    summary: { invocationFails: true },
    row: KEPT,
    run: NOTHING_DONE,
    log: { lines: [{ level: 'error', message: 'invoke payload rejected; nothing was done' }] },
  });
/** `SCENARIO_API_BASE_URL` values the cold start refuses, each tried: nothing is asked of the API. */
const refusedBaseUrls = <I extends string>(id: I, fault: string, tried: number) =>
  hostile(
    id,
    fault,
    {
      outcome: { refusedAtStart: tried, of: tried, variable: 'SCENARIO_API_BASE_URL' },
      summary: { invocationFails: true },
      row: null,
      run: { nothingDone: { apiRequests: 0 } },
      log: null,
    },
    { log: 'none: the cold start fails with the error' },
  );
/** npm run reap from a laptop 2 minutes ahead of DynamoDB's clock: refused with exit 2 after one GetItem. */
const laptopClockAhead = <I extends string>(id: I, fault: string, allowedSeconds: number, graceSeconds: number) =>
  hostile(id, fault, {
    outcome: { exitCode: 2, clockAheadMinutes: 2, allowedSeconds, graceSeconds },
    summary: null,
    row: KEPT,
    run: { nothingDone: { apiRequests: 0, dynamoOperations: ['GetItem'] } },
    log: { stderr: 'clock error, nothing done' },
  });
const acceptedPayload = <I extends string>(id: I, fault: string) =>
  hostile(id, fault, {
    outcome: { unlockCount: 1, unlockRequests: 1 },
    summary: counts({ examined: 1, unlocked: 1 }),
    row: FREED,
    run: GOES_ON_ALONE,
    log: LOG_UNLOCKED,
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
  refusedRow('row-id-2kb', "row id of 2,000 characters (about DynamoDB's key limit)", 'assetId is 2000 characters long (at most 128)'),
  refusedRow('row-id-empty', 'row id `""` (DynamoDB refuses it as a key; injected into a Scan answer)', 'assetId is empty', 'injected'),
  refusedRow('row-id-10kb', 'row id of 10 KB (injected into a Scan answer)', 'assetId is 10240 characters long (at most 128)', 'injected'),
  refusedRow('row-id-number', 'row whose assetId is a number (injected into a Scan answer)', NOT_AN_ID, 'injected'),
  refusedRow('row-id-missing', 'row without assetId (injected into a Scan answer)', NOT_AN_ID, 'injected'),
  refusedRow('row-exp-number', '`lockExpiresAt` as a number', 'lockExpiresAt is a DynamoDB N ("1700000000"), not an ISO-8601 string'),
  refusedRow(
    'row-exp-no-zone',
    '`lockExpiresAt` without a time zone',
    'lockExpiresAt "2020-01-01T00:00:00" is not an ISO-8601 date-time with a time zone',
  ),
  refusedRow('row-exp-empty', '`lockExpiresAt` an empty string', 'lockExpiresAt "" is not an ISO-8601 date-time with a time zone'),
  refusedRow(
    'row-exp-date-only',
    '`lockExpiresAt` a date without a time',
    'lockExpiresAt "2020-01-01" is not an ISO-8601 date-time with a time zone',
  ),
  refusedRow('row-exp-not-real', '`lockExpiresAt` on February 30th', 'lockExpiresAt "2024-02-30T10:00:00Z" is not a real date and time'),
  refusedRow(
    'row-exp-10kb',
    '`lockExpiresAt` a 10 KB string',
    `lockExpiresAt "${'9'.repeat(79)}…(10002 chars) is not an ISO-8601 date-time with a time zone`,
  ),
  refusedRow('row-exp-bool', '`lockExpiresAt` a boolean', 'lockExpiresAt is a DynamoDB BOOL (true), not an ISO-8601 string'),
  refusedRow(
    'row-exp-map',
    '`lockExpiresAt` a map',
    'lockExpiresAt is a DynamoDB M ({"at":{"S":"2020-01-01T00:00:00Z"}}), not an ISO-8601 string',
  ),
  hostile('row-exp-far-past', '`lockExpiresAt` far in the past (`0001-01-01T00:00:00Z`)', {
    outcome: { verdict: unlocked(1) },
    summary: COUNTED,
    row: FREED,
    run: onPath(2),
    log: LOG_UNLOCKED,
  }),
  hostile('row-exp-far-future', '`lockExpiresAt` far in the future (`9999-12-31T23:59:59Z`)', {
    outcome: { verdict: skipped('live') },
    summary: COUNTED,
    row: KEPT,
    run: onPath(0),
    log: LOG_NOTHING,
  }),
  hostile('row-lockid-number', 'stale row whose `lockId` is a number', {
    outcome: { verdict: unlocked(1) },
    summary: COUNTED,
    row: FREED,
    run: onPath(2),
    log: LOG_UNLOCKED,
  }),
  hostile(
    'adapter-hostile-ids',
    'the lock API adapter called directly with `..`, `.`, `""`, `a/b`, `x?y`, `x#y`, `%2F`, unicode, 10 KB ids',
    {
      outcome: { adapterResults: [{ kind: 'request-rejected', attempts: 0 }] },
      summary: null,
      row: null,
      run: { adapterRequests: 0 },
      log: null,
    },
  ),
  refusedPayload('payload-dryrun-string', 'manual payload `{"dryRun":"yes"}`', 'dryRun must be true or false, got "yes"'),
  refusedPayload(
    'payload-grace-fraction',
    'manual payload `{"graceSeconds":1.5}`',
    'graceSeconds must be a whole number of seconds from 0 to 604800, got 1.5',
  ),
  refusedPayload(
    'payload-grace-string',
    'manual payload `{"graceSeconds":"60"}`',
    'graceSeconds must be a whole number of seconds from 0 to 604800, got "60"',
  ),
  refusedPayload('payload-ids-string', 'manual payload `{"assetIds":"asset_x"}`', 'assetIds must be an array of asset ids, got string'),
  refusedPayload('payload-ids-numbers', 'manual payload `{"assetIds":[1,null]}`', 'assetIds[0] 1: assetId must be a string, got number'),
  refusedPayload(
    'payload-ids-hostile',
    'manual payload naming `asset_x/../admin`, `..`, `asset_%2F`, `asset_é`, `""`',
    'assetIds[0] "asset_x/../admin": assetId is not "asset_" followed by letters, digits, "_" or "-"',
  ),
  refusedPayload('payload-ids-empty', 'manual payload `{"assetIds":[]}`', 'assetIds is empty (omit it to reap every tracked canvas)'),
  refusedPayload('payload-ids-10k', 'manual payload with 10,000 asset ids', 'assetIds has 10000 entries (at most 1000 per run)'),
  refusedPayload('payload-extra-field', 'manual payload with an extra field `{"dryRun":true,"force":true}`', 'unknown field "force"'),
  refusedPayload('payload-number', 'payload `42`', 'the payload must be a JSON object, got number'),
  refusedPayload('payload-string', 'payload `"reap"`', 'the payload must be a JSON object, got string'),
  acceptedPayload('payload-ids-duplicates', 'manual payload naming the same stale canvas 3 times'),
  refusedPayload(
    'payload-event-lookalike',
    'an event look-alike `{"source":"ops","detail-type":"manual","dryRun":true,"assetIds":["asset_x"]}` (it used to run a real reap of the whole table)',
    'not a scheduled event (source "ops" is neither "aws.scheduler" nor "aws.events"); read as a manual payload',
  ),
  refusedPayload(
    'payload-schedule-input-plus-field',
    'the schedule\'s input with `"dryRun":true` added',
    'not a scheduled event (as the stack\'s schedule input: field "dryRun" is not part of one); read as a manual payload',
  ),
  refusedPayload(
    'payload-rule-event-with-detail',
    "an EventBridge rule's Scheduled Event whose `detail` names assets",
    'not a scheduled event (as an EventBridge rule\'s Scheduled Event: detail {"assetIds":["asset_x"]} is not what it would carry); read as a manual payload',
  ),
  acceptedPayload('payload-schedule-input', "the schedule's input as Scheduler sends it (its tick time and schedule ARN filled in)"),
  acceptedPayload('payload-rule-event', "an EventBridge rule's Scheduled Event (all its standard fields)"),
  hostile('payload-problems-capped', 'manual payload with 50 unknown fields', {
    outcome: { payloadRejected: { problemsListed: 20, lastProblem: '…and 30 more' } },
    summary: { invocationFails: true },
    row: KEPT,
    run: NOTHING_DONE,
    log: { lines: [{ level: 'error', message: 'invoke payload rejected; nothing was done' }] },
  }),
  hostile(
    'brake-entry-damaged',
    "the brake row's entry for a project is damaged (an unknown state, `trippedAtMs` and `heldSinceMs` not numbers)",
    {
      outcome: { verdicts: { 'stale 2 h ago': skipped('held-by-brake'), 'stale 2 days ago': unlocked(1) } },
      summary: { cutShort: 'brake' },
      row: rows(1, 1),
      run: { brakeHolds: ['proj_dmg'], engagedInRow: true, marksMoved: true },
      log: LOG_SKIPPED,
    },
    { outcome: '(read as engaged since now, holding the last 24 h: a damaged entry frees nothing it might hold)' },
  ),
  hostile(
    'secret-error-message-spellings',
    'npm run reap: a 400 whose `message` quotes a JSON-escaped signed URL (`https:\\/\\/cdn…?X-Amz-Signature=…`), a percent-encoded one, a `#token=…` fragment and a lowercase `basic …` credential',
    {
      outcome: canvas(failed('request-rejected', 400), 1),
      summary: { failure: { kind: 'request-rejected', httpStatus: 400 }, failureRedactions: 4 },
      row: KEPT,
      run: { exitCode: 1, summaryOnStdout: true, failureTableOnStderr: true },
      log: LOG_FAILED,
    },
  ),
  hostile(
    'secret-asset-odd-places',
    'a 200 unlock answer whose asset carries signed URLs as object keys of non-string fields (`kind`, `metadata.type`), in a list, protocol-relative, JSON-escaped, CloudFront-style and as a `#token=` fragment',
    {
      outcome: { verdict: unlocked(1) },
      summary: COUNTED,
      row: FREED,
      run: { assetRecord: { assetId: 'asset_secretAsset', lockExpiresAt: '#token=[redacted]', name: '[redacted]', status: 'success' } },
      log: {
        lines: [
          {
            level: 'info',
            message: 'canvas unlocked',
            redactedUrls: ['kind.[key]', 'privacy[0]', 'url', 'metadata.name', 'metadata.type.[key]', 'metadata.description'],
          },
        ],
      },
    },
  ),
  hostile(
    'secret-thrown-error',
    'the handler: refused credentials (401) whose `message` carries a percent-encoded signed URL and a `#token=` fragment',
    {
      outcome: { thrown: 'ReapRunError' },
      summary: { failure: { kind: 'credentials-rejected', httpStatus: 401 }, cutShort: 'credentials-rejected' },
      row: KEPT,
      run: { thrownRedactions: 2 },
      log: LOG_FAILED,
    },
  ),
  hostile(
    'secret-ops-output',
    'a tracked row whose `lockId` is a signed URL, shown by `ops status`, `ops status --json` and `ops untrack`',
    {
      outcome: { redactedLockIdShown: 3 },
      summary: null,
      row: { row: 'untracked' },
      run: { exitCodes: [0, 0, 0] },
      log: null,
    },
  ),
  refusedBaseUrls(
    'config-base-url-hidden-parts',
    '`SCENARIO_API_BASE_URL` of `https://api…/v1?` (a bare `?` leaves url.search empty), `…/v1#`, `…/v1/../admin`, `…/v1/%2e%2e/admin`, `https://api…\\v1`',
    5,
  ),
  laptopClockAhead(
    'local-run-clock-ahead',
    "npm run reap from a laptop whose clock is 2 minutes ahead of DynamoDB's `Date` header (a lock that expired 90 s ago, grace 60 s)",
    15,
    60,
  ),
  laptopClockAhead(
    'local-run-clock-ahead-long-grace',
    'the same laptop, 2 minutes ahead, asking for a 7-day grace (`--grace-seconds 604800`): the allowed skew stops at 60 s whatever the grace',
    60,
    604800,
  ),
  hostile(
    'secret-asset-url-spellings',
    'a 200 unlock answer whose `status`, `ownerId`, `authorId`, `mimeType` and `metadata.name` are URLs spelled `https:/\\/…?hmac=`, `cdn…/o.png?hmac=` (no scheme), `https:\\u002f\\u002f…`, `…;jsessionid=` and `https:\\\\…\\n.png?hmac=` (a parameter name on no list)',
    {
      outcome: { verdict: unlocked(1) },
      summary: COUNTED,
      row: FREED,
      run: {
        assetRecord: {
          assetId: 'asset_urlSpellings',
          authorId: '[redacted]',
          mimeType: '[redacted]',
          name: '[redacted]',
          ownerId: '[redacted]',
          status: '[redacted]',
        },
      },
      log: {
        lines: [
          { level: 'info', message: 'canvas unlocked', redactedUrls: ['status', 'ownerId', 'authorId', 'mimeType', 'metadata.name'] },
        ],
      },
    },
  ),
  refusedBaseUrls(
    'config-base-url-encoded',
    '`SCENARIO_API_BASE_URL` with a percent-encoded `?` or `#`: `https://api…/v1%3F`, `…/v1%3fx=1`, `…/v1%23top`',
    3,
  ),
  hostile(
    'local-run-terminal-controls',
    'npm run reap --json over a row whose id carries a C1 CSI (U+009B) and bidi overrides (U+202E, U+2066, U+2069)',
    {
      outcome: { verdict: { status: 'invalid', problem: NOT_AN_ID } },
      summary: { invalidRow: true },
      row: KEPT,
      run: { exitCode: 1, summaryOnStdout: true },
      log: { jsonLines: 1, rawTerminalControls: 0 },
    },
  ),
  hostile(
    'local-projects-file-open',
    'npm run reap with `SCENARIO_PROJECTS_FILE` of mode 0640 (group may read), and as a symlink to a 0600 file',
    {
      outcome: { cli: 'npm run reap', refused: 2, of: 2, exitCode: 2, said: 'reap: credentials error: projects file' },
      summary: null,
      row: KEPT,
      run: { nothingDone: { apiRequests: 0 } },
      log: null,
    },
  ),
  hostile(
    'local-world-state-planted',
    '`npm run local -- --print-env` (real processes) where the per-user state folder is open to all (0777), and where the state file is a symlink',
    {
      outcome: {
        cli: 'npm run local -- --print-env',
        refused: 2,
        of: 2,
        exitCode: 2,
        said: 'local: <the folder or file> is not trusted',
      },
      summary: null,
      row: null,
      run: null,
      log: null,
    },
    { run: 'nothing printed on stdout, so an eval runs nothing' },
  ),
  hostile(
    'ops-invoke-not-a-summary',
    '`ops invoke` (a real process) against a function that answers JSON that is not a run summary (`{"statusCode":200,"body":"xxx…"}`, 5 KB)',
    {
      outcome: {
        cli: 'ops invoke',
        refused: 1,
        of: 1,
        exitCode: 1,
        said: 'ops invoke: SomethingElse-Api answered JSON that is not a run summary',
      },
      summary: null,
      row: null,
      run: { adapterRequests: 1 },
      log: null,
    },
    { run: '(the one Invoke; the answer shown clipped to 200 characters, escaped)' },
  ),
  hostile(
    'local-run-interrupted',
    'SIGINT to npm run reap (a real process, one canvas at a time) while the first of 4 stale canvases is at the API',
    {
      outcome: { unlocked: 1, runStopped: 3 },
      summary: { cutShort: 'interrupted' },
      row: { rows: { freed: 1, unchanged: 3, claimsLeft: 0 } },
      run: { exitCode: 1, summaryOnStdout: true, apiRequests: 2 },
      log: { stderr: 'SIGINT: stopping, no canvas starts' },
    },
  ),
  hostile(
    'db-scan-hangs',
    'the handler: every Scan hangs (no answer); the DynamoDB client has a request and a connection timeout (300 ms here)',
    {
      outcome: { apiRequests: 0 },
      summary: counts({ examined: 0, cutShort: 'store-error', stopDetailNames: 'timeout' }),
      row: KEPT,
      run: { stopsAfterAttempts: 4, operation: 'Scan', thrown: 'ReapRunError' },
      log: logRunFinished('warn'),
    },
    { run: "(4: the SDK's default for DynamoDB; each attempt ended by the client's timeout)" },
  ),
  refusedRow(
    'row-project-reserved',
    'row whose `projectId` is `__proto__` (`constructor` and `prototype` alike: names every JavaScript object has)',
    'projectId "__proto__" is reserved (a name every JavaScript object has) ("__proto__")',
  ),
  hostile('row-project-inherited-name', 'row whose `projectId` is `toString` (a name every object inherits, but an ordinary id)', {
    outcome: { verdict: unlocked(1) },
    summary: COUNTED,
    row: FREED,
    run: onPath(2),
    log: LOG_UNLOCKED,
  }),
  hostile('secret-project-reserved', 'the handler: a secret naming a project `constructor` beside a valid default pair', {
    outcome: { thrown: 'CredentialsError' },
    summary: { invocationFails: true },
    row: KEPT,
    run: { nothingDone: { secretReads: 1, apiRequests: 0 } },
    log: { lines: [{ level: 'error', message: 'credentials unavailable; nothing was done' }] },
  }),
  hostile('key-forbidden-one-asset', 'Scenario answers 403 to the unlock of one asset; the key unlocks the others', {
    outcome: canvas(failed('forbidden', 403), 1),
    summary: failure('forbidden', 403),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  hostile(
    'key-forbidden-two-assets',
    'a key that may read but not unlock: the unlocks of two different assets answer 403, none 2xx (one key, one canvas at a time)',
    {
      outcome: {
        verdicts: { first: failed('forbidden', 403), second: failed('forbidden', 403), third: skipped('run-stopped') },
      },
      summary: counts({ examined: 3, stale: 3, unlocked: 0, failed: 2, skipped: { runStopped: 1 }, cutShort: 'credentials-rejected' }),
      row: rows(0, 3),
      run: { stops: 'credentials-rejected', requestsAfterIt: [], notTriedUnaccounted: [] },
      log: LOG_FAILED,
    },
  ),
  hostile(
    'not-found-without-success',
    'a wrong base URL answers 404 for the only three stale canvases (fewer than the suspect-base-url count), no 2xx',
    {
      outcome: canvas(failed('asset-not-found', 404, 'verify'), 0),
      summary: failure('asset-not-found', 404),
      row: KEPT,
      run: { goesOn: true, othersNotUnlocked: ['asset_nf_no_success_b1', 'asset_nf_no_success_b2'] },
      log: LOG_FAILED,
    },
    { row: '(no `lastNotFoundAt`: its key had no 2xx in the run)' },
  ),
];

const race = inArea('Races');
const NOTHING_AT_WARN = { warnOrAbove: [] } as const satisfies Log;
const beforeClaim = <I extends string>(id: I, fault: string, verdict: Verdict, row: RowChange, log: Log) =>
  race(id, fault, { outcome: canvas(verdict, 0), summary: COUNTED, row: { row }, run: GOES_ON_ALONE, log });
const duringUnlock = <I extends string>(id: I, fault: string, claimLingers: boolean) =>
  race(id, fault, {
    outcome: canvas(ROW_CHANGED, 1),
    summary: POSSIBLE_LIVE_LOCK_UNLOCK,
    row: { row: { writerLockKept: true, claimLingers } },
    run: GOES_ON_ALONE,
    log: LOG_ROW_CHANGED,
  });
/** Only the canvases' verdicts are compared. */
const verdictsOnly = <I extends string>(id: I, fault: string, outcome: Outcome) =>
  race(id, fault, { outcome, summary: null, row: null, run: null, log: null });

const RACE_CASES = [
  race('race-four-overlapping-runs', 'four reap runs overlap on 24 stale canvases (different concurrency, two reading 5-row pages)', {
    outcome: { unlockedOnce: { once: 24, none: 0 }, unlockRequestsInAll: 24 },
    summary: { unlockedInAll: 24, failedInAll: 0, warningsInAll: 0, notAccountedFor: [] },
    row: { notFreed: [], claimsLeftOn: [] },
    run: { runs: 4, distinctUnlocked: 24 },
    log: NOTHING_AT_WARN,
  }),
  race('race-cli-and-lambda', 'the Lambda handler and the CLI reap the same 16 stale canvases at the same time', {
    outcome: { unlockedOnce: { once: 16, none: 0 }, unlockRequestsInAll: 16 },
    summary: { unlockedInAll: 16 },
    row: { notFreed: [] },
    run: { cliExitCode: 0, lambdaReturnedSummary: true },
    log: NOTHING_AT_WARN,
  }),
  beforeClaim(
    'race-renew-update-before-claim',
    'between read and claim, the writer renews (UpdateItem: new expiry and lockId)',
    skipped('renewed'),
    'as-writer-left-it',
    LOG_SKIPPED,
  ),
  beforeClaim(
    'race-renew-put-before-claim',
    'between read and claim, the writer rewrites the whole row (PutItem)',
    skipped('renewed'),
    'as-writer-left-it',
    LOG_SKIPPED,
  ),
  beforeClaim(
    'race-new-lockid-before-claim',
    'between read and claim, the writer sets a new lockId only (same expiry)',
    skipped('renewed'),
    'as-writer-left-it',
    LOG_SKIPPED,
  ),
  beforeClaim(
    'race-release-before-claim',
    'between read and claim, the writer releases the lock',
    skipped('not-locked'),
    'as-writer-left-it',
    LOG_NOTHING,
  ),
  beforeClaim(
    'race-delete-before-claim',
    'between read and claim, the row is deleted (canvas untracked)',
    skipped('not-tracked'),
    'still-deleted',
    LOG_SKIPPED,
  ),
  duringUnlock(
    'race-renew-update-during-unlock',
    'KNOWN LIMITATION: after the claim, while the unlock is at the API, the writer renews (UpdateItem)',
    true,
  ),
  duringUnlock(
    'race-renew-put-during-unlock',
    'KNOWN LIMITATION: after the claim, while the unlock is at the API, the writer rewrites the row (PutItem)',
    false,
  ),
  duringUnlock(
    'race-new-lockid-during-unlock',
    'KNOWN LIMITATION: after the claim, while the unlock is at the API, the writer sets a new lockId',
    true,
  ),
  verdictsOnly(
    'grace-sweep',
    'grace G of 0, 60, 300, 3600 s: locks that expired 0.5·G and 0.9·G ago (G = 0: expiring in 10 s), and 1.1·G + 5 s ago',
    {
      grace: { freedInside: 0, keptPast: 0, gracesSeconds: [0, 60, 300, 3600] },
    },
  ),
  verdictsOnly('grace-boundary', 'frozen clock, G = 60 s: a lock that expired exactly G ago, and one G + 1 ms ago', {
    verdicts: { 'exactly G ago': skipped('live'), 'G + 1 ms ago': unlocked(1) },
  }),
  verdictsOnly('grace-skewed-reaper-clock', "the reaper's clock 45 s ahead of the writers', G = 60 s", {
    verdicts: { recent: skipped('live'), live: skipped('live'), old: unlocked(1) },
  }),
];

const api = inArea('API');

export const FAULT_CASES = [
  api('api-429-retry-after-seconds', '429 with `Retry-After: 1`', {
    outcome: canvas(unlocked(2), 2, true),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-429-retry-after-date', '429 with `Retry-After` as an HTTP-date ~2 s ahead', {
    outcome: canvas(unlocked(2), 2, true),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-429-retry-after-huge-seconds', '429 with `Retry-After: 3600` (past the run budget)', {
    outcome: canvas(failed('rate-limited', 429), 1),
    summary: failure('rate-limited', 429),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-retry-after-huge-date', '429 with `Retry-After` as an HTTP-date an hour ahead', {
    outcome: canvas(failed('rate-limited', 429), 1),
    summary: failure('rate-limited', 429),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-ratelimit-reset-huge', '429 with no `Retry-After` but `RateLimit-Reset: 3600` (ky honours it too)', {
    outcome: canvas(failed('rate-limited', 429), 1),
    summary: failure('rate-limited', 429),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-retry-after-garbage', '429 with an unreadable `Retry-After: soon`', {
    outcome: canvas(unlocked(2), 2),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-429-no-retry-after-persistent', '429 without `Retry-After`, 3 times (every attempt)', {
    outcome: canvas(failed('rate-limited', 429), 3),
    summary: failure('rate-limited', 429),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-429-no-retry-after-once', '429 without `Retry-After`, once', {
    outcome: canvas(unlocked(2), 2),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-503-retry-after', '503 with `Retry-After: 1`', {
    outcome: canvas(unlocked(2), 2, true),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  ...([500, 502, 503, 504] as const).map((status) =>
    api(`api-${status}-persistent` as const, `${status} on every attempt`, {
      outcome: canvas(failed('server-error', status), 3),
      summary: failure('server-error', status),
      row: KEPT,
      run: GOES_ON,
      log: LOG_FAILED,
    }),
  ),
  api('api-502-once', '502 once, then a normal answer', {
    outcome: canvas(unlocked(2), 2),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-hang-persistent', 'every attempt hangs past the 300 ms request timeout', {
    outcome: canvas(failed('timeout'), 3),
    summary: failure('timeout'),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-hang-once', 'one attempt hangs past the request timeout, the next answers', {
    outcome: canvas(unlocked(2), 2),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-hang-past-deadline', 'a request hangs past the run deadline (request timeout longer than the budget)', {
    outcome: canvas(failed('out-of-time'), 1),
    summary: { ...failure('out-of-time'), cutShort: 'time-budget' },
    row: KEPT,
    run: { stops: 'time-budget', requestsAfterIt: [], notTriedUnaccounted: [] },
    log: LOG_FAILED,
  }),
  api('api-reset-mid-response', 'connection reset in the middle of a 200 answer', {
    outcome: canvas(failed('network-error'), 1),
    summary: failure('network-error'),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-connection-refused-once', 'connection reset before any answer, once', {
    outcome: canvas(unlocked(2), 2),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api('api-connection-reset-persistent', 'connection reset before any answer, every attempt', {
    outcome: canvas(failed('network-error'), 3),
    summary: failure('network-error'),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-200-not-json', '200 whose body is HTML, not JSON', {
    outcome: canvas(failed('bad-response', 200), 1),
    summary: failure('bad-response', 200),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-200-other-asset', '200 whose asset id is not the one requested', {
    outcome: canvas(failed('bad-response', 200), 1),
    summary: failure('bad-response', 200),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-200-no-asset', '200 with JSON but no `asset` object', {
    outcome: canvas(failed('bad-response', 200), 1),
    summary: failure('bad-response', 200),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-400', '400', {
    outcome: canvas(failed('request-rejected', 400), 1),
    summary: failure('request-rejected', 400),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-400-echoing-credentials', '400 whose body echoes the Authorization header and a signed URL', {
    outcome: canvas(failed('request-rejected', 400), 1),
    summary: failure('request-rejected', 400),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-401', '401 (the one key of the credentials is refused)', {
    outcome: canvas(failed('credentials-rejected', 401), 1),
    summary: { ...failure('credentials-rejected', 401), cutShort: 'credentials-rejected' },
    row: KEPT,
    run: { stops: 'credentials-rejected', requestsAfterIt: [], notTriedUnaccounted: [] },
    log: LOG_FAILED,
  }),
  api('api-403', '403 on one asset (its unlock refused to the key; other assets answer 2xx)', {
    outcome: canvas(failed('forbidden', 403), 1),
    summary: failure('forbidden', 403),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-404', '404 (the asset is gone at Scenario: the GET that verifies the lock answers 404)', {
    outcome: canvas(failed('asset-not-found', 404, 'verify'), 0),
    summary: failure('asset-not-found', 404),
    row: { row: 'kept-not-found-recorded' },
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-renewed-at-source', 'the row says stale, but Scenario holds a live lock (an editor re-locked; its mirror write lags)', {
    outcome: canvas(skipped('renewed-at-source'), 0),
    summary: COUNTED,
    row: { row: 'healed' },
    run: GOES_ON,
    log: {
      lines: [
        { level: 'warn', message: "canvas stale in the table but live at Scenario; not unlocked, row healed with Scenario's expiry" },
      ],
    },
  }),
  api('api-get-503-persistent', 'the GET that verifies the lock answers 503 on every attempt', {
    outcome: canvas(failed('server-error', 503, 'verify'), 0),
    summary: failure('server-error', 503),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api(
    'api-get-hang-persistent',
    'the GET that verifies the lock hangs past the request timeout on every attempt (harmless: nothing was unlocked)',
    {
      outcome: canvas(failed('timeout', undefined, 'verify'), 0),
      summary: failure('timeout'),
      row: KEPT,
      run: GOES_ON,
      log: LOG_FAILED,
    },
  ),
  api('api-apply-then-504-renewed', 'the API applies the unlock, then answers 504; the writer renewed the row meanwhile', {
    outcome: canvas(failed('server-error', 504), 1),
    summary: { ...failure('server-error', 504), ...POSSIBLE_LIVE_LOCK_UNLOCK },
    row: { row: { writerLockKept: true, claimLingers: false } },
    run: GOES_ON,
    log: LOG_MAY_HAVE_FREED_LIVE,
  }),
  api('api-apply-then-hang', 'the API applies the unlock, then never answers; nobody took the lock meanwhile', {
    outcome: canvas(unlocked(2), 2),
    summary: COUNTED,
    row: FREED,
    run: GOES_ON,
    log: LOG_UNLOCKED,
  }),
  api(
    'api-apply-then-reset-newcomer',
    'the API applies the unlock, then cuts the connection; a newcomer locks the canvas at Scenario before the retry',
    {
      outcome: canvas(failed('network-error'), 1),
      summary: { ...failure('network-error'), ...POSSIBLE_LIVE_LOCK_UNLOCK },
      row: KEPT,
      run: GOES_ON,
      log: LOG_MAY_HAVE_FREED_LIVE,
    },
  ),
  api('api-get-lock-no-zone', 'the GET that verifies the lock shows `lockExpiresAt` `2099-01-01T00:00:00` (no time zone)', {
    outcome: canvas(failed('bad-response', 200, 'verify'), 0),
    summary: failure('bad-response', 200),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-get-lock-number', 'the GET that verifies the lock shows `lockExpiresAt` as the number `4102444800000`', {
    outcome: canvas(failed('bad-response', 200, 'verify'), 0),
    summary: failure('bad-response', 200),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-get-metadata-absent', 'the GET that verifies the lock answers an asset without `metadata`', {
    outcome: canvas(failed('bad-response', 200, 'verify'), 0),
    summary: failure('bad-response', 200),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-get-redirect', 'the GET that verifies the lock answers 302 to another host (which would show no lock)', {
    outcome: canvas(failed('unexpected-redirect', 302, 'verify'), 0),
    summary: failure('unexpected-redirect', 302),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-put-redirect', 'the unlock answers 307 to another host', {
    outcome: canvas(failed('unexpected-redirect', 307), 1),
    summary: failure('unexpected-redirect', 307),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-get-body-drip', "the GET's 200 body drips one byte every 0.5 s, on every attempt (ky's own timer stops at the headers)", {
    outcome: canvas(failed('timeout', undefined, 'verify'), 0),
    summary: failure('timeout'),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-put-body-drip', "the unlock's 200 body drips one byte every 0.5 s; nobody took the lock meanwhile", {
    outcome: canvas(failed('timeout'), 1),
    summary: failure('timeout'),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-project-key-refused', "a key per project: the target's project key is refused (401); the other projects' canvases go on", {
    outcome: canvas(failed('credentials-rejected', 401, 'verify'), 0),
    summary: failure('credentials-rejected', 401),
    row: KEPT,
    run: GOES_ON,
    log: LOG_FAILED,
  }),
  api('api-project-no-key', "a key per project: the target's project has no key and there is no default", {
    outcome: canvas(failed('no-credentials-for-project'), 0),
    summary: failure('no-credentials-for-project'),
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
