import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { ConfigError, type LogLevel } from '../functions/reaper/config';
import { ENV, type EnvName } from '../functions/reaper/env';
import { DEFAULT_REAPER_TIMEOUT, MAX_LAMBDA_TIMEOUT, DEFAULT_LOG_RETENTION } from './constructs/reaper-function';
import { DEFAULT_REAPER_SETTINGS, reaperEnvironment, validateReaperEnvironment, type ReaperSettings } from './reaper-environment';
import { DEFAULT_STACK_NAME, type ReaperStackProps } from './reaper-stack';
import { assertTimeZone, DEFAULT_SCHEDULE_EXPRESSION, DEFAULT_SCHEDULE_TIME_ZONE, parseScheduleCadence } from './schedule-cadence';

/**
 * Every context key ops may set, with its default: the values cdk.json ships (a test keeps the two equal).
 * Set one with `npx cdk deploy -c <key>=<value>` or in cdk.json. An empty string means "not set".
 * docs/deploy.md describes each key.
 */
export const CONTEXT_DEFAULTS = {
  /** CloudFormation stack name; distinct names let one account hold several reapers. */
  'reaper:stackName': DEFAULT_STACK_NAME,
  /** Recurring EventBridge Scheduler expression: `rate(<n> minute[s]|hour[s]|day[s])` or `cron(<6 fields>)`. */
  'reaper:scheduleExpression': DEFAULT_SCHEDULE_EXPRESSION,
  /** IANA time zone a cron expression is read in (ignored for rate expressions). */
  'reaper:scheduleTimeZone': DEFAULT_SCHEDULE_TIME_ZONE,
  /** false deploys the schedule disabled: the kill switch. */
  'reaper:scheduleEnabled': true,
  /** Minutes of the "not running"/"unlocks failing" alarm period; empty: derived from the schedule (60 for cron). */
  'reaper:heartbeatMinutes': '',
  /** Existing table of tracked canvases, by name; empty: the stack creates one. */
  'reaper:existingTableName': '',
  /** Existing table of tracked canvases, by ARN; empty: the stack creates one. */
  'reaper:existingTableArn': '',
  /** Existing credentials secret, by complete ARN; empty: the stack creates an empty one. */
  'reaper:existingSecretArn': '',
  /** Existing credentials secret, by name; empty: the stack creates an empty one. */
  'reaper:existingSecretName': '',
  /** Customer-managed KMS key ARN the secret is encrypted with; empty: the AWS-managed key. */
  'reaper:secretKmsKeyArn': '',
  /** E-mail address subscribed to the alarm topic; empty: no subscription. */
  'reaper:alarmEmail': '',
  /** Function timeout in seconds (the run's budget is this minus safetyMarginMs). */
  'reaper:functionTimeoutSeconds': DEFAULT_REAPER_TIMEOUT.toSeconds(),
  /** Days the function's logs are kept; one of CloudWatch Logs' retention values (9999: forever). */
  'reaper:logRetentionDays': DEFAULT_LOG_RETENTION as number,
  /** SCENARIO_API_BASE_URL. */
  'reaper:apiBaseUrl': DEFAULT_REAPER_SETTINGS.apiBaseUrl,
  /** GRACE_SECONDS. */
  'reaper:graceSeconds': DEFAULT_REAPER_SETTINGS.graceSeconds,
  /** MAX_IN_FLIGHT. */
  'reaper:maxInFlight': DEFAULT_REAPER_SETTINGS.maxInFlight,
  /** REQUEST_TIMEOUT_MS. */
  'reaper:requestTimeoutMs': DEFAULT_REAPER_SETTINGS.requestTimeoutMs,
  /** MAX_RETRIES. */
  'reaper:maxRetries': DEFAULT_REAPER_SETTINGS.maxRetries,
  /** SAFETY_MARGIN_MS. */
  'reaper:safetyMarginMs': DEFAULT_REAPER_SETTINGS.safetyMarginMs,
  /** SECRET_CACHE_SECONDS. */
  'reaper:secretCacheSeconds': DEFAULT_REAPER_SETTINGS.secretCacheSeconds,
  /** POWERTOOLS_LOG_LEVEL. */
  'reaper:logLevel': DEFAULT_REAPER_SETTINGS.logLevel,
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of the metrics the alarms watch. */
  'reaper:serviceName': DEFAULT_REAPER_SETTINGS.serviceName,
  /** POWERTOOLS_METRICS_NAMESPACE: the namespace of the metrics the alarms watch. */
  'reaper:metricsNamespace': DEFAULT_REAPER_SETTINGS.metricsNamespace,
} as const;

