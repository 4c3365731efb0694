import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { OpsIo } from './io';

export const schedulerClient = (io: OpsIo): SchedulerClient => io.scheduler ?? new SchedulerClient({});
export const logsClient = (io: OpsIo): CloudWatchLogsClient => io.logs ?? new CloudWatchLogsClient({});
export const sqsClient = (io: OpsIo): SQSClient => io.sqs ?? new SQSClient({});
