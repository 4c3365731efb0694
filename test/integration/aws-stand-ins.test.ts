import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudWatchLogsStandIn, filterTerms, startCloudWatchLogsStandIn } from '#local/cloudwatch-logs-stand-in';
import { type SchedulerStandIn, startSchedulerStandIn } from '#local/scheduler-stand-in';
import { type SqsStandIn, startSqsStandIn } from '#local/sqs-stand-in';

/** The stand-ins answer the real SDK clients the way the services do, on the points the ops commands rely on. */

const LOCAL = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

describe('the Scheduler stand-in', () => {
  let standIn: SchedulerStandIn;
  let client: SchedulerClient;
  beforeAll(async () => {
    standIn = await startSchedulerStandIn();
    client = new SchedulerClient({ ...LOCAL, endpoint: standIn.endpoint });
    standIn.addSchedule({
      Name: 's1',
      GroupName: 'default',
      Arn: 'arn:aws:scheduler:local:000000000000:schedule/default/s1',
      Description: 'kept only if sent back',
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:lambda:local:000000000000:function:f',
        RoleArn: 'arn:aws:iam::000000000000:role/r',
        DeadLetterConfig: { Arn: 'arn:aws:sqs:local:000000000000:q' },
      },
    });
  });
  afterAll(async () => {
    client.destroy();
    await standIn.close();
  });

  it('replaces the whole schedule on UpdateSchedule, as the service does: a member left out is gone', async () => {
    const current = await client.send(new GetScheduleCommand({ Name: 's1' }));
    expect(current).toMatchObject({ Name: 's1', GroupName: 'default', State: 'ENABLED', Description: 'kept only if sent back' });
    expect(current.CreationDate).toBeInstanceOf(Date);
    await client.send(
      new UpdateScheduleCommand({
        Name: 's1',
        ScheduleExpression: 'rate(10 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: current.Target!.Arn!, RoleArn: current.Target!.RoleArn! },
      }),
    );
    const after = await client.send(new GetScheduleCommand({ Name: 's1', GroupName: 'default' }));
    expect(after).toMatchObject({ ScheduleExpression: 'rate(10 minutes)', State: 'ENABLED' });
    expect(after.Description).toBeUndefined();
    expect(after.Target?.DeadLetterConfig).toBeUndefined();
    expect(standIn.updates).toHaveLength(1);
  });

  it('answers ResourceNotFoundException and ValidationException as the SDK expects them', async () => {
    await expect(client.send(new GetScheduleCommand({ Name: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new GetScheduleCommand({ Name: 's1', GroupName: 'other' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      client.send(
        new UpdateScheduleCommand({
          Name: 's1',
          ScheduleExpression: 'rate(1 hour)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: 'a', RoleArn: undefined as unknown as string },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('the CloudWatch Logs stand-in', () => {
  let standIn: CloudWatchLogsStandIn;
  let client: CloudWatchLogsClient;
  beforeAll(async () => {
    standIn = await startCloudWatchLogsStandIn({ pageSize: 1 });
    client = new CloudWatchLogsClient({ ...LOCAL, endpoint: standIn.endpoint });
    standIn.createLogGroup('/g');
    const at = Date.now();
    standIn.putLogEvent('/g', { logStreamName: 's', timestamp: at - 3000, message: '{"message":"reap run finished","n":1}' });
    standIn.putLogEvent('/g', { logStreamName: 's', timestamp: at - 2000, message: 'reap run started' });
    standIn.putLogEvent('/g', { logStreamName: 's', timestamp: at - 1000, message: '{"message":"reap run finished","n":2}' });
  });
  afterAll(async () => {
    client.destroy();
    await standIn.close();
  });

  it('filters on a quoted phrase, within the time range, one page at a time', async () => {
    const first = await client.send(new FilterLogEventsCommand({ logGroupName: '/g', filterPattern: '"reap run finished"' }));
    expect(first.events?.map((e) => e.message)).toEqual(['{"message":"reap run finished","n":1}']);
    expect(first.nextToken).toBeDefined();
    const second = await client.send(
      new FilterLogEventsCommand({ logGroupName: '/g', filterPattern: '"reap run finished"', nextToken: first.nextToken }),
    );
    expect(second.events?.map((e) => JSON.parse(e.message!).n)).toEqual([2]);
    expect(second.nextToken).toBeUndefined();
    const recent = await client.send(
      new FilterLogEventsCommand({
        logGroupIdentifier: 'arn:aws:logs:local:000000000000:log-group:/g:*',
        filterPattern: 'reap run',
        startTime: Date.now() - 2500,
      }),
    );
    expect(recent.events?.map((e) => e.message)).toEqual(['reap run started']);
  });

  it('may answer empty pages that still carry a nextToken, as the service does, and refuses a limit out of 1..10000', async () => {
    const sparse = await startCloudWatchLogsStandIn({ pageSize: 1, emptyPagesFirst: 2 });
    const sparseClient = new CloudWatchLogsClient({ ...LOCAL, endpoint: sparse.endpoint });
    try {
      sparse.createLogGroup('/g');
      sparse.putLogEvent('/g', { logStreamName: 's', timestamp: Date.now(), message: 'one' });
      const pages: number[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sparseClient.send(new FilterLogEventsCommand({ logGroupName: '/g', nextToken }));
        pages.push(page.events?.length ?? 0);
        nextToken = page.nextToken;
      } while (nextToken);
      expect(pages).toEqual([0, 0, 1]);
      await expect(sparseClient.send(new FilterLogEventsCommand({ logGroupName: '/g', limit: 0 }))).rejects.toMatchObject({
        name: 'InvalidParameterException',
      });
    } finally {
      sparseClient.destroy();
      await sparse.close();
    }
  });

  it('refuses patterns it does not implement, and unknown groups', async () => {
    expect(filterTerms('"reap run finished" ERROR')).toEqual(['reap run finished', 'ERROR']);
    expect(filterTerms('{ $.level = "ERROR" }')).toBeUndefined();
    expect(filterTerms('?ERROR ?WARN')).toBeUndefined();
    await expect(
      client.send(new FilterLogEventsCommand({ logGroupName: '/g', filterPattern: '{ $.level = "ERROR" }' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(client.send(new FilterLogEventsCommand({ logGroupName: '/nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('the SQS stand-in', () => {
  let standIn: SqsStandIn;
  let client: SQSClient;
  let queueUrl: string;
  beforeAll(async () => {
    standIn = await startSqsStandIn(['q']);
    client = new SQSClient({ ...LOCAL, endpoint: standIn.endpoint });
    queueUrl = standIn.queueUrl('q');
  });
  afterAll(async () => {
    client.destroy();
    await standIn.close();
  });
  const counts = async () => {
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    return [Attributes?.ApproximateNumberOfMessages, Attributes?.ApproximateNumberOfMessagesNotVisible];
  };

  it('hides a received message for its visibility timeout, shows it again when told, and deletes it by receipt handle', async () => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"a":1}',
        MessageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'X' } },
      }),
    );
    const receive = () =>
      client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
    const first = await receive();
    expect(first.Messages).toHaveLength(1);
    expect(first.Messages![0]).toMatchObject({
      Body: '{"a":1}',
      Attributes: { ApproximateReceiveCount: '1' },
      MessageAttributes: { ERROR_CODE: { StringValue: 'X' } },
    });
    expect(Number(first.Messages![0]!.Attributes!.SentTimestamp)).toBeGreaterThan(0);
    expect(await counts()).toEqual(['0', '1']);
    expect((await receive()).Messages ?? []).toEqual([]);

    await client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 0 }),
    );
    const again = await receive();
    expect(again.Messages![0]!.Attributes!.ApproximateReceiveCount).toBe('2');
    await expect(
      client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.Messages![0]!.ReceiptHandle! })),
    ).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: again.Messages![0]!.ReceiptHandle! }));
    expect(await counts()).toEqual(['0', '0']);
  });

  it('answers QueueDoesNotExist for an unknown queue', async () => {
    await expect(
      client.send(new GetQueueAttributesCommand({ QueueUrl: `${standIn.endpoint}/000000000000/nope`, AttributeNames: ['All'] })),
    ).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });
});
