import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { OpsIo } from './io';

/**
 * The clients of the schedule, log and queue commands (pause, resume, last-run, dead-letters). Tests pass their own;
 * the CLI builds them from the usual AWS settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_SCHEDULER/_CLOUDWATCH_LOGS/_SQS).
 */
export interface OperatorClients {
  scheduler?: SchedulerClient;
  logs?: CloudWatchLogsClient;
  sqs?: SQSClient;
}

export type OperatorIo = OpsIo & OperatorClients;

export const schedulerClient = (io: OperatorIo): SchedulerClient => io.scheduler ?? new SchedulerClient({});
export const logsClient = (io: OperatorIo): CloudWatchLogsClient => io.logs ?? new CloudWatchLogsClient({});
export const sqsClient = (io: OperatorIo): SQSClient => io.sqs ?? new SQSClient({});
