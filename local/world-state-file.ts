import { createHash } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What a running local world leaves for `npm run local -- --print-env` in another shell. */
export interface WorldState {
  pid: number;
  startedAt: string;
  /** The checkout (repository folder) whose world this is. */
  checkout: string;
  env: Record<string, string>;
}

/** The state folder or file is not this user's alone: nothing in it is trusted, and nothing is printed. */
export class WorldStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorldStateError';
  }
}

export interface WorldStateLocation {
  /** The checkout the world belongs to: one world per checkout, so a second clone never finds another's world. */
  checkout: string;
  /** The temp folder the per-user folder lives in (default os.tmpdir()). */
  base?: string;
  /** Whose folder it must be (default this process's user). */
  uid?: number;
}

const currentUid = (): number | undefined => process.getuid?.();

/** `<temp>/canvas-lock-reaper-<uid>`: one folder per user, mode 0700, checked before every use. */
export function worldStateDirectory(location: Pick<WorldStateLocation, 'base' | 'uid'> = {}): string {
  return path.join(location.base ?? tmpdir(), `canvas-lock-reaper-${location.uid ?? currentUid() ?? 'user'}`);
}

/** `world-<hash of the checkout's real path>.json` in the per-user folder. */
export function worldStatePath(location: WorldStateLocation): string {
  let checkout = path.resolve(location.checkout);
  try {
    checkout = realpathSync(checkout);
  } catch {
    // A checkout that cannot be resolved is named as given.
  }
  const id = createHash('sha256').update(checkout).digest('hex').slice(0, 16);
  return path.join(worldStateDirectory(location), `world-${id}.json`);
}

/** What is wrong with a folder or file that only `uid` may use: a link, another owner, any mode bit for others. */
function privateEntryProblem(stats: Stats, kind: 'directory' | 'file', uid: number | undefined): string | undefined {
  if (stats.isSymbolicLink()) return 'is a symbolic link';
  if (kind === 'directory' ? !stats.isDirectory() : !stats.isFile()) return `is not a ${kind}`;
  if (uid !== undefined && stats.uid !== uid) return `belongs to user ${stats.uid}, not to you (${uid})`;
  if ((stats.mode & 0o077) !== 0) {
    return `grants permissions to group or others (mode 0${(stats.mode & 0o777).toString(8).padStart(3, '0')})`;
  }
  return undefined;
}

function refuse(entry: string, problem: string): never {
  throw new WorldStateError(
    `${entry} ${problem}; it is not trusted. Remove it (rm -rf ${entry}) if it is not yours to keep, and start the world again`,
  );
}

/**
 * The per-user folder, checked with lstat (never followed): a directory of this user's, mode 0700. Made when absent
 * (with `create`); another user's folder, a link or a folder open to others is refused, never repaired.
 */
export function checkStateDirectory(directory: string, options: { uid?: number; create: boolean }): boolean {
  const uid = options.uid ?? currentUid();
  if (options.create) {
    try {
      mkdirSync(directory, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  let stats: Stats;
  try {
    stats = lstatSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const problem = privateEntryProblem(stats, 'directory', uid);
  if (problem) refuse(directory, problem);
  return true;
}

/** Written in a checked per-user folder, readable by this user only, never through a link (O_EXCL after removal). */
export function writeWorldState(file: string, state: WorldState, options: { uid?: number } = {}): void {
  checkStateDirectory(path.dirname(file), { uid: options.uid, create: true });
  rmSync(file, { force: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * The state of this checkout's world that runs now, or undefined when there is none (no file, a process gone: a
 * world killed with SIGKILL cannot remove its file). A folder or file that is not this user's alone, a link, or a
 * file that is not a state file is refused (WorldStateError): it may have been planted.
 */
export function readRunningWorld(file: string, options: { checkout: string; uid?: number }): WorldState | undefined {
  const uid = options.uid ?? currentUid();
  if (!checkStateDirectory(path.dirname(file), { uid, create: false })) return undefined;
  let fd: number;
  try {
    const linkStats = lstatSync(file);
    const problem = privateEntryProblem(linkStats, 'file', uid);
    if (problem) refuse(file, problem);
    fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if (error instanceof WorldStateError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let text: string;
  try {
    const problem = privateEntryProblem(fstatSync(fd), 'file', uid);
    if (problem) refuse(file, problem);
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let state: Partial<WorldState>;
  try {
    state = JSON.parse(text) as Partial<WorldState>;
  } catch {
    refuse(file, 'is not JSON');
  }
  const envIsStrings =
    typeof state.env === 'object' &&
    state.env !== null &&
    !Array.isArray(state.env) &&
    Object.values(state.env).every((value) => typeof value === 'string');
  if (!Number.isInteger(state.pid) || !envIsStrings || typeof state.checkout !== 'string') refuse(file, 'is not a world state file');
  if (path.resolve(state.checkout as string) !== path.resolve(options.checkout)) return undefined;
  return isAlive(state.pid as number) ? (state as WorldState) : undefined;
}

/** Removes the file if it is this process's (never another world's), through the same checks as reading it. */
export function removeWorldState(file: string, options: { checkout: string; pid?: number }): void {
  try {
    const state = readRunningWorld(file, { checkout: options.checkout });
    if (state?.pid !== (options.pid ?? process.pid)) return;
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

/**
 * `export NAME=value` lines a POSIX shell can eval, for the allowed names only (others are left out and listed in
 * `ignored`); values quoted when they hold anything but plain characters. A name is code once eval'd: only names on
 * the list, which are all plain, ever reach the shell.
 */
export function exportLines(env: Record<string, string>, allowed: readonly string[]): { text: string; ignored: string[] } {
  const quote = (value: string) => (/^[A-Za-z0-9_./:@,+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);
  const allowedNames = new Set(allowed.filter((name) => /^[A-Z_][A-Z0-9_]*$/.test(name)));
  const lines: string[] = [];
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (allowedNames.has(name)) lines.push(`export ${name}=${quote(value)}`);
    else ignored.push(name);
  }
  return { text: lines.join('\n'), ignored };
}
