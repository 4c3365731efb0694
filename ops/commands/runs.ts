import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import type { RunWarning } from '#reaper/core/summary';
import type { OpsCommand } from '../io';
import { EXIT, exitCodeFor } from '../kit/exit-codes';
import { terminalSafe } from '../kit/terminal-text';
import { clipText } from '../kit/text-table';
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

/** Canvases named per doubt on a run's line; --json has every warning the summary kept. */
const IDS_PER_DOUBT = 3;

export const RUNS_USAGE = `Usage: npm run ops -- runs [--since DURATION] [--with-warnings] [--failed] [--json] [--check] [--log-group NAME]

Lists every run that finished in the window, oldest first, one line each: when it finished, its run id, its
counts (zero counts left out), why it stopped early, and the doubts it raised (possible live-lock unlocks with
the canvases, a brake state not saved, invalid rows, the brake holding locks). Read from the "${RUN_FINISHED_MESSAGE}"
lines of the function's log group (CloudWatch Logs FilterLogEvents), scheduled runs and manual invokes alike. A run
that crashed or timed out before its last line is not listed: see the log group's ERROR lines and
\`npm run ops -- dead-letters\`. A run-finished line it cannot read as a run summary (a field missing or of the
wrong type, or cut off) is listed as no run: stderr says where it is and what it did not understand, and the
command exits 1. The newest run in full: npm run ops -- last-run.

Options:
  --since DURATION   how far back: 30m, 6h, 7d (default ${RUNS_DEFAULT_SINCE})
  --with-warnings    only runs that raised warnings (possible live-lock unlocks, a brake state not saved)
  --failed           only runs in which a canvas failed, or that stopped early (cut short)
                     (given both, runs that match either)
  --json             one JSON object: {logGroupName, since, runs: [{loggedAt, runId, counts…, stopReason, warnings…}],
                     notUnderstood: [{loggedAt, logStreamName, level, problem, line}]}
  --check            exit 1 when a run in the window needs a look (a failure, an invalid row, an early stop, a
                     possible live-lock unlock) or no run finished in it
${RUN_LOG_HELP.options}
On a terminal, each line is clipped to its width ("…"); --json has everything.

${RUN_LOG_HELP.needs}
Exit codes: 0 it ran (whatever the runs found); 1 the log could not be read, a run-finished line is not understood,
or --check and a run needs a look or none finished; 2 usage or configuration error.`;

/** One run as --json shows it: the summary's counts and what deserves a look, not its per-canvas lists. */
export interface RunLine {
  loggedAt: string;
  logStreamName: string;
  level: string;
  runId: string;
  dryRun: boolean;
  examined: number;
  stale: number;
  unlocked: number;
  wouldUnlock: number;
  failed: number;
  invalid: number;
  heldByBrake: number;
  cutShort: boolean;
  stopReason: string | null;
  stopDetail?: string;
  possibleLiveLockUnlocks: number;
  warnings: RunWarning[];
  unlockedAssetIds: string[];
  /** Exit 1 for this run (ops invoke's rule): a failure, an invalid row, an early stop, a possible live-lock unlock. */
  needsALook: boolean;
}

export const runsCommand: OpsCommand = {
  usage: RUNS_USAGE,
  flags: { ...RUN_LOG_FLAGS, 'with-warnings': { type: 'boolean' }, failed: { type: 'boolean' } },
  run: async (values, _, io) => {
    const runs: RunLine[] = [];
    const notUnderstood: NotUnderstoodRunLine[] = [];
    const { since, endTime, logGroupName } = await readFinishedRuns('runs', values, io, (page) => {
      runs.push(...page.runs.map(runLineOf));
      notUnderstood.push(...page.notUnderstood);
    });
    runs.sort((a, b) => Date.parse(a.loggedAt) - Date.parse(b.loggedAt) || (a.runId < b.runId ? -1 : 1));
    notUnderstood.sort((a, b) => a.timestampMs - b.timestampMs);

    const onlyFailed = values.failed === true;
    const onlyWarned = values['with-warnings'] === true;
    const shown = onlyFailed || onlyWarned ? runs.filter((r) => (onlyFailed && failedOrCut(r)) || (onlyWarned && warned(r))) : runs;

    // Whatever the filters, every line not understood is said: it may be a run that needs a look.
    for (const line of notUnderstood.slice(0, NOT_UNDERSTOOD_SHOWN))
      io.stderr(`ops runs: ${notUnderstoodReport(`a "${RUN_FINISHED_MESSAGE}" line`, logGroupName, line)}\n`);
    if (notUnderstood.length > NOT_UNDERSTOOD_SHOWN)
      io.stderr(`ops runs: …and ${notUnderstood.length - NOT_UNDERSTOOD_SHOWN} more lines not understood (--json lists every one)\n`);

    if (values.json) {
      const report = {
        logGroupName,
        since,
        generatedAt: new Date(endTime).toISOString(),
        runs: shown,
        notUnderstood: notUnderstood.map(jsonOf),
      };
      io.stdout(`${jsonForTerminal(report, 2)}\n`);
    } else {
      const columns = io.stdoutIsTerminal ? io.terminalColumns : undefined;
      const oneLine = (text: string) => (columns === undefined ? terminalSafe(text) : clipText(terminalSafe(text), columns));
      const lines = shown.map((run) => oneLine(humanLine(run)));
      lines.push(oneLine(totalsLine(runs, shown, since, notUnderstood.length)));
      io.stdout(`${lines.join('\n')}\n`);
    }
    // A line it did not understand is a run it could not read: exit 1 as when the log cannot be read, --check or not.
    if (notUnderstood.length > 0) return EXIT.failed;
    const findings = runs.length === 0 || runs.some((r) => r.needsALook);
    return values.check && findings ? EXIT.failed : EXIT.ok;
  },
};

