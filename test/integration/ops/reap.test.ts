import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createTrackedCanvasTable, getRow, putRow } from '#local/tracked-canvas-table';
import type { OpsIo } from '#ops/io';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { runReapCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { useOpsWorld } from '#test-support/ops-world';
import { minutesAgo } from '#test-support/reaper-harness';

/**
 * A one-off local run, `npm run reap` (and `ops reap`, the same run): its exit codes, flags, summary and log lines,
 * in a pipe and on a terminal.
 */

const world = useOpsWorld('cli');
const unusedSecrets = unusedSecretsClient();

function cliEnv(overrides: Record<string, string | undefined> = {}) {
  return {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    [ENV.tableName]: world.tableName,
    [ENV.apiBaseUrl]: world.api.baseUrl,
    [ENV.localApiKey]: world.api.apiKey,
    [ENV.localApiSecret]: world.api.apiSecret,
    ...overrides,
  };
}

async function cli(argv: string[], env = cliEnv(), io: Partial<OpsIo> = {}) {
  // The SDK reads endpoints from process.env; in-process, hand the CLI clients aimed at the local server instead.
  const { code, stdout, stderr, output } = await runReapCapturing(argv, {
    env,
    awsClients: { dynamo: world.dynamo, secrets: unusedSecrets },
    ...io,
  });
  return { code, stdout, stderr, logs: output };
}

describe('npm run reap (the local CLI)', () => {
  it('exits 0 when every stale canvas was unlocked, and prints a one-line summary', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cli1', lockExpiresAt: minutesAgo(10) });
    world.api.addCanvas('asset_cli1');

    const { code, stderr, logs } = await cli([]);

    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/1 examined, 1 stale, 1 unlocked, 0 failed/);
    expect(logs).toContain('"message":"canvas unlocked"');
    expect((await getRow(world.dynamo, world.tableName, 'asset_cli1'))?.lockExpiresAt).toBeUndefined();
  });

  it('exits 1 while the mass-expiry brake holds locks, and --override-brake releases it', async () => {
    for (let i = 0; i < 30; i += 1) {
      await putRow(world.dynamo, world.tableName, { assetId: `asset_cliOutage${i}`, lockExpiresAt: minutesAgo(5) });
      world.api.addCanvas(`asset_cliOutage${i}`);
    }
    const held = await cli([]);
    expect(held.code).toBe(EXIT.canvasFailedOrInvalid);
    expect(held.stderr).toMatch(/0 unlocked.*run cut short: brake \(mass-expiry brake engaged since/);
    expect(world.api.unlockRequests).toEqual([]);

    const released = await cli(['--override-brake']);
    expect(released.code).toBe(EXIT.ok);
    expect(released.stderr).toMatch(/30 examined, 30 stale, 30 unlocked, 0 failed/);
  });

  it('--project limits the run to some Scenario projects; a bad project id is a usage error', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliDefault', lockExpiresAt: minutesAgo(600) });
    await putRow(world.dynamo, world.tableName, {
      assetId: 'asset_cliOther',
      lockExpiresAt: minutesAgo(600),
      extra: { projectId: { S: 'proj_other' } },
    });
    world.api.addCanvas('asset_cliDefault');

    const { code, stderr } = await cli(['--project', 'default']);

    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/1 examined, 1 stale, 1 unlocked, 0 failed/);
    expect((await getRow(world.dynamo, world.tableName, 'asset_cliOther'))?.lockExpiresAt).toBeDefined();
    expect((await cli(['--project', 'proj other'])).code).toBe(EXIT.usageOrConfig);
  });

  it('exits 1 when a canvas failed or a row is invalid', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliGone', lockExpiresAt: minutesAgo(10) });
    expect((await cli([])).code).toBe(EXIT.canvasFailedOrInvalid);

    const other = `cli-${randomUUID()}`;
    await createTrackedCanvasTable(world.dynamo, other);
    await putRow(world.dynamo, other, { assetId: 'asset_cliBad', lockExpiresAt: 'soon' });
    expect((await cli([], cliEnv({ [ENV.tableName]: other }))).code).toBe(EXIT.canvasFailedOrInvalid);
  });

  it('--dry-run, --asset-id and --grace-seconds shape the run; a dry run sends nothing', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliA', lockExpiresAt: minutesAgo(10) });
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliB', lockExpiresAt: minutesAgo(10) });

    const dry = await cli(['--dry-run', '--asset-id', 'asset_cliA', '--grace-seconds', '120']);
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stderr).toMatch(/1 examined, 1 stale, 1 would be unlocked \(dry run\)/);
    expect(dry.logs).toContain('"graceSeconds":120');
    expect(world.api.requests).toEqual([]);

    const longGrace = await cli(['--dry-run', '--grace-seconds', '3600']);
    expect(longGrace.stderr).toMatch(/2 examined, 0 stale/);
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--asset-id', '../etc/passwd'], '--asset-id[0] "../etc/passwd"'],
    [['--grace-seconds', '-1'], '--grace-seconds must be a whole number from 0 to'],
    [['--grace-seconds', 'ten'], '--grace-seconds must be a whole number'],
    [['positional'], 'positional'],
  ])('exits 2 on a usage error (%j) and does nothing', async (argv, message) => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliUntouched', lockExpiresAt: minutesAgo(10) });
    const { code, stderr } = await cli(argv);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain(message);
    // One usage line and where to read more, not the whole help.
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringContaining('reap: '),
      expect.stringMatching(/^Usage: npm run reap -- /),
      'See: npm run reap -- --help',
    ]);
    expect(stderr).not.toContain('ambiguous');
    expect(world.api.requests).toEqual([]);
  });

  it('--json prints the run summary alone on stdout', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliJson', lockExpiresAt: minutesAgo(10) });
    const { code, stdout, stderr } = await cli(['--json', '--dry-run']);
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(stdout)).toMatchObject({ dryRun: true, examined: 1, stale: 1, wouldUnlock: ['asset_cliJson'] });
    expect(stderr).toMatch(/^reap cli-\S+: 1 examined, 1 stale, 1 would be unlocked \(dry run\)/);
  });

  it('on a terminal, ends with a summary table before the one-line summary; never in a pipe', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliTty', lockExpiresAt: minutesAgo(10) });
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliTtyGone', lockExpiresAt: minutesAgo(10) });
    world.api.addCanvas('asset_cliTty');

    const tty = await cli([], cliEnv(), { stderrIsTerminal: true });
    expect(tty.code).toBe(EXIT.canvasFailedOrInvalid);
    expect(tty.stderr).toMatch(/^examined\s+2$/m);
    expect(tty.stderr).toMatch(/^unlocked\s+1$/m);
    expect(tty.stderr).toMatch(/^asset_cliTtyGone\s+asset-not-found 404\s+/m);
    expect(unwrapped(tty.stderr).trimEnd().split('\n').at(-1)).toMatch(/^reap cli-\S+: 2 examined, 2 stale, 1 unlocked, 1 failed/);

    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliTty', lockExpiresAt: minutesAgo(10) });
    const piped = await cli([]);
    expect(piped.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 on a configuration error, naming the variable', async () => {
    const missingTable = await cli([], cliEnv({ [ENV.tableName]: undefined }));
    expect(missingTable.code).toBe(EXIT.usageOrConfig);
    expect(missingTable.stderr).toContain('TABLE_NAME: is required');

    const noCredentials = await cli([], cliEnv({ [ENV.localApiSecret]: undefined }));
    expect(noCredentials.code).toBe(EXIT.usageOrConfig);
    expect(noCredentials.stderr).toContain('SCENARIO_SDK_API_SECRET: is required');
    expect(noCredentials.stderr).not.toContain(world.api.apiKey);
  });

  it('lists every configuration error at once, one variable a line, and does nothing', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_cliUntouched', lockExpiresAt: minutesAgo(10) });
    const before = await getRow(world.dynamo, world.tableName, 'asset_cliUntouched');
    const { code, stderr } = await cli([], cliEnv({ [ENV.graceSeconds]: 'soon', [ENV.maxInFlight]: '0', [ENV.localApiSecret]: undefined }));
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toBe(
      [
        'reap: 3 configuration errors:',
        '  GRACE_SECONDS: "soon" is not a whole number',
        '  MAX_IN_FLIGHT: 0 is outside 1..256',
        '  SCENARIO_SDK_API_SECRET: is required when SCENARIO_SECRET_ID is not set (set SCENARIO_SECRET_ID, or both SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET)',
        '(nothing was done)',
        '',
      ].join('\n'),
    );
    expect(stderr).not.toContain(world.api.apiKey);
    expect(world.api.requests).toEqual([]);
    expect(await getRow(world.dynamo, world.tableName, 'asset_cliUntouched')).toEqual(before);
  });

  it('--help explains the command and exits 0', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('--dry-run');
    expect(stdout).toContain('Exit codes: 0');
  });

  it('sets the process exit code when run as a program', async () => {
    const root = path.resolve(__dirname, '../../..');
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/commands/reap.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, [ENV.apiBaseUrl]: world.api.baseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('TABLE_NAME: is required');
  });
});

