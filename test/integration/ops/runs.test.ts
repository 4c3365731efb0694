import { describe, expect, it } from 'vitest';
import { EXIT } from '#ops/kit/exit-codes';
import { useOperatorWorld } from '#test-support/operator-world';
import { aRunSummary, runFinishedLine } from '#test-support/run-summary';

/**
 * ops runs lists every run of a window from the function's log group, one line each, through the real CloudWatch
 * Logs client against the stand-in; the stand-in pages the way the service may (empty pages that still carry a
 * nextToken, a few events a page), so the command is built to the service's contract.
 */

const world = useOperatorWorld({ logs: { pageSize: 2, emptyPagesFirst: 2 } });
const ops = world.ops;

const HOUR = 3_600_000;
const put = (hoursAgo: number, message: string, stream = '2026/12/01/[$LATEST]abc') =>
  world.logs.putLogEvent(world.logGroup, { logStreamName: stream, timestamp: Date.now() - hoursAgo * HOUR, message });

function seedDay() {
  put(30, runFinishedLine(aRunSummary({ runId: 'run-yesterday', examined: 9, stale: 1, unlocked: 1 })));
  put(4, runFinishedLine(aRunSummary({ runId: 'run-quiet', examined: 40, stale: 3, unlocked: 3, unlockedAssetIds: ['asset_a'] })));
  put(3.5, 'START RequestId: x Version: $LATEST');
  put(3.4, JSON.stringify({ level: 'INFO', message: 'canvas unlocked', note: 'reap run finished is only mentioned' }));
  put(
    3,
    runFinishedLine(
      aRunSummary({
        runId: 'run-failing',
        examined: 40,
        stale: 5,
        unlocked: 2,
        failed: 1,
        failures: [{ assetId: 'asset_f', kind: 'server-error', httpStatus: 503, error: 'HTTP 503' }],
        cutShort: true,
        stopReason: 'time-budget',
        stopDetail: 'the run budget ran out',
      }),
      'WARN',
    ),
    '2026/12/01/[$LATEST]def',
  );
  put(2.5, 'reap run finished, but this line is not JSON');
  put(
    2,
    runFinishedLine(
      aRunSummary({
        runId: 'run-doubtful',
        examined: 40,
        stale: 1,
        unlocked: 1,
        possibleLiveLockUnlocks: 1,
        warnings: [
          {
            assetId: 'asset_w',
            kind: 'possible-live-lock-unlock',
            message: 'unlocked at Scenario, but the row changed since the claim',
            claimedLock: { lockExpiresAt: '2026-12-01T10:00:00Z' },
            currentLock: null,
          },
        ],
      }),
      'WARN',
    ),
  );
}

