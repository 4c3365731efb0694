import { randomUUID } from 'node:crypto';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoFault,
  type DynamoFaultProxy,
  type DynamoFaultRule,
  type ProxyLogEntry,
  REAPER_WRITES,
  startDynamoFaultProxy,
} from '#local/dynamodb-fault-proxy';
import {
  type LockEvent,
  type RecordedRequest,
  type ScenarioStandIn,
  type ScriptedAnswer,
  STAND_IN_CALLER_HEADER,
  startScenarioStandIn,
} from '#local/scenario-stand-in';
import { createTrackedCanvasTable, deleteTable, getRow } from '#local/tracked-canvas-table';
import { DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import { createScenarioLockApi } from '#reaper/adapters/scenario-lock-api';
import type { CanvasOutcome } from '#reaper/core/outcome';
import type { LockApis } from '#reaper/core/ports';
import { DEFAULT_PROJECT } from '#reaper/core/project';
import { reap } from '#reaper/core/reap';
import type { RunSummary } from '#reaper/core/summary';
import { captureOutput } from '#test-support/output-capture';
import { proxiedClient } from '../../faults/fault-kit';
import { type ApiFaultPlan, type DynamoFaultKind, type OddShape, type RunPlan, type SchedulePlan, TIME_MODEL } from './generator';

import { CanvasWriter, type Lock, type MirrorRecord, type WriterWorld } from './writer';

/** Half the canvases belong to a second Scenario project, with its own key. */
const SECOND_PROJECT = 'proj_two';

export type { Lock, MirrorRecord } from './writer';

/**
 * The world one schedule runs in: the real local DynamoDB server behind the fault proxy (which also orders the writes
 * to one item and logs them), the local Scenario stand-in holding the truth (real lock state, an ordered lock log),
 * writers who lock at Scenario first and mirror to the table later or never (writer.ts), overlapping reap runs, and
 * faults. It runs a plan and returns everything the invariants need; it judges nothing itself.
 */

export const GRACE_SECONDS = 60;
export const RUN_BUDGET_MS = 6_000;
/** Short, so hangs cost little; the final run, which meets no fault, gets the longer one so a loaded machine cannot fail it. */
const REQUEST_TIMEOUT_MS: Record<'faulted' | 'final', number> = { faulted: 400, final: 2_000 };

export const isLive = (lock: Lock, atMs: number) =>
  lock.lockExpiresAt !== undefined && Date.parse(lock.lockExpiresAt) + GRACE_SECONDS * 1000 >= atMs;
export const isStale = (lock: Lock, atMs: number) => lock.lockExpiresAt !== undefined && !isLive(lock, atMs);

export type Row = Record<string, AttributeValue>;

/** The servers all schedules share (each schedule has its own table and its own canvases). */
export interface InterleavingServers {
  api: ScenarioStandIn;
  proxy: DynamoFaultProxy;
  /** The reaper's client, through the proxy (faulted). */
  reaperClient: DynamoDBClient;
  /** The writers' client, through the proxy too (never faulted), so their writes are ordered with the reaper's. */
  writerClient: DynamoDBClient;
  /** Straight to the server: set-up and the test's own reads stay out of the proxy's log. */
  directClient: DynamoDBClient;
  close(): Promise<void>;
}

export async function startInterleavingServers(dynamoEndpoint: string): Promise<InterleavingServers> {
  const proxy = await startDynamoFaultProxy({ upstream: dynamoEndpoint, serializeWritesPerItem: true });
  // Two Scenario projects, each with its own key: the reaper unlocks each canvas with its project's key.
  const api = await startScenarioStandIn({ projects: { [SECOND_PROJECT]: {} } });
  const reaperClient = proxiedClient(proxy.endpoint, 3);
  const writerClient = proxiedClient(proxy.endpoint, 5);
  const directClient = proxiedClient(dynamoEndpoint, 3);
  return {
    api,
    proxy,
    reaperClient,
    writerClient,
    directClient,
    close: async () => {
      reaperClient.destroy();
      writerClient.destroy();
      directClient.destroy();
      await api.close();
      await proxy.close();
    },
  };
}

export interface ReportedOutcome {
  outcome: CanvasOutcome;
  atMs: number;
}

export interface RunRecord {
  runId: string;
  summary: RunSummary;
  outcomes: ReportedOutcome[];
}

/** The note a scripted odd answer leaves on the request that got it (RecordedRequest.note). */
export const oddNote = (shape: OddShape) => `odd:${shape}`;
export const isOddNote = (note: string | undefined) => note?.startsWith('odd:') ?? false;
/** Where a redirect points: never followed, so nothing listens there. */
const REDIRECT_TARGET = 'http://127.0.0.1:9/elsewhere';

export interface ScheduleRecord {
  plan: SchedulePlan;
  tableName: string;
  assetIds: string[];
  /** The overlapping runs, in the order they finished. */
  runs: RunRecord[];
  /** The fault-free run after everything settled. */
  final: RunRecord;
  /**
   * The stand-in's whole request log (shared by all schedules; indices are global). Each reaper request names the run
   * that sent it (`caller`, the run's id); a writer's requests name none.
   */
  requests: readonly RecordedRequest[];
  /** The stand-in's lock log, for this schedule's canvases. */
  lockLog: LockEvent[];
  /** Lock-log seq at which the final run started. */
  finalStartSeq: number;
  /**
   * Each lock a writer took, by lockId: the length of the stand-in's request log when it was taken. A GET at
   * index g saw it iff g >= this (a writer acting inside a GET's handling counts as seen by that GET).
   */
  lockPositions: ReadonlyMap<string, number>;
  /** Locks their writers released themselves (their unlock with the lockId was answered 200). */
  releasedByWriter: ReadonlySet<string>;
  mirrors: ReadonlyMap<string, readonly MirrorRecord[]>;
  /** The proxy's log for this table (reaper and writers), in arrival order. */
  proxyLog: ProxyLogEntry[];
  beforeFinal: { atMs: number; rows: Map<string, Row | undefined>; scenario: Map<string, Lock> };
  rowsAfterFinal: Map<string, Row | undefined>;
}

/** Runs one planned schedule to its end, then a final fault-free run, and returns what happened. */
export async function runSchedule(servers: InterleavingServers, plan: SchedulePlan): Promise<ScheduleRecord> {
  const world = new ScheduleWorld(servers, plan);
  await world.setUp();
  try {
    return await world.play();
  } finally {
    await deleteTable(servers.directClient, world.tableName);
  }
}

class ScheduleWorld implements WriterWorld {
  readonly tableName: string;
  readonly assetIds: string[];
  private readonly writers: CanvasWriter[];
  private readonly runs: RunRecord[] = [];
  private readonly lockPositions = new Map<string, number>();
  private readonly releasedByWriter = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private docCounter = 0;

  constructor(
    readonly servers: InterleavingServers,
    private readonly plan: SchedulePlan,
  ) {
    const tag = `s${plan.seed}_${randomUUID().slice(0, 6)}`;
    this.tableName = `interleave-${tag}`;
    this.assetIds = plan.canvases.map((_, i) => `asset_${tag}_${i}`);
    this.writers = this.assetIds.map(
      (assetId, index) => new CanvasWriter(this, assetId, index % 2 === 0 ? DEFAULT_PROJECT : SECOND_PROJECT),
    );
  }

  get api(): ScenarioStandIn {
    return this.servers.api;
  }

  get writerClient(): DynamoDBClient {
    return this.servers.writerClient;
  }

  nextDoc(): string {
    this.docCounter += 1;
    return `doc-${this.docCounter}`;
  }

  noteLock(lockId: string, position: number): void {
    this.lockPositions.set(lockId, position);
  }

  noteRelease(lockId: string): void {
    this.releasedByWriter.add(lockId);
  }

  /** Runs `action` after `ms`, and keeps the schedule open until it has. */
  later(ms: number, action: () => void): void {
    const done = sleep(ms).then(action);
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  async setUp(): Promise<void> {
    await createTrackedCanvasTable(this.servers.directClient, this.tableName);
    for (const [i, canvas] of this.plan.canvases.entries()) await this.writers[i]!.start(canvas);
    for (const fault of this.plan.dynamoFaults)
      this.servers.proxy.inject({ ...this.dynamoRule(fault.kind), times: fault.times, tag: this.tableName });
    for (const [i, canvas] of this.plan.canvases.entries()) for (const fault of canvas.apiFaults) this.scriptApi(this.writers[i]!, fault);
  }

  async play(): Promise<ScheduleRecord> {
    const { api, proxy } = this.servers;
    const activities: Promise<void>[] = [];
    for (const [i, canvas] of this.plan.canvases.entries()) activities.push(this.writers[i]!.act(canvas.ops));
    for (const run of this.plan.runs) activities.push(sleep(run.atMs).then(async () => void (await this.reap(run))));
    await captureOutput(() => Promise.all(activities));
    // Faults not used up must not leak into the final run; the writers' last mirror writes land (or are lost).
    proxy.clearFaults(this.tableName);
    for (const assetId of this.assetIds) api.clearScript(assetId);
    while (this.pending.size > 0) await Promise.all(this.pending);
    await Promise.all(this.writers.map((writer) => writer.settled()));

    const beforeFinal = { atMs: Date.now(), rows: await this.readRows(), scenario: new Map<string, Lock>() };
    for (const assetId of this.assetIds) {
      const canvas = api.canvas(assetId);
      beforeFinal.scenario.set(assetId, { lockExpiresAt: canvas?.lockExpiresAt, lockId: canvas?.lockId });
    }
    // As a later scheduled run would be: once the claims of the runs above have lapsed (a claim is kept past a failed
    // row update or a failed release, until its run's deadline). Its clock is set past those deadlines.
    const finalStartSeq = api.lockLog.length;
    const final = (
      await captureOutput(() =>
        this.reap({ atMs: 0, maxInFlight: 4 }, { clockOffsetMs: RUN_BUDGET_MS + 5_000, requestTimeoutMs: REQUEST_TIMEOUT_MS.final }),
      )
    ).result;

    const ids = new Set(this.assetIds);
    return {
      plan: this.plan,
      tableName: this.tableName,
      assetIds: this.assetIds,
      runs: this.runs.filter((run) => run !== final),
      final,
      requests: api.requests,
      lockLog: api.lockLog.filter((event) => ids.has(event.assetId)),
      finalStartSeq,
      lockPositions: this.lockPositions,
      releasedByWriter: this.releasedByWriter,
      mirrors: new Map(this.writers.map((writer) => [writer.assetId, writer.mirrors])),
      proxyLog: proxy.log.filter((entry) => entry.body.TableName === this.tableName),
      beforeFinal,
      rowsAfterFinal: await this.readRows(),
    };
  }

  private async reap(run: RunPlan, { clockOffsetMs = 0, requestTimeoutMs = REQUEST_TIMEOUT_MS.faulted } = {}): Promise<RunRecord> {
    const { api, reaperClient } = this.servers;
    const runId = `run-${this.plan.seed}-${randomUUID().slice(0, 8)}`;
    const clock = { now: () => Date.now() + clockOffsetMs };
    const outcomes: ReportedOutcome[] = [];
    const lockApiFor = (project: string) =>
      createScenarioLockApi({
        baseUrl: api.baseUrl,
        credentials: api.projectKey(project),
        requestTimeoutMs,
        maxRetries: 1,
        clock,
        fetch: namingFetch(runId),
      });
    const lockApis: LockApis = { byProject: new Map([[SECOND_PROJECT, lockApiFor(SECOND_PROJECT)]]), default: lockApiFor(DEFAULT_PROJECT) };
    const store = new DynamoCanvasStore({
      client: reaperClient,
      tableName: this.tableName,
      ...(run.pageSize ? { pageSize: run.pageSize } : {}),
    });
    const logger = asReapLogger(createLogger({ serviceName: 'interleaving', logLevel: 'WARN' }));
    const summary = await reap(
      { clock, store, lockApis, logger, onOutcome: (outcome) => outcomes.push({ outcome, atMs: Date.now() }) },
      {
        runId,
        dryRun: false,
        graceSeconds: GRACE_SECONDS,
        verifyAtSource: true,
        maxInFlight: run.maxInFlight,
        deadlineMs: clock.now() + RUN_BUDGET_MS,
        safetyMarginMs: 500,
      },
    );
    const record = { runId, summary, outcomes };
    this.runs.push(record);
    return record;
  }

  private scriptApi(writer: CanvasWriter, fault: ApiFaultPlan): void {
    const { api } = this.servers;
    const { assetId } = writer;
    switch (fault.kind) {
      case 'answers':
        api.script(assetId, fault.answers, fault.route);
        return;
      case 'newcomer-at-unlock':
        api.script(assetId, [{ action: () => writer.lock(fault.op), ...(fault.andThen ? { andThen: fault.andThen } : {}) }]);
        return;
      case 'newcomer-after-apply':
        api.script(assetId, [
          { action: () => this.later(TIME_MODEL.newcomerAfterApplyMs, () => writer.lock(fault.op)), andThen: fault.andThen },
        ]);
        return;
      case 'odd-answer':
        api.script(
          assetId,
          Array.from({ length: fault.times }, () => oddAnswer(fault.shape, fault.route)),
          fault.route,
        );
        return;
      case 'renewal-at-get':
        // The GET's answer is built after this action: the GET sees the lock.
        api.script(assetId, [{ action: (request) => writer.lock(fault.op, api.requests.lastIndexOf(request)) }], 'get');
        return;
    }
  }

  private dynamoRule(kind: DynamoFaultKind): Omit<DynamoFaultRule, 'times' | 'tag'> {
    const inTable = (body: Record<string, any>) => body.TableName === this.tableName;
    const update = (write: (body: Record<string, any>) => boolean, fault: DynamoFault) => ({
      operation: 'UpdateItem',
      match: (body: Record<string, any>) => inTable(body) && write(body),
      fault,
    });
    const throttle: DynamoFault = { kind: 'throttle' };
    const answerLost: DynamoFault = { kind: 'apply-then-internal-error' };
    const rules: Record<DynamoFaultKind, Omit<DynamoFaultRule, 'times' | 'tag'>> = {
      'scan-throttled': { operation: 'Scan', match: inTable, fault: throttle },
      'scan-throttled-3': { operation: 'Scan', match: inTable, fault: throttle },
      'claim-throttled': update(REAPER_WRITES.claim, throttle),
      'claim-answer-lost': update(REAPER_WRITES.claim, answerLost),
      'record-throttled': update(REAPER_WRITES.markUnlocked, throttle),
      'record-answer-lost': update(REAPER_WRITES.markUnlocked, answerLost),
      'release-fails': update(REAPER_WRITES.releaseClaim, { kind: 'internal-error' }),
      'get-dropped': { operation: 'GetItem', match: inTable, fault: { kind: 'drop-connection' } },
      'heal-throttled': update(REAPER_WRITES.heal, throttle),
      'heal-answer-lost': update(REAPER_WRITES.heal, answerLost),
    };
    return rules[kind];
  }

  private async readRows(): Promise<Map<string, Row | undefined>> {
    const rows = new Map<string, Row | undefined>();
    for (const assetId of this.assetIds) rows.set(assetId, await getRow(this.servers.directClient, this.tableName, assetId));
    return rows;
  }
}

/**
 * The global fetch, naming the run in every request it sends (the stand-in records the name: RecordedRequest.caller).
 * A request then says which run sent it, exactly: a time window ("the run was sending a GET as it arrived") would also
 * take in another run's request that arrived meanwhile, as under load, when answers reach their callers late.
 */
function namingFetch(runId: string): typeof fetch {
  return (input, init) => {
    // ky hands its fetch a Request, and no headers in init (they would replace the Request's); anything else is made one.
    const request = input instanceof Request && init?.headers === undefined ? input : new Request(input, init);
    request.headers.set(STAND_IN_CALLER_HEADER, runId);
    return request === input ? fetch(request, init) : fetch(request);
  };
}

/** One odd answer, noted on the request that gets it. */
function oddAnswer(shape: OddShape, route: 'get' | 'unlock'): ScriptedAnswer {
  const note = oddNote(shape);
  switch (shape) {
    case 'metadata-absent':
      return { note, reshape: (asset) => void delete asset.metadata };
    case 'lock-unparsable':
      // A live lock written without a zone: read as "no lock", it would be freed.
      return { note, reshape: (asset) => void Object.assign(asset.metadata, { lockExpiresAt: '2099-01-01T00:00:00' }) };
    case 'redirect':
      return { note, status: route === 'get' ? 302 : 307, headers: { location: REDIRECT_TARGET }, body: { message: 'moved' } };
    case 'forbidden':
      return { note, status: 403, body: { message: 'Forbidden' } };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
