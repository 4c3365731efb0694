import { type CloudWatchLogsClient, type FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { RunSummary } from '#reaper/core/summary';
import type { OpsIo } from './io';
import { clippedForReport, notUnderstoodLine } from './kit/not-understood';
import { runSummaryProblem } from './kit/run-summary-problem';
import { UsageError } from './kit/usage-error';
import { logsClient } from './operator-clients';
import { DEFAULT_OUTPUTS_FILE, STACK_OUTPUTS, STACK_OUTPUTS_FLAGS, type StackOutputName } from './stack-outputs';
import { describeTarget, resolveNamed, stepOn, targetLine } from './target';

/** The message of the line each run ends with (functions/reaper/core/reap.ts); its `summary` field is the run summary. */
export const RUN_FINISHED_MESSAGE = 'reap run finished';
/** A bound on pages read, so a misbehaving endpoint cannot keep a command paging forever. */
const MAX_PAGES = 1000;

/** One "reap run finished" line of the function's log group. */
export interface FinishedRun {
  logStreamName: string;
  /** The event's time, ISO. */
  loggedAt: string;
  timestampMs: number;
  level: string;
  summary: RunSummary;
}

/**
 * A "reap run finished" line whose summary is not a run summary (runSummaryProblem), or that is cut off: reported as
 * not understood, where it is and why, and never shown as a run's result.
 */
export interface NotUnderstoodRunLine {
  logStreamName: string;
  /** The event's time, ISO. */
  loggedAt: string;
  timestampMs: number;
  level: string;
  /** What is wrong with it. */
  problem: string;
  /** The log line's start, clipped and escaped. */
  line: string;
}

/** One page of run-finished lines: the runs, and the lines that said they were one but are not understood. */
export interface FinishedRunPage {
  runs: FinishedRun[];
  notUnderstood: NotUnderstoodRunLine[];
}

/** What one FilterLogEvents read asks for: a log group, a filter pattern and a window (epoch ms). */
export interface LogEventQuery {
  logGroupName: string;
  filterPattern: string;
  startTime: number;
  endTime: number;
}

/**
 * The events FilterLogEvents finds, a page at a time, to the service's contract: a page may hold no events and still
 * carry a nextToken (keep paging until there is none), and events come sorted within a page only (callers sort).
 * At most `maxPages` pages, so a misbehaving endpoint cannot keep a command paging forever: `more` on the last page
 * read says whether the service had more.
 */
export async function* logEventPages(
  logs: CloudWatchLogsClient,
  query: LogEventQuery,
  maxPages: number,
): AsyncIterable<{ events: FilteredLogEvent[]; more: boolean }> {
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const answer = await logs.send(new FilterLogEventsCommand({ ...query, ...(nextToken ? { nextToken } : {}) }));
    nextToken = answer.nextToken;
    yield { events: answer.events ?? [], more: Boolean(nextToken) };
    if (!nextToken) return;
  }
}

/**
 * Every run-finished line between two times, a page at a time (logEventPages), each event once by its eventId. Lines
 * the filter let through that are not a run's last line (the phrase inside another message, a line that is not JSON)
 * are skipped; a run's last line whose summary is not understood is handed on as such.
 */
export async function* finishedRunPages(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  startTime: number,
  endTime: number,
): AsyncIterable<FinishedRunPage> {
  const seen = new Set<string>();
  let more = false;
  const query = { logGroupName, filterPattern: `"${RUN_FINISHED_MESSAGE}"`, startTime, endTime };
  for await (const page of logEventPages(logs, query, MAX_PAGES)) {
    more = page.more;
    const found: FinishedRunPage = { runs: [], notUnderstood: [] };
    for (const event of page.events) {
      if (event.eventId !== undefined) {
        if (seen.has(event.eventId)) continue;
        seen.add(event.eventId);
      }
      const line = runFinishedLine(event.message);
      if (!line) continue;
      const timestampMs = event.timestamp ?? 0;
      const where = {
        logStreamName: event.logStreamName ?? '',
        loggedAt: new Date(timestampMs).toISOString(),
        timestampMs,
        level: String(line.fields.level ?? ''),
      };
      const problem = line.problem ?? runSummaryProblem(line.fields.summary);
      if (problem) found.notUnderstood.push({ ...where, problem, line: clippedForReport(event.message ?? '') });
      else found.runs.push({ ...where, summary: line.fields.summary as RunSummary });
    }
    yield found;
  }
  if (more) throw new Error(`still paging after ${MAX_PAGES} pages; narrow --since`);
}

/** How a run's last line starts its message field, as the reaper's JSON logger writes it. */
const RUN_FINISHED_FIELD = `"message":"${RUN_FINISHED_MESSAGE}"`;

/**
 * The JSON log line of a finished run (its fields; whether its summary is one is the caller's check), or undefined for
 * any other line the filter let through (the phrase inside another message, a line that is not JSON). A line that
 * holds the run-finished message field but is not JSON (cut off: CloudWatch Logs truncates long events) comes back
 * with a problem. Lambda's text format may put a prefix before the JSON.
 */
