import type { RunSummary } from '../core/summary';
import { terminalSafe } from './terminal-text';
import { formatTable } from './text-table';

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

/** The run summary as a short table for a person: counts first, then the canvases that need a look. */
export function renderRunSummary(s: RunSummary, leadingRows: readonly [string, string][] = []): string {
  const rows: [string, string][] = [
    ...leadingRows,
    ['run id', s.runId],
    ['dry run', String(s.dryRun)],
    ['grace', `${s.graceSeconds} s`],
    ['duration', `${s.durationMs} ms`],
    ['examined', String(s.examined)],
    ['stale', String(s.stale)],
    [s.dryRun ? 'would unlock' : 'unlocked', String(s.dryRun ? s.wouldUnlock.length + s.omitted.wouldUnlock : s.unlocked)],
    ['failed', String(s.failed)],
    ['possible live-lock unlocks', String(s.possibleLiveLockUnlocks)],
    ['verified at Scenario', s.verifyAtSource ? 'yes' : 'no (VERIFY_AT_SOURCE=false)'],
    ['brake', brakeText(s.brake)],
    ...Object.entries(s.skipped).map(([reason, count]) => [`skipped: ${reason}`, String(count)] as [string, string]),
    ['cut short', s.cutShort ? `yes (${s.stopReason}: ${s.stopDetail ?? ''})` : 'no'],
  ];
  const parts = [formatTable(['', ''], rows, 100).split('\n').slice(2).join('\n')];
  if (s.wouldUnlock.length > 0) parts.push(`\nwould unlock: ${listWithMore(s.wouldUnlock, s.wouldUnlock.length + s.omitted.wouldUnlock)}`);
  if (s.failures.length > 0) {
    const table = formatTable(
      ['failed asset', 'kind', 'error'],
      s.failures
        .slice(0, ROWS_SHOWN)
        .map((f) => [f.assetId, `${f.kind}${f.httpStatus ? ` ${f.httpStatus}` : ''}${f.step ? ` at ${f.step}` : ''}`, f.error]),
      100,
    );
    parts.push(['', table, ...moreLine(s.failures.length, s.omitted.failures)].join('\n'));
  }
  if (s.invalidRows.length > 0) {
    const table = formatTable(
      ['invalid row', 'problem'],
      s.invalidRows.slice(0, ROWS_SHOWN).map((r) => [r.assetId, r.problem]),
      100,
    );
    parts.push(['', table, ...moreLine(s.invalidRows.length, s.omitted.invalidRows)].join('\n'));
  }
  if (s.warnings.length > 0) {
    const table = formatTable(
      ['warning', 'message'],
      s.warnings.slice(0, ROWS_SHOWN).map((w) => [w.assetId ?? '-', `${w.kind}: ${w.message}`]),
      100,
    );
    parts.push(['', table, ...moreLine(s.warnings.length, s.omitted.warnings)].join('\n'));
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
