import { type AttributeValue, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ScenarioStandIn } from '#local/scenario-stand-in';
import { DEFAULT_PROJECT } from '#reaper/core/project';
import type { CanvasPlan, MirrorPlan, WriterOpPlan } from './generator';

const MINUTE = 60_000;

export interface Lock {
  lockExpiresAt?: string;
  lockId?: string;
}

/** One mirror write a writer meant to make, in the order it meant them (which is the order they land). */
export interface MirrorRecord {
  lock: Lock;
  /** A writer-owned attribute, unique per write: finds the write in the proxy's log, and must survive the reaper. */
  doc: string;
  lost: boolean;
  landed: boolean;
}

/** What a writer needs from the schedule it acts in. */
export interface WriterWorld {
  readonly api: ScenarioStandIn;
  /** Through the fault proxy (never faulted), so the writers' writes are ordered with the reaper's in its log. */
  readonly writerClient: DynamoDBClient;
  readonly tableName: string;
  /** A fresh value for the writer-owned attribute. */
  nextDoc(): string;
  /** Where a lock falls in the stand-in's request log (see ScheduleRecord.lockPositions). */
  noteLock(lockId: string, position: number): void;
  /** A lock its writer released itself (its unlock with the lockId was answered 200). */
  noteRelease(lockId: string): void;
}

/**
 * The editor side of one canvas: it locks at Scenario first (the truth), then mirrors the change into the table after
 * a lag, one mirror write at a time, and sometimes loses one. It releases over HTTP with its lockId, as a real
 * writer does (a 409 means its lock is already gone; it records the release either way: the editor is done).
 */
export class CanvasWriter {
  readonly mirrors: MirrorRecord[] = [];
  private heldLockId: string | undefined;
  private mirrorQueue: Promise<void> = Promise.resolve();

  constructor(
    private readonly world: WriterWorld,
    readonly assetId: string,
    /** The Scenario project the canvas belongs to: its key locks and releases it, and the row names it. */
    readonly projectId: string = DEFAULT_PROJECT,
  ) {}

  /** The canvas's starting state, mirrored at once. */
  async start(plan: CanvasPlan): Promise<void> {
    this.world.api.addCanvas(this.assetId, { projectId: this.projectId });
    const now: MirrorPlan = { lagMs: 0, how: 'put', lost: false };
    const op = (action: WriterOpPlan['action'], lost = false): WriterOpPlan => ({
      action,
      atMs: 0,
      minutes: plan.initialMinutes,
      mirror: { ...now, lost },
    });
    if (plan.initial === 'free') this.mirror({}, now);
    if (plan.initial === 'live') this.lock(op('renew'));
    if (plan.initial === 'stale') this.lock(op('abandon'));
    if (plan.initial === 'lagging') {
      this.lock(op('abandon'));
      await this.settled();
      this.lock(op('renew', true));
    }
    await this.settled();
  }

  /** The planned operations, each at its moment. */
  async act(ops: readonly WriterOpPlan[]): Promise<void> {
    const startedAt = Date.now();
    for (const op of ops) {
      await sleep(startedAt + op.atMs - Date.now());
      if (op.action === 'release') await this.release(op);
      else this.lock(op);
    }
  }

  /** Takes a lock at Scenario now, then mirrors it. `position`: see ScheduleRecord.lockPositions. */
  lock(op: WriterOpPlan, position = this.world.api.requests.length): void {
    const sign = op.action === 'abandon' ? -1 : 1;
    const lockExpiresAt = new Date(Date.now() + sign * op.minutes * MINUTE).toISOString();
    const lockId = this.world.api.lock(this.assetId, lockExpiresAt);
    this.world.noteLock(lockId, position);
    this.heldLockId = lockId;
    this.mirror({ lockExpiresAt, lockId }, op.mirror);
  }

  /** Every mirror write meant so far has landed (or was lost). */
  settled(): Promise<void> {
    return this.mirrorQueue;
  }

  private async release(op: WriterOpPlan): Promise<void> {
    const lockId = this.heldLockId;
    if (lockId === undefined) return;
    this.heldLockId = undefined;
    const { api } = this.world;
    const key = api.projectKey(this.projectId);
    const response = await fetch(`${api.baseUrl}/assets/${encodeURIComponent(this.assetId)}/unlock`, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(`${key.apiKey}:${key.apiSecret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ lockId }),
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    if (response.status === 200) this.world.noteRelease(lockId);
    else if (response.status !== 409) throw new Error(`a writer's release of ${this.assetId} got HTTP ${response.status}`);
    this.mirror({}, op.mirror);
  }

  private mirror(lock: Lock, plan: MirrorPlan): void {
    const record: MirrorRecord = { lock, doc: this.world.nextDoc(), lost: plan.lost, landed: false };
    this.mirrors.push(record);
    if (plan.lost) return;
    const dueAt = Date.now() + plan.lagMs;
    this.mirrorQueue = this.mirrorQueue.then(async () => {
      await sleep(dueAt - Date.now());
      await this.writeRow(lock, record.doc, plan.how);
      record.landed = true;
    });
  }

  /** The mirror write: the row as the writer sees its canvas (it owns `doc`; the reaper must never touch it). */
  private async writeRow(lock: Lock, doc: string, how: MirrorPlan['how']): Promise<void> {
    const { writerClient, tableName } = this.world;
    const Key = { assetId: { S: this.assetId } };
    if (how === 'put') {
      const Item: Record<string, AttributeValue> = { assetId: { S: this.assetId }, doc: { S: doc } };
      if (this.projectId !== DEFAULT_PROJECT) Item.projectId = { S: this.projectId };
      if (lock.lockExpiresAt) Item.lockExpiresAt = { S: lock.lockExpiresAt };
      if (lock.lockId) Item.lockId = { S: lock.lockId };
      await writerClient.send(new PutItemCommand({ TableName: tableName, Item }));
    } else if (lock.lockExpiresAt === undefined) {
      await writerClient.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key,
          UpdateExpression: 'REMOVE lockExpiresAt, lockId SET doc = :doc',
          ExpressionAttributeValues: { ':doc': { S: doc } },
        }),
      );
    } else {
      await writerClient.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key,
          UpdateExpression: 'SET lockExpiresAt = :exp, lockId = :id, doc = :doc',
          ExpressionAttributeValues: { ':exp': { S: lock.lockExpiresAt }, ':id': { S: lock.lockId ?? '' }, ':doc': { S: doc } },
        }),
      );
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
