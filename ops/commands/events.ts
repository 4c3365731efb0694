import { assetIdProblem } from '#reaper/core/asset-id';
import { LOCK_EVENT_SOURCE } from '#reaper/core/lock-events';
import type { OpsCommand } from '../io';
import { EXIT } from '../kit/exit-codes';
import { isIsoDateTime, notUnderstoodLine, wrongField } from '../kit/not-understood';
import { terminalSafe } from '../kit/terminal-text';
import { UsageError } from '../kit/usage-error';
import { type LogGroupTarget, logEventPages, logGroupTarget, sinceWindow } from '../run-log';
import { DEFAULT_OUTPUTS_FILE, STACK_OUTPUTS, STACK_OUTPUTS_FLAGS } from '../stack-outputs';

const DEFAULT_SINCE = '1h';
/** Pages of FilterLogEvents read at most (each up to 1 MB); the rest is left out, and said so. */
const MAX_PAGES = 100;
/** Lines not understood said one by one on stderr; the rest are counted. */
const NOT_UNDERSTOOD_SHOWN = 20;

export const EVENTS_USAGE = `Usage: npm run ops -- events [--since DURATION] [--asset ID] [--json] [--events-log-group NAME]

Lists the lock events the reaper published (docs/events.md): each released lock, doubt, healed row and brake change,
oldest first, from the log group that keeps a readable copy of the lock event bus (a rule on the bus writes every
event there; locally, npm run local's PutEvents stand-in does the same).

Options:
  --since DURATION        how far back to look: 30m, 6h, 7d (default ${DEFAULT_SINCE})
  --asset ID              only the events of this canvas
  --json                  print the events as a JSON array, as EventBridge delivered them
  --events-log-group NAME the log group (default: ${'$'}${STACK_OUTPUTS.lockEventsLogGroupName.env}, else the ${STACK_OUTPUTS.lockEventsLogGroupName.output} output in ${DEFAULT_OUTPUTS_FILE})
  --outputs-file FILE     where to read stack outputs (default ${DEFAULT_OUTPUTS_FILE})
  --stack-name NAME       the stack in that file, when it holds several

Needs logs:FilterLogEvents on the log group (ReaperOperatorPolicy has it). Uses the usual AWS settings
(AWS_PROFILE, AWS_REGION, …; AWS_ENDPOINT_URL_CLOUDWATCH_LOGS for a local endpoint). It says its target on stderr first.
A line that names the reaper as its source but is not a lock event (a field of the envelope missing or of the
wrong type) is listed as no event: stderr says where it is and what it did not understand, and it exits 1.
Exit codes: 0 it ran (events or none); 1 the log group could not be read, or a line was not understood; 2 usage or
configuration error.`;

/** A lock event as EventBridge delivers it to a rule's target. */
export interface DeliveredLockEvent {
  id: string;
  'detail-type': string;
  source: string;
  time: string;
  detail: Record<string, unknown>;
}

export const eventsCommand: OpsCommand = {
  usage: EVENTS_USAGE,
  flags: {
    since: { type: 'string' },
    asset: { type: 'string' },
    json: { type: 'boolean' },
    'events-log-group': { type: 'string' },
    ...STACK_OUTPUTS_FLAGS,
  },
  run: async (values, _, io) => {
    const { since, startTime, endTime } = sinceWindow(values.since, DEFAULT_SINCE);
    const assetId = values.asset as string | undefined;
    if (assetId !== undefined) {
      const problem = assetIdProblem(assetId);
      if (problem) throw new UsageError(`--asset: ${problem}`);
    }
    const group = await logGroupTarget('events', STACK_OUTPUTS.lockEventsLogGroupName, values, io);
    const { events, notUnderstood, complete } = await group.read(() => readEvents(group, startTime, endTime, assetId));
    if (values.json) {
      io.stdout(`${JSON.stringify(events, null, 2)}\n`);
    } else {
      for (const event of events) io.stdout(`${eventLine(event)}\n`);
      io.stderr(`${events.length} lock event(s) in the last ${since}${assetId ? ` for ${assetId}` : ''}\n`);
    }
    if (!complete) io.stderr(`ops events: stopped after ${MAX_PAGES} pages; narrow --since or pass --asset\n`);
    for (const line of notUnderstood.slice(0, NOT_UNDERSTOOD_SHOWN)) {
      const where = { logGroupName: group.logGroupName, ...line };
      io.stderr(`ops events: ${notUnderstoodLine(`a "${LOCK_EVENT_SOURCE}" line`, where, 'a lock event')}\n`);
    }
    if (notUnderstood.length > NOT_UNDERSTOOD_SHOWN)
      io.stderr(`ops events: …and ${notUnderstood.length - NOT_UNDERSTOOD_SHOWN} more lines not understood\n`);
    // A line it could not read may be an event that matters: a failed read, as for ops runs (exit 1).
    return notUnderstood.length > 0 ? EXIT.failed : EXIT.ok;
  },
};

