import type { RunSummary } from '#reaper/core/summary';
import { listWithMore } from './kit/run-summary-table';

/**
 * "\n\nunlocked: asset_a, asset_b, …and 40 more": the canvases a run unlocked, after its summary table, for a person to
 * check. Empty when it unlocked none, or when the summary predates the `unlockedAssetIds` field (an old log line).
 */
export function unlockedLine(summary: RunSummary): string {
  const ids = Array.isArray(summary.unlockedAssetIds) ? summary.unlockedAssetIds : [];
  if (ids.length === 0) return '';
  return `\n\nunlocked: ${listWithMore(ids, ids.length + (summary.omitted?.unlockedAssetIds ?? 0))}`;
}
