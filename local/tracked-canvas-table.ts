import {
  type AttributeValue,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CANVAS_ATTRIBUTES } from '#reaper/table-contract';

/**
 * Where a local AWS stand-in (DynamoDB server, EventBridge stand-in) is, with fixed local credentials: they accept any,
 * and the SDK must not go looking for real ones. Pass it to production's client factories to aim them at the local server.
 */
export function localEndpointSettings(endpoint: string) {
  return { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/** A plain SDK client of the local server (set-up, seeding, checks, the naive reaper): not production's. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...localEndpointSettings(endpoint), maxAttempts: 2 });
}

/** The table contract: partition key assetId (string), nothing else required. */
export async function createTrackedCanvasTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: CANVAS_ATTRIBUTES.assetId, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: CANVAS_ATTRIBUTES.assetId, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  // Even a local server answers CreateTable before the table is ACTIVE; writes before that are refused.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

export async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
}

/** A row as a writer system would put it: lockExpiresAt (ISO string) while locked, optionally lockId, anything else. */
export interface SeedRow {
  assetId: string;
  lockExpiresAt?: string | number | AttributeValue;
  lockId?: string;
  extra?: Record<string, AttributeValue>;
}

export async function putRow(client: DynamoDBClient, tableName: string, row: SeedRow): Promise<void> {
  const item: Record<string, AttributeValue> = { [CANVAS_ATTRIBUTES.assetId]: { S: row.assetId }, ...row.extra };
  if (typeof row.lockExpiresAt === 'string') item[CANVAS_ATTRIBUTES.lockExpiresAt] = { S: row.lockExpiresAt };
  else if (typeof row.lockExpiresAt === 'number') item[CANVAS_ATTRIBUTES.lockExpiresAt] = { N: String(row.lockExpiresAt) };
  else if (row.lockExpiresAt) item[CANVAS_ATTRIBUTES.lockExpiresAt] = row.lockExpiresAt;
  if (row.lockId !== undefined) item[CANVAS_ATTRIBUTES.lockId] = { S: row.lockId };
  await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
}

export async function getRow(client: DynamoDBClient, tableName: string, assetId: string) {
  const answer = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { [CANVAS_ATTRIBUTES.assetId]: { S: assetId } }, ConsistentRead: true }),
  );
  return answer.Item;
}