export function runFinishedLine(message: string | undefined): { fields: Record<string, unknown>; problem?: string } | undefined {
  const start = message?.indexOf('{') ?? -1;
  if (!message || start < 0) return undefined;
  try {
    const fields = JSON.parse(message.slice(start)) as Record<string, unknown>;
    return fields.message === RUN_FINISHED_MESSAGE ? { fields } : undefined;
  } catch {
    return message.includes(RUN_FINISHED_FIELD) ? { fields: {}, problem: `not JSON (${message.length} characters; cut off?)` } : undefined;
  }
}

const DURATION_UNITS_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30m", "6h", "7d" in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,4})([mhd])$/.exec(text.trim());
  const amount = match ? Number(match[1]) : 0;
  if (!match || amount < 1) throw new UsageError(`--since: expected a duration such as 30m, 6h or 7d, got ${JSON.stringify(text)}`);
  return amount * DURATION_UNITS_MS[match[2]!]!;
}

/** A window back from now: `--since` as given (else `fallback`), in epoch ms. A bad duration is a usage error. */
export function sinceWindow(flag: unknown, fallback: string): { since: string; startTime: number; endTime: number } {
  const since = (flag as string | undefined) ?? fallback;
  const sinceMs = parseDuration(since);
  const endTime = Date.now();
  return { since, startTime: endTime - sinceMs, endTime };
}

/** How far back last-run and runs look by default. */
export const RUNS_DEFAULT_SINCE = '24h';

/** The flags of the commands that read the function's runs from its log group (last-run, runs). */
export const RUN_LOG_FLAGS = {
  since: { type: 'string' },
  json: { type: 'boolean' },
  check: { type: 'boolean' },
  'log-group': { type: 'string' },
  ...STACK_OUTPUTS_FLAGS,
} as const;

/** The help text last-run and runs share: the log group's options, and what reading it needs. */
export const RUN_LOG_HELP = {
  options: `  --log-group NAME   the log group (default: ${'$'}${STACK_OUTPUTS.logGroupName.env}, else the ${STACK_OUTPUTS.logGroupName.output} output in ${DEFAULT_OUTPUTS_FILE})
  --outputs-file FILE  where to read stack outputs (default ${DEFAULT_OUTPUTS_FILE})
  --stack-name NAME    the stack in that file, when it holds several`,
  needs: `Needs logs:FilterLogEvents on the log group. Uses the usual AWS settings (AWS_PROFILE, AWS_REGION, …;
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS for a local endpoint). It says its target on stderr first.`,
};

/** A log group a command reads: its client, its name, and the message of a failed read (the group and the likely cause). */
export interface LogGroupTarget {
  logs: CloudWatchLogsClient;
  logGroupName: string;
  /** Reads the group; a failure names the group and the likely cause (a TargetFailedError, exit 1). */
  read<T>(step: () => Promise<T>): Promise<T>;
}

/** Finds a command's log group the ops way (flag, variable, stack output) and says it on stderr before anything is read. */
export async function logGroupTarget(
  command: string,
  name: StackOutputName,
  values: Readonly<Record<string, unknown>>,
  io: OpsIo,
): Promise<LogGroupTarget> {
  const { value: logGroupName, source, sources } = resolveNamed(name, values, io);
  const logs = logsClient(io);
  const target = await describeTarget(`log group ${logGroupName}`, source, logs, 'CLOUDWATCH_LOGS', io, sources);
  io.stderr(targetLine(command, target));
  return {
    logs,
    logGroupName,
    read: (step) => stepOn(target, `reading log group ${logGroupName}`, step),
  };
}

/**
 * What last-run and runs share: the window (--since), the function's log group (said on stderr first), and every
 * finished run in it, handed to `take` a page at a time with the run-finished lines that are not understood.
 */
export async function readFinishedRuns(
  command: string,
  values: Readonly<Record<string, unknown>>,
  io: OpsIo,
  take: (page: FinishedRunPage) => void,
): Promise<{ since: string; endTime: number; logGroupName: string }> {
  const { since, startTime, endTime } = sinceWindow(values.since, RUNS_DEFAULT_SINCE);
  const { logs, logGroupName, read } = await logGroupTarget(command, STACK_OUTPUTS.logGroupName, values, io);
  await read(async () => {
    for await (const page of finishedRunPages(logs, logGroupName, startTime, endTime)) take(page);
  });
  return { since, endTime, logGroupName };
}

/** "not understood: <what> (log group G, stream S, logged at T) is not a run summary: <why>"; --json has the line's start. */
export function notUnderstoodReport(what: string, logGroupName: string, line: NotUnderstoodRunLine): string {
  return notUnderstoodLine(what, { logGroupName, ...line }, 'a run summary');
}