export type ContextKey = keyof typeof CONTEXT_DEFAULTS;

/** The context key that sets each of the function's tunable variables, to name it in validation errors. */
const CONTEXT_KEY_BY_VARIABLE: Partial<Record<EnvName, ContextKey>> = {
  [ENV.apiBaseUrl]: 'reaper:apiBaseUrl',
  [ENV.graceSeconds]: 'reaper:graceSeconds',
  [ENV.maxInFlight]: 'reaper:maxInFlight',
  [ENV.requestTimeoutMs]: 'reaper:requestTimeoutMs',
  [ENV.maxRetries]: 'reaper:maxRetries',
  [ENV.safetyMarginMs]: 'reaper:safetyMarginMs',
  [ENV.secretCacheSeconds]: 'reaper:secretCacheSeconds',
  [ENV.logLevel]: 'reaper:logLevel',
  [ENV.serviceName]: 'reaper:serviceName',
  [ENV.metricsNamespace]: 'reaper:metricsNamespace',
};

/** A context value that cannot be used; the message starts with the key. */
export class ContextError extends Error {
  constructor(
    readonly key: ContextKey,
    detail: string,
  ) {
    super(`Context key ${key}: ${detail}`);
    this.name = 'ContextError';
  }
}

/** What infra/app.ts needs to build the stack. */
export interface ReaperAppConfig {
  readonly stackName: string;
  readonly stackProps: ReaperStackProps;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;
const SECRET_COMPLETE_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const RETENTION_DAYS = Object.values(RetentionDays).filter((value): value is number => typeof value === 'number');

/** Reads and validates every `reaper:*` context key; throws ContextError naming the first bad key. */
export function readReaperContext(node: Node): ReaperAppConfig {
  const unknown = Object.keys(node.getAllContext()).filter((key) => key.startsWith('reaper:') && !(key in CONTEXT_DEFAULTS));
  if (unknown.length > 0) {
    throw new Error(`Unknown context key(s) ${unknown.join(', ')}; the known keys are listed in docs/deploy.md`);
  }
  const read = new ContextReader(node);

  const stackName = read.string('reaper:stackName', STACK_NAME, 'a CloudFormation stack name (letters, digits, hyphens)') ?? DEFAULT_STACK_NAME;
  const scheduleExpression = read.string('reaper:scheduleExpression') ?? DEFAULT_SCHEDULE_EXPRESSION;
  const cadence = read.guard('reaper:scheduleExpression', () => parseScheduleCadence(scheduleExpression, 'reaper:scheduleExpression'));
  const scheduleTimeZone = read.string('reaper:scheduleTimeZone') ?? DEFAULT_SCHEDULE_TIME_ZONE;
  read.guard('reaper:scheduleTimeZone', () => assertTimeZone(scheduleTimeZone, 'reaper:scheduleTimeZone'));
  const heartbeatMinutes = read.integer('reaper:heartbeatMinutes', 1, 24 * 60);

  const existingTableName = read.string('reaper:existingTableName', TABLE_NAME, 'a DynamoDB table name');
  const existingTableArn = read.string('reaper:existingTableArn', TABLE_ARN, 'a DynamoDB table ARN');
  if (existingTableName && existingTableArn) {
    throw new ContextError('reaper:existingTableArn', 'set reaper:existingTableName or reaper:existingTableArn, not both');
  }
  const existingSecretArn = read.string(
    'reaper:existingSecretArn',
    SECRET_COMPLETE_ARN,
    'a complete secret ARN (ending in "-" and six characters); for a name use reaper:existingSecretName',
  );
  const existingSecretName = read.string('reaper:existingSecretName', SECRET_NAME, 'a Secrets Manager secret name');
  if (existingSecretArn && existingSecretName) {
    throw new ContextError('reaper:existingSecretName', 'set reaper:existingSecretArn or reaper:existingSecretName, not both');
  }
  const secretKmsKeyArn = read.string('reaper:secretKmsKeyArn', KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
  const alarmEmail = read.string('reaper:alarmEmail', EMAIL, 'an e-mail address');

  const settings: ReaperSettings = {
    apiBaseUrl: read.string('reaper:apiBaseUrl') ?? DEFAULT_REAPER_SETTINGS.apiBaseUrl,
    graceSeconds: read.integer('reaper:graceSeconds') ?? DEFAULT_REAPER_SETTINGS.graceSeconds,
    maxInFlight: read.integer('reaper:maxInFlight') ?? DEFAULT_REAPER_SETTINGS.maxInFlight,
    requestTimeoutMs: read.integer('reaper:requestTimeoutMs') ?? DEFAULT_REAPER_SETTINGS.requestTimeoutMs,
    maxRetries: read.integer('reaper:maxRetries') ?? DEFAULT_REAPER_SETTINGS.maxRetries,
    safetyMarginMs: read.integer('reaper:safetyMarginMs') ?? DEFAULT_REAPER_SETTINGS.safetyMarginMs,
    secretCacheSeconds: read.integer('reaper:secretCacheSeconds') ?? DEFAULT_REAPER_SETTINGS.secretCacheSeconds,
    logLevel: ((read.string('reaper:logLevel') ?? DEFAULT_REAPER_SETTINGS.logLevel).toUpperCase() as LogLevel),
    serviceName: read.string('reaper:serviceName') ?? DEFAULT_REAPER_SETTINGS.serviceName,
    metricsNamespace: read.string('reaper:metricsNamespace') ?? DEFAULT_REAPER_SETTINGS.metricsNamespace,
    verifyAtSource: DEFAULT_REAPER_SETTINGS.verifyAtSource,
    brakeWindowSeconds: DEFAULT_REAPER_SETTINGS.brakeWindowSeconds,
    brakeMinLocks: DEFAULT_REAPER_SETTINGS.brakeMinLocks,
    brakeShare: DEFAULT_REAPER_SETTINGS.brakeShare,
  };
  assertSettingsAcceptedByHandler(settings);

  const timeoutSeconds = read.integer('reaper:functionTimeoutSeconds', 1, MAX_LAMBDA_TIMEOUT.toSeconds()) ?? DEFAULT_REAPER_TIMEOUT.toSeconds();
  const logRetentionDays = read.integer('reaper:logRetentionDays') ?? (DEFAULT_LOG_RETENTION as number);
  if (!RETENTION_DAYS.includes(logRetentionDays)) {
    throw new ContextError('reaper:logRetentionDays', `${logRetentionDays} is not one of ${RETENTION_DAYS.join(', ')}`);
  }
  return {
    stackName,
    stackProps: {
      existingTableName,
      existingTableArn,
      existingSecretArn,
      existingSecretName,
      secretKmsKeyArn,
      alarmEmail,
      settings,
      functionTimeout: Duration.seconds(timeoutSeconds),
      logRetention: logRetentionDays as RetentionDays,
      scheduleExpression: cadence.expression,
      scheduleTimeZone,
      scheduleEnabled: read.boolean('reaper:scheduleEnabled') ?? true,
      heartbeatPeriod: heartbeatMinutes === undefined ? undefined : Duration.minutes(heartbeatMinutes),
    },
  };
}

/** The handler's own validation (functions/reaper/config.ts), its errors renamed to the context key ops typed. */
function assertSettingsAcceptedByHandler(settings: ReaperSettings): void {
  try {
    validateReaperEnvironment(reaperEnvironment(settings, { tableName: 'tracked-canvases', secretId: 'scenario-credentials' }));
  } catch (error) {
    if (error instanceof ConfigError) {
      const key = CONTEXT_KEY_BY_VARIABLE[error.variable as EnvName];
      if (key) throw new ContextError(key, error.message.slice(error.variable.length + 2));
    }
    throw error;
  }
}

/** Context values arrive as JSON from cdk.json and as strings from `-c key=value`; both are accepted. */
class ContextReader {
  constructor(private readonly node: Node) {}

  /** The trimmed string, or undefined when unset or empty. */
  string(key: ContextKey, pattern?: RegExp, expected?: string): string | undefined {
    const raw: unknown = this.node.tryGetContext(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') throw new ContextError(key, `expected a string, got ${JSON.stringify(raw)}`);
    const value = raw.trim();
    if (value === '') return undefined;
    if (pattern && !pattern.test(value)) throw new ContextError(key, `"${value}" is not ${expected ?? `of the form ${pattern}`}`);
    return value;
  }

  integer(key: ContextKey, min?: number, max?: number): number | undefined {
    const raw: unknown = this.node.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
    if (text === undefined || !/^\d+$/.test(text)) throw new ContextError(key, `expected a whole number, got ${JSON.stringify(raw)}`);
    const value = Number(text);
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      throw new ContextError(key, `${value} is outside ${min}..${max}`);
    }
    return value;
  }

  boolean(key: ContextKey): boolean | undefined {
    const raw: unknown = this.node.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw new ContextError(key, `expected true or false, got ${JSON.stringify(raw)}`);
  }

  /** Runs a validation written elsewhere, re-throwing its error under the key's name. */
  guard<T>(key: ContextKey, check: () => T): T {
    try {
      return check();
    } catch (error) {
      if (error instanceof ContextError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new ContextError(key, message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message);
    }
  }
}
