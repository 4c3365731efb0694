import {
  ENV,
  FUNCTION_SETTING_NAMES,
  SETTING_SPECS,
  type Setting,
  type SettingName,
  type SettingValues,
  settingDefaults,
} from './settings';

// Reading settings (settings.ts) where they are set: the function's variables here, the stack's context keys in
// infra/context.ts, a run's grace in payload.ts. Every problem is collected, so one message lists them all.

export type Reading<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const accept = <T>(value: T): Reading<T> => ({ ok: true, value });
const refuse = (problem: string): Reading<never> => ({ ok: false, problem });
/** A raw value as a message shows it: text in quotes, JSON values as JSON. */
const shown = (raw: unknown) => JSON.stringify(typeof raw === 'string' ? raw.trim() : raw) ?? String(raw);
/** Numbers and text are both accepted: `-c key=60` arrives as text, cdk.json and payloads give numbers. */
const numberText = (raw: unknown) => (typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined);

/** The one whole-number reader: digits only (no sign, exponent or fraction), within the bounds. */
export function readWholeNumber(raw: unknown, bounds: { min: number; max: number; oneOf?: readonly number[] }): Reading<number> {
  const text = numberText(raw);
  if (text === undefined || !/^\d+$/.test(text)) return refuse(`${shown(raw)} is not a whole number`);
  const value = Number(text);
  if (value < bounds.min || value > bounds.max) return refuse(`${value} is outside ${bounds.min}..${bounds.max}`);
  if (bounds.oneOf && !bounds.oneOf.includes(value)) return refuse(`${value} is not one of ${bounds.oneOf.join(', ')}`);
  return accept(value);
}

/** Reads one set value of a setting by its type (unset values are the caller's business). */
export function readSettingValue(spec: Setting, raw: unknown): Reading<string | number | boolean> {
  switch (spec.type) {
    case 'whole':
      return readWholeNumber(raw, spec);
    case 'decimal': {
      // Written plainly (`0.5`, `1`).
      const text = numberText(raw);
      if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return refuse(`${shown(raw)} is not a decimal number`);
      const value = Number(text);
      if (value <= spec.max && (spec.minExclusive ? value > spec.min : value >= spec.min)) return accept(value);
      const bounds = spec.minExclusive ? `not greater than ${spec.min} and at most ${spec.max}` : `outside ${spec.min}..${spec.max}`;
      return refuse(`${value} is ${bounds}`);
    }
    case 'boolean': {
      // JSON booleans, or the words in any case.
      const text = typeof raw === 'string' ? raw.trim().toLowerCase() : typeof raw === 'boolean' ? String(raw) : undefined;
      return text === 'true' || text === 'false' ? accept(text === 'true') : refuse(`expected true or false, got ${shown(raw)}`);
    }
    case 'enum': {
      const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      const value = spec.values.find((candidate) => candidate.toLowerCase() === text);
      return value === undefined
        ? refuse(`${shown(typeof raw === 'string' ? raw.toUpperCase() : raw)} is not one of ${spec.values.join(', ')}`)
        : accept(value);
    }
    case 'text': {
      if (typeof raw !== 'string') return refuse(spec.secret ? 'expected a string' : `expected a string, got ${shown(raw)}`);
      const value = raw.trim();
      const problem = spec.check?.(value);
      if (problem !== undefined) return refuse(spec.secret ? 'is not valid (value not shown: it is a credential)' : problem);
      return accept(spec.normalize ? spec.normalize(value) : value);
    }
  }
}

/**
 * Reads these settings by their variable or their context key (`by`); `rawOf` gives the value set under that name,
 * `problem` hears of each mistake, named so. An unset value (absent, null, empty text) or a wrong one takes the
 * default, so the caller's own checks still run, and the caller throws with every problem.
 */
export function readSettings<N extends SettingName>(
  names: readonly N[],
  by: 'env' | 'context',
  rawOf: (name: string) => unknown,
  problem: (name: string, detail: string) => void,
): SettingValues<N> {
  const values: Record<string, unknown> = {};
  for (const setting of names) {
    const spec = SETTING_SPECS[setting];
    const name = spec[by] ?? '';
    const raw = rawOf(name);
    values[setting] = spec.default;
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      if (spec.type === 'text' && spec.required) problem(name, `is required (${spec.required})`);
      continue;
    }
    const reading = readSettingValue(spec, raw);
    if (reading.ok) values[setting] = reading.value;
    else problem(name, reading.problem);
  }
  return values as SettingValues<N>;
}

// ---- The function's config ----

/** The function's defaults, by setting name. */
export const CONFIG_DEFAULTS = settingDefaults(FUNCTION_SETTING_NAMES);

