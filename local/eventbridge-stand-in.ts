import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseJsonObject, readBody, sendJson } from './http-json';
import { listenOnLoopback } from './loopback-server';

/** An event as EventBridge delivers it to a rule's target (the shape a CloudWatch Logs target stores). */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  /** Not part of EventBridge's shape: the bus the entry named (kept for tests). */
  bus: string;
}

/** What the stand-in does to the next PutEvents calls (tests; each fault is used once, in order). */
export type PutEventsFault =
  /** The whole call fails with HTTP 400 ThrottlingException (the SDK sees an error). */
  | 'throttle-call'
  /** The call succeeds, but every entry answers ErrorCode ThrottlingException (FailedEntryCount = all). */
  | 'throttle-entries'
  /** The call succeeds, but the first entry answers InternalException; the others are accepted. */
  | 'fail-first-entry'
  /** HTTP 500 InternalException for the whole call. */
  | 'internal-error';

export interface EventBridgeStandIn {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_EVENTBRIDGE or a client's `endpoint`. */
  endpoint: string;
  /** Every event accepted, in order. */
  events(): readonly DeliveredEvent[];
  /** Entries per PutEvents call, in order (accepted or not). */
  calls(): readonly number[];
  /** Queue faults for the next calls. */
  injectFaults(...faults: PutEventsFault[]): void;
  /** Every later call fails with this fault, until cleared (undefined). */
  failAlways(fault: PutEventsFault | undefined): void;
  close(): Promise<void>;
}

export interface EventBridgeStandInOptions {
  region?: string;
  account?: string;
  /** Told of each accepted event (the local world copies them into a log group, as the stack's rule does). */
  onEvent?: (event: DeliveredEvent) => void;
  /** Keep every accepted event for events() (default true); the bench only counts them. */
  keepEvents?: boolean;
}

const TARGET = 'AWSEvents.PutEvents';
const CONTENT_TYPE = { 'content-type': 'application/x-amz-json-1.1' };

/**
 * Answers PutEvents the way EventBridge does (JSON 1.1: POST /, X-Amz-Target AWSEvents.PutEvents), so the real
 * EventBridgeClient can be pointed at it. It keeps what it accepts, enforces PutEvents' limits (10 entries, a Source,
 * DetailType and a JSON object Detail per entry) and can throttle or fail on demand.
 */
export async function startEventBridgeStandIn(options: EventBridgeStandInOptions = {}): Promise<EventBridgeStandIn> {
  const region = options.region ?? 'local';
  const account = options.account ?? '000000000000';
  const accepted: DeliveredEvent[] = [];
  const calls: number[] = [];
  const faults: PutEventsFault[] = [];
  let always: PutEventsFault | undefined;

  const fail = (response: ServerResponse, status: number, type: string, message: string) =>
    sendJson(response, status, { __type: type, message }, CONTENT_TYPE);

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const text = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== TARGET) return fail(response, 400, 'UnknownOperationException', `only PutEvents is served here, not ${target}`);
    const body = parseJsonObject(text);
    const entries = body?.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10)
      return fail(response, 400, 'ValidationException', 'Entries must hold 1 to 10 entries.');
    calls.push(entries.length);
    const fault = faults.shift() ?? always;
    if (fault === 'throttle-call') return fail(response, 400, 'ThrottlingException', 'Rate exceeded');
    if (fault === 'internal-error') return fail(response, 500, 'InternalException', 'Internal error');
    const results = entries.map((entry: unknown, index) => {
      if (fault === 'throttle-entries') return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
      if (fault === 'fail-first-entry' && index === 0) return { ErrorCode: 'InternalException', ErrorMessage: 'Internal error' };
      const problem = entryProblem(entry);
      if (problem) return { ErrorCode: 'MalformedDetail', ErrorMessage: problem };
      const e = entry as Record<string, unknown>;
      const id = randomUUID();
      const delivered: DeliveredEvent = {
        version: '0',
        id,
        'detail-type': String(e.DetailType),
        source: String(e.Source),
        account,
        time: new Date(typeof e.Time === 'number' ? e.Time * 1000 : Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region,
        resources: Array.isArray(e.Resources) ? (e.Resources as string[]) : [],
        detail: JSON.parse(String(e.Detail)),
        bus: typeof e.EventBusName === 'string' ? e.EventBusName : 'default',
      };
      if (options.keepEvents !== false) accepted.push(delivered);
      options.onEvent?.(delivered);
      return { EventId: id };
    });
    sendJson(response, 200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results }, CONTENT_TYPE);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) fail(response, 500, 'InternalException', String(error));
    });
  });
  const listening = await listenOnLoopback(server);
  return {
    endpoint: listening.origin,
    events: () => [...accepted],
    calls: () => [...calls],
    injectFaults: (...more) => void faults.push(...more),
    failAlways: (fault) => {
      always = fault;
    },
    close: listening.close,
  };
}

function entryProblem(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== 'object') return 'an entry must be an object';
  const e = entry as Record<string, unknown>;
  if (typeof e.Source !== 'string' || !e.Source) return 'Source is required';
  if (typeof e.DetailType !== 'string' || !e.DetailType) return 'DetailType is required';
  if (typeof e.Detail !== 'string') return 'Detail is required';
  const detail = parseJsonObject(e.Detail);
  if (!detail || e.Detail.trim() === '') return 'Detail is not a JSON object';
  return undefined;
}
