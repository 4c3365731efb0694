import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type BrakeRow, MAX_LOOK_BACK_MS, type ProjectBrakeEntry, type ProjectEngagement } from '../core/brake';
import type { CanvasStore, ClaimResult, HealResult, MarkUnlockedResult, RowCheck } from '../core/ports';
import { ABSENT, type AttributeReading, lockViewOf, type TrackedCanvas } from '../core/tracked-canvas';
import {
  BRAKE_ATTRIBUTES,
  BRAKE_MARK_PREFIX,
  BRAKE_PROJECT_FIELDS,
  BRAKE_PROJECT_PREFIX,
  BRAKE_ROW_KEY,
  BRAKE_STATES,
  CANVAS_ATTRIBUTES,
  isReservedKey,
  REAPER_ATTRIBUTES,
} from '../table-contract';

/** BatchGetItem's own limit. */
const BATCH_GET_MAX_KEYS = 100;
const UNPROCESSED_KEYS_MAX_ROUNDS = 8;
const UNPROCESSED_KEYS_FIRST_DELAY_MS = 50;
/**
 * Per-project attributes set by one UpdateItem of the brake row: well inside UpdateExpression's 4 KB with
 * 128-character project ids behind placeholders. More projects take more writes (each atomic on its own).
 */
const BRAKE_ATTRIBUTES_PER_WRITE = 100;

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
  '#notFound': REAPER_ATTRIBUTES.lastNotFoundAt,
  '#project': CANVAS_ATTRIBUTES.projectId,
};
const PROJECTION = '#id, #exp, #lockId, #notFound, #project';

/**
 * One conditional write of a canvas row, its expressions and attribute names built once (they are the same for every
 * canvas; only the values differ). Its condition always includes the "same lock" condition: true only while the row
 * still holds the very lock that was read (lockExpiresAt and lockId, or lockId's absence), so a renewed lock is never
 * overwritten. `:exp` (and `:lockId`) are the lock as read.
 */
interface ConditionalWrite {
  readonly update: string;
  readonly conditionWithLockId: string;
  readonly conditionWithoutLockId: string;
  readonly names: Readonly<Record<string, string>>;
}

function conditionalWrite(change: { update: string; condition: string; names: Record<string, string> }): ConditionalWrite {
  return Object.freeze({
    update: change.update,
    conditionWithLockId: `#exp = :exp AND #lockId = :lockId AND ${change.condition}`,
    conditionWithoutLockId: `#exp = :exp AND attribute_not_exists(#lockId) AND ${change.condition}`,
    names: Object.freeze({ '#exp': CANVAS_ATTRIBUTES.lockExpiresAt, '#lockId': CANVAS_ATTRIBUTES.lockId, ...change.names }),
  });
}

const CLAIM = conditionalWrite({
  update: 'SET #claimRun = :run, #claimUntil = :until',
  condition: '(attribute_not_exists(#claimRun) OR #claimUntil < :now OR #claimRun = :run)',
  names: { '#claimRun': REAPER_ATTRIBUTES.claimRunId, '#claimUntil': REAPER_ATTRIBUTES.claimExpiresAt },
});

const MARK_UNLOCKED = conditionalWrite({
  update: 'REMOVE #exp, #lockId, #claimRun, #claimUntil SET #lastAt = :at, #lastRun = :run, #lastExp = :exp',
  condition: '#claimRun = :run',
  names: {
    '#claimRun': REAPER_ATTRIBUTES.claimRunId,
    '#claimUntil': REAPER_ATTRIBUTES.claimExpiresAt,
    '#lastAt': REAPER_ATTRIBUTES.lastUnlockedAt,
    '#lastRun': REAPER_ATTRIBUTES.lastUnlockedRunId,
    '#lastExp': REAPER_ATTRIBUTES.lastUnlockedLockExpiresAt,
  },
});

const HEAL_FROM_SOURCE = conditionalWrite({
  update: 'SET #exp = :sourceExp, #healedAt = :at, #healedRun = :run REMOVE #lockId, #claimRun, #claimUntil',
  condition: '#claimRun = :run',
  names: {
    '#claimRun': REAPER_ATTRIBUTES.claimRunId,
    '#claimUntil': REAPER_ATTRIBUTES.claimExpiresAt,
    '#healedAt': REAPER_ATTRIBUTES.lastHealedAt,
    '#healedRun': REAPER_ATTRIBUTES.lastHealedRunId,
  },
});

const MARK_NOT_FOUND = conditionalWrite({
  update: 'SET #notFound = :at',
  condition: 'attribute_exists(#exp)',
  names: { '#notFound': REAPER_ATTRIBUTES.lastNotFoundAt },
});

/**
 * The tracked-canvases table in DynamoDB, read with a projection of the five attributes the reaper needs (assetId,
 * lockExpiresAt, lockId, lastNotFoundAt, projectId).
 */
