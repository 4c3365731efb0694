import type { RunSummary } from '#reaper/core/summary';
import { terminalSafe } from './terminal-text';
import { formatTable, wrapText } from './text-table';

/** A person reads the first few; the rest are in --json and the run's log lines. */
const IDS_SHOWN = 10;
const ROWS_SHOWN = 20;

/** "a, b, c, …and 1690 more": a list that stays one short line however long the run's list is. */
export function listWithMore(items: readonly string[], total: number, shown = IDS_SHOWN): string {
  const listed = items.slice(0, shown).map(terminalSafe);
  const more = total - listed.length;
  return more > 0 ? `${listed.join(', ')}, …and ${more} more` : listed.join(', ');
}

function moreLine(listed: number, omitted: number): string[] {
  const more = Math.max(0, listed - ROWS_SHOWN) + omitted;
  return more > 0 ? [`…and ${more} more`] : [];
}

/** How the summary is laid out: `width` is the terminal's columns (every line fits it); none in a pipe. */
export interface RunSummaryLayout {
  width?: number;
}

/** The skip counters under the words a person reads elsewhere (ops status, the per-canvas lines). */
const SKIP_LABEL: Record<keyof RunSummary['skipped'], string> = {
  live: 'live or in-grace',
  notLocked: 'not-locked',
  invalid: 'invalid',
  renewed: 'renewed',
  renewedAtSource: 'renewed-at-source',
  claimedByOtherRun: 'claimed-by-other-run',
  notTracked: 'not-tracked',
  runStopped: 'run-stopped',
  heldByBrake: 'held-by-brake',
  projectRefused: 'project-refused',
};

/** What the "verified at Scenario" row says: a dry run asks Scenario nothing, whatever VERIFY_AT_SOURCE says. */
export function verifiedAtScenarioText(s: Pick<RunSummary, 'dryRun' | 'verifyAtSource'>): string {
  if (s.dryRun) return 'NOT verified (dry run)';
  return s.verifyAtSource ? 'yes' : 'no (VERIFY_AT_SOURCE=false)';
}

/**
 * The run summary as a short table for a person: counts first, then the canvases that need a look. Counters that are
 * zero are left out (examined, stale and unlocked always show); the JSON summary keeps every field.
 */
export function renderRunSummary(s: RunSummary, leadingRows: readonly [string, string][] = [], layout: RunSummaryLayout = {}): string {
  const counter = (label: string, count: number): [string, string][] => (count === 0 ? [] : [[label, String(count)]]);
  const rows: [string, string][] = [
    ...leadingRows,
    ['run id', s.runId],
    ['dry run', String(s.dryRun)],
    ['grace', `${s.graceSeconds} s`],
    ['duration', `${s.durationMs} ms`],
    ['examined', String(s.examined)],
    ['stale', String(s.stale)],
    [s.dryRun ? 'would unlock' : 'unlocked', String(s.dryRun ? s.wouldUnlock.length + s.omitted.wouldUnlock : s.unlocked)],
    ...counter('failed', s.failed),
    ...counter('possible live-lock unlocks', s.possibleLiveLockUnlocks),
    ['verified at Scenario', verifiedAtScenarioText(s)],
    ['brake', brakeText(s.brake)],
    ...Object.entries(s.skipped).flatMap(([reason, count]) =>
      counter(`skipped: ${SKIP_LABEL[reason as keyof RunSummary['skipped']] ?? reason}`, count),
    ),
    ['cut short', s.cutShort ? `yes (${s.stopReason}: ${s.stopDetail ?? ''})` : 'no'],
  ];
  const width = layout.width;
  // The last column (the value, the error, the message) gives way first: the labels and ids say what a row is.
  const table = (header: readonly string[], body: readonly (readonly string[])[]) =>
    formatTable(header, body, 100, false, width === undefined ? {} : { lineWidth: width, squeezeFirst: [header.length - 1] });
  const parts = [table(['', ''], rows).split('\n').slice(2).join('\n')];
  if (s.wouldUnlock.length > 0) {
    const line = `would unlock: ${listWithMore(s.wouldUnlock, s.wouldUnlock.length + s.omitted.wouldUnlock)}`;
    parts.push(`\n${width === undefined ? line : wrapText(line, width, 2)}`);
  }
  if (s.failures.length > 0) {
    const failed = table(
      ['failed asset', 'kind', 'error'],
      s.failures
        .slice(0, ROWS_SHOWN)
        .map((f) => [f.assetId, `${f.kind}${f.httpStatus ? ` ${f.httpStatus}` : ''}${f.step ? ` at ${f.step}` : ''}`, f.error]),
    );
    parts.push(['', failed, ...moreLine(s.failures.length, s.omitted.failures)].join('\n'));
  }
  if (s.invalidRows.length > 0) {
    const invalid = table(
      ['invalid row', 'problem'],
      s.invalidRows.slice(0, ROWS_SHOWN).map((r) => [r.assetId, r.problem]),
    );
    parts.push(['', invalid, ...moreLine(s.invalidRows.length, s.omitted.invalidRows)].join('\n'));
  }
  if (s.warnings.length > 0) {
    const warnings = table(
      ['warning', 'message'],
      s.warnings.slice(0, ROWS_SHOWN).map((w) => [w.assetId ?? '-', `${w.kind}: ${w.message}`]),
    );
    parts.push(['', warnings, ...moreLine(s.warnings.length, s.omitted.warnings)].join('\n'));
  }
  return parts.join('\n');
}

function brakeText(brake: RunSummary['brake']): string {
  if (!brake.applies) return 'does not apply (named canvases, or BRAKE_MIN_LOCKS=0)';
  const counts = `${brake.newlyStale} newly stale vs ${brake.live} live`;
  const held =
    brake.heldProjects.length === 0
      ? ''
      : ` in ${brake.heldProjects.slice(0, 5).join(', ')}${brake.heldProjects.length > 5 ? ` and ${brake.heldProjects.length - 5} more` : ''}`;
  if (brake.engaged) return `ENGAGED since ${brake.trippedAt ?? '?'} (${counts}; ${brake.held} held${held})`;
  if (brake.wouldTrip) return `would trip${held} (${counts})`;
  return `${brake.released ? 'released by this run; ' : ''}off (${counts})`;
}

/**
 * "\n\nunlocked: asset_a, asset_b, …and 40 more": the canvases a run unlocked, after its summary table, for a person to
 * check. Empty when it unlocked none, or when the summary predates the `unlockedAssetIds` field (an old log line).
 */
export function unlockedLine(summary: RunSummary): string {
  const ids = Array.isArray(summary.unlockedAssetIds) ? summary.unlockedAssetIds : [];
  if (ids.length === 0) return '';
  return `\n\nunlocked: ${listWithMore(ids, ids.length + (summary.omitted?.unlockedAssetIds ?? 0))}`;
}
