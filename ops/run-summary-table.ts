import type { RunSummary } from '../functions/reaper/core/summary';
import { formatTable } from './text-table';

/** A run summary as a person reads it: the counts, then the lists (what would be unlocked, failures, invalid rows, warnings). */
export function renderRunSummary(s: RunSummary, heading: readonly [string, string][] = []): string {
  const rows: [string, string][] = [
    ...heading,
    ['run id', s.runId],
    ['dry run', String(s.dryRun)],
    ['grace', `${s.graceSeconds} s`],
    ['started', s.startedAt],
    ['duration', `${s.durationMs} ms`],
    ['examined', String(s.examined)],
    ['stale', String(s.stale)],
    [s.dryRun ? 'would unlock' : 'unlocked', String(s.dryRun ? s.wouldUnlock.length + s.omitted.wouldUnlock : s.unlocked)],
    ['failed', String(s.failed)],
    ...Object.entries(s.skipped).map(([reason, count]): [string, string] => [`skipped: ${reason}`, String(count)]),
    ['cut short', s.cutShort ? `yes (${s.stopReason}: ${s.stopDetail ?? ''})` : 'no'],
  ];
  const parts = [formatTable(['', ''], rows, 100).split('\n').slice(2).join('\n')];
  if (s.wouldUnlock.length > 0) {
    const more = s.omitted.wouldUnlock > 0 ? ` …and ${s.omitted.wouldUnlock} more` : '';
    parts.push(`\nwould unlock: ${s.wouldUnlock.join(', ')}${more}`);
  }
  if (s.failures.length > 0) {
    parts.push(`\n${formatTable(['failed asset', 'kind', 'error'], s.failures.map((f) => [f.assetId, `${f.kind}${f.httpStatus ? ` ${f.httpStatus}` : ''}`, f.error]), 100)}`);
  }
  if (s.invalidRows.length > 0) parts.push(`\n${formatTable(['invalid row', 'problem'], s.invalidRows.map((r) => [r.assetId, r.problem]), 100)}`);
  if (s.warnings.length > 0) parts.push(`\n${formatTable(['warning', 'message'], s.warnings.map((w) => [w.assetId ?? '-', `${w.kind}: ${w.message}`]), 100)}`);
  return parts.join('\n');
}
