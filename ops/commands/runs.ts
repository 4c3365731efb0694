import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import type { RunSummary, RunWarning } from '#reaper/core/summary';
import type { OpsCommand } from '../io';
import { EXIT, exitCodeFor } from '../kit/exit-codes';
import { terminalSafe } from '../kit/terminal-text';
import { clipText } from '../kit/text-table';
import { type FinishedRun, RUN_FINISHED_MESSAGE, RUN_LOG_FLAGS, RUN_LOG_HELP, RUNS_DEFAULT_SINCE, readFinishedRuns } from '../run-log';

/** Canvases named per doubt on a run's line; --json has every warning the summary kept. */
const IDS_PER_DOUBT = 3;

export const RUNS_USAGE = `Usage: npm run ops -- runs [--since DURATION] [--with-warnings] [--failed] [--json] [--check] [--log-group NAME]

Lists every run that finished in the window, oldest first, one line each: when it finished, its run id, its
counts (zero counts left out), why it stopped early, and the doubts it raised (possible live-lock unlocks with
the canvases, a brake state not saved, invalid rows, the brake holding locks). Read from the "${RUN_FINISHED_MESSAGE}"
lines of the function's log group (CloudWatch Logs FilterLogEvents), scheduled runs and manual invokes alike. A run
that crashed or timed out before its last line is not listed: see the log group's ERROR lines and
\`npm run ops -- dead-letters\`. The newest run in full: npm run ops -- last-run.

Options:
  --since DURATION   how far back: 30m, 6h, 7d (default ${RUNS_DEFAULT_SINCE})
  --with-warnings    only runs that raised warnings (possible live-lock unlocks, a brake state not saved)
  --failed           only runs in which a canvas failed, or that stopped early (cut short)
                     (given both, runs that match either)
  --json             one JSON object: {logGroupName, since, runs: [{loggedAt, runId, counts…, stopReason, warnings…}]}
  --check            exit 1 when a run in the window needs a look (a failure, an invalid row, an early stop, a
                     possible live-lock unlock) or no run finished in it
${RUN_LOG_HELP.options}
On a terminal, each line is clipped to its width ("…"); --json has everything.

${RUN_LOG_HELP.needs}
Exit codes: 0 it ran (whatever the runs found); 1 the log could not be read, or --check and a run needs a look or
none finished; 2 usage or configuration error.`;

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
    const { since, endTime, logGroupName } = await readFinishedRuns('runs', values, io, (page) => runs.push(...page.map(runLineOf)));
    runs.sort((a, b) => Date.parse(a.loggedAt) - Date.parse(b.loggedAt) || (a.runId < b.runId ? -1 : 1));

    const onlyFailed = values.failed === true;
    const onlyWarned = values['with-warnings'] === true;
    const shown = onlyFailed || onlyWarned ? runs.filter((r) => (onlyFailed && failedOrCut(r)) || (onlyWarned && warned(r))) : runs;

    if (values.json) {
      io.stdout(`${jsonForTerminal({ logGroupName, since, generatedAt: new Date(endTime).toISOString(), runs: shown }, 2)}\n`);
    } else {
      const columns = io.stdoutIsTerminal ? io.terminalColumns : undefined;
      const oneLine = (text: string) => (columns === undefined ? terminalSafe(text) : clipText(terminalSafe(text), columns));
      const lines = shown.map((run) => oneLine(humanLine(run)));
      lines.push(oneLine(totalsLine(runs, shown, since)));
      io.stdout(`${lines.join('\n')}\n`);
    }
    const findings = runs.length === 0 || runs.some((r) => r.needsALook);
    return values.check && findings ? EXIT.failed : EXIT.ok;
  },
};

const failedOrCut = (run: RunLine) => run.failed > 0 || run.cutShort;
const warned = (run: RunLine) => run.warnings.length > 0 || run.possibleLiveLockUnlocks > 0;

/** A run's line from its summary; a field an older reaper did not log reads as zero or empty. */
function runLineOf(run: FinishedRun): RunLine {
  const s = run.summary as Partial<RunSummary> & { runId: string };
  const list = <T>(value: T[] | undefined): T[] => (Array.isArray(value) ? value : []);
  const count = (value: number | undefined) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const line: RunLine = {
    loggedAt: run.loggedAt,
    logStreamName: run.logStreamName,
    level: run.level,
    runId: s.runId,
    dryRun: s.dryRun === true,
    examined: count(s.examined),
    stale: count(s.stale),
    unlocked: count(s.unlocked),
    wouldUnlock: list(s.wouldUnlock).length + count(s.omitted?.wouldUnlock),
    failed: count(s.failed),
    invalid: count(s.skipped?.invalid),
    heldByBrake: count(s.skipped?.heldByBrake),
    cutShort: s.cutShort === true,
    stopReason: s.stopReason ?? null,
    ...(s.stopDetail !== undefined ? { stopDetail: s.stopDetail } : {}),
    possibleLiveLockUnlocks: count(s.possibleLiveLockUnlocks),
    warnings: list(s.warnings),
    unlockedAssetIds: list(s.unlockedAssetIds),
    needsALook: false,
  };
  line.needsALook =
    exitCodeFor({
      failed: line.failed,
      skipped: { invalid: line.invalid },
      cutShort: line.cutShort,
      possibleLiveLockUnlocks: line.possibleLiveLockUnlocks,
    } as RunSummary) !== EXIT.ok;
  return line;
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

function totalsLine(runs: readonly RunLine[], shown: readonly RunLine[], since: string): string {
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
