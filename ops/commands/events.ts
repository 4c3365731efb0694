import { assetIdProblem } from '#reaper/core/asset-id';
import { LOCK_EVENT_SOURCE } from '#reaper/core/lock-events';
import type { OpsCommand } from '../io';
import { EXIT } from '../kit/exit-codes';
import { terminalSafe } from '../kit/terminal-text';
import { UsageError } from '../kit/usage-error';
import { type LogGroupTarget, logEventPages, logGroupTarget, sinceWindow } from '../run-log';
import { DEFAULT_OUTPUTS_FILE, STACK_OUTPUTS, STACK_OUTPUTS_FLAGS } from '../stack-outputs';

const DEFAULT_SINCE = '1h';
/** Pages of FilterLogEvents read at most (each up to 1 MB); the rest is left out, and said so. */
const MAX_PAGES = 100;

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
Exit codes: 0 it ran (events or none); 1 the log group could not be read; 2 usage or configuration error.`;

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
    const { events, complete } = await group.read(() => readEvents(group, startTime, endTime, assetId));
    if (values.json) {
      io.stdout(`${JSON.stringify(events, null, 2)}\n`);
    } else {
      for (const event of events) io.stdout(`${eventLine(event)}\n`);
      io.stderr(`${events.length} lock event(s) in the last ${since}${assetId ? ` for ${assetId}` : ''}\n`);
    }
    if (!complete) io.stderr(`ops events: stopped after ${MAX_PAGES} pages; narrow --since or pass --asset\n`);
    return EXIT.ok;
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

/** The reaper's events between two times, oldest first, each once (by its EventBridge id). */
async function readEvents(
  { logs, logGroupName }: LogGroupTarget,
  startTime: number,
  endTime: number,
  assetId: string | undefined,
): Promise<{ events: DeliveredLockEvent[]; complete: boolean }> {
  const seen = new Set<string>();
  const events: DeliveredLockEvent[] = [];
  // A plain term narrows the read; each event is checked again below (a term matches anywhere in the line).
  const filterPattern = assetId ? `"${assetId}"` : `"${LOCK_EVENT_SOURCE}"`;
  let more = false;
  for await (const page of logEventPages(logs, { logGroupName, filterPattern, startTime, endTime }, MAX_PAGES)) {
    more = page.more;
    for (const line of page.events) {
      const event = parseEvent(line.message);
      if (!event || seen.has(event.id)) continue;
      if (assetId !== undefined && event.detail.assetId !== assetId) continue;
      seen.add(event.id);
      events.push(event);
    }
  }
  events.sort((a, b) => a.time.localeCompare(b.time));
  return { events, complete: !more };
}

/** A lock event as the log group keeps it (one JSON line per event), or undefined for any other line. */
export function parseEvent(message: string | undefined): DeliveredLockEvent | undefined {
  if (!message) return undefined;
  try {
    const parsed = JSON.parse(message) as Partial<DeliveredLockEvent>;
    if (parsed.source !== LOCK_EVENT_SOURCE || typeof parsed.id !== 'string' || typeof parsed.detail !== 'object' || !parsed.detail)
      return undefined;
    return {
      id: parsed.id,
      'detail-type': String(parsed['detail-type']),
      source: parsed.source,
      time: String(parsed.time),
      detail: parsed.detail,
    };
  } catch {
    return undefined;
  }
}
