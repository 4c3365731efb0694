import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CloudWatchLogsStandIn, startCloudWatchLogsStandIn } from '#local/cloudwatch-logs-stand-in';
import { type SchedulerStandIn, type StandInSchedule, startSchedulerStandIn } from '#local/scheduler-stand-in';
import { type SqsStandIn, startSqsStandIn } from '#local/sqs-stand-in';
import { runOps } from '#ops/cli';
import { EXIT } from '#ops/kit/exit-codes';
import type { OperatorIo } from '#ops/operator-clients';
import type { RunSummary } from '#reaper/core/summary';
import { aRunSummary } from '#test-support/run-summary';

/** The ops commands that talk to Scheduler, CloudWatch Logs and SQS, run in process against the stand-ins through the real clients. */

const LOCAL = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
const SCHEDULE = 'reaper-schedule';
const LOG_GROUP = '/aws/lambda/reaper';
const FAILED = 'failed-invocations';
const TICKS = 'undelivered-ticks';

let scheduler: SchedulerStandIn;
let logs: CloudWatchLogsStandIn;
let sqs: SqsStandIn;
let clients: Required<Pick<OperatorIo, 'scheduler' | 'logs' | 'sqs'>>;
let cwd: string;

beforeAll(async () => {
  [scheduler, logs] = await Promise.all([startSchedulerStandIn(), startCloudWatchLogsStandIn({ pageSize: 2 })]);
  clients = {
    scheduler: new SchedulerClient({ ...LOCAL, endpoint: scheduler.endpoint }),
    logs: new CloudWatchLogsClient({ ...LOCAL, endpoint: logs.endpoint }),
    sqs: new SQSClient({ ...LOCAL, endpoint: 'http://127.0.0.1:9' }),
  };
});
afterAll(async () => {
  for (const client of Object.values(clients)) client.destroy();
  await Promise.all([scheduler.close(), logs.close()]);
});
beforeEach(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), 'ops-operator-'));
  sqs = await startSqsStandIn([FAILED, TICKS]);
  clients.sqs.destroy();
  clients.sqs = new SQSClient({ ...LOCAL, endpoint: sqs.endpoint });
});
afterEach(async () => {
  rmSync(cwd, { recursive: true, force: true });
  await sqs.close();
});

async function ops(argv: string[], options: Partial<OperatorIo> = {}) {
  let stdout = '';
  let stderr = '';
  const io: OperatorIo = {
    env: {},
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    interactive: false,
    confirm: async () => false,
    cwd,
    ...clients,
    ...options,
  };
  const code = await runOps(argv, io);
  return { code, stdout, stderr };
}

