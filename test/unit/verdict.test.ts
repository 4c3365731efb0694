import { describe, expect, it } from 'vitest';
import { parseLockExpiry } from '#reaper/core/lock-expiry';
import { ABSENT, stringReading, type TrackedCanvas } from '#reaper/core/tracked-canvas';
import { judgeCanvas } from '#reaper/core/verdict';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const GRACE_MS = 60_000;
const canvas = (lockExpiresAt: TrackedCanvas['lockExpiresAt'], assetId = 'asset_abc'): TrackedCanvas => ({
  assetId,
  lockExpiresAt,
  lockId: ABSENT,
});

describe('judgeCanvas', () => {
  it('calls a lock stale only once lockExpiresAt + grace is in the past', () => {
    expect(judgeCanvas(canvas(stringReading('2026-11-27T11:58:59.999Z')), NOW, GRACE_MS).kind).toBe('stale');
    expect(judgeCanvas(canvas(stringReading('2026-11-27T11:59:00.000Z')), NOW, GRACE_MS).kind).toBe('live');
    expect(judgeCanvas(canvas(stringReading('2026-11-27T11:59:30.000Z')), NOW, GRACE_MS).kind).toBe('live');
    expect(judgeCanvas(canvas(stringReading('2026-11-27T12:05:00.000Z')), NOW, GRACE_MS).kind).toBe('live');
    expect(judgeCanvas(canvas(stringReading('2026-11-27T11:59:30.000Z')), NOW, 0).kind).toBe('stale');
  });

  it('reads time zones: 13:58+02:00 is 11:58Z', () => {
    expect(judgeCanvas(canvas(stringReading('2026-11-27T13:58:00+02:00')), NOW, GRACE_MS)).toEqual({
      kind: 'stale',
      expiresAt: Date.parse('2026-11-27T11:58:00Z'),
    });
  });

  it('treats a row without lockExpiresAt as not locked', () => {
    expect(judgeCanvas(canvas(ABSENT), NOW, GRACE_MS)).toEqual({ kind: 'not-locked' });
  });

  it('reports a bad asset id before looking at the lock', () => {
    const verdict = judgeCanvas(canvas(stringReading('2020-01-01T00:00:00Z'), 'asset/../x'), NOW, GRACE_MS);
    expect(verdict).toEqual({ kind: 'invalid', problem: 'assetId is not "asset_" followed by letters, digits, "_" or "-"' });
  });
});

describe('parseLockExpiry', () => {
  it.each([
    ['2023-02-03T11:19:41.579Z', Date.parse('2023-02-03T11:19:41.579Z')],
    ['2023-02-03T11:19:41Z', Date.parse('2023-02-03T11:19:41Z')],
    ['2023-02-03T11:19Z', Date.parse('2023-02-03T11:19:00Z')],
    ['2023-02-03T11:19:41.123456789+05:30', Date.parse('2023-02-03T05:49:41.123Z')],
    ['0001-01-01T00:00:00Z', Date.parse('0001-01-01T00:00:00Z')],
    ['9999-12-31T23:59:59Z', Date.parse('9999-12-31T23:59:59Z')],
    // Year 0 is a leap year in ISO-8601; a Date.UTC-based check would call it 1900, which is not.
    ['0000-02-29T00:00:00Z', Date.parse('0000-02-29T00:00:00Z')],
  ])('accepts %s', (raw, at) => {
    expect(parseLockExpiry(stringReading(raw))).toEqual({ kind: 'valid', at, raw });
  });

  it.each([
    ['', 'is not an ISO-8601 date-time with a time zone'],
    ['2023-02-03T11:19:41', 'is not an ISO-8601 date-time with a time zone'],
    ['2023-02-03', 'is not an ISO-8601 date-time with a time zone'],
    ['1675423181579', 'is not an ISO-8601 date-time with a time zone'],
    ['Fri, 03 Feb 2023 11:19:41 GMT', 'is not an ISO-8601 date-time with a time zone'],
    ['2024-02-30T00:00:00Z', 'is not a real date and time'],
    ['2023-13-01T00:00:00Z', 'is not a real date and time'],
    ['2023-02-03T24:00:00Z', 'is not a real date and time'],
  ])('refuses %j', (raw, problem) => {
    const expiry = parseLockExpiry(stringReading(raw));
    expect(expiry.kind).toBe('invalid');
    expect(expiry.kind === 'invalid' && expiry.problem).toContain(problem);
  });

  it('refuses a non-string attribute, naming its DynamoDB type', () => {
    expect(parseLockExpiry({ kind: 'other', dynamoType: 'N', preview: '"1675423181"' })).toEqual({
      kind: 'invalid',
      problem: 'lockExpiresAt is a DynamoDB N ("1675423181"), not an ISO-8601 string',
    });
  });

  it('keeps a 10 KB value out of the message', () => {
    const expiry = parseLockExpiry(stringReading('x'.repeat(10_000)));
    expect(expiry.kind === 'invalid' && expiry.problem.length).toBeLessThan(200);
  });
});
