import { describe, expect, it } from 'vitest';
import { flagsNpmTookMessage } from '#ops/kit/npm-run-guard';
import { renderRunSummary } from '#ops/kit/run-summary-table';
import { clipText, formatTable, wrapText } from '#ops/kit/text-table';
import { aRunSummary } from '#test-support/run-summary';

const longest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length));

describe('text for a terminal of a given width', () => {
  it('clips a cell with an ellipsis, and a table fits its line width (squeezed columns first, then the widest)', () => {
    expect(clipText('asset_abcdef', 8)).toBe('asset_a…');
    expect(clipText('short', 8)).toBe('short');
    const rows = [['asset_aVeryLongCanvasIdentifier', 'expired 3 days ago', 'UNLOCKED (2 attempts)', 'the expectation, at some length']];
    const table = formatTable(['canvas', 'lock', 'outcome', 'expected'], rows, 60, false, { lineWidth: 60, squeezeFirst: [1] });
    expect(longest(table)).toBeLessThanOrEqual(60);
    expect(table).toContain('…');
    expect(table.split('\n')[2]).toMatch(/^asset_\S*\s+expired…\s+UNLOCKED/);
    // Without a width nothing changes (a pipe gets the whole cells).
    expect(formatTable(['canvas'], [['asset_aVeryLongCanvasIdentifier']])).toContain('asset_aVeryLongCanvasIdentifier');
  });

  it("keeps a line's own indentation (a list of problems) on the lines it wraps into", () => {
    expect(wrapText('errors:\n  GRACE_SECONDS: "soon" is not a whole number\n', 24, 2)).toBe(
      'errors:\n  GRACE_SECONDS: "soon"\n    is not a whole\n    number\n',
    );
  });

  it('wraps prose at spaces, splits a word longer than a line, and indents the lines that follow', () => {
    const wrapped = wrapText('reap run-1: 12 examined, 7 stale, see https://example.test/a-very-long-path-indeed', 24, 2);
    expect(longest(wrapped)).toBeLessThanOrEqual(24);
    expect(
      wrapped
        .split('\n')
        .slice(1)
        .every((line) => line.startsWith('  ')),
    ).toBe(true);
    expect(wrapped.replaceAll('\n  ', ' ').replaceAll(' ', '')).toBe(
      'reap run-1: 12 examined, 7 stale, see https://example.test/a-very-long-path-indeed'.replaceAll(' ', ''),
    );
  });
});

describe('the run summary table', () => {
  it('a dry run is NOT verified at Scenario (ops invoke --dry-run prints this table too)', () => {
    expect(renderRunSummary(aRunSummary({ dryRun: true }))).toMatch(/^verified at Scenario\s+NOT verified \(dry run\)$/m);
    expect(renderRunSummary(aRunSummary({ dryRun: false }))).toMatch(/^verified at Scenario\s+yes$/m);
  });

  it('hides zero counters, keeps the headline counts, and fits a width', () => {
    const quiet = renderRunSummary(aRunSummary({ examined: 0 }));
    expect(quiet).toMatch(/^examined\s+0$/m);
    expect(quiet).toMatch(/^unlocked\s+0$/m);
    expect(quiet).not.toMatch(/^(failed|possible live-lock unlocks|skipped: .*)\s+0$/m);
    const busy = aRunSummary({ failed: 2, skipped: { ...aRunSummary().skipped, live: 3, notLocked: 1 } });
    const text = renderRunSummary(busy, [], { width: 40 });
    expect(text).toMatch(/^failed\s+2$/m);
    expect(text).toMatch(/^skipped: live or in-grace\s+3$/m);
    expect(text).toMatch(/^skipped: not-locked\s+1$/m);
    expect(longest(text)).toBeLessThanOrEqual(40);
  });
});

describe('the npm run guard', () => {
  const reap = { script: 'reap', bin: 'canvas-reaper', flags: ['dry-run', 'asset-id', 'json', 'version'] };

  it('names every flag npm took, with both spellings that work', () => {
    const env = { npm_lifecycle_event: 'reap', npm_config_dry_run: 'true', npm_config_asset_id: 'asset_A' };
    expect(flagsNpmTookMessage(env, [], reap)).toBe(
      'npm took --dry-run, --asset-id=asset_A as its own options; write `npm run reap -- --dry-run --asset-id=asset_A`, ' +
        'or `npx canvas-reaper --dry-run --asset-id=asset_A` (nothing was done)',
    );
  });

  it('leaves npx (npm_lifecycle_event=npx, npm_config_yes), other scripts and a clean npm run alone', () => {
    expect(flagsNpmTookMessage({ npm_lifecycle_event: 'npx', npm_config_yes: 'true', npm_config_dry_run: 'true' }, [], reap)).toBe(
      undefined,
    );
    expect(flagsNpmTookMessage({ npm_lifecycle_event: 'start', npm_config_dry_run: 'true' }, [], reap)).toBe(undefined);
    expect(flagsNpmTookMessage({ npm_lifecycle_event: 'reap' }, ['--dry-run'], reap)).toBe(undefined);
    // npm answers --version itself; it never reaches the script as a taken flag.
    expect(flagsNpmTookMessage({ npm_lifecycle_event: 'reap', npm_config_version: 'true' }, [], reap)).toBe(undefined);
  });
});
