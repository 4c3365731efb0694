import { beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '#ops/kit/exit-codes';
import { DEAD_LETTER_QUEUES, useOperatorWorld } from '#test-support/operator-world';

/**
 * ops dead-letters, through the real SQS client against the stand-in: both dead-letter queues listed with each
 * message's age, payload and error and left in place, or purged (only what was listed) when confirmed; --max, --check.
 */

const { failedInvocations: FAILED, undeliveredTicks: TICKS } = DEAD_LETTER_QUEUES;
const world = useOperatorWorld();
const ops = world.ops;

describe('ops dead-letters', () => {
  const queueFlags = () => [
    '--failed-invocations-queue-url',
    world.sqs.queueUrl(FAILED),
    '--undelivered-ticks-queue-url',
    world.sqs.queueUrl(TICKS),
  ];
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
    world.sqs.send(FAILED, {
      body: failedRecord({ assetIds: ['asset_old'], dryRun: false }),
      sentAtMs: Date.now() - 3 * 3_600_000,
    });
    world.sqs.send(TICKS, {
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
      `ops dead-letters: queues ${world.sqs.queueUrl(FAILED)} and ${world.sqs.queueUrl(TICKS)} (from --failed-invocations-queue-url, --undelivered-ticks-queue-url), region local, endpoint ${world.sqs.endpoint}`,
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
    expect(world.sqs.messages(FAILED)).toHaveLength(1);
    expect(world.sqs.messages(TICKS)).toHaveLength(1);

    // --check: dead letters waiting are a finding.
    expect((await ops(['dead-letters', '--check', ...queueFlags()])).code).toBe(EXIT.failed);
  });

  it('--purge --yes deletes what it listed; both queues are then empty (exit 0)', async () => {
    const { code, stdout } = await ops(['dead-letters', '--purge', '--yes', ...queueFlags()]);
    expect(stdout).toContain('Purged 2 message(s).');
    expect(code).toBe(EXIT.ok);
    expect(world.sqs.messages(FAILED)).toEqual([]);
    expect(world.sqs.messages(TICKS)).toEqual([]);
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
        world.sqs.send(FAILED, { body: failedRecord({ dryRun: true }) });
        return true;
      },
    });
    expect(question).toContain('Delete the 2 message(s) listed above?');
    expect(code).toBe(EXIT.ok);
    expect(world.sqs.messages(FAILED).map((m) => JSON.parse(m.body).requestPayload)).toEqual([{ dryRun: true }]);
    expect(world.sqs.messages(TICKS)).toEqual([]);
  });

  it('refuses to purge without --yes when not at a terminal, before reading anything', async () => {
    const { code, stderr } = await ops(['dead-letters', '--purge', ...queueFlags()]);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('refusing to purge without confirmation; pass --yes');
    expect(world.sqs.messages(FAILED)[0]!.receiveCount).toBe(0);
  });

  it('stops at --max, says more may wait, and exits 1 even after purging what it listed', async () => {
    world.sqs.send(TICKS, { body: JSON.stringify(tick) });
    const { code, stdout } = await ops(['dead-letters', '--max', '1', '--purge', '--yes', ...queueFlags()]);
    expect(stdout).toContain('Undelivered ticks: 1 message(s) (listing stopped at --max; more may wait)');
    expect(code).toBe(EXIT.failed);
    expect(world.sqs.messages(TICKS)).toHaveLength(1);
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