/** Prose wrapped for a terminal (following lines indented by two spaces) back on one line. */
function unwrapped(text: string): string {
  return text.replaceAll('\n  ', ' ');
}

/** Every line of `text` fits `columns` (as a terminal counts them: one character, one column here). */
function widest(text: string): number {
  return Math.max(0, ...text.split('\n').map((line) => [...line].length));
}

describe('on a terminal: output made for a person (issue 17 items 3 and 7)', () => {
  const terminal = { stdoutIsTerminal: true, stderrIsTerminal: true, terminalColumns: 60 };

  it("a dry run's summary says it was NOT verified at Scenario, in the table and in the one-line summary", async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_ttyDry', lockExpiresAt: minutesAgo(10) });
    const { code, stderr } = await cli(['--dry-run'], cliEnv(), terminal);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/^verified at Scenario\s+NOT verified \(dry run\)$/m);
    expect(stderr).not.toMatch(/verified at Scenario\s+yes/);
    expect(unwrapped(stderr).trimEnd().split('\n').at(-1)).toMatch(/1 would be unlocked \(dry run\), NOT verified at Scenario/);
    expect(world.api.requests).toEqual([]);
  });

  it('one human line per canvas, one word per state, zero counters hidden, every line within the width', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_ttyStale', lockExpiresAt: minutesAgo(10) });
    await putRow(world.dynamo, world.tableName, {
      assetId: 'asset_ttyGraceLock',
      lockExpiresAt: new Date(Date.now() - 20_000).toISOString(),
    });
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_ttyGoneAtScenarioWithAVeryLongName', lockExpiresAt: minutesAgo(10) });
    world.api.addCanvas('asset_ttyStale');

    const { code, stdout, stderr, logs } = await cli([], cliEnv({ [ENV.logLevel]: 'DEBUG' }), terminal);

    expect(code).toBe(EXIT.canvasFailedOrInvalid);
    // No JSON log line reaches the terminal: one line per canvas instead.
    expect(logs).toBe('');
    expect(stdout).toMatch(/^asset_ttyStale\s+unlocked\b/m);
    expect(stdout).toMatch(/^asset_ttyGraceLock\s+in-grace\b/m);
    expect(stdout).toMatch(/^asset_ttyGoneAtScenario\S*\s+failed\b/m);
    expect(stdout).not.toMatch(/^\{/m);
    // Zero counters hidden (failed is 1 here and stays); JSON fields are not touched (see the --json test).
    expect(stderr).not.toMatch(/^(possible live-lock unlocks|skipped: [a-zA-Z]+)\s+0$/m);
    expect(stderr).toMatch(/^failed\s+1$/m);
    expect(unwrapped(stderr).trimEnd().split('\n').at(-1)).not.toMatch(/, 0 (invalid|renewed)/);
    expect(widest(stdout)).toBeLessThanOrEqual(60);
    expect(widest(stderr)).toBeLessThanOrEqual(60);
    // A clipped cell ends in an ellipsis.
    expect(stdout + stderr).toContain('…');
  });

  it('--help fits the terminal too (and stays as written in a pipe)', async () => {
    const onTerminal = await cli(['--help'], cliEnv(), terminal);
    expect(onTerminal.code).toBe(EXIT.ok);
    expect(widest(onTerminal.stdout)).toBeLessThanOrEqual(60);
    expect(unwrapped(onTerminal.stdout)).toContain('--log-format human|json');
    expect((await cli(['--help'])).stdout.split('\n')[0]).toMatch(/^Usage: npm run reap -- .*\[--log-format human\|json\]$/);
  });

  it('--log-format json on a terminal, and any pipe: the JSON log lines, as before', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_ttyJson', lockExpiresAt: minutesAgo(10) });
    const onTerminal = await cli(['--dry-run', '--log-format', 'json'], cliEnv(), terminal);
    expect(onTerminal.logs).toContain('"message":"canvas would be unlocked (dry run)"');
    expect(onTerminal.stdout).toBe('');
    const piped = await cli(['--dry-run']);
    expect(piped.logs).toContain('"message":"canvas would be unlocked (dry run)"');
    expect(piped.stdout).toBe('');
    // Piped, the summary line is whole (and keeps its zero counters), however long.
    expect(piped.stderr).toMatch(/1 would be unlocked \(dry run\), NOT verified at Scenario, 0 invalid, 0 renewed/);
    expect((await cli(['--log-format', 'yaml'])).code).toBe(EXIT.usageOrConfig);
  });
});

describe('ops reap', () => {
  const ops = world.ops;
  it('is the same one-off run as npm run reap', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsR', lockExpiresAt: minutesAgo(10) });
    world.api.addCanvas('asset_opsR');
    const { code, stderr } = await ops(['reap', '--dry-run']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/1 examined, 1 stale, 1 would be unlocked \(dry run\)/);
  });
});
