import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What a running local world leaves for `npm run local -- --print-env` in another shell. */
export interface WorldState {
  pid: number;
  startedAt: string;
  env: Record<string, string>;
}

/** In the OS temp folder (outside the repository), one per user: a second shell of the same user finds it. */
export function worldStatePath(directory: string = tmpdir()): string {
  return path.join(directory, `canvas-lock-reaper-local-world-${process.getuid?.() ?? 'user'}.json`);
}

/** Readable by this user only: it names local endpoints, and nothing else should rely on it. */
export function writeWorldState(file: string, state: WorldState): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The state of the world that runs now, or undefined when there is no file, it is unreadable, or its process is
 * gone (a world killed with SIGKILL cannot remove its file; a dead pid tells).
 */
export function readRunningWorld(file: string): WorldState | undefined {
  let state: WorldState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as WorldState;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(state.pid) || typeof state.env !== 'object' || state.env === null) return undefined;
  return isAlive(state.pid) ? state : undefined;
}

/** Removes the file if it is this process's (never another world's). */
export function removeWorldState(file: string, pid: number = process.pid): void {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<WorldState>;
    if (state.pid !== pid) return;
  } catch {
    return;
  }
  rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `export NAME=value` lines a POSIX shell can eval; values quoted when they hold anything but plain characters. */
export function exportLines(env: Record<string, string>): string {
  const quote = (value: string) => (/^[A-Za-z0-9_./:@,+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${quote(value)}`)
    .join('\n');
}