/** Lines not understood said one by one on stderr; --json lists every one. */
const NOT_UNDERSTOOD_SHOWN = 20;

/** A line not understood as --json shows it: where it is, why, and its start. */
function jsonOf(line: NotUnderstoodRunLine): Omit<NotUnderstoodRunLine, 'timestampMs'> {
  const { timestampMs: _, ...shown } = line;
  return shown;
}

const failedOrCut = (run: RunLine) => run.failed > 0 || run.cutShort;
const warned = (run: RunLine) => run.warnings.length > 0 || run.possibleLiveLockUnlocks > 0;

/** A run's line from its summary (runSummaryProblem found every field this reads, but heldByBrake: older runs lack it). */
function runLineOf(run: FinishedRun): RunLine {
  const s = run.summary;
  return {
    loggedAt: run.loggedAt,
    logStreamName: run.logStreamName,
    level: run.level,
    runId: s.runId,
    dryRun: s.dryRun,
    examined: s.examined,
    stale: s.stale,
    unlocked: s.unlocked,
    wouldUnlock: s.wouldUnlock.length + s.omitted.wouldUnlock,
    failed: s.failed,
    invalid: s.skipped.invalid,
    heldByBrake: s.skipped.heldByBrake ?? 0,
    cutShort: s.cutShort,
    stopReason: s.stopReason,
    ...(s.stopDetail !== undefined ? { stopDetail: s.stopDetail } : {}),
    possibleLiveLockUnlocks: s.possibleLiveLockUnlocks,
    warnings: s.warnings,
    unlockedAssetIds: s.unlockedAssetIds,
    needsALook: exitCodeFor(s) !== EXIT.ok,
  };
}

/** "2026-12-01T10:05:00Z  run-1  40 examined, 3 stale, 3 unlocked  stopped: time-budget  doubts: …". */
function humanLine(run: RunLine): string {
  const counts = nonZero([
    [run.examined, 'examined'],
    [run.stale, 'stale'],
    [run.dryRun ? run.wouldUnlock : 0, 'would unlock'],
    [run.unlocked, 'unlocked'],
    [run.failed, 'failed'],
  ]);
  const parts = [run.loggedAt.replace(/\.\d{3}Z$/, 'Z'), run.runId, counts || 'nothing examined'];
  if (run.dryRun) parts.push('dry run');
  if (run.cutShort) parts.push(`stopped: ${run.stopReason ?? 'cut short'}`);
  const doubts = doubtsOf(run);
  if (doubts.length > 0) parts.push(`doubts: ${doubts.join('; ')}`);
  return parts.join('  ');
}

function doubtsOf(run: RunLine): string[] {
  const doubts: string[] = [];
  if (run.possibleLiveLockUnlocks > 0) {
    const ids = run.warnings.filter((w) => w.kind === 'possible-live-lock-unlock' && w.assetId).map((w) => w.assetId!);
    const named =
      ids.length > 0 ? ` (${ids.slice(0, IDS_PER_DOUBT).join(', ')}${run.possibleLiveLockUnlocks > IDS_PER_DOUBT ? ', …' : ''})` : '';
    doubts.push(`${run.possibleLiveLockUnlocks} possible live-lock unlock${run.possibleLiveLockUnlocks === 1 ? '' : 's'}${named}`);
  }
  const otherKinds = new Map<string, number>();
  for (const warning of run.warnings) {
    if (warning.kind !== 'possible-live-lock-unlock') otherKinds.set(warning.kind, (otherKinds.get(warning.kind) ?? 0) + 1);
  }
  for (const [kind, n] of otherKinds) doubts.push(n === 1 ? kind : `${n}× ${kind}`);
  if (run.invalid > 0) doubts.push(`${run.invalid} invalid row${run.invalid === 1 ? '' : 's'}`);
  if (run.heldByBrake > 0) doubts.push(`${run.heldByBrake} held by the brake`);
  return doubts;
}

function totalsLine(runs: readonly RunLine[], shown: readonly RunLine[], since: string, notUnderstood: number): string {
  const unread =
    notUnderstood === 0
      ? ''
      : `; ${notUnderstood} "${RUN_FINISHED_MESSAGE}" line${notUnderstood === 1 ? '' : 's'} not understood (see stderr)`;
  return `${runsTotal(runs, shown, since)}${unread}`;
}

function runsTotal(runs: readonly RunLine[], shown: readonly RunLine[], since: string): string {
  if (runs.length === 0) return `no run finished in the last ${since} (look further back with --since 7d)`;
  const counts = nonZero([
    [runs.filter(failedOrCut).length, 'failed or cut short'],
    [runs.filter(warned).length, 'with warnings'],
  ]);
  const filtered = shown.length === runs.length ? '' : ` (${shown.length} shown)`;
  return `${runs.length} run${runs.length === 1 ? '' : 's'} in the last ${since}${filtered}${counts ? `: ${counts}` : ''}`;
}

/** Human counts hide the zeros (the JSON keeps them). */
function nonZero(counts: readonly [number, string][]): string {
  return counts
    .filter(([n]) => n > 0)
    .map(([n, label]) => `${n} ${label}`)
    .join(', ');
}
