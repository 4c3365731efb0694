import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STACK_OUTPUTS } from '#ops/stack-outputs';
import { createHandler } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { startCloudWatchLogsStandIn } from './cloudwatch-logs-stand-in';
import { startEventBridgeStandIn } from './eventbridge-stand-in';
import { keepFunctionLog } from './function-log';
import { startLambdaStandIn } from './lambda-stand-in';
import { startLocalDynamoDb } from './local-dynamodb';
import { seedCanvases, seedDeadLetters } from './local-world-seed';
import { startScenarioStandIn } from './scenario-stand-in';
import { startSchedulerStandIn } from './scheduler-stand-in';
import { startSecretsManagerStandIn } from './secrets-manager-stand-in';
import { startSqsStandIn } from './sqs-stand-in';
import { createTrackedCanvasTable, localDynamoClient } from './tracked-canvas-table';

/** The names of the local world's resources, shaped like the deployed stack's. */
export const LOCAL_WORLD_NAMES = {
  region: 'local',
  account: '000000000000',
  tableName: 'local-tracked-canvases',
  secretId: 'local/scenario-credentials',
  functionName: 'canvas-lock-reaper-local',
  logGroupName: '/aws/lambda/canvas-lock-reaper-local',
  lockEventBus: 'canvas-lock-reaper-local-lock-events',
  lockEventsLogGroupName: '/aws/events/canvas-lock-reaper-local-lock-events',
  scheduleName: 'canvas-lock-reaper-local',
  scheduleGroup: 'default',
  failedInvocationsQueue: 'canvas-lock-reaper-local-failed-invocations',
  undeliveredTicksQueue: 'canvas-lock-reaper-local-undelivered-ticks',
} as const;

/**
 * Every variable the world hands a second shell. `--print-env` prints these names only, whatever a state file holds:
 * a name is code once a shell evals it.
 */
export const LOCAL_WORLD_ENV_NAMES: readonly string[] = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_SCHEDULER',
  'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  ENV.tableName,
  ENV.apiBaseUrl,
  ENV.secretId,
  ENV.lockEventsBus,
  STACK_OUTPUTS.functionName.env,
  STACK_OUTPUTS.scheduleName.env,
  STACK_OUTPUTS.logGroupName.env,
  STACK_OUTPUTS.failedInvocationsQueueUrl.env,
  STACK_OUTPUTS.undeliveredTicksQueueUrl.env,
  STACK_OUTPUTS.lockEventsLogGroupName.env,
];

/** The stack's default function timeout (infra/constructs/reaper-function.ts), the budget of each local invocation. */
const FUNCTION_TIMEOUT_MS = 300_000;

export interface LocalWorld {
  /** The variables a second shell needs, in the order they are printed (export lines). */
  env: Record<string, string>;
  /** Every loopback endpoint the world listens on. */
  endpoints: Record<string, string>;
  seeded: boolean;
  close(): Promise<void>;
}

/**
 * Everything `npm run ops` and `npm run reap` talk to, on loopback: the table in a local DynamoDB, the Scenario
 * stand-in, a Secrets Manager holding the stand-in's key pair, the real handler behind a Lambda Invoke stand-in
 * (its log lines kept in a CloudWatch Logs stand-in), the schedule in a Scheduler stand-in and the two
 * dead-letter queues in an SQS stand-in.
 */
