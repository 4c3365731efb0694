import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getRow } from '#local/tracked-canvas-table';
import { EXIT } from '#ops/kit/exit-codes';
import { ENV } from '#reaper/settings';
import { isolatedProcessEnv } from '#test-support/child-env';
import { useStaleCanvasWorld } from '#test-support/stale-canvas-world';

/**
 * Every way an operator spells a dry or narrowed run, run for real through npm and npx (issue 17 item 1): npm takes
 * every `--flag` written before `--` as its own option and passes the script nothing, so `npm run reap --dry-run`
 * used to unlock everything. Each spelling must do what it says (dry, or one canvas) or be refused (exit 2, nothing
 * done); none may do more than asked.
 */

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const CANVASES = ['asset_npmA', 'asset_npmB'];

const world = useStaleCanvasWorld('npm', CANVASES);

/** A command line as a shell runs it, from the repository, with only the local servers in reach. */
async function shell(command: string, args: string[]) {
  const env = isolatedProcessEnv(world.home, {
    [ENV.tableName]: world.tableName,
    [ENV.apiBaseUrl]: world.api.baseUrl,
    [ENV.localApiKey]: world.api.apiKey,
    [ENV.localApiSecret]: world.api.apiSecret,
    // npm's own update check and audit would reach for the registry: no test leaves the machine.
    npm_config_update_notifier: 'false',
    npm_config_offline: 'true',
  });
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

async function stillLocked(): Promise<string[]> {
  const rows = await Promise.all(CANVASES.map((assetId) => getRow(world.dynamo, world.tableName, assetId)));
  return CANVASES.filter((_, i) => rows[i]?.lockExpiresAt !== undefined);
}

describe('npm took the flag (written before `--`): refused, nothing done', () => {
  it.each([
    ['npm run reap --dry-run', ['run', 'reap', '--dry-run'], '--dry-run', 'npm run reap -- --dry-run', 'npx canvas-reaper --dry-run'],
    [
      'npm run reap --asset-id=asset_npmA',
      ['run', 'reap', '--asset-id=asset_npmA'],
      '--asset-id=asset_npmA',
      'npm run reap -- --asset-id=asset_npmA',
      'npx canvas-reaper --asset-id=asset_npmA',
    ],
    [
      'npm run ops invoke --dry-run',
      ['run', 'ops', 'invoke', '--dry-run'],
      '--dry-run',
      'npm run ops -- invoke --dry-run',
      'npx canvas-reaper-ops invoke --dry-run',
    ],
    [
      'npm run ops reap --dry-run',
      ['run', 'ops', 'reap', '--dry-run'],
      '--dry-run',
      'npm run ops -- reap --dry-run',
      'npx canvas-reaper-ops reap --dry-run',
    ],
  ])('%s: exit 2, names the flag npm took and both spellings that work', async (_name, args, flag, npmFix, binFix) => {
    const { code, stderr } = await shell('npm', args);
    expect(code, stderr).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain(`npm took ${flag} as its own option; write \`${npmFix}\`, or \`${binFix}\``);
    expect(world.api.requests).toEqual([]);
    expect(await stillLocked()).toEqual(CANVASES);
  });
});

describe('the spellings that reach the command: they do what they say', () => {
  it.each([
    ['npm run reap -- --dry-run', 'npm', ['run', 'reap', '--', '--dry-run']],
    ['npx canvas-reaper --dry-run', 'npx', ['canvas-reaper', '--dry-run']],
    ['npx canvas-reaper-ops reap --dry-run', 'npx', ['canvas-reaper-ops', 'reap', '--dry-run']],
  ])('%s: a dry run (nothing unlocked, no request to Scenario)', async (_name, command, args) => {
    const { code, stderr } = await shell(command, args);
    expect(code, stderr).toBe(EXIT.ok);
    expect(stderr).toMatch(/2 examined, 2 stale, 2 would be unlocked \(dry run\)/);
    expect(world.api.requests).toEqual([]);
    expect(await stillLocked()).toEqual(CANVASES);
  });

  it.each([
    ['npm run reap -- --asset-id=asset_npmA', 'npm', ['run', 'reap', '--', '--asset-id=asset_npmA']],
    ['npx canvas-reaper --asset-id asset_npmA', 'npx', ['canvas-reaper', '--asset-id', 'asset_npmA']],
  ])('%s: that one canvas only', async (_name, command, args) => {
    const { code, stderr } = await shell(command, args);
    expect(code, stderr).toBe(EXIT.ok);
    expect(world.api.unlockRequests.map((request) => request.assetId)).toEqual(['asset_npmA']);
    expect(await stillLocked()).toEqual(['asset_npmB']);
  });
});

describe('--version', () => {
  it.each([
    ['npx canvas-reaper --version', 'npx', ['canvas-reaper', '--version']],
    ['npx canvas-reaper-ops --version', 'npx', ['canvas-reaper-ops', '--version']],
    ['npm run -s reap -- --version', 'npm', ['run', '-s', 'reap', '--', '--version']],
    ['npm run -s ops -- --version', 'npm', ['run', '-s', 'ops', '--', '--version']],
  ])("%s: package.json's name and version, exit 0", async (_name, command, args) => {
    const { code, stdout, stderr } = await shell(command, args);
    expect(code, stderr).toBe(EXIT.ok);
    expect(stdout).toBe(`${PACKAGE.name} ${PACKAGE.version}\n`);
  });
});
