import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalWorld, startLocalWorld } from '#local/local-world';
import { lockEventSchemas, schemaProblems } from '#test-support/lock-event-schemas';
import { runOpsCapturing } from '#test-support/ops-runner';

/**
 * ops events against `npm run local`'s world: the function publishes its lock events to the world's PutEvents
 * stand-in, which keeps a readable copy in a log group (as the stack's rule does); `ops events` lists them from there,
 * filtered by --asset, as JSON, and refuses a malformed --asset.
 */
let world: LocalWorld;
let savedEnv: NodeJS.ProcessEnv;
beforeAll(async () => {
  world = await startLocalWorld({ seed: true });
  // The ops commands build their AWS clients from the standard settings, as in a shell that evaluated --print-env.
  savedEnv = { ...process.env };
  Object.assign(process.env, world.env);
});
afterAll(async () => {
  process.env = savedEnv;
  await world.close();
});

const ops = (...argv: string[]) => runOpsCapturing(argv, { env: process.env, cwd: '/nonexistent' });

describe('ops events against the local world', () => {
  it('lists what a run published: one Released per canvas it unlocked, with --asset and --json', async () => {
    const before = await ops('events', '--json');
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toEqual([]);

    const invoked = await ops('invoke', '--json');
    const unlocked: string[] = JSON.parse(invoked.stdout).unlockedAssetIds;

    const listed = await ops('events', '--since', '1h', '--json');
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain('events');
    const events = JSON.parse(listed.stdout) as { 'detail-type': string; source: string; detail: Record<string, unknown> }[];
    const released = events.filter((event) => event['detail-type'] === 'Canvas Lock Released');
    expect(released.length).toBeGreaterThan(0);
    const schemas = lockEventSchemas();
    for (const event of events) {
      expect(event.source).toBe('canvas-lock-reaper');
      expect(schemaProblems(schemas.get(event['detail-type']), event.detail)).toEqual([]);
    }
    expect(unlocked.length).toBeGreaterThan(0);
    expect(released.map((event) => event.detail.assetId).sort()).toEqual([...unlocked].sort());
    // ops invoke is a person's invoke, not the schedule's tick.
    expect(new Set(released.map((event) => event.detail.trigger))).toEqual(new Set(['invoke']));

    const one = String(released[0]?.detail.assetId);
    const filtered = await ops('events', '--asset', one);
    expect(filtered.code).toBe(0);
    const lines = filtered.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(line).toContain(one);
    expect(lines[0]).toContain('Canvas Lock Released');
  });

  it('refuses a malformed --asset and an unknown flag (exit 2)', async () => {
    expect((await ops('events', '--asset', '../etc')).code).toBe(2);
    expect((await ops('events', '--nope')).code).toBe(2);
  });
});
