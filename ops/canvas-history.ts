import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LOCK_EVENT_SOURCE, LOCK_EVENT_TYPE_NAMES } from '#reaper/core/lock-events';
import { OUTCOME_MESSAGES } from '#reaper/core/outcome-log';
import { readEventLine } from './commands/events';
import { clippedForReport, isIsoDateTime, wrongField } from './kit/not-understood';
import { logEventPages } from './run-log';

/** One thing that happened to a canvas: what `ops explain` lists under "history". */
export interface HistoryEntry {
  /** ISO time of the log line or event. */
  at: string;
  kind: 'unlocked' | 'healed' | 'doubted' | 'failed';
  /** The run (Lambda request id, or the run id a local run logged). */
  runId?: string;
  /** What the line said, short. */
  detail: string;
}

/** A line of the canvas that says it is an outcome or a lock event but cannot be read as one: why. */
export interface NotReadLine {
  kind: 'not-understood';
  problem: string;
}

/** A line of the canvas the history did not understand: where it is, what is wrong, and its start (clipped, escaped). */
export interface NotUnderstoodHistoryLine {
  /** The log event's time, ISO. */
  loggedAt: string;
  logStreamName: string;
  problem: string;
  line: string;
}

export interface CanvasHistory {
  /** "log group NAME", "events log group NAME", or "none". */
  source: string;
  /** Oldest first. */
  entries: HistoryEntry[];
  /** False when the read stopped at its page bound (narrow --since). */
  complete: boolean;
  /** The canvas's lines it could not read, oldest first: never listed as entries. */
  notUnderstood: NotUnderstoodHistoryLine[];
}

export const NO_HISTORY: CanvasHistory = { source: 'none', entries: [], complete: true, notUnderstood: [] };

/** Pages of FilterLogEvents read at most (each up to 1 MB). */
const MAX_PAGES = 100;
/** A detail is clipped to this (a failure's message can be long). */
const MAX_DETAIL_CHARS = 300;

/**
 * A canvas's unlocked, healed, doubted and failed lines of a window: from the function's log group (the outcome lines
 * the run logs, core/outcome-log.ts), or from the lock events' log group (docs/events.md), which has no failures.
 * A line of the canvas that claims to be one but cannot be read is handed back as not understood.
 */
export async function readCanvasHistory(
  logs: CloudWatchLogsClient,
  query: { kind: 'log' | 'events'; logGroupName: string; assetId: string; startTime: number; endTime: number },
): Promise<CanvasHistory> {
  const { kind, logGroupName, assetId, startTime, endTime } = query;
  const entries: HistoryEntry[] = [];
  const notUnderstood: NotUnderstoodHistoryLine[] = [];
  const seen = new Set<string>();
  let more = false;
  // A plain term narrows the read; each line is checked again (a term matches anywhere in the line).
  for await (const page of logEventPages(logs, { logGroupName, filterPattern: `"${assetId}"`, startTime, endTime }, MAX_PAGES)) {
    more = page.more;
    for (const event of page.events) {
      if (event.eventId !== undefined) {
        if (seen.has(event.eventId)) continue;
        seen.add(event.eventId);
      }
      const read = kind === 'log' ? logLineEntry(event.message, assetId) : eventEntry(event.message, assetId);
      if (read?.kind === 'not-understood')
        notUnderstood.push({
          loggedAt: new Date(event.timestamp ?? 0).toISOString(),
          logStreamName: event.logStreamName ?? '',
          problem: read.problem,
          line: clippedForReport(event.message ?? ''),
        });
      else if (read) entries.push(read);
    }
  }
  entries.sort((a, b) => a.at.localeCompare(b.at));
  notUnderstood.sort((a, b) => a.loggedAt.localeCompare(b.loggedAt));
  return { source: `${kind === 'log' ? 'log group' : 'events log group'} ${logGroupName}`, entries, complete: !more, notUnderstood };
}

const clipped = (text: string) => (text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text);
const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));

type Fields = Record<string, unknown>;
type Check = (value: unknown) => boolean;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText: Check = (value) => typeof value === 'string';
const isCount: Check = (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value);
const textOrNull: Check = (value) => value === null || isText(value);