describe('ops runs', () => {
  it('lists every run of the last 24 h, oldest first, one line each: time, run id, counts, stop reason, doubts', async () => {
    seedDay();
    const { code, stdout, stderr } = await ops(['runs', '--log-group', world.logGroup]);
    expect(code).toBe(EXIT.ok);
    expect(stderr.split('\n')[0]).toBe(
      `ops runs: log group ${world.logGroup} (from --log-group), region local, endpoint ${world.logs.endpoint}`,
    );
    const lines = stdout.trimEnd().split('\n');
    const runLines = lines.filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
    expect(runLines).toHaveLength(3);
    expect(runLines[0]).toMatch(/^\S+Z {2}run-quiet {2}40 examined, 3 stale, 3 unlocked$/);
    expect(runLines[1]).toMatch(/^\S+Z {2}run-failing {2}40 examined, 5 stale, 2 unlocked, 1 failed {2}stopped: time-budget$/);
    expect(runLines[2]).toMatch(
      /^\S+Z {2}run-doubtful {2}40 examined, 1 stale, 1 unlocked {2}doubts: 1 possible live-lock unlock \(asset_w\)$/,
    );
    expect(stdout).not.toContain('run-yesterday');
    expect(lines.at(-1)).toBe('3 runs in the last 24h: 1 failed or cut short, 1 with warnings');
  });

  it('--failed and --with-warnings keep the runs that need a look (either, given both)', async () => {
    seedDay();
    const failed = await ops(['runs', '--log-group', world.logGroup, '--failed']);
    expect(failed.stdout).toContain('run-failing');
    expect(failed.stdout).not.toMatch(/run-quiet|run-doubtful/);
    const warned = await ops(['runs', '--log-group', world.logGroup, '--with-warnings']);
    expect(warned.stdout).toContain('run-doubtful');
    expect(warned.stdout).not.toMatch(/run-quiet|run-failing/);
    const both = await ops(['runs', '--log-group', world.logGroup, '--with-warnings', '--failed']);
    expect(both.stdout).toMatch(/run-failing[\s\S]*run-doubtful/);
    expect(both.stdout).not.toContain('run-quiet');
  });

  it('--json gives one object with each run, its counts, stop reason and warnings; --since widens the window', async () => {
    seedDay();
    const { code, stdout } = await ops(['runs', '--log-group', world.logGroup, '--json', '--since', '48h']);
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ logGroupName: world.logGroup, since: '48h' });
    expect(report.runs.map((r: { runId: string }) => r.runId)).toEqual(['run-yesterday', 'run-quiet', 'run-failing', 'run-doubtful']);
    expect(report.runs[2]).toMatchObject({
      runId: 'run-failing',
      level: 'WARN',
      logStreamName: '2026/12/01/[$LATEST]def',
      dryRun: false,
      examined: 40,
      failed: 1,
      cutShort: true,
      stopReason: 'time-budget',
      needsALook: true,
    });
    expect(report.runs[3].warnings).toEqual([expect.objectContaining({ assetId: 'asset_w', kind: 'possible-live-lock-unlock' })]);
    expect(report.runs[1]).toMatchObject({ runId: 'run-quiet', needsALook: false, unlockedAssetIds: ['asset_a'] });
  });

  it('exits 0 when it ran; --check exits 1 when a run needs a look or none finished', async () => {
    put(1, runFinishedLine(aRunSummary({ runId: 'run-fine', examined: 2 })));
    expect((await ops(['runs', '--log-group', world.logGroup, '--check'])).code).toBe(EXIT.ok);
    const none = await ops(['runs', '--log-group', world.logGroup, '--since', '30m']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stdout).toContain('no run finished in the last 30m');
    expect((await ops(['runs', '--log-group', world.logGroup, '--since', '30m', '--check'])).code).toBe(EXIT.failed);
    seedDay();
    expect((await ops(['runs', '--log-group', world.logGroup])).code).toBe(EXIT.ok);
    expect((await ops(['runs', '--log-group', world.logGroup, '--check'])).code).toBe(EXIT.failed);
  });

  it('fits each line to a terminal', async () => {
    seedDay();
    const { stdout } = await ops(['runs', '--log-group', world.logGroup], { stdoutIsTerminal: true, terminalColumns: 60 });
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(stdout).toMatch(/run-doubtful .*…$/m);
  });

  it('reports a run-finished line whose summary is not one as not understood (where, why), lists it as no run, exits 1', async () => {
    seedDay();
    const loggedAtMs = Date.now() - 1.5 * HOUR;
    const stream = '2026/12/01/[$LATEST]odd';
    const odd = { ...aRunSummary({ runId: 'run-odd' }), examined: '40', warnings: 'none', cutShort: 'yes' };
    const message = JSON.stringify({ level: 'INFO', message: 'reap run finished', summary: odd });
    world.logs.putLogEvent(world.logGroup, { logStreamName: stream, timestamp: loggedAtMs, message });
    const where = `(log group ${world.logGroup}, stream ${stream}, logged at ${new Date(loggedAtMs).toISOString()})`;

    for (const flags of [[], ['--check'], ['--failed']]) {
      const { code, stdout, stderr } = await ops(['runs', '--log-group', world.logGroup, ...flags]);
      expect(code).toBe(EXIT.failed);
      expect(stdout).not.toContain('run-odd');
      expect(stderr).toContain(`ops runs: not understood: a "reap run finished" line ${where} is not a run summary: `);
      const report = stderr.split('\n').find((line) => line.includes('not understood'))!;
      for (const field of ['examined is "40"', 'warnings is "none"', 'cutShort is "yes"']) expect(report).toContain(field);
    }
    const { stdout } = await ops(['runs', '--log-group', world.logGroup]);
    expect(
      stdout
        .trimEnd()
        .split('\n')
        .filter((line) => /^\d{4}-\d\d-\d\dT/.test(line)),
    ).toHaveLength(3);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(
      '3 runs in the last 24h: 1 failed or cut short, 1 with warnings; 1 "reap run finished" line not understood (see stderr)',
    );

    const json = await ops(['runs', '--log-group', world.logGroup, '--json']);
    expect(json.code).toBe(EXIT.failed);
    const report = JSON.parse(json.stdout);
    expect(report.runs.map((r: { runId: string }) => r.runId)).toEqual(['run-quiet', 'run-failing', 'run-doubtful']);
    expect(report.notUnderstood).toEqual([
      {
        loggedAt: new Date(loggedAtMs).toISOString(),
        logStreamName: stream,
        level: 'INFO',
        problem: expect.stringContaining('examined is "40"'),
        line: expect.stringContaining('"runId":"run-odd"'),
      },
    ]);
  });

  it('reports a run-finished line that is cut off (not JSON) as not understood', async () => {
    put(1, runFinishedLine(aRunSummary({ runId: 'run-cut' })).slice(0, 300));
    put(2, 'reap run finished, but this line is not JSON and names no message field');
    const { code, stdout, stderr } = await ops(['runs', '--log-group', world.logGroup, '--json']);
    expect(code).toBe(EXIT.failed);
    const report = JSON.parse(stdout);
    expect(report.runs).toEqual([]);
    expect(report.notUnderstood).toEqual([expect.objectContaining({ problem: 'not JSON (300 characters; cut off?)' })]);
    expect(stderr).toContain('is not a run summary: not JSON (300 characters; cut off?)');
  });

  it('--json has an empty notUnderstood when every run-finished line is a run summary', async () => {
    seedDay();
    const json = await ops(['runs', '--log-group', world.logGroup, '--json']);
    expect(json.code).toBe(EXIT.ok);
    expect(JSON.parse(json.stdout).notUnderstood).toEqual([]);
  });

  it('names a log group that does not exist, exits 1; a bad --since exits 2', async () => {
    const missing = await ops(['runs', '--log-group', '/aws/lambda/nowhere']);
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toContain('log group /aws/lambda/nowhere was not found');
    const bad = await ops(['runs', '--log-group', world.logGroup, '--since', 'yesterday']);
    expect(bad.code).toBe(EXIT.usageOrConfig);
    const help = await ops(['runs', '--help']);
    expect(help.stdout).toContain('Usage: npm run ops -- runs');
    expect(help.stdout).toContain('Exit codes');
  });
});
