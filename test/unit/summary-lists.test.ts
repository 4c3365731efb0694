import { describe, expect, it } from 'vitest';
import { emptyBrakeReport, MAX_LISTED_PER_KIND, MAX_PROJECTS_LISTED, SummaryBuilder } from '#reaper/core/summary';

/**
 * The run summary's lists are capped: the canvases it unlocked (its memory stays flat) and its per-project map
 * (project ids are whatever writers put in rows).
 */

const builder = () =>
  new SummaryBuilder({
    runId: 'run-1',
    dryRun: false,
    graceSeconds: 60,
    verifyAtSource: true,
    startedAtMs: 0,
    brake: emptyBrakeReport({ windowSeconds: 900, minLocks: 25, share: 0.5 }, true, false),
  });
const asset = { assetId: 'x', type: 'canvas' } as never;

describe('unlockedAssetIds', () => {
  it('lists each canvas unlocked (also one whose row changed), none other', () => {
    const summary = builder();
    summary.record({ assetId: 'asset_a', status: 'unlocked', lockExpiresAt: 'T', attempts: 1, asset });
    summary.record({ assetId: 'asset_b', status: 'would-unlock', lockExpiresAt: 'T' });
    summary.record({ assetId: 'asset_c', status: 'skipped', reason: 'live' });
    summary.record({
      assetId: 'asset_d',
      status: 'unlocked-row-changed',
      lockExpiresAt: 'T',
      asset,
      doubt: { seenIn: 'table', claimed: { lockExpiresAt: 'T' }, current: null } as never,
    });
    const done = summary.finish(1, undefined);
    expect(done.unlockedAssetIds).toEqual(['asset_a', 'asset_d']);
    expect(done.omitted.unlockedAssetIds).toBe(0);
  });

  it(`keeps at most ${MAX_LISTED_PER_KIND} ids and counts the rest in omitted`, () => {
    const summary = builder();
    for (let i = 0; i < MAX_LISTED_PER_KIND + 7; i += 1)
      summary.record({ assetId: `asset_${i}`, status: 'unlocked', lockExpiresAt: 'T', attempts: 1, asset });
    const done = summary.finish(1, undefined);
    expect(done.unlocked).toBe(MAX_LISTED_PER_KIND + 7);
    expect(done.unlockedAssetIds).toHaveLength(MAX_LISTED_PER_KIND);
    expect(done.omitted.unlockedAssetIds).toBe(7);
  });
});

describe('projects', () => {
  it(`lists the first ${MAX_PROJECTS_LISTED} projects seen, each with its counts; omitted.projects counts the others, each once`, () => {
    const summary = builder();
    const projects = Array.from({ length: MAX_PROJECTS_LISTED + 3 }, (_, index) => `proj_${index}`);
    // Twice over every project, as rows of many projects come in any order.
    for (const project of [...projects, ...projects]) summary.countExamined(project);
    summary.countStale('proj_0');
    summary.countStale(`proj_${MAX_PROJECTS_LISTED}`);
    summary.countExamined(undefined);
    const done = summary.finish(1, undefined);
    expect(Object.keys(done.projects)).toEqual(projects.slice(0, MAX_PROJECTS_LISTED));
    expect(done.projects.proj_0).toEqual({ examined: 2, stale: 1, unlocked: 0, failed: 0, refused: false });
    expect(done.projects[`proj_${MAX_PROJECTS_LISTED - 1}`]).toMatchObject({ examined: 2, stale: 0 });
    // 3 unlisted projects, whatever number of rows (and updates: examined twice, one also stale) each had.
    expect(done.omitted.projects).toBe(3);
    expect(done.examined).toBe(2 * projects.length + 1);
    expect(done.stale).toBe(2);
  });

  it('counts a project past the cap once, whichever update met it first (an unlock, a failure, a refusal)', () => {
    const summary = builder();
    for (let index = 0; index < MAX_PROJECTS_LISTED; index += 1) summary.countExamined(`proj_${index}`);
    const late = 'proj_late';
    summary.countExamined(late);
    summary.countStale(late);
    summary.record({ assetId: 'asset_u', status: 'unlocked', lockExpiresAt: 'T', attempts: 1, asset }, late);
    summary.record({ assetId: 'asset_f', status: 'failed', kind: 'server-error', error: 'HTTP 503' } as never, late);
    summary.countExamined('proj_other');
    const done = summary.finish(1, undefined, [late]);
    expect(Object.hasOwn(done.projects, late)).toBe(false);
    expect(done.omitted.projects).toBe(2);
    expect(done.refusedProjects).toEqual([late]);
  });
});
