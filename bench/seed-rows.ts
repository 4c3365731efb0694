import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { CANVAS_ATTRIBUTES } from '#reaper/table-contract';

/** BatchWriteItem's own limit. */
const BATCH_WRITE_MAX_ITEMS = 25;
/** Batches in flight while seeding: enough to keep the single-threaded local server busy. */
const SEED_CONCURRENCY = 8;
const HOUR_MS = 3_600_000;

export type RowState = 'stale' | 'live' | 'unlocked';

/**
 * Which rows of a table are stale, live-locked or unlocked. Stale rows are spread evenly through the key space;
 * of the other rows one in five holds a live lock and the rest hold none, as in a table where most canvases sit idle.
 */
export function rowState(index: number, staleShare: number): RowState {
  if (Math.floor((index + 1) * staleShare) > Math.floor(index * staleShare)) return 'stale';
  return index % 5 === 0 ? 'live' : 'unlocked';
}

export function assetIdOf(table: string, index: number): string {
  // Shaped like a Scenario id (asset_ + 22 characters), so the reaper's id check passes as in production.
  return `asset_${table}${String(index).padStart(22 - table.length, '0')}`;
}

/**
 * A row as the writer system keeps it: the three attributes the reaper reads, plus what a canvas record carries
 * besides (name, project, owner, timestamps, who holds the lock), so the projection has something to leave out.
 */
export function trackedRow(assetId: string, state: RowState, index: number, nowMs: number): Record<string, AttributeValue> {
  const lock = lockOf(state, index, nowMs);
  const item: Record<string, AttributeValue> = {
    [CANVAS_ATTRIBUTES.assetId]: { S: assetId },
    name: { S: `Storyboard canvas ${index}` },
    projectId: { S: `proj_${String(index % 977).padStart(22, 'p')}` },
    ownerId: { S: `user_${String(index % 4_099).padStart(26, 'u')}` },
    createdAt: { S: new Date(nowMs - 30 * 24 * HOUR_MS).toISOString() },
    updatedAt: { S: new Date(nowMs - 2 * HOUR_MS).toISOString() },
  };
  if (!lock) return item;
  item[CANVAS_ATTRIBUTES.lockExpiresAt] = { S: lock.lockExpiresAt };
  item[CANVAS_ATTRIBUTES.lockId] = { S: lock.lockId };
  item.lockedBy = { S: `user_${String((index * 7) % 4_099).padStart(26, 'u')}` };
  return item;
}

/** A canvas's lock, the same in the table and at the Scenario stand-in. */
export interface SeededLock {
  lockExpiresAt: string;
  lockId: string;
}

function lockOf(state: RowState, index: number, nowMs: number): SeededLock | undefined {
  if (state === 'unlocked') return undefined;
  // Stale: expired an hour ago (far past the grace, and before the brake's window: a backlog, never held by it).
  // Live: expires in a day (still live when the bench ends).
  const expiresAtMs = state === 'stale' ? nowMs - HOUR_MS : nowMs + 24 * HOUR_MS;
  return { lockExpiresAt: new Date(expiresAtMs).toISOString(), lockId: `lock_${String(index).padStart(32, '0')}` };
}

/**
 * An item's size as DynamoDB bills it: every attribute name plus its value (UTF-8 bytes for strings).
 * The rows here hold strings only.
 */
export function billedItemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value.S === undefined) throw new Error(`billedItemBytes handles string attributes only (${name})`);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.S);
  }
  return bytes;
}

export interface SeedSpec {
  tableName: string;
  /** Short tag that makes the table's asset ids distinct. */
  idTag: string;
  rows: number;
  state: (index: number) => RowState;
}

export interface SeededTable {
  /** The stale rows and their locks, for the stand-in to hold the same (expired) locks. */
  staleLocks: ({ assetId: string } & SeededLock)[];
  /** Sum of the items' billed sizes, for what a Scan of the whole table must cost at least. */
  totalItemBytes: number;
}

/** Writes (or overwrites) every row with BatchWriteItem, several batches at a time. */
export async function seedTable(client: DynamoDBClient, spec: SeedSpec, nowMs = Date.now()): Promise<SeededTable> {
  const staleLocks: SeededTable['staleLocks'] = [];
  let totalItemBytes = 0;
  let next = 0;
  const nextBatch = (): WriteRequest[] => {
    const batch: WriteRequest[] = [];
    for (; next < spec.rows && batch.length < BATCH_WRITE_MAX_ITEMS; next += 1) {
      const assetId = assetIdOf(spec.idTag, next);
      const state = spec.state(next);
      const item = trackedRow(assetId, state, next, nowMs);
      const lock = state === 'stale' ? lockOf(state, next, nowMs) : undefined;
      if (lock) staleLocks.push({ assetId, ...lock });
      totalItemBytes += billedItemBytes(item);
      batch.push({ PutRequest: { Item: item } });
    }
    return batch;
  };
  const worker = async () => {
    for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) await writeBatch(client, spec.tableName, batch);
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return { staleLocks, totalItemBytes };
}

async function writeBatch(client: DynamoDBClient, tableName: string, batch: WriteRequest[]): Promise<void> {
  let pending: WriteRequest[] | undefined = batch;
  for (let round = 0; pending && pending.length > 0; round += 1) {
    if (round === 10) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed after ${round} rounds`);
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
    const answer: BatchWriteItemCommandOutput = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    pending = answer.UnprocessedItems?.[tableName];
  }
}
