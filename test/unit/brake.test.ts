import { describe, expect, it } from 'vitest';
import { type BrakeSettings, heldByEngagedBrake, isNewlyStale, newlyStaleShare, tripsBrake } from '#reaper/core/brake';

const SETTINGS: BrakeSettings = { windowSeconds: 900, minLocks: 25, share: 0.5 };
const NOW = Date.parse('2026-11-27T12:00:00Z');
const MINUTE = 60_000;

describe('the brake on mass expiry', () => {
  it('calls a lock newly stale when its expiry plus the grace falls inside the window', () => {
    expect(isNewlyStale(NOW - 5 * MINUTE, 60_000, NOW, SETTINGS)).toBe(true);
    expect(isNewlyStale(NOW - 15 * MINUTE, 60_000, NOW, SETTINGS)).toBe(true); // stale since 14 minutes
    expect(isNewlyStale(NOW - 17 * MINUTE, 60_000, NOW, SETTINGS)).toBe(false);
    expect(isNewlyStale(NOW - 3 * 24 * 60 * MINUTE, 60_000, NOW, SETTINGS)).toBe(false);
  });

  it('trips on enough newly stale locks that are a large enough share; never when minLocks is 0', () => {
    expect(tripsBrake({ newlyStale: 60, live: 0 }, SETTINGS)).toBe(true);
    expect(tripsBrake({ newlyStale: 25, live: 25 }, SETTINGS)).toBe(true);
    expect(tripsBrake({ newlyStale: 24, live: 0 }, SETTINGS)).toBe(false);
    expect(tripsBrake({ newlyStale: 30, live: 31 }, SETTINGS)).toBe(false);
    expect(tripsBrake({ newlyStale: 3, live: 100 }, SETTINGS)).toBe(false);
    expect(tripsBrake({ newlyStale: 1000, live: 0 }, { ...SETTINGS, minLocks: 0 })).toBe(false);
    expect(newlyStaleShare({ newlyStale: 1, live: 2 })).toBe(0.333);
    expect(newlyStaleShare({ newlyStale: 0, live: 0 })).toBe(0);
  });

  it('while engaged, holds every lock that went stale after (trip time − window), however old it gets', () => {
    const state = { trippedAtMs: NOW - 60 * MINUTE, runId: 'r', newlyStale: 60, live: 0 };
    expect(heldByEngagedBrake(NOW - 70 * MINUTE, 60_000, state, SETTINGS)).toBe(true);
    expect(heldByEngagedBrake(NOW - 2 * MINUTE, 60_000, state, SETTINGS)).toBe(true);
    expect(heldByEngagedBrake(NOW - 80 * MINUTE, 60_000, state, SETTINGS)).toBe(false);
  });
});
