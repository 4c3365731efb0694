import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { CanvasStore, ClaimResult, MarkUnlockedResult } from '../core/ports';
import { ABSENT, type AttributeReading, type TrackedCanvas } from '../core/tracked-canvas';

/** The table contract: the attributes writers own. */
export const CANVAS_ATTRIBUTES = {
  assetId: 'assetId',
  lockExpiresAt: 'lockExpiresAt',
  lockId: 'lockId',
} as const;

/** Attributes only the reaper writes; every other attribute of a row is left exactly as its writer wrote it. */
export const REAPER_ATTRIBUTES = {
  /** The run that is unlocking this canvas right now… */
  claimRunId: 'reaperClaimRunId',
  /** …until this epoch-ms deadline, after which another run may take over. */
  claimExpiresAt: 'reaperClaimExpiresAt',
  /** ISO time of the last force-unlock, the run that did it and the lock it freed: the audit trail. */
  lastUnlockedAt: 'lastForceUnlockedAt',
  lastUnlockedRunId: 'lastForceUnlockedRunId',
  lastUnlockedLockExpiresAt: 'lastForceUnlockedLockExpiresAt',
} as const;

/** BatchGetItem's own limit. */
const BATCH_GET_MAX_KEYS = 100;
const UNPROCESSED_KEYS_MAX_ROUNDS = 8;
const UNPROCESSED_KEYS_FIRST_DELAY_MS = 50;

