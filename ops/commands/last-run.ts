import type { OpsCommand } from '../io';
import { EXIT, exitCodeFor } from '../kit/exit-codes';
import { renderRunSummary, unlockedLine } from '../kit/run-summary-table';
import { relativeTime } from '../kit/text-table';
import {
  type FinishedRun,
  type NotUnderstoodRunLine,
  notUnderstoodReport,
  RUN_FINISHED_MESSAGE,
  RUN_LOG_FLAGS,
  RUN_LOG_HELP,
  RUNS_DEFAULT_SINCE,
  readFinishedRuns,
} from '../run-log';

export const LAST_RUN_USAGE = `Usage: npm run ops -- last-run [--since DURATION] [--json] [--check] [--log-group NAME]

Shows the summary of the last run that finished: the newest "${RUN_FINISHED_MESSAGE}" line in the function's log
group (CloudWatch Logs FilterLogEvents), scheduled or invoked by hand. A run that failed (refused credentials,
unreadable table) logs that line too; one that crashed or timed out before it does not: then see the log group's
ERROR lines and \`npm run ops -- dead-letters\`. When that newest line is not a run summary it can read (a field
missing or of the wrong type, or cut off), it prints no run: it says where the line is and what it did not
understand, and exits 1.

Every run in a window, one line each: npm run ops -- runs --since 24h.

Options:
  --since DURATION   how far back to look: 30m, 6h, 7d (default ${RUNS_DEFAULT_SINCE})
  --check            exit 1 when the run needs a look (a failure, an invalid row, an early stop, a possible
                     live-lock unlock) or no run finished in that time
  --json             print {logGroupName, logStreamName, loggedAt, level, summary} as JSON
${RUN_LOG_HELP.options}

${RUN_LOG_HELP.needs}
Exit codes: 0 it ran (whatever the run found); 1 the log could not be read, the newest run-finished line is not
understood, or --check and the run needs a look or none finished; 2 usage or configuration error.`;

/** What --json prints: the newest finished run and where it was read. */
export type LastRun = { logGroupName: string } & Pick<FinishedRun, 'logStreamName' | 'loggedAt' | 'level' | 'summary'>;

export const lastRunCommand: OpsCommand = {
  usage: LAST_RUN_USAGE,
  flags: RUN_LOG_FLAGS,
  run: async (values, _, io) => {
    // The newest run-finished line (pages come in no promised order across pages), understood or not: a newer line
    // that is not understood hides no older run behind it. At the same time, the one not understood wins (fail closed).
    const newest: { run?: FinishedRun; notUnderstood?: NotUnderstoodRunLine } = {};
    let notUnderstoodLines = 0;
    const newestMs = () => Math.max(newest.run?.timestampMs ?? -1, newest.notUnderstood?.timestampMs ?? -1);
    const { since, endTime, logGroupName } = await readFinishedRuns('last-run', values, io, (page) => {
      for (const line of page.notUnderstood) {
        notUnderstoodLines += 1;
        if (line.timestampMs >= newestMs()) Object.assign(newest, { run: undefined, notUnderstood: line });
      }
      for (const run of page.runs) {
        if (run.timestampMs > newestMs() || (run.timestampMs === newestMs() && !newest.notUnderstood))
          Object.assign(newest, { run, notUnderstood: undefined });
      }
    });
    if (newest.notUnderstood) {
      io.stderr(`ops last-run: ${notUnderstoodReport(`the newest "${RUN_FINISHED_MESSAGE}" line`, logGroupName, newest.notUnderstood)}\n`);
      return EXIT.failed;
    }
    const found: LastRun | undefined = newest.run && {
      logGroupName,
      logStreamName: newest.run.logStreamName,
      loggedAt: newest.run.loggedAt,
      level: newest.run.level,
      summary: newest.run.summary,
    };
    if (!found) {
      io.stderr(
        `ops last-run: no "${RUN_FINISHED_MESSAGE}" line in ${logGroupName} in the last ${since} (look further back with --since 7d)\n`,
      );
      return values.check ? EXIT.failed : EXIT.ok;
    }
    if (notUnderstoodLines > 0) {
      // Not the last run's, so not this command's answer; ops runs reports each (and exits 1).
      const [lines, them] =
        notUnderstoodLines === 1
          ? [`1 older "${RUN_FINISHED_MESSAGE}" line in the window is`, 'it']
          : [`${notUnderstoodLines} older "${RUN_FINISHED_MESSAGE}" lines in the window are`, 'them'];
      io.stderr(`ops last-run: ${lines} not understood (npm run ops -- runs lists ${them})\n`);
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(found, null, 2)}\n`);
    } else {
      const ageSeconds = (Date.parse(found.loggedAt) - endTime) / 1000;
      io.stdout(
        `${renderRunSummary(found.summary, [
          ['finished', `${found.loggedAt} (${relativeTime(ageSeconds)})`],
          ['log', `${found.level} in ${logGroupName} ${found.logStreamName}`],
        ])}${unlockedLine(found.summary)}\n`,
      );
    }
    // It ran: the run's failures, invalid rows and early stop are findings, an exit 1 only when asked (--check).
    return values.check ? exitCodeFor(found.summary) : EXIT.ok;
  },
};
