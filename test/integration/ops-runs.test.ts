import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CloudWatchLogsStandIn, startCloudWatchLogsStandIn } from '#local/cloudwatch-logs-stand-in';
import { runOps } from '#ops/cli';
import { EXIT } from '#ops/kit/exit-codes';
import type { OperatorIo } from '#ops/operator-clients';
import type { RunSummary } from '#reaper/core/summary';
import { aRunSummary } from '#test-support/run-summary';

/**
 * ops runs lists every run of a window from the function's log group, one line each, through the real CloudWatch
 * Logs client against the stand-in; the stand-in pages the way the service may (empty pages that still carry a
 * nextToken, a few events a page), so the command is built to the service's contract.
 */

const LOCAL = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
let logs: CloudWatchLogsStandIn;
let client: CloudWatchLogsClient;
let cwd: string;
let group: string;
let groups = 0;

beforeAll(async () => {
  logs = await startCloudWatchLogsStandIn({ pageSize: 2, emptyPagesFirst: 2 });
  client = new CloudWatchLogsClient({ ...LOCAL, endpoint: logs.endpoint });
  cwd = mkdtempSync(path.join(tmpdir(), 'ops-runs-'));
});
afterAll(async () => {
  client.destroy();
  await logs.close();
  rmSync(cwd, { recursive: true, force: true });
});

async function ops(argv: string[], options: Partial<OperatorIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runOps(argv, {
    env: {},
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    interactive: false,
    confirm: async () => false,
    cwd,
    logs: client,
    ...options,
  });
  return { code, stdout, stderr };
}

const HOUR = 3_600_000;
const finished = (s: RunSummary, level = 'INFO') =>
  JSON.stringify({ level, message: 'reap run finished', service: 'canvas-lock-reaper', summary: s });
const put = (hoursAgo: number, message: string, stream = '2026/12/01/[$LATEST]abc') =>
  logs.putLogEvent(group, { logStreamName: stream, timestamp: Date.now() - hoursAgo * HOUR, message });

function seedDay() {
  put(30, finished(aRunSummary({ runId: 'run-yesterday', examined: 9, stale: 1, unlocked: 1 })));
  put(4, finished(aRunSummary({ runId: 'run-quiet', examined: 40, stale: 3, unlocked: 3, unlockedAssetIds: ['asset_a'] })));
  put(3.5, 'START RequestId: x Version: $LATEST');
  put(3.4, JSON.stringify({ level: 'INFO', message: 'canvas unlocked', note: 'reap run finished is only mentioned' }));
  put(
    3,
    finished(
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
    finished(
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

beforeEach(() => {
  groups += 1;
  group = `/aws/lambda/reaper-runs-${groups}`;
  logs.createLogGroup(group);
});

describe('ops runs', () => {
  it('lists every run of the last 24 h, oldest first, one line each: time, run id, counts, stop reason, doubts', async () => {
    seedDay();
    const { code, stdout, stderr } = await ops(['runs', '--log-group', group]);
    expect(code).toBe(EXIT.ok);
    expect(stderr.split('\n')[0]).toBe(`ops runs: log group ${group} (from --log-group), region local, endpoint ${logs.endpoint}`);
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
    const failed = await ops(['runs', '--log-group', group, '--failed']);
    expect(failed.stdout).toContain('run-failing');
    expect(failed.stdout).not.toMatch(/run-quiet|run-doubtful/);
    const warned = await ops(['runs', '--log-group', group, '--with-warnings']);
    expect(warned.stdout).toContain('run-doubtful');
    expect(warned.stdout).not.toMatch(/run-quiet|run-failing/);
    const both = await ops(['runs', '--log-group', group, '--with-warnings', '--failed']);
    expect(both.stdout).toMatch(/run-failing[\s\S]*run-doubtful/);
    expect(both.stdout).not.toContain('run-quiet');
  });

  it('--json gives one object with each run, its counts, stop reason and warnings; --since widens the window', async () => {
    seedDay();
    const { code, stdout } = await ops(['runs', '--log-group', group, '--json', '--since', '48h']);
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ logGroupName: group, since: '48h' });
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
    put(1, finished(aRunSummary({ runId: 'run-fine', examined: 2 })));
    expect((await ops(['runs', '--log-group', group, '--check'])).code).toBe(EXIT.ok);
    const none = await ops(['runs', '--log-group', group, '--since', '30m']);
    expect(none.code).toBe(EXIT.ok);
    expect(none.stdout).toContain('no run finished in the last 30m');
    expect((await ops(['runs', '--log-group', group, '--since', '30m', '--check'])).code).toBe(EXIT.failed);
    seedDay();
    expect((await ops(['runs', '--log-group', group])).code).toBe(EXIT.ok);
    expect((await ops(['runs', '--log-group', group, '--check'])).code).toBe(EXIT.failed);
  });

  it('fits each line to a terminal', async () => {
    seedDay();
    const { stdout } = await ops(['runs', '--log-group', group], { stdoutIsTerminal: true, terminalColumns: 60 });
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(stdout).toMatch(/run-doubtful .*…$/m);
  });

  it('names a log group that does not exist, exits 1; a bad --since exits 2', async () => {
    const missing = await ops(['runs', '--log-group', '/aws/lambda/nowhere']);
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toContain('log group /aws/lambda/nowhere was not found');
    const bad = await ops(['runs', '--log-group', group, '--since', 'yesterday']);
    expect(bad.code).toBe(EXIT.usageOrConfig);
    const help = await ops(['runs', '--help']);
    expect(help.stdout).toContain('Usage: npm run ops -- runs');
    expect(help.stdout).toContain('Exit codes');
  });
});
