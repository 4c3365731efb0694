import { DeleteItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CANVAS_ATTRIBUTES } from '../functions/reaper/adapters/dynamo-canvas-store';

/**
 * Writes a tracked row in the table contract's shape: assetId, lockExpiresAt, and lockId when given (removed when
 * not, so an old lock id never sits beside a new expiry). Every other attribute of an existing row is kept.
 */
export async function trackCanvas(
  client: DynamoDBClient,
  tableName: string,
  row: { assetId: string; lockExpiresAt: string; lockId?: string },
): Promise<void> {
  const values: Record<string, AttributeValue> = { ':exp': { S: row.lockExpiresAt } };
  let update = 'SET #exp = :exp';
  if (row.lockId !== undefined) {
    values[':lockId'] = { S: row.lockId };
    update += ', #lockId = :lockId';
  } else {
    update += ' REMOVE #lockId';
  }
  await client.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { [CANVAS_ATTRIBUTES.assetId]: { S: row.assetId } },
      UpdateExpression: update,
      ExpressionAttributeNames: { '#exp': CANVAS_ATTRIBUTES.lockExpiresAt, '#lockId': CANVAS_ATTRIBUTES.lockId },
      ExpressionAttributeValues: values,
    }),
  );
}

/** Removes a tracked row; returns what it held (undefined when there was no such row). */
export async function untrackCanvas(client: DynamoDBClient, tableName: string, assetId: string) {
  const answer = await client.send(
    new DeleteItemCommand({ TableName: tableName, Key: { [CANVAS_ATTRIBUTES.assetId]: { S: assetId } }, ReturnValues: 'ALL_OLD' }),
  );
  return answer.Attributes;
}
