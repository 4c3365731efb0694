import { randomUUID } from 'node:crypto';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { inject } from 'vitest';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '#local/dynamodb-fault-proxy';
import { startSecretsManagerStandIn } from '#local/secrets-manager-stand-in';
import { localDynamoClient } from '#local/tracked-canvas-table';
import { DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import type { CanvasOutcome } from '#reaper/core/outcome';
import type { RunSummary } from '#reaper/core/summary';
import { createHandler } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { createReaperHarness, type HarnessOptions, type ReaperHarness } from '#test-support/reaper-harness';
import type { Log, LogLine, RequestTally, RowChange, Run, Summary, Verdict } from './expectations';

export type RunResult = Awaited<ReturnType<ReaperHarness['run']>>;
export type Row = Record<string, AttributeValue> | undefined;

/** Fast settings so the whole suite stays quick: 300 ms per attempt, 3 attempts. */
export const FAST_API = { requestTimeoutMs: 300, maxRetries: 2 } as const;

/** Everything a scenario may need to clean up, and what it ran (the secrets test looks through all of it). */
export class Resources {
  private readonly closers: (() => Promise<void> | void)[] = [];
  readonly harnesses: ReaperHarness[] = [];
  readonly results: RunResult[] = [];
  /**
   * Text that left a scenario another way than this process's stdout/stderr: a child process's output, the message
   * and stack of an error a handler threw (what the failure queue keeps). The secrets test looks through it too.
   */
  readonly texts: string[] = [];
  add(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }
  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse()) await close();
  }
}

/**
 * The real Lambda handler over a harness's table and API, reading its credentials from a local Secrets Manager
 * through the real client: what a deployed function does, minus AWS.
 */
export async function deployedHandler(
  resources: Resources,
  h: ReaperHarness,
  env: Record<string, string>,
  options: { dynamo?: DynamoDBClient; secretString?: string } = {},
) {
  const secrets = await startSecretsManagerStandIn();
  const dynamo = options.dynamo ?? localDynamoClient(inject('dynamoEndpoint'));
  const secretsClient = new SecretsManagerClient({
    endpoint: secrets.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  resources.add(async () => {
    dynamo.destroy();
    secretsClient.destroy();
    await secrets.close();
  });
  const secretId = `reaper/${randomUUID()}`;
  secrets.setSecret(secretId, options.secretString ?? JSON.stringify({ apiKey: h.api.apiKey, apiSecret: h.api.apiSecret }));
  const awsClients = { dynamo, secrets: secretsClient };
  const handler = createHandler({
    env: { [ENV.tableName]: h.tableName, [ENV.apiBaseUrl]: h.api.baseUrl, ...env, [ENV.secretId]: secretId },
    awsClients,
  });
  return { handler, awsClients, secretReads: () => secrets.reads(secretId) };
}

export async function harness(resources: Resources, options: HarnessOptions = {}): Promise<ReaperHarness> {
  const h = await createReaperHarness({ ...FAST_API, ...options });
  resources.add(() => h.close());
  resources.harnesses.push(h);
  const run = h.run;
  h.run = async (overrides = {}) => {
    const result = await run(overrides);
    resources.results.push(result);
    return result;
  };
  return h;
}

/**
 * A DynamoDB client as production builds it (standard retry mode, 3 attempts), pointed at the fault proxy;
 * only the backoff between attempts is shortened so the suite stays fast.
 */
export function proxiedClient(endpoint: string, maxAttempts = 3): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, (attempt) => 10 * attempt),
  });
}

export interface Proxied {
  proxy: DynamoFaultProxy;
  client: DynamoDBClient;
  store: DynamoCanvasStore;
}

