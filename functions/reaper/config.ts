import { ENV, LOCAL_ONLY_ENV_NAMES, type EnvName } from './env';

/** Defaults an SRE can read in one place; each can be overridden by the variable of the same key in ENV. */
export const CONFIG_DEFAULTS = {
  apiBaseUrl: 'https://api.cloud.scenario.com/v1',
  graceSeconds: 60,
  maxInFlight: 8,
  requestTimeoutMs: 10_000,
  maxRetries: 3,
  safetyMarginMs: 10_000,
  runBudgetSeconds: 240,
  secretCacheSeconds: 300,
  verifyAtSource: true,
  brakeWindowSeconds: 900,
  brakeMinLocks: 25,
  brakeShare: 0.5,
  serviceName: 'canvas-lock-reaper',
  metricsNamespace: 'CanvasLockReaper',
  logLevel: 'INFO',
} as const;

/** Bounds that keep a typo (an extra zero, a negative grace) from turning into an outage. */
const LIMITS = {
  graceSeconds: { min: 0, max: 7 * 24 * 3600 },
  maxInFlight: { min: 1, max: 256 },
  requestTimeoutMs: { min: 100, max: 120_000 },
  maxRetries: { min: 0, max: 10 },
  safetyMarginMs: { min: 0, max: 600_000 },
  runBudgetSeconds: { min: 1, max: 24 * 3600 },
  secretCacheSeconds: { min: 0, max: 24 * 3600 },
  brakeWindowSeconds: { min: 60, max: 24 * 3600 },
  brakeMinLocks: { min: 0, max: 100_000 },
} as const;

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type CredentialsSource =
  | { kind: 'secrets-manager'; secretId: string; cacheSeconds: number }
  | { kind: 'environment'; apiKey: string; apiSecret: string };

export interface ReaperConfig {
  tableName: string;
  apiBaseUrl: string;
  credentials: CredentialsSource;
  graceSeconds: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  maxRetries: number;
  safetyMarginMs: number;
  /** Only meaningful for local runs; a Lambda run is bounded by the invocation's remaining time. */
  runBudgetMs: number;
  verifyAtSource: boolean;
  brakeWindowSeconds: number;
  brakeMinLocks: number;
  brakeShare: number;
  serviceName: string;
  metricsNamespace: string;
  logLevel: LogLevel;
}

export type Runtime = 'lambda' | 'local';

/** A configuration mistake, named by the variable that holds it. Never carries the variable's value when secret. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the whole config once; throws ConfigError on the first mistake. */
export function loadConfig(env: Env, runtime: Runtime): ReaperConfig {
  if (runtime === 'lambda') {
    for (const name of LOCAL_ONLY_ENV_NAMES) {
      if (present(env, name)) {
        throw new ConfigError(name, 'is for local runs only; the Lambda reads its credentials from SCENARIO_SECRET_ID');
      }
    }
  }
  return {
    tableName: requireTableName(env),
    apiBaseUrl: parseBaseUrl(env),
    credentials: parseCredentialsSource(env, runtime),
    graceSeconds: parseInteger(env, ENV.graceSeconds, CONFIG_DEFAULTS.graceSeconds, LIMITS.graceSeconds),
    maxInFlight: parseInteger(env, ENV.maxInFlight, CONFIG_DEFAULTS.maxInFlight, LIMITS.maxInFlight),
    requestTimeoutMs: parseInteger(env, ENV.requestTimeoutMs, CONFIG_DEFAULTS.requestTimeoutMs, LIMITS.requestTimeoutMs),
    maxRetries: parseInteger(env, ENV.maxRetries, CONFIG_DEFAULTS.maxRetries, LIMITS.maxRetries),
    safetyMarginMs: parseInteger(env, ENV.safetyMarginMs, CONFIG_DEFAULTS.safetyMarginMs, LIMITS.safetyMarginMs),
    runBudgetMs:
      1000 * parseInteger(env, ENV.runBudgetSeconds, CONFIG_DEFAULTS.runBudgetSeconds, LIMITS.runBudgetSeconds),
    verifyAtSource: parseBoolean(env, ENV.verifyAtSource, CONFIG_DEFAULTS.verifyAtSource),
    brakeWindowSeconds: parseInteger(env, ENV.brakeWindowSeconds, CONFIG_DEFAULTS.brakeWindowSeconds, LIMITS.brakeWindowSeconds),
    brakeMinLocks: parseInteger(env, ENV.brakeMinLocks, CONFIG_DEFAULTS.brakeMinLocks, LIMITS.brakeMinLocks),
    brakeShare: parseShare(env, ENV.brakeShare, CONFIG_DEFAULTS.brakeShare),
    serviceName: env[ENV.serviceName]?.trim() || CONFIG_DEFAULTS.serviceName,
    metricsNamespace: env[ENV.metricsNamespace]?.trim() || CONFIG_DEFAULTS.metricsNamespace,
    logLevel: parseLogLevel(env),
  };
}

