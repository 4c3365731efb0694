import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTrackedCanvasTable, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import type { OpsIo } from '#ops/io';
import { EXIT } from '#ops/kit/exit-codes';
import { DynamoCanvasStore } from '#reaper/adapters/dynamo-canvas-store';
import { ENV } from '#reaper/settings';
import { BRAKE_ROW_KEY } from '#reaper/table-contract';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

/** What ops status gained: the in-grace state, the last unlock, --limit, --sort, colour on a terminal, the problem column. */

let dynamo: DynamoDBClient;
let tableName: string;
const unusedSecrets = unusedSecretsClient();

beforeAll(() => {
  dynamo = localDynamoClient(inject('dynamoEndpoint'));
});
afterAll(() => dynamo.destroy());
beforeEach(async () => {
  tableName = `ops-status-${randomUUID()}`;
  await createTrackedCanvasTable(dynamo, tableName);
  await putRow(dynamo, tableName, { assetId: 'asset_stB_stale', lockExpiresAt: minutesAgo(90), lockId: 'lk1' });
  // Expired 3 minutes ago; with a 10-minute grace the reaper leaves it for now.
  await putRow(dynamo, tableName, { assetId: 'asset_stD_grace', lockExpiresAt: minutesAgo(3) });
  await putRow(dynamo, tableName, { assetId: 'asset_stA_live', lockExpiresAt: minutesFromNow(5) });
  await putRow(dynamo, tableName, { assetId: 'asset_stC_free', extra: { lastForceUnlockedAt: { S: minutesAgo(125) } } });
});

function ops(argv: string[], options: Partial<OpsIo> = {}) {
  return runOpsCapturing(argv, {
    env: { [ENV.tableName]: tableName, NO_COLOR: undefined },
    awsClients: { dynamo, secrets: unusedSecrets },
    ...options,
  });
}

const ids = (stdout: string) =>
  stdout
    .split('\n')
    .slice(2)
    .filter((line) => line.startsWith('asset_'))
    .map((line) => line.split(/\s+/)[0]);