/** A fault proxy in front of the shared local DynamoDB server, and a store that reads h's table through it. */
export async function proxiedStore(
  resources: Resources,
  h: ReaperHarness,
  options: { pageSize?: number; maxAttempts?: number; sleep?: (ms: number) => Promise<void>; serializeWritesPerItem?: boolean } = {},
): Promise<Proxied> {
  const proxy = await startDynamoFaultProxy({
    upstream: inject('dynamoEndpoint'),
    serializeWritesPerItem: options.serializeWritesPerItem ?? false,
  });
  const client = proxiedClient(proxy.endpoint, options.maxAttempts);
  resources.add(async () => {
    client.destroy();
    await proxy.close();
  });
  const store = new DynamoCanvasStore({
    client,
    tableName: h.tableName,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  return { proxy, client, store };
}

/** The core's outcome for a canvas, as the catalogue states it. */
export function verdictOf(outcome: CanvasOutcome | undefined): Verdict {
  if (!outcome) return { status: 'none' };
  switch (outcome.status) {
    case 'unlocked':
      return { status: 'unlocked', attempts: outcome.attempts };
    case 'unlocked-row-changed':
    case 'would-unlock':
      return { status: outcome.status };
    case 'skipped':
      return { status: 'skipped', reason: outcome.reason };
    case 'invalid':
      return { status: 'invalid', problem: outcome.problem };
    case 'failed':
      return {
        status: 'failed',
        kind: outcome.kind,
        ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
        ...(outcome.step === 'verify' ? { step: 'verify' as const } : {}),
      };
  }
}

/** How the summary accounts for one asset (an empty object: counted, no failure). */
export function summaryEntryOf(summary: RunSummary, assetId: string): Summary {
  const failure = summary.failures.find((f) => f.assetId === assetId);
  const warnings = summary.warnings.filter((w) => w.assetId === assetId).map((w) => w.kind);
  return {
    ...(failure
      ? { failure: { kind: failure.kind, ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }) } }
      : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(summary.invalidRows.some((r) => r.assetId === assetId) ? { invalidRow: true as const } : {}),
    ...(summary.cutShort && summary.stopReason ? { cutShort: summary.stopReason } : {}),
  };
}

export const logLine = (line: Record<string, any>): LogLine => ({
  level: String(line.level).toLowerCase() as LogLine['level'],
  message: String(line.message),
});

/** The log lines about an asset (debug lines left out), deduplicated, in order. */
export function linesAbout(
  lines: readonly Record<string, any>[],
  assetId: string,
  levels = ['INFO', 'WARN', 'ERROR', 'CRITICAL'],
): LogLine[] {
  const seen = new Map<string, LogLine>();
  for (const line of lines) {
    if (line.assetId !== assetId || !levels.includes(line.level)) continue;
    seen.set(`${line.level} ${line.message}`, logLine(line));
  }
  return [...seen.values()];
}

export const logOf = (result: Pick<RunResult, 'lines'>, assetId: string): Log => ({ lines: linesAbout(result.lines, assetId) });

const WRITER_ATTRIBUTES = ['assetId', 'lockExpiresAt', 'lockId'];
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What the row holds now, compared with before the run. */
export function rowChange(before: Row, after: Row): RowChange {
  if (!after) return before ? 'lost' : 'absent';
  if (same(after, before)) return 'kept';
  const claimLeft = after.reaperClaimRunId !== undefined;
  const writerSame = WRITER_ATTRIBUTES.every((name) => same(after[name], before?.[name]));
  if (writerSame && claimLeft) return 'kept-claimed';
  const { lastNotFoundAt, ...afterBut404 } = after;
  if (lastNotFoundAt && same(afterBut404, before)) return 'kept-not-found-recorded';
  if (after.lastHealedAt && !after.lockId && !claimLeft && after.lockExpiresAt?.S !== before?.lockExpiresAt?.S) return 'healed';
  if (after.lockId?.S === 'lock-renewed' && !after.lastForceUnlockedAt) return { writerLockKept: true, claimLingers: claimLeft };
  if (!after.lockExpiresAt && after.lastForceUnlockedAt && !claimLeft) {
    const otherSame = Object.keys(before ?? {})
      .filter((name) => !['lockExpiresAt', 'lockId'].includes(name))
      .every((name) => same(after[name], before?.[name]));
    return otherSame ? 'freed' : 'freed-other-attributes-changed';
  }
  return { changedTo: after };
}

/** The canvases among `ids` the run did not unlock (a rule's breakers: expected none). */
export function notUnlocked(result: RunResult, ids: readonly string[]): string[] {
  return ids.filter((id) => result.byAsset.get(id)?.status !== 'unlocked');
}

/**
 * How a run stopped at `target`: the requests the API got after the target's last one (their asset ids), and the
 * canvases of `notTried` the run neither unlocked nor reported run-stopped.
 */
export function stoppedAt(result: RunResult, h: ReaperHarness, target: string, notTried: readonly string[]): Run {
  const requests = h.api.requests.map((request) => request.assetId ?? request.rawPath);
  const lastForTarget = requests.lastIndexOf(target);
  return {
    stops: result.summary.stopReason,
    // None for the target at all: every request came after the point it stopped at.
    requestsAfterIt: requests.slice(lastForTarget + 1),
    notTriedUnaccounted: notTried.filter((id) => {
      const o = result.byAsset.get(id);
      return !(o?.status === 'unlocked' || (o?.status === 'skipped' && o.reason === 'run-stopped'));
    }),
  };
}

/** How many of `ids` got exactly one unlock request, or none; and which got more (left out when none did). */
export function tallyOf(ids: readonly string[], h: ReaperHarness): RequestTally {
  const counts = ids.map((id) => ({ id, n: h.api.unlockCount(id) }));
  const more = counts.filter(({ n }) => n > 1).map(({ id, n }) => `${id} ×${n}`);
  return {
    once: counts.filter(({ n }) => n === 1).length,
    none: counts.filter(({ n }) => n === 0).length,
    ...(more.length ? { more } : {}),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Secrets a scenario's output must never show: the API secret, the Authorization value, every signed-URL signature. */
export function secretsOf(h: ReaperHarness): string[] {
  const basic = Buffer.from(`${h.api.apiKey}:${h.api.apiSecret}`).toString('base64');
  return [h.api.apiSecret, basic, `Basic ${basic}`, ...h.api.issuedSignatures];
}
