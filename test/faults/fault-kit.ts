import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { DynamoCanvasStore } from '../../functions/reaper/adapters/dynamo-canvas-store';
import { ENV } from '../../functions/reaper/env';
import { createHandler } from '../../functions/reaper/handler';
import type { CanvasOutcome } from '../../functions/reaper/core/outcome';
import type { RunSummary } from '../../functions/reaper/core/summary';
import { startDynamoFaultProxy, type DynamoFaultProxy } from '../../local/dynamodb-fault-proxy';
import { startSecretsManagerStandIn } from '../../local/secrets-manager-stand-in';
import { localDynamoClient } from '../../local/tracked-canvas-table';
import { createReaperHarness, type HarnessOptions, type ReaperHarness } from '../support/reaper-harness';

/** What a fault test observed, rendered as the words of the reliability table (docs/reliability.md). */
export interface Observed {
  /** What happened to the canvas (or canvases) the fault was aimed at. */
  outcome: string;
  /** What the run summary says about it. */
  summary: string;
  /** What the table row holds afterwards. */
  row: string;
  /** Whether the run went on, stopped, or what the next run did. */
  run: string;
  /** The log line(s) about it: level and message. */
  log: string;
}

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
export async function deployedHandler(resources: Resources, h: ReaperHarness, env: Record<string, string>, options: { dynamo?: DynamoDBClient } = {}) {
  const secrets = await startSecretsManagerStandIn();
  const dynamo = options.dynamo ?? localDynamoClient(inject('dynamoEndpoint'));
  const secretsClient = new SecretsManagerClient({ endpoint: secrets.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  resources.add(async () => {
    dynamo.destroy();
    secretsClient.destroy();
    await secrets.close();
  });
  const secretId = `reaper/${randomUUID()}`;
  secrets.setSecret(secretId, JSON.stringify({ apiKey: h.api.apiKey, apiSecret: h.api.apiSecret }));
  const awsClients = { dynamo, secrets: secretsClient };
  const handler = createHandler({ env: { [ENV.tableName]: h.tableName, [ENV.apiBaseUrl]: h.api.baseUrl, ...env, [ENV.secretId]: secretId }, awsClients });
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
  const proxy = await startDynamoFaultProxy({ upstream: inject('dynamoEndpoint'), serializeWritesPerItem: options.serializeWritesPerItem ?? false });
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

export function describeOutcome(outcome: CanvasOutcome | undefined): string {
  if (!outcome) return 'no outcome reported';
  switch (outcome.status) {
    case 'unlocked':
      return `unlocked after ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
    case 'unlocked-row-changed':
      return 'unlocked at the API, row changed meanwhile (unlocked-row-changed)';
    case 'would-unlock':
      return 'would unlock (dry run)';
    case 'skipped':
      return `skipped: ${outcome.reason}`;
    case 'invalid':
      return `invalid: ${outcome.problem}`;
    case 'failed':
      return `failed${outcome.step === 'verify' ? ' at verify' : ''}: ${outcome.kind}${outcome.httpStatus === undefined ? '' : ` (HTTP ${outcome.httpStatus})`}`;
  }
}

/** How the summary accounts for one asset. */
export function describeInSummary(summary: RunSummary, assetId: string): string {
  const parts: string[] = [];
  const failure = summary.failures.find((f) => f.assetId === assetId);
  if (failure) parts.push(`failures: ${failure.kind}${failure.httpStatus === undefined ? '' : ` ${failure.httpStatus}`}`);
  for (const warning of summary.warnings.filter((w) => w.assetId === assetId)) parts.push(`warnings: ${warning.kind}`);
  if (summary.invalidRows.some((r) => r.assetId === assetId)) parts.push('invalidRows');
  if (summary.cutShort) parts.push(`cutShort, stopReason ${summary.stopReason}`);
  return parts.length > 0 ? parts.join('; ') : 'counted, no failure';
}

/** The level and message of the log lines about an asset (debug lines left out), deduplicated, in order. */
export function describeLog(result: Pick<RunResult, 'lines'>, assetId: string): string {
  const seen = new Set<string>();
  for (const line of result.lines) {
    if (line.assetId !== assetId || line.level === 'DEBUG') continue;
    seen.add(`${String(line.level).toLowerCase()}: ${line.message}`);
  }
  return seen.size > 0 ? [...seen].join(' + ') : 'nothing above debug';
}

const WRITER_ATTRIBUTES = ['assetId', 'lockExpiresAt', 'lockId'];

/** What the row holds now, compared with before the run. */
export function describeRow(before: Row, after: Row): string {
  if (!after) return before ? 'row LOST' : 'no row';
  if (JSON.stringify(after) === JSON.stringify(before)) return 'unchanged: keeps its lock, no claim left';
  const claimLeft = after.reaperClaimRunId !== undefined;
  const writerSame = WRITER_ATTRIBUTES.every((name) => JSON.stringify(after[name]) === JSON.stringify(before?.[name]));
  if (writerSame && claimLeft) return 'keeps its lock; the claim stays until the run deadline';
  const { lastNotFoundAt, ...afterBut404 } = after;
  if (lastNotFoundAt && JSON.stringify(afterBut404) === JSON.stringify(before)) return 'keeps its lock, no claim left; lastNotFoundAt recorded';
  if (after.lastHealedAt && !after.lockId && !claimLeft && after.lockExpiresAt?.S !== before?.lockExpiresAt?.S) {
    return "healed: Scenario's live expiry, no (old) lockId, no claim; other attributes kept";
  }
  if (after.lockId?.S === 'lock-renewed' && !claimLeft) return "the writer's new lock, not overwritten";
  if (!after.lockExpiresAt && after.lastForceUnlockedAt && !claimLeft) {
    const otherSame = Object.keys(before ?? {})
      .filter((name) => !['lockExpiresAt', 'lockId'].includes(name))
      .every((name) => JSON.stringify(after[name]) === JSON.stringify(before?.[name]));
    return otherSame ? 'lock removed, audit trail written, other attributes kept' : 'lock removed, but other attributes CHANGED';
  }
  return `changed: ${JSON.stringify(after)}`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Secrets a scenario's output must never show: the API secret, the Authorization value, every signed-URL signature. */
export function secretsOf(h: ReaperHarness): string[] {
  const basic = Buffer.from(`${h.api.apiKey}:${h.api.apiSecret}`).toString('base64');
  return [h.api.apiSecret, basic, `Basic ${basic}`, ...h.api.issuedSignatures];
}
