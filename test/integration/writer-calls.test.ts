import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTrackedCanvasTable, getRow, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import { DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import type { TrackedCanvas } from '#reaper/core/tracked-canvas';
import { REAPER_ATTRIBUTES } from '#reaper/table-contract';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

/** docs/table-contract.md's three writer calls, exactly as written there (plain JavaScript inside a ts block). */
function documentedWriterCalls(): Record<'lock' | 'renew' | 'release', string> {
  const guide = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'table-contract.md'), 'utf8');
  const calls = Object.fromEntries(
    [...guide.matchAll(/<!-- writer-call: (\w+) -->\n```ts\n([\s\S]*?)```/g)].map(([, name, code]) => [name, code]),
  );
  expect(Object.keys(calls).sort()).toEqual(['lock', 'release', 'renew']);
  return calls as Record<'lock' | 'renew' | 'release', string>;
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<void>;
const NAMES = ['dynamo', 'UpdateItemCommand', 'tableName', 'assetId', 'lockId', 'lockExpiresAt', 'renewedUntil'];

let dynamo: DynamoDBClient;
let tableName: string;
beforeAll(async () => {
  dynamo = localDynamoClient(inject('dynamoEndpoint'));
  tableName = `writer-calls-${randomUUID()}`;
  await createTrackedCanvasTable(dynamo, tableName);
});
afterAll(() => dynamo.destroy());

describe('the writer calls of docs/table-contract.md', () => {
  const calls = documentedWriterCalls();
  const writer = (name: keyof typeof calls, values: { assetId: string; lockId: string; lockExpiresAt?: string; renewedUntil?: string }) =>
    new AsyncFunction(...NAMES, calls[name])(
      dynamo,
      UpdateItemCommand,
      tableName,
      values.assetId,
      values.lockId,
      values.lockExpiresAt,
      values.renewedUntil,
    );

  async function readByReaper(store: DynamoCanvasStore, assetId: string): Promise<TrackedCanvas> {
    for await (const page of store.pagesOf([assetId])) if (page[0]) return page[0];
    throw new Error(`${assetId} is not in the table`);
  }

  it("lock records the lock over an existing row, keeping the reaper's audit attributes", async () => {
    const assetId = 'asset_writerLock';
    await putRow(dynamo, tableName, { assetId, extra: { [REAPER_ATTRIBUTES.lastUnlockedAt]: { S: '2026-01-01T00:00:00.000Z' } } });
    const lockExpiresAt = minutesFromNow(15);
    await writer('lock', { assetId, lockId: 'lk_1', lockExpiresAt });
    expect(await getRow(dynamo, tableName, assetId)).toEqual({
      assetId: { S: assetId },
      lockExpiresAt: { S: lockExpiresAt },
      lockId: { S: 'lk_1' },
      [REAPER_ATTRIBUTES.lastUnlockedAt]: { S: '2026-01-01T00:00:00.000Z' },
    });
  });

  it('renew moves lockExpiresAt, so a reaper that claimed the old (stale) lock cannot record an unlock of the new one', async () => {
    const assetId = 'asset_writerRenew';
    const store = new DynamoCanvasStore({ client: dynamo, tableName });
    await writer('lock', { assetId, lockId: 'lk_2', lockExpiresAt: minutesAgo(10) });
    const stale = await readByReaper(store, assetId);
    expect(await store.claim(stale, { runId: 'run-1', untilMs: Date.now() + 60_000, nowMs: Date.now() })).toBe('claimed');

    const renewedUntil = minutesFromNow(15);
    await writer('renew', { assetId, lockId: 'lk_2', renewedUntil });
    expect((await getRow(dynamo, tableName, assetId))?.lockExpiresAt).toEqual({ S: renewedUntil });
    expect(await store.markUnlocked(stale, { runId: 'run-1', unlockedAtMs: Date.now() })).toBe('lock-changed');
  });

  it('renew and release refuse a lock that is no longer theirs', async () => {
    const assetId = 'asset_writerOther';
    await writer('lock', { assetId, lockId: 'lk_new', lockExpiresAt: minutesFromNow(15) });
    await expect(writer('renew', { assetId, lockId: 'lk_old', renewedUntil: minutesFromNow(30) })).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    await expect(writer('release', { assetId, lockId: 'lk_old' })).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect((await getRow(dynamo, tableName, assetId))?.lockId).toEqual({ S: 'lk_new' });
  });

  it('release clears the lock and keeps the row, which the reaper then reads as not locked', async () => {
    const assetId = 'asset_writerRelease';
    await writer('lock', { assetId, lockId: 'lk_3', lockExpiresAt: minutesFromNow(15) });
    await writer('release', { assetId, lockId: 'lk_3' });
    expect(await getRow(dynamo, tableName, assetId)).toEqual({ assetId: { S: assetId } });
    const canvas = await readByReaper(new DynamoCanvasStore({ client: dynamo, tableName }), assetId);
    expect(canvas.lockExpiresAt).toEqual({ kind: 'absent' });
  });
});
