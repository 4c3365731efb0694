import { Token } from 'aws-cdk-lib';
import { CONFIG_DEFAULTS, loadConfig, type LogLevel } from '../functions/reaper/config';
import { ENV, LAMBDA_ENV_NAMES, type EnvName } from '../functions/reaper/env';

/** The reaper's tunables, as the function receives them; each maps to one variable of `ENV`. */
export interface ReaperSettings {
  /** Scenario API base URL (https). */
  readonly apiBaseUrl: string;
  /** A lock is stale once lockExpiresAt + this many seconds is in the past. */
  readonly graceSeconds: number;
  /** Unlock requests in flight at once. */
  readonly maxInFlight: number;
  /** Per-attempt timeout of one unlock request, in milliseconds. */
  readonly requestTimeoutMs: number;
  /** Retries of one unlock request on 429, 5xx and timeouts. */
  readonly maxRetries: number;
  /** No new unlock starts when less than this many milliseconds of the invocation are left. */
  readonly safetyMarginMs: number;
  /** How long a warm function reuses the fetched secret, in seconds. */
  readonly secretCacheSeconds: number;
  /** Powertools service name: the `service` dimension of every metric. */
  readonly serviceName: string;
  /** CloudWatch namespace of the reaper's metrics. */
  readonly metricsNamespace: string;
  /** Powertools log level. */
  readonly logLevel: LogLevel;
  /** GET each stale asset from Scenario before force-unlocking it. */
  readonly verifyAtSource: boolean;
  /** The mass-expiry brake's window (seconds), minimum count of newly stale locks (0: off), and minimum share. */
  readonly brakeWindowSeconds: number;
  readonly brakeMinLocks: number;
  readonly brakeShare: number;
}

/** The handler's own defaults (functions/reaper/config.ts), so the stack and a local run behave the same. */
export const DEFAULT_REAPER_SETTINGS: ReaperSettings = {
  apiBaseUrl: CONFIG_DEFAULTS.apiBaseUrl,
  graceSeconds: CONFIG_DEFAULTS.graceSeconds,
  maxInFlight: CONFIG_DEFAULTS.maxInFlight,
  requestTimeoutMs: CONFIG_DEFAULTS.requestTimeoutMs,
  maxRetries: CONFIG_DEFAULTS.maxRetries,
  safetyMarginMs: CONFIG_DEFAULTS.safetyMarginMs,
  secretCacheSeconds: CONFIG_DEFAULTS.secretCacheSeconds,
  serviceName: CONFIG_DEFAULTS.serviceName,
  metricsNamespace: CONFIG_DEFAULTS.metricsNamespace,
  logLevel: CONFIG_DEFAULTS.logLevel,
  verifyAtSource: CONFIG_DEFAULTS.verifyAtSource,
  brakeWindowSeconds: CONFIG_DEFAULTS.brakeWindowSeconds,
  brakeMinLocks: CONFIG_DEFAULTS.brakeMinLocks,
  brakeShare: CONFIG_DEFAULTS.brakeShare,
};

/** Where the function's resources are; the stack knows these only as tokens until deploy. */
export interface ReaperResourceIds {
  /** Name (or ARN) of the table of tracked canvases. */
  readonly tableName: string;
  /** Id (ARN or name) of the secret holding the Scenario key pair. */
  readonly secretId: string;
}

/**
 * The function's environment: exactly the variables of LAMBDA_ENV_NAMES, no more, no fewer.
 * A name the handler starts reading without the stack knowing its value fails the synth, naming the variable.
 */
export function reaperEnvironment(settings: ReaperSettings, resources: ReaperResourceIds): Record<string, string> {
  const valueByVariable: Partial<Record<EnvName, string>> = {
    [ENV.tableName]: resources.tableName,
    [ENV.secretId]: resources.secretId,
    [ENV.apiBaseUrl]: settings.apiBaseUrl,
    [ENV.graceSeconds]: String(settings.graceSeconds),
    [ENV.maxInFlight]: String(settings.maxInFlight),
    [ENV.requestTimeoutMs]: String(settings.requestTimeoutMs),
    [ENV.maxRetries]: String(settings.maxRetries),
    [ENV.safetyMarginMs]: String(settings.safetyMarginMs),
    [ENV.secretCacheSeconds]: String(settings.secretCacheSeconds),
    [ENV.serviceName]: settings.serviceName,
    [ENV.metricsNamespace]: settings.metricsNamespace,
    [ENV.logLevel]: settings.logLevel,
    [ENV.verifyAtSource]: String(settings.verifyAtSource),
    [ENV.brakeWindowSeconds]: String(settings.brakeWindowSeconds),
    [ENV.brakeMinLocks]: String(settings.brakeMinLocks),
    [ENV.brakeShare]: String(settings.brakeShare),
  };
  const environment: Record<string, string> = {};
  for (const name of LAMBDA_ENV_NAMES) {
    const value = valueByVariable[name];
    if (value === undefined) {
      throw new Error(`The handler reads ${name} but the stack has no value for it: add it to reaperEnvironment()`);
    }
    environment[name] = value;
  }
  return environment;
}

/**
 * Runs the handler's own config validation on the environment the stack is about to deploy, so a bad value fails
 * `cdk synth` instead of every scheduled run. Tokens (resolved only at deploy) are replaced by valid stand-ins.
 * Throws the handler's ConfigError, which names the variable.
 */
export function validateReaperEnvironment(environment: Record<string, string>): void {
  const standIns: Partial<Record<EnvName, string>> = {
    [ENV.tableName]: 'tracked-canvases',
    [ENV.secretId]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:scenario-AbCdEf',
  };
  const resolvable = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, Token.isUnresolved(value) ? (standIns[name as EnvName] ?? 'token') : value]),
  );
  loadConfig(resolvable, 'lambda');
}
