import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoClient, localEndpointSettings } from '#local/tracked-canvas-table';
import { createDynamoClient } from '#reaper/wiring';
import type { ReaperJob } from './reaper-job';

/**
 * The DynamoDB client of one bench reaper process. The real reaper gets production's client (createDynamoClient,
 * aimed at the local server), so the bench measures the SDK work Lambda does per call. The naive reaper keeps a plain
 * SDK client with the SDK's defaults: it stands for a script written without tuning, the baseline the speedup is
 * measured against.
 */
export function benchDynamoClient(job: Pick<ReaperJob, 'mode' | 'dynamoEndpoint'>): DynamoDBClient {
  return job.mode === 'naive' ? localDynamoClient(job.dynamoEndpoint) : createDynamoClient(localEndpointSettings(job.dynamoEndpoint));
}