function parseBoolean(env: Env, name: EnvName, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, `"${raw}" is not true or false`);
}

function parseShare(env: Env, name: EnvName, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || !(value > 0 && value <= 1)) throw new ConfigError(name, `"${raw}" is not a share greater than 0 and at most 1`);
  return value;
}

/** What commands that only read or write the table need (ops status/track/untrack): no API credentials. */
export function loadTableConfig(env: Env): Pick<ReaperConfig, 'tableName' | 'graceSeconds' | 'logLevel' | 'serviceName'> {
  return {
    tableName: requireTableName(env),
    graceSeconds: parseInteger(env, ENV.graceSeconds, CONFIG_DEFAULTS.graceSeconds, LIMITS.graceSeconds),
    logLevel: parseLogLevel(env),
    serviceName: env[ENV.serviceName]?.trim() || CONFIG_DEFAULTS.serviceName,
  };
}

function present(env: Env, name: string): boolean {
  return (env[name] ?? '').trim() !== '';
}

function requireTableName(env: Env): string {
  const value = env[ENV.tableName]?.trim();
  if (!value) throw new ConfigError(ENV.tableName, 'is required (the DynamoDB table of tracked canvases)');
  // DynamoDB accepts a name (3-255 of [A-Za-z0-9_.-]) or a table ARN.
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(value) && !/^arn:aws[a-z-]*:dynamodb:[^:]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/.test(value)) {
    throw new ConfigError(ENV.tableName, `"${value}" is neither a DynamoDB table name nor a table ARN`);
  }
  return value;
}

function parseBaseUrl(env: Env): string {
  const raw = env[ENV.apiBaseUrl]?.trim() || CONFIG_DEFAULTS.apiBaseUrl;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(ENV.apiBaseUrl, 'is not a valid URL');
  }
  if (url.username || url.password) {
    throw new ConfigError(ENV.apiBaseUrl, 'must not carry credentials; they come from the secret');
  }
  if (url.search || url.hash) {
    throw new ConfigError(ENV.apiBaseUrl, 'must not carry a query string or fragment');
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(ENV.apiBaseUrl, `plain http is refused for ${url.hostname}: use https (http is allowed for loopback hosts only)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(ENV.apiBaseUrl, `protocol ${url.protocol} is not supported; use https`);
  }
  return url.toString().replace(/\/+$/, '');
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === '[::1]';
}

function parseCredentialsSource(env: Env, runtime: Runtime): CredentialsSource {
  const secretId = env[ENV.secretId]?.trim();
  const hasKey = present(env, ENV.localApiKey);
  const hasSecret = present(env, ENV.localApiSecret);
  if (secretId && (hasKey || hasSecret)) {
    throw new ConfigError(
      ENV.secretId,
      `is set together with ${hasKey ? ENV.localApiKey : ENV.localApiSecret}; set one source of credentials, not both`,
    );
  }
  if (secretId) {
    return {
      kind: 'secrets-manager',
      secretId,
      cacheSeconds: parseInteger(env, ENV.secretCacheSeconds, CONFIG_DEFAULTS.secretCacheSeconds, LIMITS.secretCacheSeconds),
    };
  }
  if (runtime === 'lambda') {
    throw new ConfigError(ENV.secretId, 'is required: the secret holding {"apiKey","apiSecret"}');
  }
  if (!hasKey || !hasSecret) {
    const missing = hasKey ? ENV.localApiSecret : ENV.localApiKey;
    throw new ConfigError(
      missing,
      `is required when ${ENV.secretId} is not set (set ${ENV.secretId}, or both ${ENV.localApiKey} and ${ENV.localApiSecret})`,
    );
  }
  return { kind: 'environment', apiKey: env[ENV.localApiKey]!.trim(), apiSecret: env[ENV.localApiSecret]!.trim() };
}

function parseInteger(env: Env, name: EnvName, fallback: number, limits: { min: number; max: number }): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not a whole number`);
  const value = Number(raw);
  if (value < limits.min || value > limits.max) {
    throw new ConfigError(name, `${value} is outside ${limits.min}..${limits.max}`);
  }
  return value;
}

function parseLogLevel(env: Env): LogLevel {
  const raw = env[ENV.logLevel]?.trim().toUpperCase();
  if (!raw) return CONFIG_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(ENV.logLevel, `"${raw}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return raw as LogLevel;
}
