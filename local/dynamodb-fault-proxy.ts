import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { listenOnLoopback } from './loopback-server';

/**
 * An HTTP proxy in front of a local DynamoDB server (dynalite) that injects faults at the socket, so the unchanged
 * AWS SDK client, and everything above it, sees what a real DynamoDB endpoint would send on a bad day:
 * throttling, internal errors (before or after the write was applied), dropped connections, rewritten answers,
 * and "something else happened first" (a writer's write run just before a request is forwarded).
 *
 * Operations are matched by the X-Amz-Target header (`DynamoDB_20120810.Scan` → "Scan") and, optionally, by a
 * predicate on the request's JSON body (to tell the reaper's claim UpdateItem from its unlock UpdateItem).
 * Every request is logged, with the answer the client got and the answer the server gave.
 */

export type DynamoOperation =
  | 'Scan'
  | 'GetItem'
  | 'BatchGetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'CreateTable'
  | 'DescribeTable'
  | 'DeleteTable'
  | (string & {});

export type DynamoRequestBody = Record<string, any>;

export type DynamoFault =
  /** 400 ProvisionedThroughputExceededException; the request is not forwarded. The SDK retries it (throttling). */
  | { kind: 'throttle' }
  /** 500 InternalServerError; the request is not forwarded. The SDK retries it. */
  | { kind: 'internal-error' }
  /** The request IS forwarded and applied, then the client gets a 500 anyway (a lost answer): the SDK retries it. */
  | { kind: 'apply-then-internal-error' }
  /** Any answer, not forwarded. */
  | { kind: 'answer'; status: number; body: object }
  /** The connection is destroyed before any answer; the request is not forwarded. */
  | { kind: 'drop-connection' }
  /** The request is not forwarded and never answered: the client's own timeouts decide (or the proxy's close). */
  | { kind: 'hang' }
  /** Forwarded and answered as the server did, with the Date header moved by `offsetMs` (a clock that is off). */
  | { kind: 'shift-date'; offsetMs: number }
  /** Runs `action` (e.g. a writer's renewal, sent straight to the server), then forwards the request. */
  | { kind: 'before'; action: (body: DynamoRequestBody) => Promise<void> | void }
  /** Forwards the request, then lets `rewrite` change the server's JSON answer before the client sees it. */
  | { kind: 'rewrite'; rewrite: (answer: DynamoRequestBody, body: DynamoRequestBody) => DynamoRequestBody };

export interface DynamoFaultRule {
  operation: DynamoOperation;
  /** Only requests whose JSON body passes this. */
  match?: (body: DynamoRequestBody) => boolean;
  /** How many matching requests get the fault (default 1; Infinity for every one). */
  times?: number;
  fault: DynamoFault;
  /** A label for clearFaults(tag), when tests share one proxy. */
  tag?: string;
}

export interface ProxyLogEntry {
  seq: number;
  operation: string;
  body: DynamoRequestBody;
  /** The fault applied, if any. */
  fault?: DynamoFault['kind'];
  /** Whether the request reached the server. */
  forwarded: boolean;
  /** The server's status, when forwarded. */
  serverStatus?: number;
  /** The server's answer (parsed), when forwarded. */
  serverAnswer?: DynamoRequestBody;
  /** What the client got (0: the connection was dropped). */
  clientStatus: number;
  startedAtMs: number;
  finishedAtMs: number;
}

export interface DynamoFaultProxyOptions {
  /** The real server, e.g. http://127.0.0.1:PORT (dynalite). */
  upstream: string;
  /**
   * Forward writes (PutItem, UpdateItem, DeleteItem) to the same item one at a time, in arrival order, so the log's
   * order of finished writes is the order the server applied them (DynamoDB itself serializes writes per item;
   * this only makes that order observable to a test).
   */
  serializeWritesPerItem?: boolean;
}

