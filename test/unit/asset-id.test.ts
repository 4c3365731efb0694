import { describe, expect, it } from 'vitest';
import { assetIdProblem, MAX_ASSET_ID_LENGTH } from '#reaper/core/asset-id';

describe('assetIdProblem', () => {
  it.each(['asset_GTrL3mq4SXWyMxkOHRxlpw', 'asset_a', 'asset_with-dash_and_underscore9'])('accepts %s', (id) => {
    expect(assetIdProblem(id)).toBeUndefined();
  });

  it.each([
    ['', 'assetId is empty'],
    ['asset_', 'is not "asset_" followed by'],
    ['model_abc', 'is not "asset_" followed by'],
    ['asset_a/b', 'is not "asset_" followed by'],
    ['asset_..', 'is not "asset_" followed by'],
    ['asset_a?x=1', 'is not "asset_" followed by'],
    ['asset_a#frag', 'is not "asset_" followed by'],
    ['asset_a%2Fb', 'is not "asset_" followed by'],
    ['asset_é', 'is not "asset_" followed by'],
    ['asset_a\n', 'is not "asset_" followed by'],
    [`asset_${'a'.repeat(MAX_ASSET_ID_LENGTH)}`, 'characters long'],
  ])('refuses %j', (id, problem) => {
    expect(assetIdProblem(id)).toContain(problem);
  });

  it('refuses non-strings', () => {
    expect(assetIdProblem(42)).toBe('assetId must be a string, got number');
    expect(assetIdProblem(undefined)).toBe('assetId must be a string, got undefined');
  });
});