describe('ops pause / ops resume', () => {
  const deployed: Omit<StandInSchedule, 'CreationDate' | 'LastModificationDate'> = {
    Name: SCHEDULE,
    GroupName: 'default',
    Arn: `arn:aws:scheduler:local:000000000000:schedule/default/${SCHEDULE}`,
    Description: 'Runs the canvas lock reaper',
    ScheduleExpression: 'cron(0/5 * * * ? *)',
    ScheduleExpressionTimezone: 'Europe/Paris',
    StartDate: 1_790_000_000,
    EndDate: 1_990_000_000,
    KmsKeyArn: 'arn:aws:kms:local:000000000000:key/1234',
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 4 },
    ActionAfterCompletion: 'NONE',
    Target: {
      Arn: 'arn:aws:lambda:local:000000000000:function:reaper',
      RoleArn: 'arn:aws:iam::000000000000:role/schedule',
      Input: '{"source":"aws.scheduler","time":"<aws.scheduler.scheduled-time>"}',
      RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:local:000000000000:undelivered-ticks' },
    },
  };
  beforeEach(() => scheduler.addSchedule(deployed));
  const withoutDates = ({ LastModificationDate: _l, CreationDate: _c, ...rest }: StandInSchedule) => rest;

  it('pause disables the schedule and carries every other field over (UpdateSchedule replaces the whole schedule); resume enables it', async () => {
    const paused = await ops(['pause', '--schedule-name', SCHEDULE]);
    expect(paused.code).toBe(EXIT.ok);
    expect(paused.stderr.split('\n')[0]).toBe(
      `ops pause: schedule ${SCHEDULE} (group default) (from --schedule-name), region local, endpoint ${scheduler.endpoint}`,
    );
    expect(paused.stdout).toContain(`the schedule ${SCHEDULE} (group default) was ENABLED, is now DISABLED`);
    expect(paused.stdout).toContain('The next `cdk deploy` restores the deployed setting');
    expect(paused.stdout).toContain('set "reaper:scheduleEnabled": false in the environment\'s file and deploy');
    expect(withoutDates(scheduler.schedule(SCHEDULE)!)).toEqual({ ...deployed, State: 'DISABLED' });

    const resumed = await ops(['resume', '--schedule-name', SCHEDULE]);
    expect(resumed.code).toBe(EXIT.ok);
    expect(resumed.stdout).toContain('was DISABLED, is now ENABLED');
    expect(resumed.stdout).toContain('The next `cdk deploy` restores the deployed setting');
    expect(withoutDates(scheduler.schedule(SCHEDULE)!)).toEqual(deployed);
  });

  it('changes nothing when the schedule is already in the wanted state', async () => {
    const updatesBefore = scheduler.updates.length;
    const { code, stdout } = await ops(['resume', '--schedule-name', SCHEDULE]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('is already ENABLED; nothing changed');
    expect(scheduler.updates.length).toBe(updatesBefore);
  });

  it('finds the schedule in REAPER_SCHEDULE_NAME or cdk-outputs.json, and says how to name it when neither has it', async () => {
    const missing = await ops(['pause']);
    expect(missing.code).toBe(EXIT.usageOrConfig);
    expect(missing.stderr).toContain('no schedule name');
    expect(missing.stderr).toContain(
      'pass --schedule-name, set REAPER_SCHEDULE_NAME, or deploy with: npx cdk deploy --outputs-file cdk-outputs.json',
    );

    writeFileSync(
      path.join(cwd, 'cdk-outputs.json'),
      JSON.stringify({ CanvasLockReaper: { ScheduleName: SCHEDULE, FunctionName: 'reaper' } }),
    );
    expect((await ops(['pause'])).code).toBe(EXIT.ok);
    expect(scheduler.schedule(SCHEDULE)!.State).toBe('DISABLED');
    expect((await ops(['resume'], { env: { REAPER_SCHEDULE_NAME: SCHEDULE } })).code).toBe(EXIT.ok);
    expect(scheduler.schedule(SCHEDULE)!.State).toBe('ENABLED');
  });

  it('exits 1 when the schedule does not exist, and 2 on a bad flag', async () => {
    const unknown = await ops(['pause', '--schedule-name', 'no-such-schedule']);
    expect(unknown.code).toBe(EXIT.failed);
    expect(unknown.stderr).toContain('reading schedule no-such-schedule (group default) failed');
    expect(unknown.stderr).toContain(
      `schedule no-such-schedule (group default) was not found at ${scheduler.endpoint}; its name came from --schedule-name`,
    );
    const bad = await ops(['resume', '--state', 'on']);
    expect(bad.code).toBe(EXIT.usageOrConfig);
    expect(bad.stderr).toContain('Usage: npm run ops -- resume');
  });

  it('each has its own --help naming the durable setting', async () => {
    for (const command of ['pause', 'resume']) {
      const { code, stdout } = await ops([command, '--help']);
      expect(code).toBe(EXIT.ok);
      expect(stdout).toContain(`Usage: npm run ops -- ${command}`);
      expect(stdout).toContain('"reaper:scheduleEnabled": false in the environment\'s file (environments/<env>.json)');
      expect(stdout).toContain('iam:PassRole');
    }
  });
});

function summary(runId: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return aRunSummary({
    runId,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    examined: 4,
    stale: 2,
    unlocked: 2,
    durationMs: 120,
    skipped: { ...aRunSummary().skipped, live: 1, notLocked: 1 },
    ...overrides,
  });
}