export async function startLocalWorld(options: { seed: boolean }): Promise<LocalWorld> {
  const names = LOCAL_WORLD_NAMES;
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const dynamoServer = await startLocalDynamoDb();
    closers.push(() => dynamoServer.close());
    const dynamo = localDynamoClient(dynamoServer.endpoint);
    closers.push(() => dynamo.destroy());
    await createTrackedCanvasTable(dynamo, names.tableName);

    const api = await startScenarioStandIn();
    closers.push(() => api.close());
    const secrets = await startSecretsManagerStandIn();
    closers.push(() => secrets.close());
    secrets.setSecret(names.secretId, JSON.stringify({ apiKey: api.apiKey, apiSecret: api.apiSecret }));

    const logs = await startCloudWatchLogsStandIn();
    closers.push(() => logs.close());
    logs.createLogGroup(names.logGroupName);
    const functionLog = keepFunctionLog((event) => logs.putLogEvent(names.logGroupName, event));
    closers.push(() => functionLog.restore());
    // The lock event bus: a PutEvents stand-in that keeps what it accepts and, as the stack's rule does, writes a
    // readable copy of each event into a log group (ops events reads it there).
    logs.createLogGroup(names.lockEventsLogGroupName);
    const bus = await startEventBridgeStandIn({
      region: names.region,
      account: names.account,
      onEvent: ({ bus: _bus, ...event }) =>
        logs.putLogEvent(names.lockEventsLogGroupName, {
          logStreamName: 'lock-events',
          timestamp: Date.parse(event.time),
          message: JSON.stringify(event),
        }),
    });
    closers.push(() => bus.close());
    const eventBridgeClient = new EventBridgeClient({
      endpoint: bus.endpoint,
      region: names.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    closers.push(() => eventBridgeClient.destroy());

    const arn = (service: string, resource: string) => `arn:aws:${service}:${names.region}:${names.account}:${resource}`;
    const functionArn = arn('lambda', `function:${names.functionName}`);
    const secretsClient = new SecretsManagerClient({
      endpoint: secrets.endpoint,
      region: names.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    closers.push(() => secretsClient.destroy());
    // The function's environment, as the stack sets it: the handler runs with it, GetFunctionConfiguration shows it.
    const functionEnv = {
      [ENV.tableName]: names.tableName,
      [ENV.apiBaseUrl]: api.baseUrl,
      [ENV.secretId]: names.secretId,
      [ENV.lockEventsBus]: names.lockEventBus,
    };
    const handler = createHandler({
      env: functionEnv,
      awsClients: { dynamo, secrets: secretsClient, eventBridge: eventBridgeClient },
    });
    const lambda = await startLambdaStandIn({
      [names.functionName]: (payload) => {
        const requestId = randomUUID();
        const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
        const context = {
          awsRequestId: requestId,
          functionName: names.functionName,
          functionVersion: '$LATEST',
          invokedFunctionArn: functionArn,
          memoryLimitInMB: '512',
          logGroupName: names.logGroupName,
          logStreamName: functionLog.logStreamName,
          getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        };
        return functionLog.invocation(requestId, () => handler(payload, context));
      },
    });
    lambda.setEnvironment(names.functionName, functionEnv);
    closers.push(() => lambda.close());

    const sqs = await startSqsStandIn([names.failedInvocationsQueue, names.undeliveredTicksQueue]);
    closers.push(() => sqs.close());
    const scheduler = await startSchedulerStandIn();
    closers.push(() => scheduler.close());
    const scheduleArn = arn('scheduler', `schedule/${names.scheduleGroup}/${names.scheduleName}`);
    // As infra/constructs/reaper-schedule.ts deploys it (its defaults), so pause/resume meet every field they must carry over.
    scheduler.addSchedule({
      Name: names.scheduleName,
      GroupName: names.scheduleGroup,
      Arn: scheduleArn,
      Description: 'Runs the canvas lock reaper',
      ScheduleExpression: 'rate(5 minutes)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: functionArn,
        RoleArn: `arn:aws:iam::${names.account}:role/canvas-lock-reaper-local-schedule`,
        Input: JSON.stringify({
          source: 'aws.scheduler',
          'detail-type': 'Scheduled Event',
          time: '<aws.scheduler.scheduled-time>',
          resources: ['<aws.scheduler.schedule-arn>'],
        }),
        RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
        DeadLetterConfig: { Arn: sqs.queueArn(names.undeliveredTicksQueue) },
      },
    });

    if (options.seed) {
      await seedCanvases({ dynamo, tableName: names.tableName, api });
      seedDeadLetters({
        sqs,
        failedInvocationsQueue: names.failedInvocationsQueue,
        undeliveredTicksQueue: names.undeliveredTicksQueue,
        functionArn,
        scheduleArn,
      });
    }

    const env: Record<string, string> = {
      AWS_REGION: names.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoServer.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      [ENV.lockEventsBus]: names.lockEventBus,
      [STACK_OUTPUTS.lockEventsLogGroupName.env]: names.lockEventsLogGroupName,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [ENV.tableName]: names.tableName,
      [ENV.apiBaseUrl]: api.baseUrl,
      [ENV.secretId]: names.secretId,
      [STACK_OUTPUTS.functionName.env]: names.functionName,
      [STACK_OUTPUTS.scheduleName.env]: names.scheduleName,
      [STACK_OUTPUTS.logGroupName.env]: names.logGroupName,
      [STACK_OUTPUTS.failedInvocationsQueueUrl.env]: sqs.queueUrl(names.failedInvocationsQueue),
      [STACK_OUTPUTS.undeliveredTicksQueueUrl.env]: sqs.queueUrl(names.undeliveredTicksQueue),
    };
    const unlisted = Object.keys(env).filter((name) => !LOCAL_WORLD_ENV_NAMES.includes(name));
    if (unlisted.length > 0) throw new Error(`LOCAL_WORLD_ENV_NAMES lacks ${unlisted.join(', ')}: --print-env would leave them out`);
    return {
      env,
      endpoints: {
        dynamodb: dynamoServer.endpoint,
        scenarioApi: api.baseUrl,
        secretsManager: secrets.endpoint,
        lambda: lambda.endpoint,
        scheduler: scheduler.endpoint,
        cloudwatchLogs: logs.endpoint,
        sqs: sqs.endpoint,
        eventBridge: bus.endpoint,
      },
      seeded: options.seed,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
