import { ENV } from './env';
import { readSettings, type SettingSource } from './setting-values';
import {
  FUNCTION_SETTING_NAMES,
  type FunctionSettingName,
  LOCAL_ONLY_SETTING_NAMES,
  SETTING_SPECS,
  type SettingValue,
  type SettingValues,
  settingDefaults,
} from './settings';

export { isLoopbackHost } from './setting-checks';

/** The function's defaults, by setting name, from the settings table (settings.ts). */
export const CONFIG_DEFAULTS = settingDefaults(FUNCTION_SETTING_NAMES);

export type LogLevel = SettingValue<'logLevel'>;

export type CredentialsSource =
  | { kind: 'secrets-manager'; secretId: string; cacheSeconds: number }
  | { kind: 'environment'; apiKey: string; apiSecret: string }
  | { kind: 'projects-file'; path: string };

/** Settings the loader combines into other fields rather than passing through as they are. */
type CombinedSettingName = 'secretId' | 'localApiKey' | 'localApiSecret' | 'projectsFile' | 'secretCacheSeconds' | 'runBudgetSeconds';

/**
 * The function's validated config: one field per setting of the table (same name, same meaning), except the
 * credentials, combined into one source, and the local run budget, in milliseconds.
 */
export interface ReaperConfig extends Omit<SettingValues<FunctionSettingName>, CombinedSettingName> {
  credentials: CredentialsSource;
  /** Only meaningful for local runs; a Lambda run is bounded by the invocation's remaining time. */
  runBudgetMs: number;
}

export type Runtime = 'lambda' | 'local';

/** One configuration mistake, named by the variable that holds it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly detail: string;
}

/**
 * Every configuration mistake of a run, one line each, each line starting with its variable. `variable` is the
 * first one's. Never carries the value of a secret variable.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly variable: string;

  constructor(variable: string, detail: string);
  constructor(problems: readonly ConfigProblem[]);
  constructor(first: string | readonly ConfigProblem[], detail = '') {
    const problems = typeof first === 'string' ? [{ variable: first, detail }] : first;
    super(problems.map((problem) => `${problem.variable}: ${problem.detail}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
    this.variable = problems[0]?.variable ?? '';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The environment as a settings source; a Lambda never reads a local-only variable (it refuses it instead). */
function environment(env: Env, runtime: Runtime): SettingSource {
  return {
    nameOf: (spec) => spec.env ?? '',
    rawOf: (spec) => (spec.env === undefined || (runtime === 'lambda' && spec.use === 'local-only') ? undefined : env[spec.env]),
  };
}

function present(env: Env, name: string): boolean {
  return (env[name] ?? '').trim() !== '';
}

/** Reads and validates the whole config once; throws one ConfigError listing every mistake. */
export function loadConfig(env: Env, runtime: Runtime): ReaperConfig {
  const problems: ConfigProblem[] = [];
  if (runtime === 'lambda') {
    for (const name of LOCAL_ONLY_SETTING_NAMES) {
      const spec = SETTING_SPECS[name];
      if (spec.env && present(env, spec.env)) {
        problems.push({ variable: spec.env, detail: `is for local runs only; the Lambda ${spec.lambdaInstead ?? 'does not read it'}` });
      }
    }
  }
  const read = readSettings(FUNCTION_SETTING_NAMES, environment(env, runtime));
  problems.push(...read.problems.map(({ name, detail }) => ({ variable: name, detail })));
  const credentials = credentialsSource(read.values, runtime, problems);
  if (problems.length > 0 || credentials === undefined) throw new ConfigError(problems);
  const {
    secretId: _secretId,
    localApiKey: _key,
    localApiSecret: _secret,
    projectsFile: _file,
    secretCacheSeconds: _cache,
    runBudgetSeconds,
    ...plain
  } = read.values;
  return { ...plain, credentials, runBudgetMs: 1000 * runBudgetSeconds };
}

const TABLE_COMMAND_SETTINGS = ['tableName', 'graceSeconds', 'logLevel', 'serviceName'] as const;

/** What commands that only read or write the table need (ops status/track/untrack): no API credentials. */
export function loadTableConfig(env: Env): Pick<ReaperConfig, (typeof TABLE_COMMAND_SETTINGS)[number]> {
  const read = readSettings(TABLE_COMMAND_SETTINGS, environment(env, 'local'));
  if (read.problems.length > 0) throw new ConfigError(read.problems.map(({ name, detail }) => ({ variable: name, detail })));
  return read.values;
}

/**
 * Exactly one source of API credentials: the secret, or (local runs only) the Scenario SDK's two variables (the
 * default project's key), or a projects file.
 */
function credentialsSource(
  values: SettingValues<FunctionSettingName>,
  runtime: Runtime,
  problems: ConfigProblem[],
): CredentialsSource | undefined {
  const { secretId, localApiKey: apiKey, localApiSecret: apiSecret, projectsFile } = values;
  const sources = [
    secretId && ENV.secretId,
    (apiKey || apiSecret) && `${ENV.localApiKey}/${ENV.localApiSecret}`,
    projectsFile && ENV.projectsFile,
  ].filter((name): name is string => typeof name === 'string' && name !== '');
  if (sources.length > 1) {
    problems.push({
      variable: secretId ? ENV.secretId : ENV.projectsFile,
      detail: `is set together with ${sources.filter((name) => !name.startsWith(secretId ? ENV.secretId : ENV.projectsFile)).join(' and ')}; set one source of credentials, not several`,
    });
    return undefined;
  }
  if (secretId) return { kind: 'secrets-manager', secretId, cacheSeconds: values.secretCacheSeconds };
  if (projectsFile) return { kind: 'projects-file', path: projectsFile };
  if (runtime === 'lambda') {
    problems.push({ variable: ENV.secretId, detail: 'is required: the secret holding {"apiKey","apiSecret"}' });
    return undefined;
  }
  if (!apiKey || !apiSecret) {
    problems.push({
      variable: apiKey ? ENV.localApiSecret : ENV.localApiKey,
      detail: `is required when ${ENV.secretId} is not set (set ${ENV.secretId}, or both ${ENV.localApiKey} and ${ENV.localApiSecret})`,
    });
    return undefined;
  }
  return { kind: 'environment', apiKey, apiSecret };
}
