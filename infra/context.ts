import { Duration } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { readSettings, type SettingSource } from '../functions/reaper/setting-values';
import { CONTEXT_KEYS, CONTEXT_SETTING_NAMES, FUNCTION_TUNABLE_NAMES, type ContextKey } from '../functions/reaper/settings';
import type { ReaperSettings } from './reaper-environment';
import type { ReaperStackProps } from './reaper-stack';
import { readScheduleCadence } from './schedule-cadence';

/**
 * The app's context keys are the `context` keys of the settings table (functions/reaper/settings.ts), which holds
 * their defaults, bounds and docs (docs/deploy.md's table is generated from it). Set one with
 * `npx cdk deploy -c <key>=<value>`. An empty string means "not set".
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
}

/** Context values arrive as JSON from cdk.json and as strings from `-c key=value`; the table's readers take both. */
function contextOf(node: Node): SettingSource {
  return {
    nameOf: (spec) => spec.context ?? '',
    rawOf: (spec) => (spec.context === undefined ? undefined : node.tryGetContext(spec.context)),
  };
}

/** Reads and validates every `reaper:*` context key; throws one ContextError naming every bad key. */
export function readReaperContext(node: Node): ReaperAppConfig {
  const unknown = Object.keys(node.getAllContext()).filter((key) => key.startsWith('reaper:') && !KNOWN_KEYS.has(key));
  if (unknown.length > 0) {
    throw new Error(`Unknown context key(s) ${unknown.join(', ')}; the known keys are listed in docs/deploy.md`);
  }
  const { values, problems: read } = readSettings(CONTEXT_SETTING_NAMES, contextOf(node));
  const problems: ContextProblem[] = read.map(({ name, detail }) => ({ key: name as ContextKey, detail }));

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
      scheduleExpression: values.scheduleExpression,
      scheduleTimeZone: values.scheduleTimeZone,
      scheduleEnabled: values.scheduleEnabled,
      heartbeatPeriod: values.heartbeatMinutes === undefined ? undefined : Duration.minutes(values.heartbeatMinutes),
    },
  };
}