export interface DynamoCanvasStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Rows per Scan request; omitted, DynamoDB's 1 MB page. */
  pageSize?: number;
  /** Waits between BatchGetItem rounds; injected so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

interface LockAsRead {
  lockExpiresAt: AttributeValue | undefined;
  lockId: AttributeValue | undefined;
}

const NAMES = {
  '#id': CANVAS_ATTRIBUTES.assetId,
  '#exp': CANVAS_ATTRIBUTES.lockExpiresAt,
  '#lockId': CANVAS_ATTRIBUTES.lockId,
};
const PROJECTION = '#id, #exp, #lockId';

/** The tracked-canvases table in DynamoDB, read with a projection of the three attributes the reaper needs. */
export class DynamoCanvasStore implements CanvasStore {
  /** The lock exactly as read, kept out of the core so conditions compare raw attribute values. */
  private readonly asRead = new WeakMap<TrackedCanvas, LockAsRead>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: DynamoCanvasStoreOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async *pages(): AsyncIterable<readonly TrackedCanvas[]> {
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          ProjectionExpression: PROJECTION,
          ExpressionAttributeNames: NAMES,
          ExclusiveStartKey: exclusiveStartKey,
          Limit: this.options.pageSize,
        }),
      );
      yield (page.Items ?? []).map((item) => this.toCanvas(item));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
  }

  async *pagesOf(assetIds: readonly string[]): AsyncIterable<readonly TrackedCanvas[]> {
    for (let start = 0; start < assetIds.length; start += BATCH_GET_MAX_KEYS) {
      let keys: Record<string, AttributeValue>[] | undefined = assetIds
        .slice(start, start + BATCH_GET_MAX_KEYS)
        .map((assetId) => ({ [CANVAS_ATTRIBUTES.assetId]: { S: assetId } }));
      for (let round = 0; keys && keys.length > 0; round += 1) {
        if (round === UNPROCESSED_KEYS_MAX_ROUNDS) {
          throw new Error(`BatchGetItem left ${keys.length} keys unprocessed after ${round} rounds (table throttled)`);
        }
        if (round > 0) await this.sleep(UNPROCESSED_KEYS_FIRST_DELAY_MS * 2 ** (round - 1));
        const answer: BatchGetItemCommandOutput = await this.options.client.send(
          new BatchGetItemCommand({
            RequestItems: {
              [this.options.tableName]: { Keys: keys, ProjectionExpression: PROJECTION, ExpressionAttributeNames: NAMES, ConsistentRead: true },
            },
          }),
        );
        const items = answer.Responses?.[this.options.tableName] ?? [];
        if (items.length > 0) yield items.map((item) => this.toCanvas(item));
        keys = answer.UnprocessedKeys?.[this.options.tableName]?.Keys;
      }
    }
  }

  async claim(canvas: TrackedCanvas, claim: { runId: string; untilMs: number; nowMs: number }): Promise<ClaimResult> {
    const lock = this.lockAsRead(canvas);
    const applied = await this.updateIfSameLock(canvas, lock, {
      update: 'SET #claimRun = :run, #claimUntil = :until',
      condition: '(attribute_not_exists(#claimRun) OR #claimUntil < :now OR #claimRun = :run)',
      names: { '#claimRun': REAPER_ATTRIBUTES.claimRunId, '#claimUntil': REAPER_ATTRIBUTES.claimExpiresAt },
      values: { ':run': { S: claim.runId }, ':until': { N: String(claim.untilMs) }, ':now': { N: String(claim.nowMs) } },
    });
    return applied ? 'claimed' : this.whyClaimFailed(canvas, lock);
  }

  async markUnlocked(canvas: TrackedCanvas, unlock: { runId: string; unlockedAtMs: number }): Promise<MarkUnlockedResult> {
    const lock = this.lockAsRead(canvas);
    const applied = await this.updateIfSameLock(canvas, lock, {
      update: 'REMOVE #exp, #lockId, #claimRun, #claimUntil SET #lastAt = :at, #lastRun = :run, #lastExp = :exp',
      condition: '#claimRun = :run',
      names: {
        '#claimRun': REAPER_ATTRIBUTES.claimRunId,
        '#claimUntil': REAPER_ATTRIBUTES.claimExpiresAt,
        '#lastAt': REAPER_ATTRIBUTES.lastUnlockedAt,
        '#lastRun': REAPER_ATTRIBUTES.lastUnlockedRunId,
        '#lastExp': REAPER_ATTRIBUTES.lastUnlockedLockExpiresAt,
      },
      values: { ':run': { S: unlock.runId }, ':at': { S: new Date(unlock.unlockedAtMs).toISOString() } },
    });
    if (applied) return 'updated';
    // The SDK retries a write whose answer was lost (a 500 or a dropped connection after DynamoDB applied it); the
    // retry then fails its own condition. Tell that from a writer's change before reporting the row as changed.
    return (await this.alreadyMarkedBy(canvas, lock, unlock.runId)) ? 'updated' : 'lock-changed';
  }

  /**
   * One UpdateItem that applies only while the row still holds the lock as read (and `condition`); false when the
   * condition failed, so the caller can find out why.
   */
  private async updateIfSameLock(
    canvas: TrackedCanvas,
    lock: LockAsRead,
    change: { update: string; condition: string; names: Record<string, string>; values: Record<string, AttributeValue> },
  ): Promise<boolean> {
    const sameLock = this.sameLockCondition(lock);
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [CANVAS_ATTRIBUTES.assetId]: { S: canvas.assetId } },
          UpdateExpression: change.update,
          ConditionExpression: `${sameLock.expression} AND ${change.condition}`,
          ExpressionAttributeNames: { ...sameLock.names, ...change.names },
          ExpressionAttributeValues: { ...sameLock.values, ...change.values },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** True when the row shows this run's own unlock of the lock read, and nothing written since. */
  private async alreadyMarkedBy(canvas: TrackedCanvas, lock: LockAsRead, runId: string): Promise<boolean> {
    const current = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { [CANVAS_ATTRIBUTES.assetId]: { S: canvas.assetId } },
        ConsistentRead: true,
      }),
    );
    const item = current.Item;
    return (
      item !== undefined &&
      item[CANVAS_ATTRIBUTES.lockExpiresAt] === undefined &&
      item[CANVAS_ATTRIBUTES.lockId] === undefined &&
      item[REAPER_ATTRIBUTES.claimRunId] === undefined &&
      item[REAPER_ATTRIBUTES.lastUnlockedRunId]?.S === runId &&
      sameAttribute(item[REAPER_ATTRIBUTES.lastUnlockedLockExpiresAt], lock.lockExpiresAt)
    );
  }

  async releaseClaim(canvas: TrackedCanvas, runId: string): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [CANVAS_ATTRIBUTES.assetId]: { S: canvas.assetId } },
          UpdateExpression: 'REMOVE #claimRun, #claimUntil',
          ConditionExpression: '#claimRun = :run',
          ExpressionAttributeNames: { '#claimRun': REAPER_ATTRIBUTES.claimRunId, '#claimUntil': REAPER_ATTRIBUTES.claimExpiresAt },
          ExpressionAttributeValues: { ':run': { S: runId } },
        }),
      );
    } catch (error) {
      // Someone rewrote the row (and our claim with it): nothing of ours is left to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private toCanvas(item: Record<string, AttributeValue>): TrackedCanvas {
    const canvas: TrackedCanvas = {
      assetId: keyAsString(item[CANVAS_ATTRIBUTES.assetId]),
      lockExpiresAt: reading(item[CANVAS_ATTRIBUTES.lockExpiresAt]),
      lockId: reading(item[CANVAS_ATTRIBUTES.lockId]),
    };
    this.asRead.set(canvas, { lockExpiresAt: item[CANVAS_ATTRIBUTES.lockExpiresAt], lockId: item[CANVAS_ATTRIBUTES.lockId] });
    return canvas;
  }

  private lockAsRead(canvas: TrackedCanvas): LockAsRead {
    const lock = this.asRead.get(canvas);
    if (!lock) throw new Error(`canvas ${canvas.assetId} was not read through this store`);
    return lock;
  }

  /** True only while the row still holds the very lock that was read (lockExpiresAt and lockId, or its absence). */
  private sameLockCondition(lock: LockAsRead) {
    if (!lock.lockExpiresAt) throw new Error('only a locked row can be claimed or unlocked');
    const names: Record<string, string> = { '#exp': CANVAS_ATTRIBUTES.lockExpiresAt, '#lockId': CANVAS_ATTRIBUTES.lockId };
    const values: Record<string, AttributeValue> = { ':exp': lock.lockExpiresAt };
    let expression = '#exp = :exp AND ';
    if (lock.lockId) {
      values[':lockId'] = lock.lockId;
      expression += '#lockId = :lockId';
    } else {
      expression += 'attribute_not_exists(#lockId)';
    }
    return { expression, names, values };
  }

  private async whyClaimFailed(canvas: TrackedCanvas, lock: LockAsRead): Promise<ClaimResult> {
    const current = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { [CANVAS_ATTRIBUTES.assetId]: { S: canvas.assetId } },
        ProjectionExpression: '#exp, #lockId',
        ExpressionAttributeNames: { '#exp': CANVAS_ATTRIBUTES.lockExpiresAt, '#lockId': CANVAS_ATTRIBUTES.lockId },
        ConsistentRead: true,
      }),
    );
    if (!current.Item) return 'gone';
    if (!current.Item[CANVAS_ATTRIBUTES.lockExpiresAt]) return 'no-longer-locked';
    const sameLock =
      sameAttribute(current.Item[CANVAS_ATTRIBUTES.lockExpiresAt], lock.lockExpiresAt) &&
      sameAttribute(current.Item[CANVAS_ATTRIBUTES.lockId], lock.lockId);
    return sameLock ? 'claimed-by-other-run' : 'lock-changed';
  }
}

function keyAsString(value: AttributeValue | undefined): string {
  if (value?.S !== undefined) return value.S;
  // The key schema makes this impossible on a real table; if it happens, the id check reports it as invalid.
  return `<assetId is not a string: ${JSON.stringify(value ?? null).slice(0, 60)}>`;
}

function reading(value: AttributeValue | undefined): AttributeReading {
  if (value === undefined) return ABSENT;
  if (value.S !== undefined) return { kind: 'string', value: value.S };
  const [dynamoType = '?', inner] = Object.entries(value).find(([, v]) => v !== undefined) ?? [];
  return { kind: 'other', dynamoType, preview: JSON.stringify(inner ?? null).slice(0, 60) };
}

function sameAttribute(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
