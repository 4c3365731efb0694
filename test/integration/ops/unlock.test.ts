import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startScenarioStandIn } from '#local/scenario-stand-in';
import { getRow, putRow } from '#local/tracked-canvas-table';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { useOpsWorld } from '#test-support/ops-world';
import { minutesFromNow } from '#test-support/reaper-harness';

/**
 * ops unlock: what it asks and refuses, the one PUT it sends (with the canvas's own project key), the row it updates,
 * and what it does when the lock id differs, the canvas is not tracked or not locked, or the API fails.
 */

const world = useOpsWorld('ops-unlock');

describe("ops unlock (a person's deliberate force-unlock)", () => {
  const ops = world.ops;
  it('frees a live lock with --yes, logs the returned asset like the reaper, and updates the row', async () => {
    await putRow(world.dynamo, world.tableName, {
      assetId: 'asset_opsU',
      lockExpiresAt: minutesFromNow(30),
      lockId: 'lk9',
      extra: { note: { S: 'keep' } },
    });
    world.api.addCanvas('asset_opsU');

    const { code, stderr, logLines } = await ops(['unlock', 'asset_opsU', '--lock-id', 'lk9', '--yes']);

    expect(code).toBe(EXIT.ok);
    expect(stderr).toContain('unlocked asset_opsU');
    expect(world.api.requests.map((r) => [r.method, r.rawPath, JSON.parse(r.body)])).toEqual([
      ['PUT', '/v1/assets/asset_opsU/unlock', { forceUnlock: true }],
    ]);
    const line = logLines.find((l) => l.message === 'canvas unlocked');
    expect(line?.asset).toMatchObject({ assetId: 'asset_opsU', type: 'canvas' });
    for (const signature of world.api.issuedSignatures) expect(JSON.stringify(logLines)).not.toContain(signature);
    const row = await getRow(world.dynamo, world.tableName, 'asset_opsU');
    expect(row?.lockExpiresAt).toBeUndefined();
    expect(row?.note).toEqual({ S: 'keep' });
    expect(row?.lastForceUnlockedRunId?.S).toMatch(/^ops-/);
  });

  it("unlocks a canvas of another Scenario project with that project's key (SCENARIO_PROJECTS_FILE)", async () => {
    const studio = await startScenarioStandIn({ projects: { proj_x: {} } });
    try {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'ops-projects-')), 'projects.json');
      writeFileSync(file, JSON.stringify({ projects: { proj_x: studio.projectKey('proj_x') } }), { mode: 0o600 });
      await putRow(world.dynamo, world.tableName, {
        assetId: 'asset_opsProj',
        lockExpiresAt: minutesFromNow(30),
        extra: { projectId: { S: 'proj_x' } },
      });
      studio.addCanvas('asset_opsProj', { projectId: 'proj_x' });

      const projectEnv = world.env({
        [ENV.apiBaseUrl]: studio.baseUrl,
        [ENV.localApiKey]: undefined,
        [ENV.localApiSecret]: undefined,
        [ENV.projectsFile]: file,
      });
      const { code } = await world.ops(['unlock', 'asset_opsProj', '--yes'], { env: projectEnv });

      expect(code).toBe(EXIT.ok);
      expect(studio.unlockRequests.map((r) => r.authorized)).toEqual([true]);
      expect(studio.unlockLog.map((u) => u.assetId)).toEqual(['asset_opsProj']);
    } finally {
      await studio.close();
    }
  });

  it('asks for confirmation on a terminal and does nothing when refused', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsAsk', lockExpiresAt: minutesFromNow(30) });
    world.api.addCanvas('asset_opsAsk');

    const refused = await ops(['unlock', 'asset_opsAsk'], { interactive: true, answer: false });
    expect(refused.code).toBe(EXIT.usageOrConfig);
    expect(refused.questions[0]).toMatch(/^Force-unlock asset_opsAsk, lock \(no lock id\) until \S+ \(live, expires in (2\dm|30m)/);
    expect(world.api.requests).toEqual([]);

    const accepted = await ops(['unlock', 'asset_opsAsk'], { interactive: true, answer: true });
    expect(accepted.code).toBe(EXIT.ok);
    expect(world.api.requests).toHaveLength(1);
  });

  it('refuses without --yes when no one is at a terminal', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsPipe', lockExpiresAt: minutesFromNow(30) });
    const { code, stderr } = await ops(['unlock', 'asset_opsPipe']);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('pass --yes');
    expect(world.api.requests).toEqual([]);
  });

  it('does nothing when the lock id differs, the canvas is not tracked, or not locked', async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsOther', lockExpiresAt: minutesFromNow(30), lockId: 'theirs' });
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsNoLock' });

    const mismatch = await ops(['unlock', 'asset_opsOther', '--lock-id', 'mine', '--yes']);
    expect(mismatch.code).toBe(EXIT.canvasFailedOrInvalid);
    expect(mismatch.stderr).toContain('holds lock theirs, not mine');

    const untracked = await ops(['unlock', 'asset_opsNowhere', '--yes']);
    expect(untracked.code).toBe(EXIT.canvasFailedOrInvalid);
    expect(untracked.stderr).toContain('is not tracked');

    const free = await ops(['unlock', 'asset_opsNoLock', '--yes']);
    expect(free.code).toBe(EXIT.ok);
    expect(free.stdout).toContain('is not locked; nothing to do');
    expect(world.api.requests).toEqual([]);
  });

  it('reports an API failure with exit 1 and keeps the lock', async () => {
    const until = minutesFromNow(30);
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsGone', lockExpiresAt: until });
    const { code, stderr } = await ops(['unlock', 'asset_opsGone', '--yes']);
    expect(code).toBe(EXIT.canvasFailedOrInvalid);
    expect(stderr).toContain('HTTP 404');
    expect((await getRow(world.dynamo, world.tableName, 'asset_opsGone'))?.lockExpiresAt).toEqual({ S: until });
  });
});
