import { describe, expect, it } from 'vitest';
import { MAX_ASSET_IDS_PER_RUN, parseInvocation, PayloadError } from '../../functions/reaper/payload';

describe('parseInvocation', () => {
  it('runs a normal reap for EventBridge events and for an empty payload', () => {
    expect(parseInvocation({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} })).toEqual({ trigger: 'schedule', dryRun: false });
    expect(parseInvocation({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: '{}' })).toEqual({ trigger: 'schedule', dryRun: false });
    expect(parseInvocation({})).toEqual({ trigger: 'manual', dryRun: false });
    expect(parseInvocation(null)).toEqual({ trigger: 'manual', dryRun: false });
  });

  it('takes a manual payload and de-duplicates asset ids', () => {
    expect(parseInvocation({ dryRun: true, assetIds: ['asset_a', 'asset_b', 'asset_a'], graceSeconds: 0 })).toEqual({
      trigger: 'manual',
      dryRun: true,
      assetIds: ['asset_a', 'asset_b'],
      graceSeconds: 0,
    });
  });

  it('lists every problem of a bad payload at once', () => {
    const error = (() => {
      try {
        parseInvocation({ dryRun: 1, graceSeconds: 1.5, assetIds: 'asset_a', extra: true });
      } catch (e) {
        return e as PayloadError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PayloadError);
    expect(error?.problems).toEqual([
      'unknown field "extra"',
      'dryRun must be true or false, got 1',
      'graceSeconds must be a whole number of seconds from 0 to 604800, got 1.5',
      'assetIds must be an array of asset ids, got string',
    ]);
  });

  it.each([
    ['a string', 'run it', 'must be a JSON object, got string'],
    ['a number', 42, 'must be a JSON object, got number'],
    ['an empty list', { assetIds: [] }, 'assetIds is empty'],
    ['too many ids', { assetIds: Array.from({ length: MAX_ASSET_IDS_PER_RUN + 1 }, (_, i) => `asset_${i}`) }, 'at most 1000'],
    ['a non-string id', { assetIds: ['asset_a', 7] }, 'assetIds[1] 7: assetId must be a string'],
    ['an empty id', { assetIds: [''] }, 'assetIds[0] "": assetId is empty'],
    ['a path in an id', { assetIds: ['asset_a/../../admin'] }, 'assetIds[0] "asset_a/../../admin"'],
    ['an EventBridge look-alike with a bad detail-type', { source: 'x', 'detail-type': 5 }, 'unknown field "source"'],
  ])('refuses %s', (_name, payload, message) => {
    expect(() => parseInvocation(payload)).toThrow(PayloadError);
    expect(() => parseInvocation(payload)).toThrow(message);
  });

  it('caps the listing of bad ids so a 10k-entry payload gives a readable error', () => {
    const ids = Array.from({ length: 900 }, (_, i) => `bad id ${i}`);
    try {
      parseInvocation({ assetIds: ids });
      expect.unreachable();
    } catch (error) {
      expect((error as PayloadError).problems).toHaveLength(6);
      expect((error as PayloadError).problems[5]).toBe('…more invalid assetIds not listed');
    }
  });
});
