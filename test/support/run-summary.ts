import type { RunSummary } from '../../functions/reaper/core/summary';

/** A complete, quiet run summary for tests of what renders one; override what the test is about. */
export function aRunSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 'run-1',
    dryRun: false,
    graceSeconds: 60,
    verifyAtSource: true,
    startedAt: '2026-11-27T10:00:00.000Z',
    finishedAt: '2026-11-27T10:00:01.000Z',
    durationMs: 1000,
    examined: 0,
    stale: 0,
    unlocked: 0,
    failed: 0,
    skipped: { live: 0, notLocked: 0, invalid: 0, renewed: 0, renewedAtSource: 0, claimedByOtherRun: 0, notTracked: 0, runStopped: 0, heldByBrake: 0 },
    wouldUnlock: [],
    failures: [],
    invalidRows: [],
    warnings: [],
    possibleLiveLockUnlocks: 0,
    brake: {
      applies: true,
      engaged: false,
      wouldTrip: false,
      trippedNow: false,
      released: false,
      overridden: false,
      newlyStale: 0,
      live: 0,
      share: 0,
      held: 0,
      windowSeconds: 900,
      minLocks: 25,
      minShare: 0.5,
    },
    omitted: { wouldUnlock: 0, failures: 0, invalidRows: 0, warnings: 0 },
    cutShort: false,
    stopReason: null,
    ...overrides,
  };
}