/** One event in one line: when, what, which canvas (or brake project), how it was started, by which run. */
export function eventLine(event: DeliveredLockEvent): string {
  const d = event.detail;
  const subject = typeof d.assetId === 'string' ? d.assetId : `project ${String(d.projectId ?? '')}`;
  const extra: string[] = [];
  if (d.possibleLiveLockUnlock === true) extra.push('possible live-lock unlock');
  if (typeof d.lockId === 'string') extra.push(`lock ${d.lockId}`);
  if (typeof d.seenIn === 'string') extra.push(`seen in ${d.seenIn}`);
  if (typeof d.sourceLockExpiresAt === 'string' && event['detail-type'] === 'Canvas Mirror Healed')
    extra.push(`live at Scenario until ${d.sourceLockExpiresAt}`);
  const parts = [event.time, event['detail-type'], subject, String(d.trigger ?? ''), String(d.runId ?? ''), ...extra];
  return terminalSafe(parts.join('  '));
}

/** A line that names the reaper as its source but is not a lock event: where it is, and what is wrong with it. */
interface NotUnderstoodEventLine {
  logStreamName: string;
  loggedAt: string;
  problem: string;
}

/** The reaper's events between two times, oldest first, each once (by its EventBridge id), and the lines not understood. */
async function readEvents(
  { logs, logGroupName }: LogGroupTarget,
  startTime: number,
  endTime: number,
  assetId: string | undefined,
): Promise<{ events: DeliveredLockEvent[]; notUnderstood: NotUnderstoodEventLine[]; complete: boolean }> {
  const seen = new Set<string>();
  const events: DeliveredLockEvent[] = [];
  const notUnderstood: NotUnderstoodEventLine[] = [];
  // A plain term narrows the read; each event is checked again below (a term matches anywhere in the line).
  const filterPattern = assetId ? `"${assetId}"` : `"${LOCK_EVENT_SOURCE}"`;
  let more = false;
  for await (const page of logEventPages(logs, { logGroupName, filterPattern, startTime, endTime }, MAX_PAGES)) {
    more = page.more;
    for (const line of page.events) {
      const read = readEventLine(line.message);
      if (!read) continue;
      if ('problem' in read) {
        // Another canvas's line is not this command's to judge; one whose canvas cannot be told is reported.
        if (assetId !== undefined && typeof read.assetId === 'string' && read.assetId !== assetId) continue;
        if (line.eventId !== undefined && seen.has(`log:${line.eventId}`)) continue;
        if (line.eventId !== undefined) seen.add(`log:${line.eventId}`);
        const loggedAt = new Date(line.timestamp ?? 0).toISOString();
        notUnderstood.push({ logStreamName: line.logStreamName ?? '', loggedAt, problem: read.problem });
        continue;
      }
      const { event } = read;
      if (seen.has(event.id)) continue;
      if (assetId !== undefined && event.detail.assetId !== assetId) continue;
      seen.add(event.id);
      events.push(event);
    }
  }
  events.sort((a, b) => a.time.localeCompare(b.time));
  notUnderstood.sort((a, b) => a.loggedAt.localeCompare(b.loggedAt));
  return { events, notUnderstood, complete: !more };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A line of the events' log group: a lock event as the log group keeps it (one JSON line per event); or, for a line
 * that names the reaper as its source but lacks a field of the envelope (or holds one of the wrong type), what is
 * wrong with it (and its canvas, when its detail names one); undefined for any other line.
 */
export function readEventLine(
  message: string | undefined,
): { event: DeliveredLockEvent } | { problem: string; assetId?: unknown } | undefined {
  if (!message) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed.source !== LOCK_EVENT_SOURCE) return undefined;
  const { id, time, detail } = parsed;
  const detailType = parsed['detail-type'];
  const wrong: string[] = [];
  if (typeof id !== 'string') wrong.push(wrongField('id', id));
  if (typeof detailType !== 'string') wrong.push(wrongField('detail-type', detailType));
  if (!isIsoDateTime(time)) wrong.push(wrongField('time', time));
  if (!isObject(detail)) wrong.push(wrongField('detail', detail));
  if (wrong.length > 0) return { problem: wrong.join(', '), assetId: isObject(detail) ? detail.assetId : undefined };
  return {
    event: {
      id: id as string,
      'detail-type': detailType as string,
      source: LOCK_EVENT_SOURCE,
      time: time as string,
      detail: detail as Record<string, unknown>,
    },
  };
}
