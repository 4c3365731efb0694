import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  exportLines,
  readRunningWorld,
  WorldStateError,
  worldStateDirectory,
  worldStatePath,
  writeWorldState,
} from '#local/world-state-file';

/**
 * `npm run local`'s state file (issue 16 item 10): in a per-user folder of mode 0700, checked with lstat (owner, mode,
 * links) before anything in it is trusted; one world per checkout; only allowed names reach a shell.
 */

const bases: string[] = [];
afterEach(() => {
  for (const base of bases.splice(0)) rmSync(base, { recursive: true, force: true });
});
const newBase = () => {
  const base = mkdtempSync(path.join(tmpdir(), 'world-state-'));
  bases.push(base);
  return base;
};
const state = (checkout: string, env: Record<string, string> = { TABLE_NAME: 't' }) => ({
  pid: process.pid,
  startedAt: new Date(0).toISOString(),
  checkout,
  env,
});

describe('the world state file', () => {
  it('lives in a per-user folder of mode 0700, one file per checkout', () => {
    const base = newBase();
    const first = worldStatePath({ checkout: '/src/a', base });
    const second = worldStatePath({ checkout: '/src/b', base });
    expect(path.dirname(first)).toBe(worldStateDirectory({ base }));
    expect(first).not.toBe(second);
    writeWorldState(first, state('/src/a'));
    expect(statSync(path.dirname(first)).mode & 0o777).toBe(0o700);
    expect(statSync(first).mode & 0o777).toBe(0o600);
    expect(readRunningWorld(first, { checkout: '/src/a' })?.env).toEqual({ TABLE_NAME: 't' });
    // Another checkout's world, even in its file, is not this checkout's.
    expect(readRunningWorld(first, { checkout: '/src/b' })).toBeUndefined();
    expect(readRunningWorld(second, { checkout: '/src/b' })).toBeUndefined();
  });

  it('refuses a per-user folder that another user owns, that others may use, or that is a link', () => {
    const base = newBase();
    const file = worldStatePath({ checkout: '/src/a', base });
    writeWorldState(file, state('/src/a'));
    const someoneElse = (process.getuid?.() ?? 0) + 4242;
    expect(() => readRunningWorld(file, { checkout: '/src/a', uid: someoneElse })).toThrow(WorldStateError);
    expect(() => readRunningWorld(file, { checkout: '/src/a', uid: someoneElse })).toThrow(/belongs to user \d+, not to you/);
    expect(() => writeWorldState(file, state('/src/a'), { uid: someoneElse })).toThrow(/belongs to user/);

    chmodSync(path.dirname(file), 0o755);
    expect(() => readRunningWorld(file, { checkout: '/src/a' })).toThrow(/grants permissions to group or others \(mode 0755\)/);
    expect(() => writeWorldState(file, state('/src/a'))).toThrow(/mode 0755/);

    const linked = newBase();
    const elsewhere = mkdtempSync(path.join(linked, 'real-'));
    chmodSync(elsewhere, 0o700);
    symlinkSync(elsewhere, worldStateDirectory({ base: linked }));
    expect(() => writeWorldState(worldStatePath({ checkout: '/src/a', base: linked }), state('/src/a'))).toThrow(/is a symbolic link/);
  });

  it('refuses a state file that is a link, open to others, or not a state file', () => {
    const base = newBase();
    const file = worldStatePath({ checkout: '/src/a', base });
    writeWorldState(file, state('/src/a'));
    chmodSync(file, 0o644);
    expect(() => readRunningWorld(file, { checkout: '/src/a' })).toThrow(/mode 0644/);

    rmSync(file);
    const target = path.join(base, 'target.json');
    writeFileSync(target, JSON.stringify(state('/src/a')), { mode: 0o600 });
    symlinkSync(target, file);
    expect(() => readRunningWorld(file, { checkout: '/src/a' })).toThrow(/is a symbolic link/);

    rmSync(file);
    writeFileSync(file, JSON.stringify({ pid: process.pid, checkout: '/src/a', env: { A: 1 } }), { mode: 0o600 });
    expect(() => readRunningWorld(file, { checkout: '/src/a' })).toThrow(/is not a world state file/);
  });

  it('a missing folder or file is no world, and nothing is created by reading', () => {
    const base = newBase();
    const file = worldStatePath({ checkout: '/src/a', base });
    expect(readRunningWorld(file, { checkout: '/src/a' })).toBeUndefined();
    expect(existsSync(path.dirname(file))).toBe(false);
    mkdirSync(path.dirname(file), { mode: 0o700 });
    expect(readRunningWorld(file, { checkout: '/src/a' })).toBeUndefined();
  });
});

describe('exportLines', () => {
  it('prints allowed names only; a hostile name or value runs nothing when a shell evals the lines', () => {
    const base = newBase();
    const marker = path.join(base, 'PWNED');
    const { text, ignored } = exportLines(
      { [`X=1; touch ${marker}; Y`]: 'v', TABLE_NAME: `x'; touch ${marker}; '$(touch ${marker})`, AWS_REGION: 'local' },
      ['TABLE_NAME', 'AWS_REGION', 'lower; case'],
    );
    expect(ignored).toEqual([`X=1; touch ${marker}; Y`]);
    expect(text.split('\n').map((line) => line.split('=')[0])).toEqual(['export TABLE_NAME', 'export AWS_REGION']);
    const printed = execFileSync('sh', ['-c', `${text}\nprintf %s "$TABLE_NAME"`], { encoding: 'utf8' });
    expect(printed).toBe(`x'; touch ${marker}; '$(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
  });
});
