import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { oneLineSummary } from '#ops/commands/reap';
import { AwsSetupError, checkAwsSetup } from '#ops/kit/aws-setup';
import { EXIT } from '#ops/kit/exit-codes';
import { parseFlags } from '#ops/kit/parse-flags';
import { pipeSafeWriter } from '#ops/kit/process-output';
import { exitForError } from '#ops/kit/report-error';
import { listWithMore, renderRunSummary } from '#ops/kit/run-summary-table';
import { terminalSafe } from '#ops/kit/terminal-text';
import { formatTable } from '#ops/kit/text-table';
import { UsageError } from '#ops/kit/usage-error';
import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import { ConfigError } from '#reaper/config';
import type { RunSummary } from '#reaper/core/summary';
import { aRunSummary } from '#test-support/run-summary';

const ACTS_ON_TERMINAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return aRunSummary({ runId: 'cli-1', dryRun: true, ...overrides });
}

describe('terminal text', () => {
  it('writes out every character a terminal acts on, and leaves the rest alone', () => {
    expect(terminalSafe('a\x1b[2Jb\rc\nd\te\x07f\x7fg\u009bh\u202ei\u2066j')).toBe(
      'a\\x1b[2Jb\\rc\\nd\\te\\x07f\\x7fg\\x9bh\\u202ei\\u2066j',
    );
    expect(terminalSafe('asset_Ünïcødé 画布 ✓')).toBe('asset_Ünïcødé 画布 ✓');
  });

  it('keeps JSON valid and its values equal, with nothing a terminal acts on', () => {
    const value = { id: 'x\x1b[31m\u009b\u202ey', nested: ['\x7f'] };
    const text = jsonForTerminal(value, 2);
    expect(text).not.toMatch(ACTS_ON_TERMINAL);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('tables escape their cells, and colour never moves a column', () => {
    const rows = [
      [{ text: 'stale', colour: 'red' as const }, 'a\x1b[2Jb'],
      ['live', 'c'],
    ];
    const plain = formatTable(['state', 'value'], rows);
    expect(plain).not.toMatch(ACTS_ON_TERMINAL);
    expect(plain.split('\n')[2]).toBe('stale  a\\x1b[2Jb');
    expect(formatTable(['state', 'value'], rows, 60, true).replace(/\x1b\[\d+m/g, '')).toBe(plain);
  });

  it('the one-line reap summary escapes what a run reports about rows', () => {
    const line = oneLineSummary(summary({ cutShort: true, stopReason: 'store-error', stopDetail: 'row asset_\x1b[2J broke' }));
    expect(line).not.toMatch(ACTS_ON_TERMINAL);
    expect(line).toContain('row asset_\\x1b[2J broke');
  });
});

describe('parseFlags', () => {
  const options = { 'grace-seconds': { type: 'string' }, json: { type: 'boolean' } } as const;

  it('reads a negative number as the flag value, so the flag check can name the mistake', () => {
    expect(parseFlags(['--grace-seconds', '-5'], options, { min: 0, max: 0 }).values['grace-seconds']).toBe('-5');
  });

  it.each([
    [
      ['--grace-seconds', '--json'],
      '--grace-seconds needs a value, got the option --json (write a value that starts with "-" as --grace-seconds=VALUE)',
    ],
    [['--grace-seconds'], '--grace-seconds needs a value'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--json=yes'], "Option '--json' does not take an argument"],
    [['extra'], 'unexpected argument "extra"'],
  ])('%j → one line in our words', (argv, message) => {
    expect(() => parseFlags(argv, options, { min: 0, max: 0 })).toThrow(new UsageError(message));
  });

  it('leaves what follows "--" to the positionals', () => {
    expect(parseFlags(['--', '--grace-seconds', '-5'], options, { min: 2, max: 2 }).positionals).toEqual(['--grace-seconds', '-5']);
  });
});

describe('exitForError: the one place errors become exit codes', () => {
  const command = {
    name: 'ops status',
    usage: 'Usage: npm run ops -- status [--json]\n\nLong help…',
    helpCommand: 'npm run ops -- status --help',
  };
  const report = (error: unknown) => {
    let text = '';
    const code = exitForError(error, command, (t) => {
      text += t;
    });
    return { code, text };
  };

  it('usage mistakes and setup problems exit 2; anything else exits 1', () => {
    expect(report(new UsageError('bad flag'))).toEqual({
      code: EXIT.usageOrConfig,
      text: 'ops status: bad flag\nUsage: npm run ops -- status [--json]\nSee: npm run ops -- status --help\n',
    });
    expect(report(new ConfigError([{ variable: 'TABLE_NAME', detail: 'is required' }]))).toEqual({
      code: EXIT.usageOrConfig,
      text: 'ops status: configuration error: TABLE_NAME: is required\n(nothing was done)\n',
    });
    expect(report(new AwsSetupError('no AWS region: set AWS_REGION')).code).toBe(EXIT.usageOrConfig);
    expect(report(new Error('boom'))).toEqual({ code: EXIT.failed, text: 'ops status: unexpected error: Error: boom\n' });
  });
});

describe('checkAwsSetup', () => {
  const client = (region: () => Promise<string>, credentials: () => Promise<unknown>) => ({ config: { region, credentials } });
  const fail = (message: string) => () => Promise.reject(new Error(message));
  const ok = () => Promise.resolve('eu-west-1');

  it('names the fix: AWS_REGION, or the profile that could not be loaded', async () => {
    await expect(checkAwsSetup([client(fail('Region is missing'), ok)], {})).rejects.toThrow(/^no AWS region: set AWS_REGION/);
    await expect(
      checkAwsSetup([client(ok, fail('Could not load credentials from any providers'))], { AWS_PROFILE: 'prod' }),
    ).rejects.toThrow(
      'AWS credentials could not be loaded for profile "prod" (AWS_PROFILE) (Could not load credentials from any providers): check the name (aws configure list-profiles), or sign in (aws sso login --profile prod)',
    );
    await expect(checkAwsSetup([client(ok, fail('none'))], {})).rejects.toThrow(
      /set AWS_PROFILE to a profile in ~\/\.aws\/config, or AWS_ACCESS_KEY_ID/,
    );
    await expect(checkAwsSetup([client(ok, ok)], {})).resolves.toBeUndefined();
  });
});

describe('pipeSafeWriter', () => {
  it('drops output quietly once the reader has gone, and still raises any other stream error', () => {
    const stream = new PassThrough();
    const written: string[] = [];
    stream.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const write = pipeSafeWriter(stream as unknown as NodeJS.WriteStream);
    write('first\n');
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    write('second\n');
    expect(written).toEqual(['first\n']);
    expect(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow('disk full');
  });
});

describe('the run summary for a person', () => {
  it('lists ten ids, then "…and N more", counting those the summary itself left out', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `asset_${i}`);
    const text = renderRunSummary(
      summary({
        stale: 1700,
        wouldUnlock: ids,
        omitted: { unlockedAssetIds: 0, wouldUnlock: 1600, failures: 0, invalidRows: 0, warnings: 0, projects: 0 },
      }),
    );
    const line = text.split('\n').find((l) => l.startsWith('would unlock: '));
    expect(line).toBe(`would unlock: ${ids.slice(0, 10).join(', ')}, …and 1690 more`);
    expect(listWithMore(['a', 'b'], 2)).toBe('a, b');
  });

  it('caps the failure table at 20 rows', () => {
    const failures = Array.from({ length: 30 }, (_, i) => ({ assetId: `asset_${i}`, kind: 'timeout' as const, error: 'timed out' }));
    const text = renderRunSummary(
      summary({
        dryRun: false,
        failed: 35,
        failures,
        omitted: { unlockedAssetIds: 0, wouldUnlock: 0, failures: 5, invalidRows: 0, warnings: 0, projects: 0 },
      }),
    );
    expect(text.split('\n').filter((l) => /^asset_\d+\s+timeout/.test(l))).toHaveLength(20);
    expect(text).toContain('…and 15 more');
  });
});
