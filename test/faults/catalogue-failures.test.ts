import { describe, expect, it } from 'vitest';
import type { ReaperHarness } from '#test-support/reaper-harness';
import { FAULT_CASES, type FaultCase } from './catalogue';
import { expectAsCatalogued } from './catalogue-tests';
import type { Expected } from './expectations';
import { notUnlocked, type RunResult, stoppedAt } from './fault-kit';

/** The assertion error a comparison throws (what the reporter prints: the message, and a diff of actual and expected). */
function failureOf(c: FaultCase, observed: Expected): { message: string; actual: unknown; expected: unknown } | undefined {
  try {
    expectAsCatalogued(c, observed);
    return undefined;
  } catch (error) {
    return error as { message: string; actual: unknown; expected: unknown };
  }
}

const overlapping = FAULT_CASES.find((c) => c.id === 'race-four-overlapping-runs')!;

describe('a fault test that fails', () => {
  it('names its catalogue row, and shows the rows that broke a rule against the expected []', () => {
    const observed = { ...overlapping.expected, row: { notFreed: ['asset_overlap4_7'], claimsLeftOn: [] } } as Expected;
    const failure = failureOf(overlapping, observed);
    expect(failure?.message).toContain('catalogue row race-four-overlapping-runs');
    expect(failure?.actual).toMatchObject({ row: { notFreed: ['asset_overlap4_7'] } });
    expect(failure?.expected).toMatchObject({ row: { notFreed: [] } });
  });

  it('passes when the observation is the catalogue row', () => {
    for (const c of FAULT_CASES) expect(failureOf(c, structuredClone(c.expected) as Expected), c.id).toBeUndefined();
  });
});

describe('the observations of a rule over several canvases', () => {
  const outcome = (assetId: string, status: string, reason?: string) => ({ assetId, status, ...(reason ? { reason } : {}) });
  const resultOf = (outcomes: ReturnType<typeof outcome>[], stopReason: string | null = null) =>
    ({ summary: { stopReason }, outcomes, byAsset: new Map(outcomes.map((o) => [o.assetId, o])) }) as unknown as RunResult;

  it('list the canvases not unlocked', () => {
    const result = resultOf([outcome('a', 'unlocked'), outcome('b', 'failed'), outcome('c', 'unlocked')]);
    expect(notUnlocked(result, ['a', 'b', 'c', 'd'])).toEqual(['b', 'd']);
  });

  it('list the requests sent after the canvas a run stopped at, and the canvases not tried that it did not report run-stopped', () => {
    const result = resultOf(
      [outcome('t', 'failed'), outcome('x', 'skipped', 'run-stopped'), outcome('y', 'skipped', 'live')],
      'time-budget',
    );
    const h = {
      api: { requests: [{ assetId: 'x' }, { assetId: 't' }, { assetId: 'y' }, { rawPath: '/v1/other' }] },
    } as unknown as ReaperHarness;
    expect(stoppedAt(result, h, 't', ['x', 'y', 'z'])).toEqual({
      stops: 'time-budget',
      requestsAfterIt: ['y', '/v1/other'],
      notTriedUnaccounted: ['y', 'z'],
    });
  });
});
