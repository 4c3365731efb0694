import { type AttributeValue, type DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

export interface NaiveReaperSettings {
  client: DynamoDBClient;
  tableName: string;
  apiBaseUrl: string;
  apiKey: string;
  apiSecret: string;
  graceSeconds: number;
}

export interface NaiveRunCounts {
  examined: number;
  stale: number;
  unlocked: number;
  failed: number;
}

/**
 * The reaper as someone would write it in an afternoon, without care: read the whole table into memory (every
 * attribute), then unlock the stale canvases one awaited request at a time and clear each row. It is the baseline
 * the real reaper's speed and memory are compared with; it is deliberately not improved.
 */
export async function naiveReap(settings: NaiveReaperSettings): Promise<NaiveRunCounts> {
  const { client, tableName } = settings;
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  const authorization = `Basic ${Buffer.from(`${settings.apiKey}:${settings.apiSecret}`).toString('base64')}`;
  const cutoff = Date.now() - settings.graceSeconds * 1000;
  const counts: NaiveRunCounts = { examined: items.length, stale: 0, unlocked: 0, failed: 0 };
  for (const item of items) {
    const expiresAt = item.lockExpiresAt?.S;
    const assetId = item.assetId?.S;
    if (!expiresAt || !assetId || Date.parse(expiresAt) >= cutoff) continue;
    counts.stale += 1;
    const response = await fetch(`${settings.apiBaseUrl}/assets/${assetId}/unlock`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ forceUnlock: true }),
    });
    await response.text();
    if (!response.ok) {
      counts.failed += 1;
      continue;
    }
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { assetId: { S: assetId } },
        UpdateExpression: 'REMOVE lockExpiresAt, lockId',
      }),
    );
    counts.unlocked += 1;
  }
  return counts;
}
