import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CANVAS_ATTRIBUTES } from '#reaper/table-contract';
import type { RawRow } from './tracked-rows';

/** `changed`: the row no longer holds what was read (a writer or the reaper got there first); nothing was written. */
export type WriteResult = 'written' | 'changed';

/**
 * The row still holds what the operator was shown: no row when there was none; otherwise the same lockExpiresAt
 * and lockId (or their absence). The writers and the reaper change exactly these when a lock moves.
 */
function stillAsRead(seen: RawRow | undefined) {
  const names: Record<string, string> = { '#id': CANVAS_ATTRIBUTES.assetId };
  const values: Record<string, AttributeValue> = {};
  if (!seen) return { expression: 'attribute_not_exists(#id)', names, values };
  const parts = ['attribute_exists(#id)'];
  for (const [placeholder, attribute] of [
    ['seenExp', CANVAS_ATTRIBUTES.lockExpiresAt],
    ['seenLockId', CANVAS_ATTRIBUTES.lockId],
  ] as const) {
    names[`#${placeholder}`] = attribute;
    const value = seen[attribute];
    if (value === undefined) {
      parts.push(`attribute_not_exists(#${placeholder})`);
    } else {
      values[`:${placeholder}`] = value;
      parts.push(`#${placeholder} = :${placeholder}`);
    }
  }
  return { expression: parts.join(' AND '), names, values };
}

async function unlessChanged(write: () => Promise<unknown>): Promise<WriteResult> {
  try {
    await write();
    return 'written';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'changed';
    throw error;
  }
}

/**
 * Writes a tracked row in the table contract's shape: assetId, lockExpiresAt, and lockId when given (removed when
 * not, so an old lock id never sits beside a new expiry). Every other attribute of an existing row is kept.
 * Applies only while the row still holds what was read (`seen`, undefined when there was no row).
 */
export function trackCanvas(
  client: DynamoDBClient,
  tableName: string,
  row: { assetId: string; lockExpiresAt: string; lockId?: string; projectId?: string },
  seen: RawRow | undefined,
): Promise<WriteResult> {
  const condition = stillAsRead(seen);
  const values: Record<string, AttributeValue> = { ...condition.values, ':exp': { S: row.lockExpiresAt } };
  let update = 'SET #exp = :exp';
  if (row.projectId !== undefined) {
    values[':project'] = { S: row.projectId };
    update += ', #project = :project';
  }
  if (row.lockId !== undefined) {
    values[':lockId'] = { S: row.lockId };
    update += ', #lockId = :lockId';
  } else {
    update += ' REMOVE #lockId';
  }
  return unlessChanged(() =>
    client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { [CANVAS_ATTRIBUTES.assetId]: { S: row.assetId } },
        UpdateExpression: update,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: {
          ...condition.names,
          '#exp': CANVAS_ATTRIBUTES.lockExpiresAt,
          '#lockId': CANVAS_ATTRIBUTES.lockId,
          ...(row.projectId !== undefined ? { '#project': CANVAS_ATTRIBUTES.projectId } : {}),
        },
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/** Removes a tracked row, only while it still holds the lock that was read (`seen`). */
export function untrackCanvas(client: DynamoDBClient, tableName: string, assetId: string, seen: RawRow): Promise<WriteResult> {
  const condition = stillAsRead(seen);
  return unlessChanged(() =>
    client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { [CANVAS_ATTRIBUTES.assetId]: { S: assetId } },
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ...(Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {}),
      }),
    ),
  );
}
