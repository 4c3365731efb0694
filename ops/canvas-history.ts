import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { parseEvent } from './commands/events';
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

export interface CanvasHistory {
  /** "log group NAME", "events log group NAME", or "none". */
  source: string;
  /** Oldest first. */
  entries: HistoryEntry[];
  /** False when the read stopped at its page bound (narrow --since). */
  complete: boolean;
}

export const NO_HISTORY: CanvasHistory = { source: 'none', entries: [], complete: true };

/** Pages of FilterLogEvents read at most (each up to 1 MB). */
const MAX_PAGES = 100;
/** A detail is clipped to this (a failure's message can be long). */
const MAX_DETAIL_CHARS = 300;

/**
 * A canvas's unlocked, healed, doubted and failed lines of a window: from the function's log group (the outcome lines
 * the run logs, core/outcome-log.ts), or from the lock events' log group (docs/events.md), which has no failures.
 */
export async function readCanvasHistory(
  logs: CloudWatchLogsClient,
  query: { kind: 'log' | 'events'; logGroupName: string; assetId: string; startTime: number; endTime: number },
): Promise<CanvasHistory> {
  const { kind, logGroupName, assetId, startTime, endTime } = query;
  const entries: HistoryEntry[] = [];
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
      const at = new Date(event.timestamp ?? 0).toISOString();
      const entry = kind === 'log' ? logLineEntry(event.message, assetId, at) : eventEntry(event.message, assetId);
      if (entry) entries.push(entry);
    }
  }
  entries.sort((a, b) => a.at.localeCompare(b.at));
  return { source: `${kind === 'log' ? 'log group' : 'events log group'} ${logGroupName}`, entries, complete: !more };
}

const clipped = (text: string) => (text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text);
const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));

/** One outcome line of the run's log (JSON, perhaps after Lambda's text prefix), or undefined for any other line. */
export function logLineEntry(message: string | undefined, assetId: string, at: string): HistoryEntry | undefined {
  const start = message?.indexOf('{') ?? -1;
  if (!message || start < 0) return undefined;
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(message.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (line.assetId !== assetId) return undefined;
  const runId = text(line.runId ?? line.function_request_id);
  const entry = (kind: HistoryEntry['kind'], detail: string): HistoryEntry => ({
    at: typeof line.timestamp === 'string' && !Number.isNaN(Date.parse(line.timestamp)) ? new Date(line.timestamp).toISOString() : at,
    kind,
    ...(runId ? { runId } : {}),
    detail: clipped(detail),
  });
  switch (line.status) {
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
      if (line.reason !== 'renewed-at-source') return undefined;
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

/** One lock event of the canvas, or undefined for any other line. */
export function eventEntry(message: string | undefined, assetId: string): HistoryEntry | undefined {
  const event = parseEvent(message);
  const kind = event ? EVENT_KINDS[event['detail-type']] : undefined;
  if (!event || !kind || event.detail.assetId !== assetId) return undefined;
  const d = event.detail;
  const detail =
    kind === 'unlocked'
      ? `lock until ${text(d.lockExpiresAt)}, trigger ${text(d.trigger)}${d.possibleLiveLockUnlock === true ? ', possible live-lock unlock' : ''}`
      : kind === 'healed'
        ? `live at Scenario until ${text(d.sourceLockExpiresAt)}`
        : `${text(d.kind)}, seen in ${text(d.seenIn)}`;
  return { at: event.time, kind, ...(typeof d.runId === 'string' ? { runId: d.runId } : {}), detail: clipped(detail) };
}
