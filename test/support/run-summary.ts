import { expect } from 'vitest';
import { emptyBrakeReport, type RunSummary, SummaryBuilder } from '#reaper/core/summary';

const STARTED_AT_MS = Date.parse('2026-11-27T10:00:00.000Z');

/**
 * A complete, quiet run summary for tests of what renders one (built by the reaper's own SummaryBuilder, so it has
 * every field a run gives); override what the test is about.
 */
export function aRunSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  const summary = new SummaryBuilder({
    runId: 'run-1',
    dryRun: false,
    graceSeconds: 60,
    verifyAtSource: true,
    startedAtMs: STARTED_AT_MS,
    brake: emptyBrakeReport({ windowSeconds: 900, minLocks: 25, share: 0.5 }, true, false),
  }).finish(STARTED_AT_MS + 1000, undefined);
  return { ...summary, ...overrides };
}

/** The run counted one possible live-lock unlock, and its only warning says so for `assetId`, with `seen` among its fields. */
export function expectOnePossibleLiveLockUnlock(summary: RunSummary, assetId: string, seen: Record<string, unknown>): void {
  expect(summary.possibleLiveLockUnlocks).toBe(1);
  expect(summary.warnings).toEqual([expect.objectContaining({ assetId, kind: 'possible-live-lock-unlock', ...seen })]);
}

/** The function's "reap run finished" log line for `summary`, as Powertools Logger writes it. */
export const runFinishedLine = (summary: RunSummary, level = 'INFO') =>
  JSON.stringify({ level, message: 'reap run finished', service: 'canvas-lock-reaper', summary });