/** Each field of `fields` that does not hold what `checks` asks, named with what it holds (prefixed: `detail.kind`). */
function wrongFields(fields: Fields, checks: Readonly<Record<string, Check>>, prefix = ''): string[] {
  return Object.entries(checks)
    .filter(([name, check]) => !check(fields[name]))
    .map(([name]) => wrongField(`${prefix}${name}`, fields[name]));
}

const notRead = (problem: string): NotReadLine => ({ kind: 'not-understood', problem });
const cutOff = (message: string): NotReadLine => notRead(`not JSON (${message.length} characters; cut off?)`);
/** A line that holds a JSON field `"name":"value"` (the logger and EventBridge write compact JSON). */
const holdsField = (message: string, name: string, value: string) => message.includes(`"${name}":${JSON.stringify(value)}`);

/** The fields each outcome status of the history needs (the rest of its statuses are not history). */
const OUTCOME_FIELDS: Readonly<Record<string, Readonly<Record<string, Check>>>> = {
  unlocked: { lockExpiresAt: isText, attempts: isCount },
  'unlocked-row-changed': { lockExpiresAt: isText, doubt: isObject },
  failed: { kind: isText, error: isText, step: optional(isText), doubt: optional(isObject) },
  skipped: { reason: isText },
  'would-unlock': {},
  invalid: {},
};
const HEALED_FIELDS: Readonly<Record<string, Check>> = {
  sourceLockExpiresAt: isText,
  lockExpiresAt: optional(isText),
  rowHealed: optional((v) => typeof v === 'boolean'),
};
const RUN_FIELDS: Readonly<Record<string, Check>> = { runId: optional(isText), function_request_id: optional(isText) };
/** The logger (Powertools) writes a timestamp on every line: one it cannot read is not listed at another time. */
const LINE_FIELDS: Readonly<Record<string, Check>> = { ...RUN_FIELDS, timestamp: isIsoDateTime };
const OUTCOME_MESSAGE_SET: ReadonlySet<unknown> = new Set(Object.values(OUTCOME_MESSAGES));

/**
 * One outcome line of the run's log (JSON, perhaps after Lambda's text prefix): an entry, listed at its own timestamp;
 * not understood when it is the canvas's outcome line (it has a status, or an outcome message of core/outcome-log.ts)
 * but a field is missing or of the wrong type (the timestamp too), its status is missing or unknown, it has an outcome
 * message and no assetId but names the canvas, or it is cut off (not JSON); undefined for any other line (another
 * canvas, neither status nor outcome message, a status that is not history).
 */
export function logLineEntry(message: string | undefined, assetId: string): HistoryEntry | NotReadLine | undefined {
  const start = message?.indexOf('{') ?? -1;
  if (!message || start < 0) return undefined;
  let line: Fields;
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    if (!isObject(parsed)) return undefined;
    line = parsed;
  } catch {
    return holdsField(message, 'assetId', assetId) ? cutOff(message) : undefined;
  }
  const outcomeMessage = OUTCOME_MESSAGE_SET.has(line.message);
  // The canvas of an outcome line without an assetId cannot be told; one that names this canvas is reported.
  if (typeof line.assetId !== 'string')
    return outcomeMessage && message.includes(assetId) ? notRead(wrongField('assetId', line.assetId)) : undefined;
  if (line.assetId !== assetId || (line.status === undefined && !outcomeMessage)) return undefined;
  const status = line.status;
  const checks = typeof status === 'string' && Object.hasOwn(OUTCOME_FIELDS, status) ? OUTCOME_FIELDS[status] : undefined;
  if (!checks) return notRead(wrongField('status', status));
  const healed = status === 'skipped' && line.reason === 'renewed-at-source';
  const wrong = wrongFields(line, { ...checks, ...(healed ? HEALED_FIELDS : {}), ...LINE_FIELDS });
  if (wrong.length > 0) return notRead(wrong.join(', '));

  const runId = text(line.runId ?? line.function_request_id);
  const entry = (kind: HistoryEntry['kind'], detail: string): HistoryEntry => ({
    at: new Date(Date.parse(line.timestamp as string)).toISOString(),
    kind,
    ...(runId ? { runId } : {}),
    detail: clipped(detail),
  });
  switch (status) {
    case 'unlocked':
      return entry('unlocked', `lock until ${text(line.lockExpiresAt)}, ${text(line.attempts)} attempt(s)`);
    case 'unlocked-row-changed':
      return entry('doubted', `unlocked, but the row changed meanwhile (a possible live-lock unlock): ${text(line.doubt)}`);
    case 'failed':
      return entry(
        line.doubt ? 'doubted' : 'failed',
        `${text(line.kind)}${line.step ? ` at ${text(line.step)}` : ''}: ${text(line.error)}${line.doubt ? ` (possible live-lock unlock: ${text(line.doubt)})` : ''}`,
      );
    case 'skipped':
      if (!healed) return undefined;
      return entry(
        'healed',
        `live at Scenario until ${text(line.sourceLockExpiresAt)} while the row said ${text(line.lockExpiresAt)}${line.rowHealed === false ? ' (the row was not healed)' : ''}`,
      );
    default:
      return undefined;
  }
}