describe('ops last-run', () => {
  let group: string;
  let groupCount = 0;
  const finishedLine = (s: RunSummary, level = 'INFO') =>
    JSON.stringify({ level, message: 'reap run finished', service: 'canvas-lock-reaper', summary: s });
  const put = (minutesAgo: number, message: string) =>
    logs.putLogEvent(group, { logStreamName: '2026/11/27/[$LATEST]abc', timestamp: Date.now() - minutesAgo * 60_000, message });

  beforeEach(() => {
    groupCount += 1;
    group = `${LOG_GROUP}-${groupCount}`;
    logs.createLogGroup(group);
  });

  it('shows the newest finished run, read over several pages, whatever order the lines were written in', async () => {
    put(180, finishedLine(summary('run-three-hours-ago')));
    put(12, 'START RequestId: x Version: $LATEST');
    put(11, JSON.stringify({ level: 'INFO', message: 'canvas unlocked', note: 'reap run finished is mentioned here, not the line' }));
    put(
      10,
      finishedLine(
        summary('run-ten-minutes-ago', {
          failed: 1,
          unlocked: 105,
          unlockedAssetIds: Array.from({ length: 100 }, (_, i) => `asset_u${i}`),
          omitted: { ...aRunSummary().omitted, unlockedAssetIds: 5 },
          failures: [{ assetId: 'asset_x', kind: 'server-error', httpStatus: 503, error: 'HTTP 503' }],
        }),
        'WARN',
      ),
    );
    put(9, 'reap run finished, but this line is not JSON');
    put(120, finishedLine(summary('run-two-hours-ago')));

    const { code, stdout } = await ops(['last-run', '--log-group', group]);
    expect(stdout).toContain('run-ten-minutes-ago');
    expect(stdout).toMatch(/^unlocked: asset_u0, asset_u1, asset_u2, (asset_u\d, ){7}…and 95 more$/m);
    expect(stdout).toMatch(/finished\s+\S+ \(10m/);
    expect(stdout).toMatch(/log\s+WARN in/);
    expect(stdout).toMatch(/asset_x\s+server-error 503/);
    expect(code).toBe(EXIT.ok); // it ran; the run's failure is a finding
    expect((await ops(['last-run', '--log-group', group, '--check'])).code).toBe(EXIT.canvasFailedOrInvalid);

    const json = await ops(['last-run', '--json'], { env: { REAPER_LOG_GROUP_NAME: group } });
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ logGroupName: group, level: 'WARN', summary: { runId: 'run-ten-minutes-ago', failed: 1 } });
    expect(Date.now() - Date.parse(parsed.loggedAt)).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it('exits 0 when it ran; with --check, 1 when no run finished within --since, 0 when the last run went well', async () => {
    put(90, finishedLine(summary('run-ninety-minutes-ago')));
    expect((await ops(['last-run', '--log-group', group])).code).toBe(EXIT.ok);
    expect((await ops(['last-run', '--log-group', group, '--check'])).code).toBe(EXIT.ok);
    const none = await ops(['last-run', '--log-group', group, '--since', '30m']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stderr).toContain(`no "reap run finished" line in ${group} in the last 30m`);
    expect((await ops(['last-run', '--log-group', group, '--since', '30m', '--check'])).code).toBe(EXIT.failed);
  });

  it('says its target (the log group, where its name came from, the region, the endpoint) on stderr first', async () => {
    put(5, finishedLine(summary('run-five-minutes-ago')));
    const { stderr } = await ops(['last-run'], { env: { REAPER_LOG_GROUP_NAME: group } });
    expect(stderr.split('\n')[0]).toBe(
      `ops last-run: log group ${group} (from REAPER_LOG_GROUP_NAME), region local, endpoint ${logs.endpoint}`,
    );
  });

  it('exits 1 when the log group cannot be read, 2 on a bad --since or no log group', async () => {
    const unknown = await ops(['last-run', '--log-group', '/aws/lambda/nothing-here']);
    expect(unknown.code).toBe(EXIT.failed);
    expect(unknown.stderr).toContain('reading log group /aws/lambda/nothing-here failed');
    const badSince = await ops(['last-run', '--log-group', group, '--since', 'yesterday']);
    expect(badSince.code).toBe(EXIT.usageOrConfig);
    expect(badSince.stderr).toContain('--since: expected a duration such as 30m, 6h or 7d');
    const noGroup = await ops(['last-run']);
    expect(noGroup.code).toBe(EXIT.usageOrConfig);
    expect(noGroup.stderr).toContain('pass --log-group, set REAPER_LOG_GROUP_NAME');
    expect((await ops(['last-run', '--help'])).stdout).toContain('Usage: npm run ops -- last-run');
  });
});

describe('ops dead-letters', () => {
  const queueFlags = () => ['--failed-invocations-queue-url', sqs.queueUrl(FAILED), '--undelivered-ticks-queue-url', sqs.queueUrl(TICKS)];
  const failedRecord = (payload: object) =>
    JSON.stringify({
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:local:000000000000:function:reaper:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload: payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'ReapRunError', errorMessage: 'the tracked-canvases table could not be read: AccessDenied' },
    });
  const tick = { source: 'aws.scheduler', 'detail-type': 'Scheduled Event', time: '2026-11-27T10:00:00Z' };
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });

  beforeEach(() => {
    sqs.send(FAILED, { body: failedRecord({ assetIds: ['asset_old'], dryRun: false }), sentAtMs: Date.now() - 3 * 3_600_000 });
    sqs.send(TICKS, {
      body: JSON.stringify(tick),
      sentAtMs: Date.now() - 40 * 60_000,
      messageAttributes: {
        ERROR_CODE: attribute('ThrottlingException'),
        ERROR_MESSAGE: attribute('Rate exceeded'),
        EXHAUSTED_RETRY_CONDITION: attribute('MaximumRetryAttempts'),
        RETRY_ATTEMPTS: attribute('2'),
        SCHEDULED_TIME: attribute('2026-11-27T10:00:00Z'),
      },
    });
  });

  it('lists both queues with each message age, decoded payload and error, and leaves them in place (exit 0: it ran)', async () => {
    const { code, stdout, stderr } = await ops(['dead-letters', ...queueFlags()]);
    expect(code).toBe(EXIT.ok);
    expect(stderr.split('\n')[0]).toBe(
      `ops dead-letters: queues ${sqs.queueUrl(FAILED)} and ${sqs.queueUrl(TICKS)} (from --failed-invocations-queue-url, --undelivered-ticks-queue-url), region local, endpoint ${sqs.endpoint}`,
    );
    expect(stdout).toContain('Failed invocations: 1 message(s)');
    expect(stdout).toContain('- 3h ago  ReapRunError: the tracked-canvases table could not be read: AccessDenied');
    expect(stdout).toContain('condition=RetriesExhausted, attempts=1, functionError=Unhandled');
    expect(stdout).toContain('payload: {"assetIds":["asset_old"],"dryRun":false}');
    expect(stdout).toContain('Undelivered ticks: 1 message(s)');
    expect(stdout).toContain('- 40m ago  ThrottlingException: Rate exceeded');
    expect(stdout).toContain('condition=MaximumRetryAttempts, retries=2, scheduledTime=2026-11-27T10:00:00Z');

    // Listing received them (SQS has no peek) and put them back: a second look sees them at once, received twice.
    const again = await ops(['dead-letters', '--json', ...queueFlags()]);
    const queues = JSON.parse(again.stdout).queues;
    expect(queues.map((q: any) => [q.queue, q.messages.length, q.complete])).toEqual([
      ['failed-invocations', 1, true],
      ['undelivered-ticks', 1, true],
    ]);
    expect(queues[0].messages[0]).toMatchObject({
      receiveCount: 2,
      payload: { assetIds: ['asset_old'] },
      details: { condition: 'RetriesExhausted', requestId: 'req-1' },
    });
    expect(queues[1].messages[0]).toMatchObject({ payload: tick, error: 'ThrottlingException: Rate exceeded', details: { retries: '2' } });
    expect(sqs.messages(FAILED)).toHaveLength(1);
    expect(sqs.messages(TICKS)).toHaveLength(1);

    // --check: dead letters waiting are a finding.
    expect((await ops(['dead-letters', '--check', ...queueFlags()])).code).toBe(EXIT.failed);
  });

  it('--purge --yes deletes what it listed; both queues are then empty (exit 0)', async () => {
    const { code, stdout } = await ops(['dead-letters', '--purge', '--yes', ...queueFlags()]);
    expect(stdout).toContain('Purged 2 message(s).');
    expect(code).toBe(EXIT.ok);
    expect(sqs.messages(FAILED)).toEqual([]);
    expect(sqs.messages(TICKS)).toEqual([]);
    const after = await ops(['dead-letters', '--check', ...queueFlags()]);
    expect(after.code).toBe(EXIT.ok);
    expect(after.stdout).toContain('Failed invocations: none');
  });

  it('at a terminal asks first, and deletes only the messages it showed: one arriving meanwhile is kept', async () => {
    let question = '';
    const { code } = await ops(['dead-letters', '--purge', ...queueFlags()], {
      interactive: true,
      confirm: async (q) => {
        question = q;
        sqs.send(FAILED, { body: failedRecord({ dryRun: true }) });
        return true;
      },
    });
    expect(question).toContain('Delete the 2 message(s) listed above?');
    expect(code).toBe(EXIT.ok);
    expect(sqs.messages(FAILED).map((m) => JSON.parse(m.body).requestPayload)).toEqual([{ dryRun: true }]);
    expect(sqs.messages(TICKS)).toEqual([]);
  });

  it('refuses to purge without --yes when not at a terminal, before reading anything', async () => {
    const { code, stderr } = await ops(['dead-letters', '--purge', ...queueFlags()]);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('refusing to purge without confirmation; pass --yes');
    expect(sqs.messages(FAILED)[0]!.receiveCount).toBe(0);
  });

  it('stops at --max, says more may wait, and exits 1 even after purging what it listed', async () => {
    sqs.send(TICKS, { body: JSON.stringify(tick) });
    const { code, stdout } = await ops(['dead-letters', '--max', '1', '--purge', '--yes', ...queueFlags()]);
    expect(stdout).toContain('Undelivered ticks: 1 message(s) (listing stopped at --max; more may wait)');
    expect(code).toBe(EXIT.failed);
    expect(sqs.messages(TICKS)).toHaveLength(1);
  });

  it('says how to name the queues when it cannot find them, and explains in --help why there is no redrive', async () => {
    const missing = await ops(['dead-letters']);
    expect(missing.code).toBe(EXIT.usageOrConfig);
    expect(missing.stderr).toContain('pass --failed-invocations-queue-url, set REAPER_FAILED_INVOCATIONS_QUEUE_URL');
    const help = await ops(['dead-letters', '--help']);
    expect(help.stdout).toContain('There is no redrive, on purpose');
    expect(help.stdout).toContain('overrideBrake');
    expect(help.stdout).toContain('missed tick needs no replay');
  });
});