describe('ops status', () => {
  it('shows a project column once a row names a Scenario project, and --project filters by it', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_stE_projA', lockExpiresAt: minutesAgo(90), extra: { projectId: { S: 'proj_a' } } });

    const { stdout } = await ops(['status', '--sort', 'id']);
    expect(stdout.split('\n')[0]).toMatch(/^project\s+asset id\s+state/);
    expect(stdout).toMatch(/^proj_a\s+asset_stE_projA\s+stale/m);
    expect(stdout).toMatch(/^default\s+asset_stA_live\s+live/m);

    expect(
      ids(
        (await ops(['status', '--project', 'proj_a'])).stdout
          .split('\n')
          .map((line) => line.replace(/^\S+\s+/, ''))
          .join('\n'),
      ),
    ).toEqual(['asset_stE_projA']);
    const report = JSON.parse((await ops(['status', '--project', 'default', '--json'])).stdout);
    expect(report.canvases.map((c: { assetId: string }) => c.assetId)).not.toContain('asset_stE_projA');
    expect(report.canvases).toHaveLength(4);
    const all = JSON.parse((await ops(['status', '--json'])).stdout);
    expect(all.canvases.find((c: { assetId: string }) => c.assetId === 'asset_stE_projA')).toMatchObject({
      projectId: 'proj_a',
      state: 'stale',
    });
  });

  it('shows an engaged mass-expiry brake, and never lists its state row as a canvas', async () => {
    await new DynamoCanvasStore({ client: dynamo, tableName }).engageBrake({
      default: { trippedAtMs: Date.parse('2026-11-27T09:00:00Z'), runId: 'run-x', heldSinceMs: 0, newlyStale: 60, live: 0 },
    });

    const { code, stdout } = await ops(['status']);
    expect(code).toBe(EXIT.ok);
    expect((await ops(['status', '--check'])).code).toBe(EXIT.failed);
    expect(stdout).toContain('4 tracked:');
    expect(stdout).not.toContain(BRAKE_ROW_KEY);
    expect(stdout).toContain('MASS-EXPIRY BRAKE ENGAGED since 2026-11-27T09:00:00.000Z (60 newly stale vs 0 live)');
    expect(stdout).toContain('npm run ops -- invoke --override-brake');
    const report = JSON.parse((await ops(['status', '--json'])).stdout);
    expect(report.brake).toEqual({
      engaged: true,
      trippedAt: '2026-11-27T09:00:00.000Z',
      trippedByRunId: 'run-x',
      newlyStale: 60,
      live: 0,
    });
    expect(report.canvases.map((c: { assetId: string }) => c.assetId)).not.toContain(BRAKE_ROW_KEY);
  });

  it('tells "in grace" (expired, within the grace) from stale and live, and shows the last force-unlock', async () => {
    const { code, stdout } = await ops(['status', '--grace-seconds', '600']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^asset_stD_grace\s+in-grace\s+3m( \d+s)? ago\s+\S+Z$/m);
    expect(stdout).toMatch(/^asset_stC_free\s+not-locked\s+2h 5m ago$/m);
    expect(stdout).toContain('4 tracked: 1 stale, 1 in-grace, 1 live, 1 not-locked (grace 600 s)');
    expect(ids(stdout)).toEqual(['asset_stB_stale', 'asset_stD_grace', 'asset_stA_live', 'asset_stC_free']);

    const report = JSON.parse((await ops(['status', '--grace-seconds', '600', '--json'])).stdout);
    expect(report.counts).toEqual({ stale: 1, 'in-grace': 1, live: 1, 'not-locked': 1, invalid: 0 });
    expect(report.canvases.find((c: { assetId: string }) => c.assetId === 'asset_stD_grace')).toMatchObject({
      state: 'in-grace',
      lockExpiresAt: expect.any(String),
    });
    expect(report.canvases.find((c: { assetId: string }) => c.assetId === 'asset_stC_free')).toEqual({
      assetId: 'asset_stC_free',
      state: 'not-locked',
      lastForceUnlockedAt: expect.any(String),
    });
  });

  it('--sort id, --sort expiry (longest expired first, unlocked last) and --limit N', async () => {
    expect(ids((await ops(['status', '--sort', 'id'])).stdout)).toEqual([
      'asset_stA_live',
      'asset_stB_stale',
      'asset_stC_free',
      'asset_stD_grace',
    ]);
    expect(ids((await ops(['status', '--sort', 'expiry'])).stdout)).toEqual([
      'asset_stB_stale',
      'asset_stD_grace',
      'asset_stA_live',
      'asset_stC_free',
    ]);

    const limited = await ops(['status', '--sort', 'id', '--limit', '2']);
    expect(ids(limited.stdout)).toEqual(['asset_stA_live', 'asset_stB_stale']);
    expect(limited.stdout).toContain('4 tracked:');
    expect(limited.stdout).toContain('showing 2 of 4 (--limit 2)');
    const json = JSON.parse((await ops(['status', '--sort', 'id', '--limit', '1', '--json'])).stdout);
    expect(json.canvases.map((c: { assetId: string }) => c.assetId)).toEqual(['asset_stA_live']);
    expect(json.omitted).toBe(3);
  });

  it.each([
    [['status', '--sort', 'age'], '--sort must be expiry or id, got "age"'],
    [['status', '--limit', '0'], '--limit must be a whole number from 1 to 1000000, got "0"'],
    [['status', '--limit', '-3'], '--limit must be a whole number from 1 to 1000000, got "-3"'],
  ])('refuses %j with exit 2', async (argv, message) => {
    const { code, stderr } = await ops(argv);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain(message);
  });

  it('shows a claim, so a claim left behind by a run is visible', async () => {
    const until = Date.now() + 4 * 60_000;
    await putRow(dynamo, tableName, {
      assetId: 'asset_stF_claimed',
      lockExpiresAt: minutesAgo(90),
      extra: { reaperClaimRunId: { S: 'run-crashed-1' }, reaperClaimExpiresAt: { N: String(until) } },
    });
    const { stdout } = await ops(['status']);
    expect(stdout.split('\n')[0]).toMatch(/\s+claim$/);
    expect(stdout).toMatch(
      new RegExp(`^asset_stF_claimed\\s+stale\\s+.*claimed by run run-crashed-1 until ${new Date(until).toISOString()} \\(in [34]m`, 'm'),
    );
    const report = JSON.parse((await ops(['status', '--json'])).stdout);
    expect(report.canvases.find((c: { assetId: string }) => c.assetId === 'asset_stF_claimed').claim).toEqual({
      runId: 'run-crashed-1',
      expiresAt: new Date(until).toISOString(),
    });
    expect(report.canvases.find((c: { assetId: string }) => c.assetId === 'asset_stB_stale').claim).toBeUndefined();
  });

  it('fits the terminal: each line at most its width, long cells clipped with an ellipsis; piped output is not clipped', async () => {
    const longLockId = `lk_${'x'.repeat(120)}`;
    await putRow(dynamo, tableName, { assetId: 'asset_stG_long', lockExpiresAt: minutesFromNow(50), lockId: longLockId });
    const tty = await ops(['status'], { stdoutIsTerminal: true, terminalColumns: 72, env: { [ENV.tableName]: tableName, NO_COLOR: '1' } });
    for (const line of tty.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    expect(tty.stdout).toMatch(/^asset_stG_long\s+live\s+.*lk_x+…/m);
    expect(tty.stdout).not.toContain(longLockId);
    const piped = await ops(['status'], { terminalColumns: 72 });
    expect(piped.stdout.split('\n').some((line) => line.length > 72)).toBe(true);
  });

  it('colours the state on a terminal only, and never with NO_COLOR', async () => {
    const tty = await ops(['status'], { stdoutIsTerminal: true });
    expect(tty.stdout).toMatch(/^asset_stB_stale\s+\x1b\[31mstale/m);
    expect(tty.stdout).toMatch(/^asset_stA_live\s+\x1b\[32mlive/m);
    const noColor = await ops(['status'], { stdoutIsTerminal: true, env: { [ENV.tableName]: tableName, NO_COLOR: '1' } });
    const piped = await ops(['status'], { stdoutIsTerminal: false });
    for (const plain of [noColor.stdout, piped.stdout]) {
      expect(plain).not.toContain('\x1b');
      expect(plain).toMatch(/^asset_stB_stale\s+stale\s+1h 30m ago/m);
    }
    // Colour never shifts the columns: the same table once the colour codes are taken out (the stale row's
    // "1h 30m ago" reads the same for a minute, so the two runs print the same text).
    const ttyStale = await ops(['status', '--stale-only'], { stdoutIsTerminal: true });
    const pipedStale = await ops(['status', '--stale-only']);
    expect(ttyStale.stdout).toContain('\x1b[31m');
    expect(ttyStale.stdout.replace(/\x1b\[\d+m/g, '')).toBe(pipedStale.stdout);
  });
});
