import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CloudWatchLogsStandIn, startCloudWatchLogsStandIn } from '#local/cloudwatch-logs-stand-in';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { createReaperHarness, type ReaperHarness } from '#test-support/reaper-harness';

/**
 * `ops explain`'s history reads the canvas's lines of a log group through the real CloudWatch Logs client against the
 * stand-in. A line of the canvas it cannot read (an outcome line with a field missing or of the wrong type, an
 * unknown status, a line cut off; an event whose envelope or detail is not what it claims) is reported as not
 * understood, with where it is and what is wrong, as `ops runs` and `ops events` do, and never listed as history.
 * The verdict does not change.
 */

const MINUTE = 60_000;
const ASSET = 'asset_history';

let logs: CloudWatchLogsStandIn;
let logsClient: CloudWatchLogsClient;
let groups = 0;
const harnesses: ReaperHarness[] = [];

beforeAll(async () => {
  logs = await startCloudWatchLogsStandIn({ pageSize: 3 });
  logsClient = new CloudWatchLogsClient({
    region: 'local',
    endpoint: logs.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  logsClient.destroy();
  await logs.close();
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** A table holding the canvas (no lock: a verdict whose words do not depend on the time), and an empty log group. */
async function historyWorld() {
  const h = await createReaperHarness();
  harnesses.push(h);
  await h.seed([{ assetId: ASSET, extra: { projectId: { S: 'main' } } }]);
  groups += 1;
  const logGroup = `/aws/lambda/explain-history-${groups}`;
  logs.createLogGroup(logGroup);
  const env = {
    [ENV.tableName]: h.tableName,
    [ENV.apiBaseUrl]: h.api.baseUrl,
    [ENV.localApiKey]: h.api.apiKey,
    [ENV.localApiSecret]: h.api.apiSecret,
    [ENV.maxRetries]: '0',
    AWS_REGION: 'local',
  };
  const explain = async (...argv: string[]) => {
    const result = await runOpsCapturing(['explain', ASSET, '--no-api', ...argv], {
      env,
      cwd: '/nonexistent',
      awsClients: { dynamo: h.client, secrets: unusedSecretsClient() },
      logs: logsClient,
    });
    return { ...result, json: argv.includes('--json') ? JSON.parse(result.stdout) : undefined };
  };
  const put = (minutesAgo: number, message: string, logStreamName = 'stream-a') => {
    const timestamp = Date.now() - minutesAgo * MINUTE;
    logs.putLogEvent(logGroup, { logStreamName, timestamp, message });
    return new Date(timestamp).toISOString();
  };
  return { h, logGroup, explain, put };
}

/**
 * An outcome line of the run's log as Lambda keeps it (a text prefix, then the logger's JSON, which always holds a
 * timestamp). The timestamp goes last unless given: where it stands does not matter to the reader, and the quoted start
 * of a line (clipped) then still shows the fields a test looks for.
 */
const outcomeLine = (fields: Record<string, unknown>) =>
  `2026-12-02T02:00:00.000Z\treq-1\tINFO\t${JSON.stringify({
    level: 'INFO',
    message: 'canvas unlocked',
    function_request_id: 'req-1',
    assetId: ASSET,
    ...fields,
    ...('timestamp' in fields ? {} : { timestamp: '2026-12-02T02:00:00.000Z' }),
  })}`;

const released = (id: string, overrides: Record<string, unknown> = {}, detail: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '0',
    id,
    'detail-type': 'Canvas Lock Released',
    source: 'canvas-lock-reaper',
    time: new Date(Date.now() - 30 * MINUTE).toISOString(),
    detail: {
      eventId: `run-1:${ASSET}:Canvas Lock Released`,
      runId: 'run-1',
      trigger: 'scheduled',
      assetId: ASSET,
      lockExpiresAt: 'T0',
      ...detail,
    },
    ...overrides,
  });

describe("ops explain's history and the lines it does not understand", () => {
  it('reports the outcome lines of the canvas it cannot read (where, what is wrong), lists the others, keeps the verdict, exits 1', async () => {
    const w = await historyWorld();
    const clean = await w.explain('--log-group', w.logGroup, '--json');
    expect(clean.code, clean.stderr).toBe(EXIT.ok);
    expect(clean.json.history).toMatchObject({ entries: [], notUnderstood: [] });

    w.put(50, outcomeLine({ status: 'unlocked', lockExpiresAt: 'T1', attempts: 1 }));
    const wrongTypes = w.put(40, outcomeLine({ status: 'unlocked', lockExpiresAt: 42 }), 'stream-b');
    // What is quoted of a line is escaped and redacted: no control character, no signature reaches the output.
    const unknownStatus = w.put(
      30,
      outcomeLine({ status: 'frozen', note: '\u001b[2Jhttps://cdn.example/x.png?X-Amz-Signature=sig0123456789abcdef' }),
    );
    const cutOff = w.put(20, outcomeLine({ status: 'failed', kind: 'timeout', error: 'x'.repeat(400) }).slice(0, 180));
    w.put(15, outcomeLine({ message: 'canvas skipped', status: 'skipped', reason: 'live' })); // not history: left out, as before
    w.put(12, outcomeLine({ assetId: 'asset_historyOther', status: 'frozen' })); // another canvas: not this command's to judge
    w.put(11, `START RequestId: req-2 mentions ${ASSET}`); // not an outcome line

    const asJson = await w.explain('--log-group', w.logGroup, '--json');
    expect(asJson.code).toBe(EXIT.failed);
    expect(asJson.json.verdict).toEqual(clean.json.verdict);
    expect(asJson.json.history.entries).toEqual([expect.objectContaining({ kind: 'unlocked', detail: 'lock until T1, 1 attempt(s)' })]);
    expect(asJson.json.history.notUnderstood).toEqual([
      {
        loggedAt: wrongTypes,
        logStreamName: 'stream-b',
        problem: 'lockExpiresAt is 42, attempts is missing',
        line: expect.stringContaining('"lockExpiresAt":42'),
      },
      {
        loggedAt: unknownStatus,
        logStreamName: 'stream-a',
        problem: 'status is "frozen"',
        line: expect.stringContaining('cdn.example/x.png'),
      },
      { loggedAt: cutOff, logStreamName: 'stream-a', problem: 'not JSON (180 characters; cut off?)', line: expect.any(String) },
    ]);
    const where = (at: string, stream = 'stream-a') => `(log group ${w.logGroup}, stream ${stream}, logged at ${at})`;
    expect(asJson.stderr).toContain(
      `ops explain: not understood: a line of ${ASSET} ${where(wrongTypes, 'stream-b')} is not a canvas outcome: lockExpiresAt is 42, attempts is missing\n`,
    );
    expect(asJson.stderr).toContain(`${where(unknownStatus)} is not a canvas outcome: status is "frozen"\n`);
    expect(asJson.stderr).toContain(`${where(cutOff)} is not a canvas outcome: not JSON (180 characters; cut off?)\n`);
    expect(asJson.stderr).not.toContain('asset_historyOther');
    for (const output of [asJson.stdout, asJson.stderr]) {
      expect(output).not.toContain('sig0123456789abcdef');
      expect(output).not.toContain('\u001b');
    }

    const human = await w.explain('--log-group', w.logGroup);
    expect(human.code).toBe(EXIT.failed);
    expect(human.stdout).toMatch(/^ {2}verdict {3}.*\[not-locked\]$/m);
    expect(human.stdout).toMatch(/^ {12}\S+Z {2}unlocked {2}run req-1 {2}lock until T1, 1 attempt\(s\)$/m);
    expect(human.stdout).toMatch(/^ {12}3 lines of this canvas not understood \(see stderr\)$/m);
    expect(human.stderr).toContain(`${where(unknownStatus)} is not a canvas outcome: status is "frozen"\n`);
  });

  it('reports the lock events of the canvas it cannot read, from the events log group', async () => {
    const w = await historyWorld();
    w.put(50, released('ev-good'));
    const noTime = w.put(40, released('ev-odd', { time: undefined }));
    const wrongDetail = w.put(35, released('ev-wrong', {}, { lockExpiresAt: undefined, trigger: 7 }));
    const unknownType = w.put(30, released('ev-new', { 'detail-type': 'Canvas Lock Frozen' }));
    const noAsset = w.put(25, released('ev-noasset', {}, { assetId: undefined, note: ASSET }));
    const cut = released('ev-cut').slice(0, 200);
    expect(cut).toContain(ASSET);
    const cutOff = w.put(22, cut);
    w.put(20, released('ev-other', { time: undefined }, { assetId: 'asset_historyOther', note: ASSET })); // another canvas
    w.put(15, JSON.stringify({ source: 'someone-else', id: 'x', detail: { assetId: ASSET } })); // not the reaper's

    const { code, json, stderr } = await w.explain('--events-log-group', w.logGroup, '--json');
    expect(code).toBe(EXIT.failed);
    expect(json.history.source).toBe(`events log group ${w.logGroup}`);
    expect(json.history.entries).toEqual([expect.objectContaining({ kind: 'unlocked', runId: 'run-1' })]);
    expect(json.history.notUnderstood.map((line: { loggedAt: string; problem: string }) => [line.loggedAt, line.problem])).toEqual([
      [noTime, 'time is missing'],
      [wrongDetail, 'detail.trigger is 7, detail.lockExpiresAt is missing'],
      [unknownType, 'detail-type is "Canvas Lock Frozen"'],
      [noAsset, 'detail.assetId is missing'],
      [cutOff, 'not JSON (200 characters; cut off?)'],
    ]);
    expect(stderr).toContain(
      `ops explain: not understood: a line of ${ASSET} (log group ${w.logGroup}, stream stream-a, logged at ${noTime}) is not a lock event: time is missing\n`,
    );
  });

  it('reports an outcome line of the canvas without a status, or with no assetId but naming the canvas; other lines of it stay out', async () => {
    const w = await historyWorld();
    w.put(50, outcomeLine({ status: 'unlocked', lockExpiresAt: 'T1', attempts: 1 }));
    // The reaper's outcome messages (core/outcome-log.ts), each without its status.
    const unlocked = w.put(45, outcomeLine({ lockExpiresAt: 'T2', attempts: 1 }));
    const failed = w.put(
      44,
      outcomeLine({ level: 'ERROR', message: 'canvas unlock failed; row keeps its lock for the next run', kind: 'timeout', error: 'e' }),
      'stream-b',
    );
    const healed = w.put(
      43,
      outcomeLine({
        level: 'WARN',
        message: "canvas stale in the table but live at Scenario; not unlocked, row healed with Scenario's expiry",
        reason: 'renewed-at-source',
      }),
    );
    const skipped = w.put(42, outcomeLine({ message: 'canvas skipped', reason: 'live' }));
    const nullStatus = w.put(41, outcomeLine({ status: null, lockExpiresAt: 'T3', attempts: 1 }));
    // Its canvas cannot be told from the field, but the line names this one: reported, as ops events does.
    const noAssetId = w.put(40, outcomeLine({ assetId: undefined, status: 'unlocked', lockExpiresAt: 'T4', attempts: 1, note: ASSET }));
    // Not outcome lines: another message of the canvas, an outcome message of another canvas.
    w.put(30, outcomeLine({ level: 'WARN', message: 'releasing the claim failed; it lapses at the run deadline', error: 'x' }));
    w.put(29, outcomeLine({ assetId: 'asset_historyOther', note: ASSET }));

    const { code, json, stderr } = await w.explain('--log-group', w.logGroup, '--json');
    expect(code).toBe(EXIT.failed);
    expect(json.history.entries).toEqual([expect.objectContaining({ kind: 'unlocked', detail: 'lock until T1, 1 attempt(s)' })]);
    expect(json.history.notUnderstood.map((line: { loggedAt: string; problem: string }) => [line.loggedAt, line.problem])).toEqual([
      [unlocked, 'status is missing'],
      [failed, 'status is missing'],
      [healed, 'status is missing'],
      [skipped, 'status is missing'],
      [nullStatus, 'status is null'],
      [noAssetId, 'assetId is missing'],
    ]);
    expect(stderr).toContain(
      `ops explain: not understood: a line of ${ASSET} (log group ${w.logGroup}, stream stream-b, logged at ${failed}) is not a canvas outcome: status is missing\n`,
    );
  });

  it("reports an outcome line whose timestamp it cannot read (the logger writes one on every line), never listed at the log event's time", async () => {
    const w = await historyWorld();
    // A zone offset is read: listed at the same instant in UTC.
    w.put(50, outcomeLine({ status: 'unlocked', lockExpiresAt: 'T1', attempts: 1, timestamp: '2026-12-02T03:00:00.000+01:00' }));
    const unlocked = (timestamp: unknown) => outcomeLine({ status: 'unlocked', lockExpiresAt: 'T2', attempts: 1, timestamp });
    const words = w.put(45, unlocked('yesterday'));
    const epoch = w.put(44, unlocked(1796176800000));
    const missing = w.put(43, unlocked(undefined));
    const noSuchDay = w.put(42, unlocked('2026-02-30T01:00:00.000Z')); // Date.parse rolls it over to March 2nd
    const noZone = w.put(41, unlocked('2026-12-02T01:00:00.000'));
    const dateOnly = w.put(40, unlocked('2026-12-02'));
    const long = w.put(39, unlocked('9'.repeat(60)));
    const hostile = w.put(38, unlocked('\u001b[2J\u009b31m'));
    // Any outcome line, history or not, is read whole.
    const skipped = w.put(37, outcomeLine({ message: 'canvas skipped', status: 'skipped', reason: 'live', timestamp: 'soon' }));

    const { code, json, stderr } = await w.explain('--log-group', w.logGroup, '--json');
    expect(code).toBe(EXIT.failed);
    expect(json.history.entries).toEqual([
      { at: '2026-12-02T02:00:00.000Z', kind: 'unlocked', runId: 'req-1', detail: 'lock until T1, 1 attempt(s)' },
    ]);
    expect(json.history.notUnderstood.map((line: { loggedAt: string; problem: string }) => [line.loggedAt, line.problem])).toEqual([
      [words, 'timestamp is "yesterday"'],
      [epoch, 'timestamp is 1796176800000'],
      [missing, 'timestamp is missing'],
      [noSuchDay, 'timestamp is "2026-02-30T01:00:00.000Z"'],
      [noZone, 'timestamp is "2026-12-02T01:00:00.000"'],
      [dateOnly, 'timestamp is "2026-12-02"'],
      [long, `timestamp is "${'9'.repeat(39)}…`],
      [hostile, expect.stringMatching(/^timestamp is "/)],
      [skipped, 'timestamp is "soon"'],
    ]);
    expect(stderr).toContain(`logged at ${words}) is not a canvas outcome: timestamp is "yesterday"\n`);
    expect(stderr).not.toContain('\u001b');
    expect(stderr).not.toContain('\u009b');
  });

  it('reports a lock event whose time it cannot read as an ISO-8601 date-time, never listed with it', async () => {
    const w = await historyWorld();
    w.put(50, released('ev-good'));
    const words = w.put(45, released('ev-words', { time: 'soon' }));
    const number = w.put(44, released('ev-number', { time: '1' })); // Date.parse reads "1" as the year 2001
    const dateOnly = w.put(43, released('ev-date', { time: '2026-12-02' }));
    const noSuchDay = w.put(42, released('ev-day', { time: '2026-02-30T01:00:00Z' }));

    const { code, json } = await w.explain('--events-log-group', w.logGroup, '--json');
    expect(code).toBe(EXIT.failed);
    expect(json.history.entries).toEqual([expect.objectContaining({ kind: 'unlocked', runId: 'run-1' })]);
    expect(json.history.notUnderstood.map((line: { loggedAt: string; problem: string }) => [line.loggedAt, line.problem])).toEqual([
      [words, 'time is "soon"'],
      [number, 'time is "1"'],
      [dateOnly, 'time is "2026-12-02"'],
      [noSuchDay, 'time is "2026-02-30T01:00:00Z"'],
    ]);
  });

  it('names at most 20 lines on stderr and counts the rest; --json lists every one', async () => {
    const w = await historyWorld();
    for (let i = 0; i < 23; i += 1) w.put(60 - i, outcomeLine({ status: `frozen-${i}` }));
    const { code, json, stderr } = await w.explain('--log-group', w.logGroup, '--json');
    expect(code).toBe(EXIT.failed);
    expect(json.history.notUnderstood).toHaveLength(23);
    expect(stderr.match(/not understood: a line of/g)).toHaveLength(20);
    expect(stderr).toContain('ops explain: …and 3 more lines of this canvas not understood (--json lists every one)\n');
  });
});