export class DynamoCanvasStore implements CanvasStore {
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
      yield (page.Items ?? []).filter((item) => !isReservedKey(item[CANVAS_ATTRIBUTES.assetId]?.S ?? '')).map(toCanvas);
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
              [this.options.tableName]: {
                Keys: keys,
                ProjectionExpression: PROJECTION,
                ExpressionAttributeNames: NAMES,
                ConsistentRead: true,
              },
            },
          }),
        );
        const items = answer.Responses?.[this.options.tableName] ?? [];
        if (items.length > 0) yield items.map(toCanvas);
        keys = answer.UnprocessedKeys?.[this.options.tableName]?.Keys;
      }
    }
  }

  async claim(canvas: TrackedCanvas, claim: { runId: string; untilMs: number; nowMs: number }): Promise<ClaimResult> {
    const lock = lockAsRead(canvas);
    const applied = await this.updateIfSameLock(canvas, lock, CLAIM, {
      ':run': { S: claim.runId },
      ':until': { N: String(claim.untilMs) },
      ':now': { N: String(claim.nowMs) },
    });
    return applied ? 'claimed' : this.whyClaimFailed(canvas, lock);
  }

  async check(canvas: TrackedCanvas, runId: string): Promise<RowCheck> {
    const lock = lockAsRead(canvas);
    const item = await this.readRow(canvas.assetId);
    const current = item ? lockViewOf(toCanvas(item)) : null;
    if (
      !item ||
      !sameAttribute(item[CANVAS_ATTRIBUTES.lockExpiresAt], lock.lockExpiresAt) ||
      !sameAttribute(item[CANVAS_ATTRIBUTES.lockId], lock.lockId)
    ) {
      return { kind: 'lock-changed', current: current && current.lockExpiresAt === undefined ? null : current };
    }
    return item[REAPER_ATTRIBUTES.claimRunId]?.S === runId ? { kind: 'held' } : { kind: 'claim-lost', current: current ?? {} };
  }

  async healFromSource(canvas: TrackedCanvas, heal: { runId: string; lockExpiresAt: string; healedAtMs: number }): Promise<HealResult> {
    const applied = await this.updateIfSameLock(canvas, lockAsRead(canvas), HEAL_FROM_SOURCE, {
      ':run': { S: heal.runId },
      ':sourceExp': { S: heal.lockExpiresAt },
      ':at': { S: new Date(heal.healedAtMs).toISOString() },
    });
    return applied ? 'healed' : 'row-changed';
  }

  async markUnlocked(canvas: TrackedCanvas, unlock: { runId: string; unlockedAtMs: number }): Promise<MarkUnlockedResult> {
    const lock = lockAsRead(canvas);
    const applied = await this.updateIfSameLock(canvas, lock, MARK_UNLOCKED, {
      ':run': { S: unlock.runId },
      ':at': { S: new Date(unlock.unlockedAtMs).toISOString() },
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
    write: ConditionalWrite,
    values: Record<string, AttributeValue>,
  ): Promise<boolean> {
    if (!lock.lockExpiresAt) throw new Error('only a locked row can be claimed or unlocked');
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [CANVAS_ATTRIBUTES.assetId]: { S: canvas.assetId } },
          UpdateExpression: write.update,
          ConditionExpression: lock.lockId ? write.conditionWithLockId : write.conditionWithoutLockId,
          ExpressionAttributeNames: write.names,
          ExpressionAttributeValues: lock.lockId
            ? { ':exp': lock.lockExpiresAt, ':lockId': lock.lockId, ...values }
            : { ':exp': lock.lockExpiresAt, ...values },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The whole row, with a consistent read (the follow-up reads after a write that did not apply). */
  private async readRow(assetId: string): Promise<Record<string, AttributeValue> | undefined> {
    const current = await this.options.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: { [CANVAS_ATTRIBUTES.assetId]: { S: assetId } }, ConsistentRead: true }),
    );
    return current.Item;
  }

  /** True when the row shows this run's own unlock of the lock read, and nothing written since. */
  private async alreadyMarkedBy(canvas: TrackedCanvas, lock: LockAsRead, runId: string): Promise<boolean> {
    const item = await this.readRow(canvas.assetId);
    return (
      item !== undefined &&
      item[CANVAS_ATTRIBUTES.lockExpiresAt] === undefined &&
      item[CANVAS_ATTRIBUTES.lockId] === undefined &&
      item[REAPER_ATTRIBUTES.claimRunId] === undefined &&
      item[REAPER_ATTRIBUTES.lastUnlockedRunId]?.S === runId &&
      sameAttribute(item[REAPER_ATTRIBUTES.lastUnlockedLockExpiresAt], lock.lockExpiresAt)
    );
  }

  async markNotFound(canvas: TrackedCanvas, notFound: { atMs: number }): Promise<void> {
    // Only a row that still holds the lock read: a renewed or re-tracked canvas is not the one Scenario did not know.
    await this.updateIfSameLock(canvas, lockAsRead(canvas), MARK_NOT_FOUND, { ':at': { S: new Date(notFound.atMs).toISOString() } });
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

  async readBrake(): Promise<BrakeRow> {
    const item = await this.readRow(BRAKE_ROW_KEY);
    if (!item) return { projects: Object.create(null) };
    // Project ids are data: a null-prototype map, so a project named toString or __proto__ is just an entry.
    const projects: Record<string, ProjectBrakeEntry> = Object.create(null);
    const entry = (project: string) => (projects[project] ??= {});
    for (const [name, value] of Object.entries(item)) {
      if (name.startsWith(BRAKE_MARK_PREFIX)) {
        // A damaged mark must not shorten the look-back: read it as the longest one.
        const markMs = Number(value.N ?? Number.NaN);
        entry(name.slice(BRAKE_MARK_PREFIX.length)).markMs = Number.isFinite(markMs) ? markMs : 0;
      } else if (name.startsWith(BRAKE_PROJECT_PREFIX)) {
        Object.assign(entry(name.slice(BRAKE_PROJECT_PREFIX.length)), projectEntryOf(value));
      }
    }
    if (item[BRAKE_ATTRIBUTES.state]?.S !== BRAKE_STATES.engaged) return { projects };
    const number = (name: string) => Number(item[name]?.N ?? Number.NaN);
    const trippedAtMs = number(BRAKE_ATTRIBUTES.trippedAtMs);
    // A damaged state row must not release the brake: read it as tripped now, the safe side.
    const legacy = {
      trippedAtMs: Number.isFinite(trippedAtMs) ? trippedAtMs : Date.now(),
      runId: item[BRAKE_ATTRIBUTES.runId]?.S ?? 'unknown',
      newlyStale: number(BRAKE_ATTRIBUTES.newlyStale) || 0,
      live: number(BRAKE_ATTRIBUTES.live) || 0,
    };
    return { projects, legacy };
  }

  async engageBrake(engagements: Readonly<Record<string, ProjectEngagement>>): Promise<void> {
    await this.setBrakeAttributes(
      Object.entries(engagements).map(([project, engaged]) => [
        `${BRAKE_PROJECT_PREFIX}${project}`,
        { M: engagementAttributes(engaged, BRAKE_STATES.engaged) },
      ]),
    );
  }

  async releaseBrake(release: {
    runId: string;
    releasedAtMs: number;
    projects: Readonly<Record<string, ProjectEngagement>>;
    legacy: boolean;
  }): Promise<void> {
    await this.setBrakeAttributes(
      Object.entries(release.projects).map(([project, engaged]) => [
        `${BRAKE_PROJECT_PREFIX}${project}`,
        {
          M: {
            ...engagementAttributes(engaged, BRAKE_STATES.released),
            [BRAKE_PROJECT_FIELDS.releasedAtMs]: { N: String(release.releasedAtMs) },
            [BRAKE_PROJECT_FIELDS.releasedRunId]: { S: release.runId },
          },
        },
      ]),
    );
    if (release.legacy) await this.releaseLegacyBrake(release);
  }

  async advanceMarks(marks: { atMs: number; projects: readonly string[] }): Promise<void> {
    await this.setBrakeAttributes(marks.projects.map((project) => [`${BRAKE_MARK_PREFIX}${project}`, { N: String(marks.atMs) }]));
  }

  /**
   * Sets top-level attributes of the brake row with plain UpdateItems (no transaction: DynamoDB Local, dynalite and
   * DynamoDB all take them), a batch at a time; each project's attribute is its own, so no write rewrites another's.
   */
  private async setBrakeAttributes(attributes: readonly (readonly [string, AttributeValue])[]): Promise<void> {
    for (let start = 0; start < attributes.length; start += BRAKE_ATTRIBUTES_PER_WRITE) {
      const batch = attributes.slice(start, start + BRAKE_ATTRIBUTES_PER_WRITE);
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [CANVAS_ATTRIBUTES.assetId]: { S: BRAKE_ROW_KEY } },
          UpdateExpression: `SET ${batch.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(batch.map(([name], i) => [`#a${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(batch.map(([, value], i) => [`:v${i}`, value])),
        }),
      );
    }
  }

  /** Releases a brake engaged before per-project entries existed (the row-wide attributes). */
  private async releaseLegacyBrake(release: { runId: string; releasedAtMs: number }): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [CANVAS_ATTRIBUTES.assetId]: { S: BRAKE_ROW_KEY } },
          UpdateExpression: 'SET #state = :released, #releasedAt = :at, #releasedRun = :run',
          ConditionExpression: '#state = :engaged',
          ExpressionAttributeNames: {
            '#state': BRAKE_ATTRIBUTES.state,
            '#releasedAt': BRAKE_ATTRIBUTES.releasedAt,
            '#releasedRun': BRAKE_ATTRIBUTES.releasedRunId,
          },
          ExpressionAttributeValues: {
            ':released': { S: BRAKE_STATES.released },
            ':engaged': { S: BRAKE_STATES.engaged },
            ':at': { S: new Date(release.releasedAtMs).toISOString() },
            ':run': { S: release.runId },
          },
        }),
      );
    } catch (error) {
      // Not engaged: nothing to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async whyClaimFailed(canvas: TrackedCanvas, lock: LockAsRead): Promise<ClaimResult> {
    // A projection: the claim's follow-up read needs only the lock.
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

function toCanvas(item: Record<string, AttributeValue>): TrackedCanvas {
  const asRead: LockAsRead = { lockExpiresAt: item[CANVAS_ATTRIBUTES.lockExpiresAt], lockId: item[CANVAS_ATTRIBUTES.lockId] };
  return {
    assetId: keyAsString(item[CANVAS_ATTRIBUTES.assetId]),
    lockExpiresAt: attributeReading(asRead.lockExpiresAt),
    lockId: attributeReading(asRead.lockId),
    ...(item[REAPER_ATTRIBUTES.lastNotFoundAt] ? { knownNotFound: true } : {}),
    ...(item[CANVAS_ATTRIBUTES.projectId] ? { projectId: attributeReading(item[CANVAS_ATTRIBUTES.projectId]) } : {}),
    asRead,
  };
}

/** The raw lock a canvas carries from its read (see TrackedCanvas.asRead). */
function lockAsRead(canvas: TrackedCanvas): LockAsRead {
  const lock = canvas.asRead as LockAsRead | undefined;
  if (!lock || typeof lock !== 'object') throw new Error(`canvas ${canvas.assetId} carries no lock as read from the table`);
  return lock;
}

function keyAsString(value: AttributeValue | undefined): string {
  if (value?.S !== undefined) return value.S;
  // The key schema makes this impossible on a real table; if it happens, the id check reports it as invalid.
  return `<assetId is not a string: ${JSON.stringify(value ?? null).slice(0, 60)}>`;
}

/** How the core sees one attribute: absent, a string, or another DynamoDB type described but never interpreted. */
export function attributeReading(value: AttributeValue | undefined): AttributeReading {
  if (value === undefined) return ABSENT;
  if (value.S !== undefined) return { kind: 'string', value: value.S };
  const [dynamoType = '?', inner] = Object.entries(value).find(([, v]) => v !== undefined) ?? [];
  return { kind: 'other', dynamoType, preview: JSON.stringify(inner ?? null).slice(0, 60) };
}

function sameAttribute(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function engagementAttributes(engaged: ProjectEngagement, state: string): Record<string, AttributeValue> {
  const f = BRAKE_PROJECT_FIELDS;
  return {
    [f.state]: { S: state },
    [f.trippedAtMs]: { N: String(engaged.trippedAtMs) },
    [f.runId]: { S: engaged.runId },
    [f.heldSinceMs]: { N: String(engaged.heldSinceMs) },
    [f.newlyStale]: { N: String(engaged.newlyStale) },
    [f.live]: { N: String(engaged.live) },
  };
}

/**
 * One project's entry of the brake row. Anything but a readable "released" entry is read as engaged, and a damaged
 * number on the side that holds more (tripped now, holding the last 24 h): a damaged entry must not free locks.
 */
function projectEntryOf(value: AttributeValue): ProjectBrakeEntry {
  const f = BRAKE_PROJECT_FIELDS;
  const map = value.M ?? {};
  const number = (name: string) => Number(map[name]?.N ?? Number.NaN);
  const releasedAtMs = number(f.releasedAtMs);
  const releasedRunId = map[f.releasedRunId]?.S;
  if (map[f.state]?.S === BRAKE_STATES.released && Number.isFinite(releasedAtMs) && releasedRunId !== undefined) {
    return { released: { releasedAtMs, runId: releasedRunId } };
  }
  const trippedAtMs = Number.isFinite(number(f.trippedAtMs)) ? number(f.trippedAtMs) : Date.now();
  const heldSinceMs = number(f.heldSinceMs);
  return {
    engaged: {
      trippedAtMs,
      runId: map[f.runId]?.S ?? 'unknown',
      heldSinceMs: Number.isFinite(heldSinceMs) ? heldSinceMs : trippedAtMs - MAX_LOOK_BACK_MS,
      newlyStale: number(f.newlyStale) || 0,
      live: number(f.live) || 0,
    },
  };
}
