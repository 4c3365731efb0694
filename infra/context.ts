import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { readSettings, type SettingSource } from '#reaper/setting-values';
import { CONTEXT_KEYS, CONTEXT_SETTING_NAMES, type ContextKey, FUNCTION_TUNABLE_NAMES } from '#reaper/settings';
import {
  ENVIRONMENT_CONTEXT_KEY,
  ENVIRONMENTS_DIR,
  type EnvironmentSettings,
  environmentFilesIn,
  noEnvironmentWarning,
  readEnvironmentFile,
} from './environment-file';
import type { ReaperSettings } from './reaper-environment';
import type { ReaperStackProps } from './reaper-stack';
import { readScheduleCadence } from './schedule-cadence';

/**
 * The app's context keys are the `context` keys of the settings table (functions/reaper/settings.ts), which holds
 * their defaults, bounds and docs (docs/deploy.md's table is generated from it). A key's value is, in this order of
 * precedence: `-c <key>=<value>`, else the environment file `-c env=<name>` selects (infra/environment-file.ts),
 * else the table's default. An empty string means "not set" (an empty `-c` value unsets what the file sets).
 */
export type { ContextKey };

const KNOWN_KEYS: ReadonlySet<string> = new Set(CONTEXT_KEYS);

/** One unusable context value. */
export interface ContextProblem {
  readonly key: ContextKey;
  readonly detail: string;
}

/** Every unusable context value of a synth, one line each (`Context key <key>: <detail>`); `key` is the first. */
export class ContextError extends Error {
  readonly problems: readonly ContextProblem[];
  readonly key: ContextKey;

  constructor(key: ContextKey, detail: string);
  constructor(problems: readonly ContextProblem[]);
  constructor(first: ContextKey | readonly ContextProblem[], detail = '') {
    const problems = typeof first === 'string' ? [{ key: first, detail }] : first;
    super(problems.map((problem) => `Context key ${problem.key}: ${problem.detail}`).join('\n'));
    this.name = 'ContextError';
    this.problems = problems;
    this.key = problems[0]!.key;
  }
}

/** What infra/app.ts needs to build the stack. */
export interface ReaperAppConfig {
  readonly stackName: string;
  readonly stackProps: ReaperStackProps;
  /** The environment file read (`-c env=<name>`), if any. */
  readonly environment?: EnvironmentSettings;
}

/** Where the app looks for environment files, and where it says that it read none. */
export interface EnvironmentOptions {
  /** @default ENVIRONMENTS_DIR (`environments/` at the repository root) */
  readonly environmentsDir?: string;
  /** Receives the warning printed when environment files exist but no `-c env=` was given. @default standard error */
  readonly warn?: (message: string) => void;
}

/**
 * Context values arrive as JSON from cdk.json and as strings from `-c key=value`; the table's readers take both.
 * A key the context does not hold comes from the environment file, when there is one.
 */
function contextOf(node: Node, environment: EnvironmentSettings | undefined): SettingSource {
  return {
    nameOf: (spec) => spec.context ?? '',
    rawOf: (spec) => {
      if (spec.context === undefined) return undefined;
      const given = node.tryGetContext(spec.context);
      return given !== undefined ? given : environment?.values[spec.context as ContextKey];
    },
  };
}

/** The environment file `-c env=<name>` selects, or none (with a warning when files exist that could have been). */
function selectEnvironment(node: Node, options: EnvironmentOptions): EnvironmentSettings | undefined {
  const dir = options.environmentsDir ?? ENVIRONMENTS_DIR;
  const name: unknown = node.tryGetContext(ENVIRONMENT_CONTEXT_KEY);
  if (name === undefined || (typeof name === 'string' && name.trim() === '')) {
    const files = environmentFilesIn(dir);
    if (files.length > 0) (options.warn ?? ((message) => process.stderr.write(`${message}\n`)))(noEnvironmentWarning(files));
    return undefined;
  }
  return readEnvironmentFile(dir, String(name).trim());
}

/**
 * Reads and validates every `reaper:*` context key, over the environment file `-c env=<name>` selects; throws one
 * ContextError naming every bad key (and the file, for a value that came from it).
 */
export function readReaperContext(node: Node, options: EnvironmentOptions = {}): ReaperAppConfig {
  const unknown = Object.keys(node.getAllContext()).filter((key) => key.startsWith('reaper:') && !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    throw new Error(`Unknown context key(s) ${unknown.join(', ')}; the known keys are listed in docs/deploy.md`);
  }
  const environment = selectEnvironment(node, options);
  const { values, problems: read } = readSettings(CONTEXT_SETTING_NAMES, contextOf(node, environment));
  const fromFile = (key: ContextKey) => environment !== undefined && node.tryGetContext(key) === undefined && key in environment.values;
  const problems: ContextProblem[] = read.map(({ name, detail }) => {
    const key = name as ContextKey;
    return { key, detail: fromFile(key) ? `${detail} (set in ${environment!.file})` : detail };
  });

  // The checks a single value cannot make: those that need aws-cdk-lib, and pairs of keys.
  const cadence = readScheduleCadence(values.scheduleExpression);
  if ('problem' in cadence) problems.push({ key: 'reaper:scheduleExpression', detail: cadence.problem });
  if (values.existingTableName && values.existingTableArn) {
    problems.push({ key: 'reaper:existingTableArn', detail: 'set reaper:existingTableName or reaper:existingTableArn, not both' });
  }
  if (values.existingSecretArn && values.existingSecretName) {
    problems.push({ key: 'reaper:existingSecretName', detail: 'set reaper:existingSecretArn or reaper:existingSecretName, not both' });
  }
  if (problems.length > 0) throw new ContextError(problems);

  const settings = Object.fromEntries(FUNCTION_TUNABLE_NAMES.map((name) => [name, values[name]])) as ReaperSettings;
  return {
    stackName: values.stackName,
    ...(environment ? { environment } : {}),
    stackProps: {
      existingTableName: values.existingTableName,
      existingTableArn: values.existingTableArn,
      existingSecretArn: values.existingSecretArn,
      existingSecretName: values.existingSecretName,
      secretKmsKeyArn: values.secretKmsKeyArn,
      alarmEmail: values.alarmEmail,
      settings,
      functionTimeout: Duration.seconds(values.functionTimeoutSeconds),
      logRetention: values.logRetentionDays as RetentionDays,
      lockEventsArchiveDays: values.lockEventsArchiveDays,
      scheduleExpression: values.scheduleExpression,
      scheduleTimeZone: values.scheduleTimeZone,
      scheduleEnabled: values.scheduleEnabled,
      tableDeletionProtection: values.tableDeletionProtection,
      heartbeatPeriod: values.heartbeatMinutes === undefined ? undefined : Duration.minutes(values.heartbeatMinutes),
    },
  };
}
