import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ScenarioStandIn } from './scenario-stand-in';
import type { SqsStandIn } from './sqs-stand-in';
import { putRow, type SeedRow } from './tracked-canvas-table';

const minutesFromNow = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

/** The canvases a fresh local world tracks, each known to the Scenario stand-in with the same lock. */
export const SEEDED_CANVASES: readonly { row: SeedRow; what: string }[] = [
  {
    row: { assetId: 'asset_localStaleTenMin', lockExpiresAt: minutesFromNow(-10), lockId: 'lock_local1' },
    what: 'stale: expired 10 min ago',
  },
  {
    row: { assetId: 'asset_localStaleThreeDays', lockExpiresAt: minutesFromNow(-3 * 24 * 60) },
    what: 'stale: a crashed editor, 3 days ago',
  },
  { row: { assetId: 'asset_localLive', lockExpiresAt: minutesFromNow(120), lockId: 'lock_local2' }, what: 'live: expires in 2 h' },
  { row: { assetId: 'asset_localNotLocked', extra: { title: { S: 'Moodboard' } } }, what: 'not locked' },
];

/** Canvases Scenario knows but the table does not track: for practising `ops track` (any other id gets a 404). */
export const UNTRACKED_CANVAS_IDS: readonly string[] = ['asset_localSpareA', 'asset_localSpareB'];

export async function seedCanvases(options: { dynamo: DynamoDBClient; tableName: string; api: ScenarioStandIn }): Promise<void> {
  for (const { row } of SEEDED_CANVASES) {
    await putRow(options.dynamo, options.tableName, row);
    options.api.addCanvas(row.assetId, {
      ...(typeof row.lockExpiresAt === 'string' ? { lockExpiresAt: row.lockExpiresAt } : {}),
      ...(row.lockId ? { lockId: row.lockId } : {}),
    });
  }
  for (const assetId of UNTRACKED_CANVAS_IDS) options.api.addCanvas(assetId);
}

/**
 * One message in each dead-letter queue, shaped as the services write them, so `ops dead-letters` has something to
 * show: a scheduled run that failed on refused credentials (Lambda's on-failure record), and a tick Scheduler could
 * not deliver (its dead-letter message attributes; the error is an illustration: a role that may not invoke).
 */
export function seedDeadLetters(options: {
  sqs: SqsStandIn;
  failedInvocationsQueue: string;
  undeliveredTicksQueue: string;
  functionArn: string;
  scheduleArn: string;
}): void {
  const hoursAgo = (n: number) => Date.now() - n * 3_600_000;
  const scheduledInput = (atMs: number) => ({
    source: 'aws.scheduler',
    'detail-type': 'Scheduled Event',
    time: new Date(atMs).toISOString(),
    resources: [options.scheduleArn],
  });
  const failedAt = hoursAgo(2);
  options.sqs.send(options.failedInvocationsQueue, {
    sentAtMs: failedAt,
    body: JSON.stringify({
      version: '1.0',
      timestamp: new Date(failedAt).toISOString(),
      requestContext: {
        requestId: 'f0e1d2c3-0000-4000-8000-000000000001',
        functionArn: `${options.functionArn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload: scheduledInput(failedAt - 1_000),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'ReapRunError', errorMessage: 'the Scenario API refused the credentials: 401 Unauthorized', trace: [] },
    }),
  });
  const tickAt = hoursAgo(1);
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
  options.sqs.send(options.undeliveredTicksQueue, {
    sentAtMs: tickAt,
    body: JSON.stringify(scheduledInput(tickAt)),
    messageAttributes: {
      ERROR_CODE: attribute('AccessDeniedException'),
      ERROR_MESSAGE: attribute(
        `The schedule's role is not authorized to perform: lambda:InvokeFunction on resource: ${options.functionArn}`,
      ),
      RETRY_ATTEMPTS: attribute('0'),
      SCHEDULED_TIME: attribute(new Date(tickAt).toISOString()),
      SCHEDULE_ARN: attribute(options.scheduleArn),
      TARGET_ARN: attribute(options.functionArn),
      EXECUTION_ID: attribute('local-execution-0001'),
      IS_PAYLOAD_TRUNCATED: attribute('false'),
    },
  });
}
