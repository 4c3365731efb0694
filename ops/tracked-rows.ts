import { type AttributeValue, type DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { attributeReading, DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import type { BrakeRow, BrakeState } from '#reaper/core/brake';
import type { TrackedCanvas } from '#reaper/core/tracked-canvas';
import type { RowClaim } from '#reaper/core/verdict';
import { CANVAS_ATTRIBUTES, isReservedKey, REAPER_ATTRIBUTES } from '#reaper/table-contract';

export type RawRow = Record<string, AttributeValue>;

/** A row as `ops status` shows it: the lock the reaper judges, and when the reaper last freed one. */
export interface StatusRow {
  canvas: TrackedCanvas;
  lastForceUnlockedAt?: string;
  /** The run that holds the row's claim; a claim left by a run that died stays visible. */
  claim?: RowClaim;
}

/** The run's claim the row holds, if any. */
export function claimOf(item: RawRow): RowClaim | undefined {
  const runId = item[REAPER_ATTRIBUTES.claimRunId]?.S;
  if (runId === undefined) return undefined;
  return { runId, expiresAtMs: Number(item[REAPER_ATTRIBUTES.claimExpiresAt]?.N ?? Number.NaN) };
}

/** A claim as status and explain show it: the run, and until when. */
export function shownClaim(claim: RowClaim): { runId: string; expiresAt: string } {
  const expiresAt = Number.isFinite(claim.expiresAtMs) ? new Date(claim.expiresAtMs).toISOString() : '(no reaperClaimExpiresAt)';
  return { runId: claim.runId, expiresAt };
}

const STATUS_NAMES = {
  '#id': CANVAS_ATTRIBUTES.assetId,
  '#exp': CANVAS_ATTRIBUTES.lockExpiresAt,
  '#lockId': CANVAS_ATTRIBUTES.lockId,
  '#lastAt': REAPER_ATTRIBUTES.lastUnlockedAt,
  '#project': CANVAS_ATTRIBUTES.projectId,
  '#claimRun': REAPER_ATTRIBUTES.claimRunId,
  '#claimUntil': REAPER_ATTRIBUTES.claimExpiresAt,
};

/**
 * Every tracked row, a Scan page at a time, with the reaper's three attributes, `lastForceUnlockedAt` and the claim
 * (the reaper's store projects only the three it decides on).
 */
export async function* scanStatusRows(client: DynamoDBClient, tableName: string): AsyncIterable<readonly StatusRow[]> {
  let exclusiveStartKey: RawRow | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: Object.keys(STATUS_NAMES).join(', '),
        ExpressionAttributeNames: STATUS_NAMES,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    // The reaper's own rows (the brake's state) are not tracked canvases.
    yield (page.Items ?? [])
      .filter((item) => !isReservedKey(item[CANVAS_ATTRIBUTES.assetId]?.S ?? ''))
      .map((item) => {
        const lastAt = item[REAPER_ATTRIBUTES.lastUnlockedAt]?.S;
        const claim = claimOf(item);
        return { canvas: canvasOf(item), ...(lastAt !== undefined ? { lastForceUnlockedAt: lastAt } : {}), ...(claim ? { claim } : {}) };
      });
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey);
}

/** One row, whole, read consistently: what an operator is shown before a change, and what the change is conditioned on. */
export async function readRow(client: DynamoDBClient, tableName: string, key: string): Promise<RawRow | undefined> {
  const answer = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { [CANVAS_ATTRIBUTES.assetId]: { S: key } }, ConsistentRead: true }),
  );
  return answer.Item;
}

/** The row as the reaper would judge it. */
export function canvasOf(item: RawRow): TrackedCanvas {
  const id = item[CANVAS_ATTRIBUTES.assetId];
  return {
    assetId: id?.S ?? `<assetId is not a string: ${JSON.stringify(id ?? null).slice(0, 60)}>`,
    lockExpiresAt: attributeReading(item[CANVAS_ATTRIBUTES.lockExpiresAt]),
    lockId: attributeReading(item[CANVAS_ATTRIBUTES.lockId]),
    ...(item[CANVAS_ATTRIBUTES.projectId] ? { projectId: attributeReading(item[CANVAS_ATTRIBUTES.projectId]) } : {}),
  };
}

/** The mass-expiry brake's state, as the reaper reads it, totalled over the engaged projects: undefined when none is. */
export async function readBrakeState(client: DynamoDBClient, tableName: string): Promise<BrakeState | undefined> {
  return engagedTotals(await new DynamoCanvasStore({ client, tableName }).readBrake());
}

/** What is engaged, as one total (ops status): the earliest trip, summed counts; undefined when nothing is. */
export function engagedTotals(row: BrakeRow): BrakeState | undefined {
  const engaged = Object.values(row.projects).flatMap((entry) => (entry.engaged ? [entry.engaged] : []));
  if (row.legacy) engaged.push({ ...row.legacy, heldSinceMs: 0 });
  if (engaged.length === 0) return undefined;
  const first = engaged.reduce((a, b) => (b.trippedAtMs < a.trippedAtMs ? b : a));
  return {
    trippedAtMs: first.trippedAtMs,
    runId: first.runId,
    newlyStale: engaged.reduce((sum, e) => sum + e.newlyStale, 0),
    live: engaged.reduce((sum, e) => sum + e.live, 0),
  };
}
