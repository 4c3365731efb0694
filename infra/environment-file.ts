import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_KEYS, type ContextKey } from '#reaper/settings';
import { REPO_ROOT } from './paths';

/**
 * Per-environment settings: `-c env=prod` makes the app read `environments/prod.json`, a committed JSON object of
 * context keys and values, on every synth and deploy of that environment. A value in the file overrides the
 * settings table's default; a `-c key=value` overrides the file. So the alarm e-mail or any other setting of prod
 * lives in one reviewed file, and a deploy that forgets a `-c` flag no longer drops it.
 */

/** The context key that names the environment: `npx cdk deploy -c env=prod`. */
export const ENVIRONMENT_CONTEXT_KEY = 'env';
/** Where the environment files are: `environments/<name>.json` at the repository root. */
export const ENVIRONMENTS_DIR = path.join(REPO_ROOT, 'environments');

const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const KNOWN_KEYS: ReadonlySet<string> = new Set(CONTEXT_KEYS);

/** An environment file that cannot be used; the message names the file (or the `env` context key). */
export class EnvironmentFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentFileError';
  }
}

/** The settings of one environment, as its file holds them (values unchecked: the settings table reads them). */
export interface EnvironmentSettings {
  readonly name: string;
  /** The file, relative to the repository root when inside it (for messages). */
  readonly file: string;
  readonly values: Readonly<Partial<Record<ContextKey, unknown>>>;
}

/** The file of an environment as messages show it. */
function shownPath(file: string): string {
  const relative = path.relative(REPO_ROOT, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The environment files in `dir`, as messages show them (sorted; none when the folder does not exist). */
export function environmentFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((entry) => entry.endsWith('.json'))
    .sort()
    .map((entry) => shownPath(path.join(dir, entry)));
}

/**
 * Reads `<dir>/<name>.json`: a JSON object whose keys are the app's context keys. Throws an EnvironmentFileError
 * naming the file for a missing file, bad JSON, a value that is not an object, or keys the app does not know.
 */
export function readEnvironmentFile(dir: string, name: string): EnvironmentSettings {
  if (!ENVIRONMENT_NAME.test(name)) {
    throw new EnvironmentFileError(
      `Context key ${ENVIRONMENT_CONTEXT_KEY}: "${name}" is not an environment name (letters, digits, "-" and "_", as in -c ${ENVIRONMENT_CONTEXT_KEY}=prod)`,
    );
  }
  const file = path.join(dir, `${name}.json`);
  const shown = shownPath(file);
  if (!existsSync(file)) {
    const available = environmentFilesIn(dir);
    throw new EnvironmentFileError(
      `Context key ${ENVIRONMENT_CONTEXT_KEY}: ${shown} does not exist; ${available.length > 0 ? `the environment files are ${available.join(', ')}` : `there are no environment files in ${shownPath(dir)}`}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EnvironmentFileError(`${shown}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EnvironmentFileError(
      `${shown}: expected a JSON object of context keys and values, as in {"reaper:alarmEmail": "ops@example.com"}`,
    );
  }
  const unknown = Object.keys(parsed).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    throw new EnvironmentFileError(
      `${shown}: unknown key(s) ${unknown.join(', ')}; the known keys are the reaper:* context keys listed in docs/deploy.md`,
    );
  }
  return { name, file: shown, values: parsed as Partial<Record<ContextKey, unknown>> };
}

/** The warning for a synth that names no environment while environment files exist. */
export function noEnvironmentWarning(files: readonly string[]): string {
  return (
    `Warning: no -c ${ENVIRONMENT_CONTEXT_KEY}=<name> given, so no environment file is read: this synth uses the settings table's defaults ` +
    `and the -c values only. Environment files: ${files.join(', ')}. Pass -c ${ENVIRONMENT_CONTEXT_KEY}=<name> to deploy one of them.`
  );
}
