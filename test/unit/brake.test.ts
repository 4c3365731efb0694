import { describe, expect, it } from 'vitest';
import { engagedTotals } from '#ops/tracked-rows';
import {
  type BrakeCounts,
  type BrakeSettings,
  decideBrake,
  engagementOf,
  heldByEngagedBrake,
  isNewlyStale,
  judgeProjects,
  newlyStaleShare,
  newlyStaleSince,
  releasedByOverride,
  tripsBrake,
} from '#reaper/core/brake';

const SETTINGS: BrakeSettings = { windowSeconds: 900, minLocks: 25, share: 0.5 };
const NOW = Date.parse('2026-11-27T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('the brake on mass expiry', () => {
  it('calls a lock newly stale when its expiry plus the grace falls inside the window (no mark yet)', () => {
    expect(isNewlyStale(NOW - 5 * MINUTE, 60_000, NOW, SETTINGS)).toBe(true);
    expect(isNewlyStale(NOW - 15 * MINUTE, 60_000, NOW, SETTINGS)).toBe(true); // stale since 14 minutes
    expect(isNewlyStale(NOW - 17 * MINUTE, 60_000, NOW, SETTINGS)).toBe(false);
    expect(isNewlyStale(NOW - 3 * 24 * 60 * MINUTE, 60_000, NOW, SETTINGS)).toBe(false);
  });

  it('reaches back to the mark (the last complete run) when it is earlier than the window, never past 24 h', () => {
    // A daily schedule: the last complete run looked 23 h ago; everything that went stale since is newly stale.
    expect(newlyStaleSince(NOW - 23 * HOUR, NOW, SETTINGS)).toBe(NOW - 23 * HOUR);
    expect(isNewlyStale(NOW - 20 * HOUR, 60_000, NOW, SETTINGS, NOW - 23 * HOUR)).toBe(true);
    expect(isNewlyStale(NOW - 23 * HOUR - 2 * MINUTE, 60_000, NOW, SETTINGS, NOW - 23 * HOUR)).toBe(false);
    // A mark more recent than the window: the window still applies (the earlier of the two).
    expect(newlyStaleSince(NOW - MINUTE, NOW, SETTINGS)).toBe(NOW - 15 * MINUTE);
    // A week-long pause: only the last 24 h count.
    expect(newlyStaleSince(NOW - 7 * 24 * HOUR, NOW, SETTINGS)).toBe(NOW - 24 * HOUR);
    expect(isNewlyStale(NOW - 25 * HOUR, 60_000, NOW, SETTINGS, NOW - 7 * 24 * HOUR)).toBe(false);
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

  it('holds every lock that went stale after the engagement boundary, however old it gets', () => {
    const engagement = { heldSinceMs: NOW - 75 * MINUTE };
    expect(heldByEngagedBrake(NOW - 70 * MINUTE, 60_000, engagement)).toBe(true);
    expect(heldByEngagedBrake(NOW - 2 * MINUTE, 60_000, engagement)).toBe(true);
    expect(heldByEngagedBrake(NOW - 80 * MINUTE, 60_000, engagement)).toBe(false);
  });
});

describe('judging each project, the small ones pooled', () => {
  const judge = (counts: Record<string, BrakeCounts>, settings = SETTINGS) =>
    Object.fromEntries([...judgeProjects(new Map(Object.entries(counts)), settings)].map(([p, j]) => [p, j]));

  it("judges a big project alone: its outage trips however many live locks the others hold; theirs don't", () => {
    expect(
      judge({
        proj_A: { newlyStale: 60, live: 0 },
        proj_B: { newlyStale: 2, live: 500 },
        proj_C: { newlyStale: 0, live: 300 },
      }),
    ).toEqual({
      proj_A: { judged: 'alone', trips: true },
      proj_B: { judged: 'pool', trips: false },
      proj_C: { judged: 'pool', trips: false },
    });
    // The same counts judged globally (today's rule) would not trip: 62 of 862.
    expect(tripsBrake({ newlyStale: 62, live: 800 }, SETTINGS)).toBe(false);
  });

  it('pools the projects under BRAKE_MIN_LOCKS: a spread outage trips the pool and covers those with newly stale locks', () => {
    const spread = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`small_${i}`, { newlyStale: 4, live: 1 }]));
    const judged = judge({ ...spread, idle: { newlyStale: 0, live: 2 }, busy: { newlyStale: 30, live: 100 } });
    for (let i = 0; i < 10; i += 1) expect(judged[`small_${i}`]).toEqual({ judged: 'pool', trips: true });
    expect(judged.idle).toEqual({ judged: 'pool', trips: false });
    // A big project with mostly live locks is judged alone and goes on; it is not dragged in by the pool's outage.
    expect(judged.busy).toEqual({ judged: 'alone', trips: false });
  });

  it('BRAKE_MIN_LOCKS=0 turns it off for every project', () => {
    const judged = judge({ a: { newlyStale: 500, live: 0 }, b: { newlyStale: 3, live: 0 } }, { ...SETTINGS, minLocks: 0 });
    expect(Object.values(judged).every((j) => !j.trips)).toBe(true);
  });
});