const EVENT_KINDS: Record<string, HistoryEntry['kind']> = {
  'Canvas Lock Released': 'unlocked',
  'Canvas Lock Release Doubted': 'doubted',
  'Canvas Mirror Healed': 'healed',
};

/** The detail fields each canvas event needs here (docs/events.md's schemas require them). */
const EVENT_DETAIL_FIELDS: Readonly<Record<HistoryEntry['kind'], Readonly<Record<string, Check>>>> = {
  unlocked: { runId: isText, trigger: isText, lockExpiresAt: textOrNull, possibleLiveLockUnlock: optional((v) => typeof v === 'boolean') },
  doubted: { runId: isText, kind: isText, seenIn: isText },
  healed: { runId: isText, sourceLockExpiresAt: isText },
  failed: {},
};

/**
 * One lock event of the canvas: an entry; not understood when the line names the reaper as its source but is not a
 * lock event of this canvas it can read (an envelope or detail field missing or of the wrong type, a detail-type it
 * does not know, cut off); undefined for any other line (another canvas's, the brake's, not the reaper's).
 */
export function eventEntry(message: string | undefined, assetId: string): HistoryEntry | NotReadLine | undefined {
  const read = readEventLine(message);
  if (!read) {
    if (!message || !holdsField(message, 'source', LOCK_EVENT_SOURCE)) return undefined;
    try {
      JSON.parse(message);
      return undefined;
    } catch {
      return cutOff(message);
    }
  }
  // Another canvas's line is not this command's to judge; one whose canvas cannot be told is reported.
  if ('problem' in read) return typeof read.assetId === 'string' && read.assetId !== assetId ? undefined : notRead(read.problem);
  const { event } = read;
  const d = event.detail;
  const detailType = event['detail-type'];
  const kind = EVENT_KINDS[detailType];
  if (!kind) {
    // The brake's events name no canvas; a detail-type this reader does not know that names this one is reported.
    return d.assetId === assetId && !LOCK_EVENT_TYPE_NAMES.some((name) => name === detailType)
      ? notRead(wrongField('detail-type', detailType))
      : undefined;
  }
  if (typeof d.assetId === 'string' && d.assetId !== assetId) return undefined;
  const wrong = wrongFields(d, { assetId: isText, ...EVENT_DETAIL_FIELDS[kind] }, 'detail.');
  if (wrong.length > 0) return notRead(wrong.join(', '));
  const detail =
    kind === 'unlocked'
      ? `lock until ${text(d.lockExpiresAt)}, trigger ${text(d.trigger)}${d.possibleLiveLockUnlock === true ? ', possible live-lock unlock' : ''}`
      : kind === 'healed'
        ? `live at Scenario until ${text(d.sourceLockExpiresAt)}`
        : `${text(d.kind)}, seen in ${text(d.seenIn)}`;
  return { at: event.time, kind, runId: text(d.runId), detail: clipped(detail) };
}
