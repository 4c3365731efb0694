import type { RunSummary } from '#reaper/core/summary';
import { EXIT, exitCodeFor } from '../kit/exit-codes';
import { parseFlags } from '../kit/parse-flags';
import { renderRunSummary } from '../kit/run-summary-table';
import { relativeTime } from '../kit/text-table';
import { logsClient, type OperatorIo } from '../operator-clients';
import { type FinishedRun, finishedRunPages, parseDuration, RUN_FINISHED_MESSAGE } from '../run-log';
import { DEFAULT_OUTPUTS_FILE, STACK_OUTPUTS } from '../stack-outputs';
import { describeTarget, explainFailure, resolveNamed, targetLine } from '../target';
import { unlockedLine } from '../unlocked-canvases';

export { parseDuration, RUN_FINISHED_MESSAGE, runFinishedLine } from '../run-log';

const DEFAULT_SINCE = '24h';

export const LAST_RUN_USAGE = `Usage: npm run ops -- last-run [--since DURATION] [--json] [--check] [--log-group NAME]

Shows the summary of the last run that finished: the newest "${RUN_FINISHED_MESSAGE}" line in the function's log
group (CloudWatch Logs FilterLogEvents), scheduled or invoked by hand. A run that failed (refused credentials,
unreadable table) logs that line too; one that crashed or timed out before it does not: then see the log group's
ERROR lines and \`npm run ops -- dead-letters\`.

Every run in a window, one line each: npm run ops -- runs --since 24h.

Options:
  --since DURATION   how far back to look: 30m, 6h, 7d (default ${DEFAULT_SINCE})
  --check            exit 1 when the run needs a look (a failure, an invalid row, an early stop, a possible
                     live-lock unlock) or no run finished in that time
  --json             print {logGroupName, logStreamName, loggedAt, level, summary} as JSON
  --log-group NAME   the log group (default: ${'$'}${STACK_OUTPUTS.logGroupName.env}, else the ${STACK_OUTPUTS.logGroupName.output} output in ${DEFAULT_OUTPUTS_FILE})
  --outputs-file FILE  where to read stack outputs (default ${DEFAULT_OUTPUTS_FILE})
  --stack-name NAME    the stack in that file, when it holds several

Needs logs:FilterLogEvents on the log group. Uses the usual AWS settings (AWS_PROFILE, AWS_REGION, …;
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS for a local endpoint). It says its target on stderr first.
Exit codes: 0 it ran (whatever the run found); 1 the log could not be read, or --check and the run needs a look or
none finished; 2 usage or configuration error.`;

export interface LastRun {
  logGroupName: string;
  logStreamName: string;
  loggedAt: string;
  level: string;
  summary: RunSummary;
}

export async function lastRunCommand(argv: readonly string[], io: OperatorIo): Promise<number> {
  const { values, help } = parseFlags(
    argv,
    {
      since: { type: 'string' },
      json: { type: 'boolean' },
      'log-group': { type: 'string' },
      'outputs-file': { type: 'string' },
      'stack-name': { type: 'string' },
      check: { type: 'boolean' },
    },
    { min: 0, max: 0 },
  );
  if (help) {
    io.stdout(`${LAST_RUN_USAGE}\n`);
    return EXIT.ok;
  }
  const since = (values.since as string | undefined) ?? DEFAULT_SINCE;
  const sinceMs = parseDuration(since);
  const { value: logGroupName, source, sources } = resolveNamed(STACK_OUTPUTS.logGroupName, values, io);
  const target = await describeTarget(`log group ${logGroupName}`, source, logsClient(io), 'CLOUDWATCH_LOGS', io, sources);
  io.stderr(targetLine('last-run', target));

  const now = Date.now();
  let found: LastRun | undefined;
  try {
    found = await findLastRun(io, logGroupName, now - sinceMs, now);
  } catch (error) {
    io.stderr(`ops last-run: reading log group ${logGroupName} failed: ${explainFailure(error, target)}\n`);
    return EXIT.failed;
  }
  if (!found) {
    io.stderr(
      `ops last-run: no "${RUN_FINISHED_MESSAGE}" line in ${logGroupName} in the last ${since} (look further back with --since 7d)\n`,
    );
    return values.check ? EXIT.failed : EXIT.ok;
  }
  if (values.json) {
    io.stdout(`${JSON.stringify(found, null, 2)}\n`);
  } else {
    const ageSeconds = (Date.parse(found.loggedAt) - now) / 1000;
    io.stdout(
      `${renderRunSummary(found.summary, [
        ['finished', `${found.loggedAt} (${relativeTime(ageSeconds)})`],
        ['log', `${found.level} in ${logGroupName} ${found.logStreamName}`],
      ])}${unlockedLine(found.summary)}\n`,
    );
  }
  // It ran: the run's failures, invalid rows and early stop are findings, an exit 1 only when asked (--check).
  return values.check ? exitCodeFor(found.summary) : EXIT.ok;
}

/** The newest run-finished line between the two times (pages come in no promised order across pages). */
async function findLastRun(io: OperatorIo, logGroupName: string, startTime: number, endTime: number): Promise<LastRun | undefined> {
  let newest: FinishedRun | undefined;
  for await (const runs of finishedRunPages(logsClient(io), logGroupName, startTime, endTime)) {
    for (const run of runs) if (!newest || run.timestampMs >= newest.timestampMs) newest = run;
  }
  if (!newest) return undefined;
  return { logGroupName, logStreamName: newest.logStreamName, loggedAt: newest.loggedAt, level: newest.level, summary: newest.summary };
}