export type LogLevel = SettingValues<'logLevel'>['logLevel'];

export type CredentialsSource =
  | { kind: 'secrets-manager'; secretId: string; cacheSeconds: number }
  | { kind: 'environment'; apiKey: string; apiSecret: string }
  | { kind: 'projects-file'; path: string };

type FunctionSettingValues = SettingValues<(typeof FUNCTION_SETTING_NAMES)[number]>;
type SettingOutsideConfig =
  | 'secretId'
  | 'localApiKey'
  | 'localApiSecret'
  | 'projectsFile'
  | 'secretCacheSeconds'
  | 'runBudgetSeconds'
  | 'execWrapper';

/**
 * The function's validated config: one field per setting of the table (same name, same meaning), except the
 * credentials, combined into one source, the local run budget, in milliseconds, and the exec wrapper (Lambda's
 * runtime reads it; the config only checks its form).
 */
export interface ReaperConfig extends Omit<FunctionSettingValues, SettingOutsideConfig> {
  credentials: CredentialsSource;
  /** Only meaningful for local runs; a Lambda run is bounded by the invocation's remaining time. */
  runBudgetMs: number;
}

export type Runtime = 'lambda' | 'local';

/** One configuration mistake, named by the variable that holds it. */
export type ConfigProblem = { readonly variable: string; readonly detail: string };

/**
 * Every configuration mistake of a run, one line each, each line starting with its variable. `variable` is the
 * first one's. Never carries the value of a secret variable.
 */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((problem) => `${problem.variable}: ${problem.detail}`).join('\n'));
    this.name = 'ConfigError';
    this.variable = problems[0]?.variable ?? '';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the whole config once; throws one ConfigError listing every mistake. */
export function loadConfig(env: Env, runtime: Runtime): ReaperConfig {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, detail: string) => problems.push({ variable, detail });
  // A Lambda refuses local-only variables (so a key never sits in its plain environment) rather than reading them.
  const refused =
    runtime === 'lambda' ? FUNCTION_SETTING_NAMES.map((name) => SETTING_SPECS[name]).filter((spec) => spec.use === 'local-only') : [];
  for (const { env: variable, lambdaInstead } of refused) {
    if ((env[variable!] ?? '').trim() !== '') problem(variable!, `is for local runs only; the Lambda ${lambdaInstead}`);
  }
  const rawOf = (name: string) => (refused.some((spec) => spec.env === name) ? undefined : env[name]);
  const values = readSettings(FUNCTION_SETTING_NAMES, 'env', rawOf, problem);
  const credentials = credentialsSource(values, runtime, problem);
  if (problems.length > 0 || credentials === undefined) throw new ConfigError(problems);
  const {
    secretId: _id,
    localApiKey: _key,
    localApiSecret: _secret,
    projectsFile: _file,
    execWrapper: _wrapper,
    ...withoutSources
  } = values;
  const { secretCacheSeconds: _cache, runBudgetSeconds, ...config } = withoutSources;
  return { ...config, credentials, runBudgetMs: 1000 * runBudgetSeconds };
}

/**
 * Exactly one source of API credentials: the secret, or (local runs only) the Scenario SDK's two variables (the
 * default project's key), or a projects file.
 */
function credentialsSource(
  values: FunctionSettingValues,
  runtime: Runtime,
  problem: (variable: string, detail: string) => void,
): CredentialsSource | undefined {
  const { secretId, localApiKey: apiKey, localApiSecret: apiSecret, projectsFile } = values;
  const sdkPair = `${ENV.localApiKey}/${ENV.localApiSecret}`;
  const sources = [secretId && ENV.secretId, (apiKey || apiSecret) && sdkPair, projectsFile && ENV.projectsFile].filter((name) => !!name);
  if (sources.length > 1) {
    const variable = secretId ? ENV.secretId : ENV.projectsFile;
    const others = sources.filter((name) => name !== variable).join(' and ');
    problem(variable, `is set together with ${others}; set one source of credentials, not several`);
    return undefined;
  }
  if (secretId) return { kind: 'secrets-manager', secretId, cacheSeconds: values.secretCacheSeconds };
  if (projectsFile) return { kind: 'projects-file', path: projectsFile };
  if (runtime === 'local' && apiKey && apiSecret) return { kind: 'environment', apiKey, apiSecret };
  if (runtime === 'lambda') problem(ENV.secretId, 'is required: the secret holding {"apiKey","apiSecret"}');
  else
    problem(
      apiKey ? ENV.localApiSecret : ENV.localApiKey,
      `is required when ${ENV.secretId} is not set (set ${ENV.secretId}, or both ${ENV.localApiKey} and ${ENV.localApiSecret})`,
    );
  return undefined;
}
