import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'constructs';
import { readSettings } from '#reaper/config';
import { CONTEXT_KEYS, CONTEXT_SETTING_NAMES, STACK_SETTING_NAMES, TUNABLE_NAMES } from '#reaper/settings';
import { REPO_ROOT } from './paths';
import type { ReaperStackProps } from './reaper-stack';
import { readScheduleCadence } from './schedule-cadence';

/**
 * The app's settings are the context keys of the settings table (functions/reaper/settings.ts), which holds their
 * defaults, bounds and docs. A key's value is, in this order of precedence: `-c <key>=<value>`, else the environment
 * file `-c env=<name>` selects, else the table's default. An empty string means "not set" (an empty `-c` value unsets
 * what the file sets).
 *
 * Environment files: `-c env=prod` reads `environments/prod.json`, a committed JSON object of context keys and values,
 * on every synth and deploy of that environment, so the alarm e-mail or any other setting of prod lives in one
 * reviewed file, and a deploy that forgets a `-c` flag no longer drops it.
 */

/** The context key that names the environment: `npx cdk deploy -c env=prod`. */
export const ENVIRONMENT_CONTEXT_KEY = 'env';
/** Where the environment files are: `environments/<name>.json` at the repository root. */
export const ENVIRONMENTS_DIR = path.join(REPO_ROOT, 'environments');

/** One unusable context value: a known key's bad value, or a `reaper:*` key the app does not know. */
export type ContextProblem = { readonly key: string; readonly detail: string };

/** Every unusable context value of a synth, one line each (`Context key <key>: <detail>`); `key` is the first. */
export class ContextError extends Error {
  readonly key: string;

  constructor(readonly problems: readonly ContextProblem[]) {
    super(problems.map((problem) => `Context key ${problem.key}: ${problem.detail}`).join('\n'));
    this.name = 'ContextError';
    this.key = problems[0]!.key;
  }
}

/** An environment file that cannot be used; the message names the file (or the `env` context key). */
export class EnvironmentFileError extends Error {
  override name = 'EnvironmentFileError';
}

/** The settings of one environment, as its file holds them (values unchecked: the settings table reads them). */
export interface EnvironmentSettings {
  readonly name: string;
  /** The file, relative to the repository root when inside it (for messages). */
  readonly file: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Where the app looks for environment files, and where it says that it read none. */
export interface EnvironmentOptions {
  /** @default ENVIRONMENTS_DIR (`environments/` at the repository root) */
  readonly environmentsDir?: string;
  /** Receives the warning printed when environment files exist but no `-c env=` was given. @default standard error */
  readonly warn?: (message: string) => void;
}

/**
 * Reads and validates every `reaper:*` context key, over the environment file `-c env=<name>` selects; throws one
 * ContextError naming every bad key (and the file, for a value that came from it).
 */
export function readReaperContext(node: Node, options: EnvironmentOptions = {}): { stackName: string; stackProps: ReaperStackProps } {
  // An unknown key is one more problem, listed with the others: a deployer fixes every mistake in one go.
  const problems: ContextProblem[] = Object.keys(node.getAllContext())
    .filter((key) => key.startsWith('reaper:') && !CONTEXT_KEYS.includes(key))
    .map((key) => ({ key, detail: 'unknown key; the known keys are listed in docs/deploy.md, "Settings"' }));
  const environment = selectEnvironment(node, options);
  // Context values arrive as JSON from cdk.json and as strings from `-c key=value`; the table's readers take both.
  const fromFile = (key: string) => environment !== undefined && node.tryGetContext(key) === undefined && key in environment.values;
  const rawOf = (key: string) => (fromFile(key) ? environment!.values[key] : node.tryGetContext(key));
  const values = readSettings(CONTEXT_SETTING_NAMES, 'context', rawOf, (key, detail) =>
    problems.push({ key, detail: fromFile(key) ? `${detail} (set in ${environment!.file})` : detail }),
  );

  // The checks a single value cannot make: those that need aws-cdk-lib, and pairs of keys.
  const cadence = readScheduleCadence(values.scheduleExpression);
  if ('problem' in cadence) problems.push({ key: 'reaper:scheduleExpression', detail: cadence.problem });
  if (values.existingTableName && values.existingTableArn)
    problems.push({ key: 'reaper:existingTableArn', detail: 'set reaper:existingTableName or reaper:existingTableArn, not both' });
  if (values.existingSecretArn && values.existingSecretName)
    problems.push({ key: 'reaper:existingSecretName', detail: 'set reaper:existingSecretArn or reaper:existingSecretName, not both' });
  if (problems.length > 0) throw new ContextError(problems);

  const pick = <N extends keyof typeof values>(names: readonly N[]) => Object.fromEntries(names.map((name) => [name, values[name]]));
  const stackProps: ReaperStackProps = { ...pick(STACK_SETTING_NAMES), settings: pick(TUNABLE_NAMES) };
  return { stackName: values.stackName, stackProps };
}

/** The file of an environment as messages show it. */
function shownPath(file: string): string {
  const relative = path.relative(REPO_ROOT, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The environment files in `dir`, as messages show them (sorted; none when the folder does not exist). */
function environmentFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((entry) => entry.endsWith('.json'))
    .sort()
    .map((entry) => shownPath(path.join(dir, entry)));
}

/** The environment file `-c env=<name>` selects, or none (with a warning when files exist that could have been). */
function selectEnvironment(node: Node, options: EnvironmentOptions): EnvironmentSettings | undefined {
  const dir = options.environmentsDir ?? ENVIRONMENTS_DIR;
  const name: unknown = node.tryGetContext(ENVIRONMENT_CONTEXT_KEY);
  if (name !== undefined && !(typeof name === 'string' && name.trim() === '')) return readEnvironmentFile(dir, String(name).trim());
  const files = environmentFilesIn(dir);
  if (files.length > 0) {
    (options.warn ?? ((message) => process.stderr.write(`${message}\n`)))(
      `Warning: no -c ${ENVIRONMENT_CONTEXT_KEY}=<name> given, so no environment file is read: this synth uses the settings table's defaults ` +
        `and the -c values only. Environment files: ${files.join(', ')}. Pass -c ${ENVIRONMENT_CONTEXT_KEY}=<name> to deploy one of them.`,
    );
  }
  return undefined;
}

/**
 * Reads `<dir>/<name>.json`: a JSON object whose keys are the app's context keys. Throws an EnvironmentFileError
 * naming the file for a missing file, bad JSON, a value that is not an object, or keys the app does not know.
 */
export function readEnvironmentFile(dir: string, name: string): EnvironmentSettings {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name)) {
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
  const unknown = Object.keys(parsed).filter((key) => !CONTEXT_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new EnvironmentFileError(
      `${shown}: unknown key(s) ${unknown.join(', ')}; the known keys are the reaper:* context keys listed in docs/deploy.md`,
    );
  }
  return { name, file: shown, values: parsed as Record<string, unknown> };
}
