import { describe, expect, it } from 'vitest';
import { EXIT } from '#ops/kit/exit-codes';
import type { RunSummary } from '#reaper/core/summary';
import { useOperatorWorld } from '#test-support/operator-world';
import { aRunSummary, runFinishedLine } from '#test-support/run-summary';

/**
 * ops last-run, through the real CloudWatch Logs client against the stand-in (a few events a page): the newest
 * "reap run finished" line of the function's log group, shown whole or as JSON, and what --check makes of it.
 */

const world = useOperatorWorld({ logs: { pageSize: 2 } });
const ops = world.ops;

function summary(runId: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return aRunSummary({
    runId,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    examined: 4,
    stale: 2,
    unlocked: 2,
    durationMs: 120,
    skipped: { ...aRunSummary().skipped, live: 1, notLocked: 1 },
    ...overrides,
  });
}

describe('ops last-run', () => {
  const put = (minutesAgo: number, message: string) =>
    world.logs.putLogEvent(world.logGroup, {
      logStreamName: '2026/11/27/[$LATEST]abc',
      timestamp: Date.now() - minutesAgo * 60_000,
      message,
    });

  it('shows the newest finished run, read over several pages, whatever order the lines were written in', async () => {
    put(180, runFinishedLine(summary('run-three-hours-ago')));
    put(12, 'START RequestId: x Version: $LATEST');
    put(11, JSON.stringify({ level: 'INFO', message: 'canvas unlocked', note: 'reap run finished is mentioned here, not the line' }));
    put(
      10,
      runFinishedLine(
        summary('run-ten-minutes-ago', {
          failed: 1,
          unlocked: 105,
          unlockedAssetIds: Array.from({ length: 100 }, (_, i) => `asset_u${i}`),
          omitted: { ...aRunSummary().omitted, unlockedAssetIds: 5 },
          failures: [{ assetId: 'asset_x', kind: 'server-error', httpStatus: 503, error: 'HTTP 503' }],
        }),
        'WARN',
      ),
    );
    put(9, 'reap run finished, but this line is not JSON');
    put(120, runFinishedLine(summary('run-two-hours-ago')));

    const { code, stdout } = await ops(['last-run', '--log-group', world.logGroup]);
    expect(stdout).toContain('run-ten-minutes-ago');
    expect(stdout).toMatch(/^unlocked: asset_u0, asset_u1, asset_u2, (asset_u\d, ){7}…and 95 more$/m);
    expect(stdout).toMatch(/finished\s+\S+ \(10m/);
    expect(stdout).toMatch(/log\s+WARN in/);
    expect(stdout).toMatch(/asset_x\s+server-error 503/);
    expect(code).toBe(EXIT.ok); // it ran; the run's failure is a finding
    expect((await ops(['last-run', '--log-group', world.logGroup, '--check'])).code).toBe(EXIT.canvasFailedOrInvalid);

    const json = await ops(['last-run', '--json'], { env: { REAPER_LOG_GROUP_NAME: world.logGroup } });
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ logGroupName: world.logGroup, level: 'WARN', summary: { runId: 'run-ten-minutes-ago', failed: 1 } });
    expect(Date.now() - Date.parse(parsed.loggedAt)).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it('exits 0 when it ran; with --check, 1 when no run finished within --since, 0 when the last run went well', async () => {
    put(90, runFinishedLine(summary('run-ninety-minutes-ago')));
    expect((await ops(['last-run', '--log-group', world.logGroup])).code).toBe(EXIT.ok);
    expect((await ops(['last-run', '--log-group', world.logGroup, '--check'])).code).toBe(EXIT.ok);
    const none = await ops(['last-run', '--log-group', world.logGroup, '--since', '30m']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stderr).toContain(`no "reap run finished" line in ${world.logGroup} in the last 30m`);
    expect((await ops(['last-run', '--log-group', world.logGroup, '--since', '30m', '--check'])).code).toBe(EXIT.failed);
  });

  /** A line the reaper's filter finds, message and all, whose summary is not one: what no run of ours writes. */
  const oddLine = (summary: unknown) =>
    JSON.stringify({ level: 'INFO', message: 'reap run finished', service: 'canvas-lock-reaper', summary });
  const { brake, ...withoutBrake } = aRunSummary({ runId: 'run-odd' });
  const { heldProjects: _, ...brakeBeforeIssue18 } = brake;

  it.each([
    [
      'counts of the wrong type',
      { ...aRunSummary({ runId: 'run-odd' }), examined: '40', failed: '\u009b2J' },
      'examined is "40", failed is "\\x9b2J"',
    ],
    ['no brake', withoutBrake, 'brake is missing'],
    ['a brake without heldProjects', { ...aRunSummary({ runId: 'run-odd' }), brake: brakeBeforeIssue18 }, 'brake.heldProjects is missing'],
    ['no runId', { ...aRunSummary(), runId: undefined }, 'runId is missing'],
    ['a summary that is a string', 'all good', 'a string, not an object'],
  ])(
    'reports the newest run-finished line as not understood (%s): where it is and why; no run is shown; exit 1',
    async (_case, odd, named) => {
      put(60, runFinishedLine(summary('run-an-hour-ago')));
      const loggedAtMs = Date.now() - 5 * 60_000;
      const stream = '2026/12/02/[$LATEST]odd';
      world.logs.putLogEvent(world.logGroup, { logStreamName: stream, timestamp: loggedAtMs, message: oddLine(odd) });

      for (const flags of [[], ['--check'], ['--json']]) {
        const { code, stdout, stderr } = await ops(['last-run', '--log-group', world.logGroup, ...flags]);
        expect(code).toBe(EXIT.failed);
        expect(stdout).toBe(''); // not the older run, and no summary of this one
        const report = stderr.split('\n')[1]!;
        expect(report).toContain(
          `ops last-run: not understood: the newest "reap run finished" line (log group ${world.logGroup}, stream ${stream}, logged at ${new Date(loggedAtMs).toISOString()}) is not a run summary: ${named}`,
        );
        expect(stderr).not.toMatch(/[\u0080-\u009f]|TypeError/);
        expect(stderr.length).toBeLessThan(1200);
      }
    },
  );

  it('shows the newest run when only an older run-finished line is not understood, and says how many were', async () => {
    put(60, oddLine({ ...aRunSummary({ runId: 'run-odd' }), examined: 'many' }));
    put(5, runFinishedLine(summary('run-five-minutes-ago')));
    const { code, stdout, stderr } = await ops(['last-run', '--log-group', world.logGroup]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('run-five-minutes-ago');
    expect(stderr).toContain(
      'ops last-run: 1 older "reap run finished" line in the window is not understood (npm run ops -- runs lists it)',
    );
  });

  it('says its target (the log group, where its name came from, the region, the endpoint) on stderr first', async () => {
    put(5, runFinishedLine(summary('run-five-minutes-ago')));
    const { stderr } = await ops(['last-run'], { env: { REAPER_LOG_GROUP_NAME: world.logGroup } });
    expect(stderr.split('\n')[0]).toBe(
      `ops last-run: log group ${world.logGroup} (from REAPER_LOG_GROUP_NAME), region local, endpoint ${world.logs.endpoint}`,
    );
  });

  it('exits 1 when the log group cannot be read, 2 on a bad --since or no log group', async () => {
    const unknown = await ops(['last-run', '--log-group', '/aws/lambda/nothing-here']);
    expect(unknown.code).toBe(EXIT.failed);
    expect(unknown.stderr).toContain('reading log group /aws/lambda/nothing-here failed');
    const badSince = await ops(['last-run', '--log-group', world.logGroup, '--since', 'yesterday']);
    expect(badSince.code).toBe(EXIT.usageOrConfig);
    expect(badSince.stderr).toContain('--since: expected a duration such as 30m, 6h or 7d');
    const noGroup = await ops(['last-run']);
    expect(noGroup.code).toBe(EXIT.usageOrConfig);
    expect(noGroup.stderr).toContain('pass --log-group, set REAPER_LOG_GROUP_NAME');
    expect((await ops(['last-run', '--help'])).stdout).toContain('Usage: npm run ops -- last-run');
  });
});