export interface DynamoFaultProxy {
  /** http://127.0.0.1:PORT, for a DynamoDB client's `endpoint`. */
  endpoint: string;
  readonly log: ProxyLogEntry[];
  /** Adds a rule; rules are tried in the order they were added, the first match with times left wins. */
  inject(rule: DynamoFaultRule): void;
  /** Drops every rule not used up yet (only those with this tag, when given). */
  clearFaults(tag?: string): void;
  /** How many matching requests a rule set still has to serve (0: all used). */
  pendingFaults(): number;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

export const THROTTLING_BODY = {
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded (injected by the fault proxy)',
};
export const INTERNAL_ERROR_BODY = {
  __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
  message: 'Internal server error (injected by the fault proxy)',
};

/** The item key a write or read names, as a string, for per-item ordering ("table|{...}"). */
export function itemKeyOf(operation: string, body: DynamoRequestBody): string | undefined {
  const table = body.TableName;
  if (typeof table !== 'string') return undefined;
  if (operation === 'PutItem' && body.Item?.assetId) return `${table}|${JSON.stringify(body.Item.assetId)}`;
  if (body.Key?.assetId) return `${table}|${JSON.stringify(body.Key.assetId)}`;
  return undefined;
}

export async function startDynamoFaultProxy(options: DynamoFaultProxyOptions): Promise<DynamoFaultProxy> {
  const upstream = new URL(options.upstream);
  const rules: (DynamoFaultRule & { left: number })[] = [];
  const log: ProxyLogEntry[] = [];
  const itemQueues = new Map<string, Promise<void>>();
  let seq = 0;

  const takeFault = (operation: string, body: DynamoRequestBody): DynamoFault | undefined => {
    for (const rule of rules) {
      if (rule.left <= 0 || rule.operation !== operation) continue;
      if (rule.match && !rule.match(body)) continue;
      rule.left -= 1;
      return rule.fault;
    }
    return undefined;
  };

  const forward = (incoming: IncomingMessage, raw: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: upstream.host, 'content-length': String(raw.length) },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: Buffer.concat(chunks) }));
          answer.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(raw);
    });

  const reply = (response: ServerResponse, status: number, body: Buffer | object, headers: IncomingHttpHeaders = {}) => {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || ['content-length', 'x-amz-crc32', 'connection', 'transfer-encoding'].includes(name)) continue;
      out[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    out['content-type'] ??= 'application/x-amz-json-1.0';
    out['content-length'] = String(payload.length);
    out['x-amz-crc32'] = String(crc32(payload));
    out['x-amzn-requestid'] ??= `proxy-${seq}`;
    response.writeHead(status, out);
    response.end(payload);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let body: DynamoRequestBody = {};
    try {
      body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as DynamoRequestBody) : {};
    } catch {
      body = {};
    }
    const entry: ProxyLogEntry = {
      seq: ++seq,
      operation,
      body,
      forwarded: false,
      clientStatus: 0,
      startedAtMs: Date.now(),
      finishedAtMs: 0,
    };
    log.push(entry);
    const fault = takeFault(operation, body);
    if (fault) entry.fault = fault.kind;

    const run = async () => {
      switch (fault?.kind) {
        case 'throttle':
          entry.clientStatus = 400;
          return reply(response, 400, THROTTLING_BODY);
        case 'internal-error':
          entry.clientStatus = 500;
          return reply(response, 500, INTERNAL_ERROR_BODY);
        case 'answer':
          entry.clientStatus = fault.status;
          return reply(response, fault.status, fault.body);
        case 'drop-connection':
          request.socket.destroy();
          return;
        case 'hang':
          return;
        case 'before':
          await fault.action(body);
          break;
        default:
          break;
      }
      const answer = await forward(request, raw);
      entry.forwarded = true;
      entry.serverStatus = answer.status;
      try {
        entry.serverAnswer = JSON.parse(answer.body.toString('utf8')) as DynamoRequestBody;
      } catch {
        entry.serverAnswer = {};
      }
      if (fault?.kind === 'apply-then-internal-error') {
        entry.clientStatus = 500;
        return reply(response, 500, INTERNAL_ERROR_BODY);
      }
      if (fault?.kind === 'rewrite' && answer.status === 200) {
        entry.clientStatus = 200;
        return reply(response, 200, fault.rewrite(entry.serverAnswer, body), answer.headers);
      }
      entry.clientStatus = answer.status;
      if (fault?.kind === 'shift-date') {
        const date = Date.parse(String(answer.headers.date ?? ''));
        const base = Number.isFinite(date) ? date : Date.now();
        return reply(response, answer.status, answer.body, { ...answer.headers, date: new Date(base + fault.offsetMs).toUTCString() });
      }
      return reply(response, answer.status, answer.body, answer.headers);
    };

    const key = options.serializeWritesPerItem && WRITES.has(operation) ? itemKeyOf(operation, body) : undefined;
    try {
      if (key === undefined) {
        await run();
      } else {
        const previous = itemQueues.get(key) ?? Promise.resolve();
        const mine = previous.then(run, run);
        const settled = mine.then(
          () => undefined,
          () => undefined,
        );
        itemQueues.set(key, settled);
        await mine;
      }
    } finally {
      entry.finishedAtMs = Date.now();
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, { __type: 'ProxyError', message: String(error) });
    });
  });
  const listening = await listenOnLoopback(server);

  return {
    endpoint: listening.origin,
    log,
    inject: (rule) => void rules.push({ ...rule, left: rule.times ?? 1 }),
    clearFaults: (tag) => {
      for (let i = rules.length - 1; i >= 0; i -= 1) if (tag === undefined || rules[i]!.tag === tag) rules.splice(i, 1);
    },
    pendingFaults: () => rules.reduce((sum, rule) => sum + Math.max(0, rule.left), 0),
    close: listening.close,
  };
}

/** Request-body predicates for the reaper's own writes (see DynamoCanvasStore). */
export const REAPER_WRITES = {
  claim: (body: DynamoRequestBody) => typeof body.UpdateExpression === 'string' && body.UpdateExpression.startsWith('SET #claimRun'),
  markUnlocked: (body: DynamoRequestBody) => typeof body.UpdateExpression === 'string' && body.UpdateExpression.startsWith('REMOVE #exp'),
  releaseClaim: (body: DynamoRequestBody) => body.UpdateExpression === 'REMOVE #claimRun, #claimUntil',
  /** The heal: Scenario showed a live lock the row lacked; the row gets Scenario's expiry. */
  heal: (body: DynamoRequestBody) => typeof body.UpdateExpression === 'string' && body.UpdateExpression.startsWith('SET #exp = :sourceExp'),
  /** The store's follow-up read after a failed claim. */
  whyClaimFailed: (body: DynamoRequestBody) => body.ProjectionExpression === '#exp, #lockId',
  forAsset: (assetId: string) => (body: DynamoRequestBody) => body.Key?.assetId?.S === assetId,
};
