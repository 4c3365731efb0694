import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseJsonObject, readBody, sendJson } from './http-json';
import { listenOnLoopback } from './loopback-server';

export interface StandInLogEvent {
  logStreamName: string;
  /** Epoch milliseconds. */
  timestamp: number;
  message: string;
}

export interface CloudWatchLogsStandIn {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_CLOUDWATCH_LOGS or a client's `endpoint`. */
  endpoint: string;
  createLogGroup(logGroupName: string): void;
  putLogEvent(logGroupName: string, event: StandInLogEvent): void;
  /** Every event of a group, in the order they were put. */
  events(logGroupName: string): readonly StandInLogEvent[];
  close(): Promise<void>;
}

export interface CloudWatchLogsStandInOptions {
  /** Events per FilterLogEvents page (the service pages by size and time; a small value makes callers page). */
  pageSize?: number;
  /**
   * Answer this many pages of no events, each with a nextToken, before the first events of a query. The service does
   * that while it searches (its documentation: a call may return empty results with a token); callers must keep paging.
   */
  emptyPagesFirst?: number;
}

const TARGET_PREFIX = 'Logs_20140328.';
const DEFAULT_PAGE_SIZE = 1000;

/**
 * Answers FilterLogEvents the way CloudWatch Logs does (JSON 1.1: POST /, X-Amz-Target Logs_20140328.*), over the
 * events put into it, so the real CloudWatchLogsClient can be pointed at it. Filter patterns: plain terms and
 * "quoted phrases", all of which must occur (case-sensitive); anything richer is refused rather than half-matched.
 */
export async function startCloudWatchLogsStandIn(options: CloudWatchLogsStandInOptions = {}): Promise<CloudWatchLogsStandIn> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const emptyPagesFirst = options.emptyPagesFirst ?? 0;
  const groups = new Map<string, (StandInLogEvent & { ingestionTime: number; eventId: string })[]>();
  let nextEventId = 0;

  const fail = (response: ServerResponse, type: string, message: string) =>
    sendJson(response, 400, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1' });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const text = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== `${TARGET_PREFIX}FilterLogEvents`)
      return fail(response, 'UnknownOperationException', `only FilterLogEvents is served here, not ${target}`);
    const body = parseJsonObject(text);
    if (!body) return fail(response, 'InvalidParameterException', 'The request body is not a JSON object.');
    if (body.logGroupName !== undefined && body.logGroupIdentifier !== undefined) {
      return fail(response, 'InvalidParameterException', 'logGroupName and logGroupIdentifier are mutually exclusive.');
    }
    const groupName = groupNameOf(body.logGroupName ?? body.logGroupIdentifier);
    const events = groupName === undefined ? undefined : groups.get(groupName);
    if (!events) return fail(response, 'ResourceNotFoundException', 'The specified log group does not exist.');
    const terms = filterTerms(typeof body.filterPattern === 'string' ? body.filterPattern : '');
    if (!terms)
      return fail(
        response,
        'InvalidParameterException',
        `the local stand-in matches plain terms and "quoted phrases" only: ${String(body.filterPattern)}`,
      );
    const startTime = typeof body.startTime === 'number' ? body.startTime : Number.NEGATIVE_INFINITY;
    const endTime = typeof body.endTime === 'number' ? body.endTime : Number.POSITIVE_INFINITY;
    const streams = Array.isArray(body.logStreamNames) ? new Set(body.logStreamNames as string[]) : undefined;
    const matching = events
      .filter((e) => e.timestamp >= startTime && e.timestamp <= endTime && (!streams || streams.has(e.logStreamName)))
      .filter((e) => terms.every((term) => e.message.includes(term)))
      .sort((a, b) => a.timestamp - b.timestamp);
    if (
      body.limit !== undefined &&
      (typeof body.limit !== 'number' || !Number.isInteger(body.limit) || body.limit < 1 || body.limit > 10_000)
    )
      return fail(response, 'InvalidParameterException', 'limit must be from 1 to 10000.');
    const token = typeof body.nextToken === 'string' ? decodeToken(body.nextToken) : { offset: 0, empties: 0 };
    if (!token) return fail(response, 'InvalidParameterException', 'The nextToken is not valid.');
    const { offset, empties } = token;
    const limit = Math.min(typeof body.limit === 'number' ? body.limit : Number.POSITIVE_INFINITY, pageSize);
    const stillSearching = empties < emptyPagesFirst;
    const page = stillSearching ? [] : matching.slice(offset, offset + limit);
    const next = stillSearching
      ? encodeToken({ offset, empties: empties + 1 })
      : offset + page.length < matching.length
        ? encodeToken({ offset: offset + page.length, empties })
        : undefined;
    sendJson(
      response,
      200,
      {
        events: page.map((e) => ({
          logStreamName: e.logStreamName,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
          eventId: e.eventId,
        })),
        searchedLogStreams: [...new Set(events.map((e) => e.logStreamName))].map((logStreamName) => ({
          logStreamName,
          searchedCompletely: true,
        })),
        ...(next ? { nextToken: next } : {}),
      },
      { 'content-type': 'application/x-amz-json-1.1' },
    );
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { __type: 'ServiceUnavailableException', message: String(error) });
    });
  });
  const listening = await listenOnLoopback(server);
  return {
    endpoint: listening.origin,
    createLogGroup: (name) => void (groups.has(name) || groups.set(name, [])),
    putLogEvent: (name, event) => {
      const events = groups.get(name);
      if (!events) throw new Error(`log group ${name} does not exist`);
      nextEventId += 1;
      events.push({ ...event, ingestionTime: Date.now(), eventId: String(nextEventId).padStart(20, '0') });
    },
    events: (name) => (groups.get(name) ?? []).map(({ logStreamName, timestamp, message }) => ({ logStreamName, timestamp, message })),
    close: listening.close,
  };
}

function encodeToken(token: { offset: number; empties: number }): string {
  return Buffer.from(`${token.offset}:${token.empties}`).toString('base64url');
}

function decodeToken(text: string): { offset: number; empties: number } | undefined {
  const [offset, empties] = Buffer.from(text, 'base64url').toString('utf8').split(':').map(Number);
  return Number.isInteger(offset) && offset! >= 0 && Number.isInteger(empties) && empties! >= 0
    ? { offset: offset!, empties: empties! }
    : undefined;
}

/** A log group name, or the name inside a log group ARN (arn:aws:logs:region:account:log-group:NAME[:*]). */
function groupNameOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const arn = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(value);
  return arn ? arn[1] : value;
}

/** The terms of a plain filter pattern (words and "quoted phrases"), or undefined for a pattern this stand-in does not match. */
export function filterTerms(pattern: string): string[] | undefined {
  const trimmed = pattern.trim();
  if (/^[[{]/.test(trimmed)) return undefined;
  const terms: string[] = [];
  const token = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let match = token.exec(trimmed); match; match = token.exec(trimmed)) {
    if (match[1] !== undefined) terms.push(match[1].replace(/\\(.)/g, '$1'));
    else if (/^[?\-%]/.test(match[2]!) || match[2]!.includes('"')) return undefined;
    else terms.push(match[2]!);
  }
  return terms;
}