describe('the state a project is held by', () => {
  const engaged = { trippedAtMs: NOW, runId: 'run-1', heldSinceMs: NOW - 20 * MINUTE, newlyStale: 40, live: 1 };

  it("is the project's own engagement; a released or absent one holds nothing", () => {
    const row = { projects: { proj_A: { engaged, markMs: NOW }, proj_B: { markMs: NOW } } };
    expect(engagementOf(row, 'proj_A', SETTINGS)).toEqual(engaged);
    expect(engagementOf(row, 'proj_B', SETTINGS)).toBeUndefined();
    expect(engagementOf(row, 'proj_C', SETTINGS)).toBeUndefined();
  });

  it('a legacy engaged row (no per-project entries) holds every project, until that project is released', () => {
    const legacy = { trippedAtMs: NOW - HOUR, runId: 'run-old', newlyStale: 60, live: 0 };
    const row = { legacy, projects: { proj_R: { released: { releasedAtMs: NOW, runId: 'run-2' } }, proj_M: { markMs: NOW } } };
    for (const project of ['default', 'proj_M', 'anything']) {
      expect(engagementOf(row, project, SETTINGS)).toEqual({ ...legacy, heldSinceMs: NOW - HOUR - 15 * MINUTE });
    }
    expect(engagementOf(row, 'proj_R', SETTINGS)).toBeUndefined();
    expect(engagedTotals(row)).toEqual({ trippedAtMs: NOW - HOUR, runId: 'run-old', newlyStale: 60, live: 0 });
  });

  it('totals what is engaged for ops status: the earliest trip, counts summed; nothing when nothing is', () => {
    const later = { ...engaged, trippedAtMs: NOW + MINUTE, runId: 'run-2', newlyStale: 5, live: 2 };
    expect(engagedTotals({ projects: { a: { engaged: later }, b: { engaged }, c: { markMs: NOW } } })).toEqual({
      trippedAtMs: NOW,
      runId: 'run-1',
      newlyStale: 45,
      live: 3,
    });
    expect(engagedTotals({ projects: { c: { markMs: NOW } } })).toBeUndefined();
  });
});

describe('what a run decides, and what an override releases', () => {
  const engaged = { trippedAtMs: NOW, runId: 'run-1', heldSinceMs: NOW - 20 * MINUTE, newlyStale: 40, live: 1 };
  const legacy = { trippedAtMs: NOW - HOUR, runId: 'run-old', newlyStale: 60, live: 0 };
  const row = {
    legacy,
    projects: { proj_A: { engaged }, proj_M: { markMs: NOW }, proj_R: { released: { releasedAtMs: NOW, runId: 'r' } } },
  };
  const counts = new Map(
    Object.entries({ proj_A: { newlyStale: 0, live: 0 }, proj_N: { newlyStale: 30, live: 0 }, proj_R: { newlyStale: 30, live: 0 } }),
  );

  it('holds the engaged projects the run covers, trips only the others, and never anything when overriding', () => {
    const whole = decideBrake({ counts, row, settings: SETTINGS, override: false });
    // proj_N is held by the legacy engagement already (it has no entry of its own); proj_R was released and trips anew.
    expect([...whole.engaged.keys()].sort()).toEqual(['proj_A', 'proj_M', 'proj_N']);
    expect(whole.trips).toEqual(['proj_R']);
    expect(whole.legacyEngaged).toBe(true);
    const scoped = decideBrake({ counts, row, settings: SETTINGS, override: false, projectIds: ['proj_R', 'proj_N'] });
    expect([...scoped.engaged.keys()]).toEqual(['proj_N']);
    expect(scoped.legacyEngaged).toBe(false);
    expect(decideBrake({ counts, row, settings: SETTINGS, override: true })).toMatchObject({ trips: [], legacyEngaged: false });
  });

  it('an override releases the named projects, or every own engagement (a legacy one is released as such)', () => {
    expect([...releasedByOverride(row, SETTINGS, ['proj_M', 'proj_R']).keys()]).toEqual(['proj_M']);
    expect([...releasedByOverride(row, SETTINGS).keys()]).toEqual(['proj_A']);
  });
});
