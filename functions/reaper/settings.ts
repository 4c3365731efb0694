import {
  apiBaseUrlProblem,
  EMAIL,
  KMS_KEY_ARN,
  lockEventBusProblem,
  matching,
  normalizeApiBaseUrl,
  SECRET_COMPLETE_ARN,
  SECRET_NAME,
  STACK_NAME,
  tableReferenceProblem,
  timeZoneProblem,
} from './setting-checks';

/**
 * Every setting of the reaper, in one table: the function's environment variables and the stack's context keys.
 * From it come the config loader (config.ts), the variable names (env.ts), the payload's and CLI's grace bound
 * (payload.ts), the stack's context reader and the Lambda environment (infra/), and the README's and
 * docs/deploy.md's tables (`npm run docs:settings`). Defaults live here and nowhere else (not in cdk.json).
 *
 * The names are contracts with ops: extend, never rename. The keys of this table are the ReaperConfig field names.
 * The Lambda bundle imports this module: keep it free of aws-cdk-lib.
 */

/** Where a setting may be used. */
export type SettingUse =
  /** Read by the function, in the Lambda and in a local run; the stack sets it in the Lambda's environment. */
  | 'lambda'
  /** Read by a local run (CLI, ops) only; the Lambda refuses it. */
  | 'local-only'
  /** A context key of the CDK app only; never an environment variable. */
  | 'stack-only';

interface SettingBase {
  /** The environment variable the function reads; none for stack-only keys. */
  readonly env?: string;
  /** The CDK context key (`-c key=value`); none for local-only variables and for values the stack supplies itself. */
  readonly context?: `reaper:${string}`;
  readonly use: SettingUse;
  /** One line for the generated docs. */
  readonly doc: string;
  /** For a local-only variable: what the Lambda uses instead (ends "the Lambda …" in the refusal). */
  readonly lambdaInstead?: string;
  /** What the docs' default column says when there is no default value. */
  readonly defaultDoc?: string;
}

export interface WholeNumberSetting extends SettingBase {
  readonly type: 'whole';
  readonly default?: number;
  readonly min: number;
  readonly max: number;
  /** Only these values are accepted (within min..max). */
  readonly oneOf?: readonly number[];
}

export interface DecimalSetting extends SettingBase {
  readonly type: 'decimal';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** The value must be greater than min, not equal to it. */
  readonly minExclusive?: boolean;
}

export interface BooleanSetting extends SettingBase {
  readonly type: 'boolean';
  readonly default: boolean;
}

export interface EnumSetting extends SettingBase {
  readonly type: 'enum';
  /** Accepted in any case; the value is the one written here. */
  readonly values: readonly string[];
  readonly default: string;
}

export interface TextSetting extends SettingBase {
  readonly type: 'text';
  readonly default?: string;
  /** What values are accepted, for the docs. */
  readonly format: string;
  /** Returns the problem with a value, or undefined. */
  readonly check?: (value: string) => string | undefined;
  /** The value as the code uses it, once checked. */
  readonly normalize?: (value: string) => string;
  /** When set, the setting is required; the text says what it is (`is required (<text>)`). */
  readonly required?: string;
  /** A credential: never echoed in a message. */
  readonly secret?: boolean;
}

export type Setting = WholeNumberSetting | DecimalSetting | BooleanSetting | EnumSetting | TextSetting;

export const SETTINGS = {
  // ---- The function's variables (Lambda and local runs) ----
  tableName: {
    env: 'TABLE_NAME',
    use: 'lambda',
    type: 'text',
    required: 'the DynamoDB table of tracked canvases',
    format: 'table name or table ARN',
    check: (value) => tableReferenceProblem(value, 'name-or-arn'),
    doc: 'The DynamoDB table of tracked canvases. The stack sets it to the table it creates or imports.',
  },
  apiBaseUrl: {
    env: 'SCENARIO_API_BASE_URL',
    context: 'reaper:apiBaseUrl',
    use: 'lambda',
    type: 'text',
    default: 'https://api.cloud.scenario.com/v1',
    format: 'https URL (plain http to a loopback host only), no credentials, query or fragment',
    check: apiBaseUrlProblem,
    normalize: normalizeApiBaseUrl,
    doc: 'Scenario API base URL; unlocks go to `{base}/assets/{assetId}/unlock`.',
  },
  secretId: {
    env: 'SCENARIO_SECRET_ID',
    use: 'lambda',
    type: 'text',
    format: 'secret ARN or name',
    defaultDoc: '(required in the Lambda)',
    doc: 'Secrets Manager secret whose value is `{"apiKey":"…","apiSecret":"…"}` (one project) or `{"projects":{"<projectId>":{"apiKey","apiSecret"}},"default"?:{…}}` (a key per Scenario project); the stack sets it. A warm Lambda reuses the value `SECRET_CACHE_SECONDS` and drops it when the API answers 401/403. A local run may use it, or the two `SCENARIO_SDK_*` variables.',
  },
  localApiKey: {
    env: 'SCENARIO_SDK_API_KEY',
    use: 'local-only',
    type: 'text',
    secret: true,
    format: 'Scenario API key',
    lambdaInstead: 'reads its credentials from SCENARIO_SECRET_ID',
    doc: "The Scenario API key (the Scenario SDK's name), with `SCENARIO_SDK_API_SECRET`, when `SCENARIO_SECRET_ID` is not set.",
  },
  localApiSecret: {
    env: 'SCENARIO_SDK_API_SECRET',
    use: 'local-only',
    type: 'text',
    secret: true,
    format: 'Scenario API secret',
    lambdaInstead: 'reads its credentials from SCENARIO_SECRET_ID',
    doc: "The Scenario API secret (the Scenario SDK's name), with `SCENARIO_SDK_API_KEY`.",
  },
  projectsFile: {
    env: 'SCENARIO_PROJECTS_FILE',
    use: 'local-only',
    type: 'text',
    format: 'path of a JSON file (not world-readable)',
    lambdaInstead: 'reads its credentials from SCENARIO_SECRET_ID',
    doc: 'A local JSON file of the secret\'s shape, with a key pair per Scenario project (`{"projects":{"<projectId>":{"apiKey","apiSecret"}},"default"?:{…}}`), instead of `SCENARIO_SECRET_ID` or the two `SCENARIO_SDK_*` variables. Refused when any user of the machine may read it.',
  },
  graceSeconds: {
    env: 'GRACE_SECONDS',
    context: 'reaper:graceSeconds',
    use: 'lambda',
    type: 'whole',
    default: 60,
    min: 0,
    max: 7 * 24 * 3600,
    doc: 'A lock is stale once its `lockExpiresAt` plus this many seconds is past (absorbs clock skew). A manual run may ask for another grace, within the same bounds.',
  },
  maxInFlight: {
    env: 'MAX_IN_FLIGHT',
    context: 'reaper:maxInFlight',
    use: 'lambda',
    type: 'whole',
    default: 8,
    min: 1,
    max: 256,
    doc: 'Canvases between their claim and the end of their last request, at once (so at most this many GET/PUT requests in flight; each stale canvas costs two with verification on). With a key per project, one project holds at most half of them.',
  },
  requestTimeoutMs: {
    env: 'REQUEST_TIMEOUT_MS',
    context: 'reaper:requestTimeoutMs',
    use: 'lambda',
    type: 'whole',
    default: 10_000,
    min: 100,
    max: 120_000,
    doc: 'Timeout of one request attempt, in milliseconds.',
  },
  maxRetries: {
    env: 'MAX_RETRIES',
    context: 'reaper:maxRetries',
    use: 'lambda',
    type: 'whole',
    default: 3,
    min: 0,
    max: 10,
    doc: 'Retries of one request on 408/429/5xx, timeouts and network errors.',
  },
  safetyMarginMs: {
    env: 'SAFETY_MARGIN_MS',
    context: 'reaper:safetyMarginMs',
    use: 'lambda',
    type: 'whole',
    default: 10_000,
    min: 0,
    max: 600_000,
    doc: 'No new unlock starts when less than this many milliseconds are left of the run.',
  },
  runBudgetSeconds: {
    env: 'RUN_BUDGET_SECONDS',
    use: 'local-only',
    type: 'whole',
    default: 240,
    min: 1,
    max: 24 * 3600,
    lambdaInstead: "uses the invocation's remaining time",
    doc: "The run's time budget, in seconds (the Lambda uses the invocation's remaining time).",
  },
  secretCacheSeconds: {
    env: 'SECRET_CACHE_SECONDS',
    context: 'reaper:secretCacheSeconds',
    use: 'lambda',
    type: 'whole',
    default: 300,
    min: 0,
    max: 24 * 3600,
    doc: 'How long a warm Lambda reuses the secret value before reading it again, in seconds.',
  },
  verifyAtSource: {
    env: 'VERIFY_AT_SOURCE',
    context: 'reaper:verifyAtSource',
    use: 'lambda',
    type: 'boolean',
    default: true,
    doc: 'GET the asset from Scenario before force-unlocking; `false` trusts the table alone.',
  },
  brakeWindowSeconds: {
    env: 'BRAKE_WINDOW_SECONDS',
    context: 'reaper:brakeWindowSeconds',
    use: 'lambda',
    type: 'whole',
    default: 900,
    min: 60,
    max: 24 * 3600,
    doc: 'A stale lock is "newly stale" when its expiry plus the grace falls within this many seconds before the run (the brake on mass expiry counts these).',
  },
  brakeMinLocks: {
    env: 'BRAKE_MIN_LOCKS',
    context: 'reaper:brakeMinLocks',
    use: 'lambda',
    type: 'whole',
    default: 25,
    min: 0,
    max: 100_000,
    doc: 'The brake trips only when a run finds at least this many newly stale locks; 0 disables the brake.',
  },
  brakeShare: {
    env: 'BRAKE_SHARE',
    context: 'reaper:brakeShare',
    use: 'lambda',
    type: 'decimal',
    default: 0.5,
    min: 0,
    minExclusive: true,
    max: 1,
    doc: 'The brake trips only when the newly stale locks are at least this share of newly stale plus live locks.',
  },
  lockEventsBus: {
    env: 'LOCK_EVENTS_BUS',
    use: 'lambda',
    type: 'text',
    default: '',
    defaultDoc: '(empty: no events; the stack sets it)',
    format: 'EventBridge event bus name or ARN; empty for none',
    check: lockEventBusProblem,
    doc: 'The event bus the run publishes its lock events to (docs/events.md); the stack sets it to the bus it creates. Empty: no events. `npm run reap` and `ops unlock` publish too when it is set.',
  },
  lockEvents: {
    env: 'LOCK_EVENTS',
    context: 'reaper:lockEvents',
    use: 'lambda',
    type: 'boolean',
    default: true,
    doc: 'Publish an event per released lock, doubt, healed row and brake change to `LOCK_EVENTS_BUS` (docs/events.md); `false` publishes none (the bus stays).',
  },
  serviceName: {
    env: 'POWERTOOLS_SERVICE_NAME',
    context: 'reaper:serviceName',
    use: 'lambda',
    type: 'text',
    default: 'canvas-lock-reaper',
    format: 'text',
    doc: "The `service` of the logs and the dimension of the reaper's metrics; the alarms watch the same value. Distinct names (with distinct `reaper:stackName`) let one account hold several reapers.",
  },
  metricsNamespace: {
    env: 'POWERTOOLS_METRICS_NAMESPACE',
    context: 'reaper:metricsNamespace',
    use: 'lambda',
    type: 'text',
    default: 'CanvasLockReaper',
    format: 'text',
    doc: "CloudWatch namespace of the reaper's metrics; the alarms watch the same value.",
  },
  logLevel: {
    env: 'POWERTOOLS_LOG_LEVEL',
    context: 'reaper:logLevel',
    use: 'lambda',
    type: 'enum',
    values: ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'],
    default: 'INFO',
    doc: 'Log level (Powertools Logger). Live and unlocked rows are logged at DEBUG only.',
  },

  // ---- The stack's own context keys ----
  stackName: {
    context: 'reaper:stackName',
    use: 'stack-only',
    type: 'text',
    default: 'CanvasLockReaper',
    format: 'letters, digits, hyphens; starts with a letter',
    check: matching(STACK_NAME, 'a CloudFormation stack name (letters, digits, hyphens)'),
    doc: 'CloudFormation stack name. Distinct names (with distinct `reaper:serviceName`) let one account hold several reapers.',
  },
  scheduleExpression: {
    context: 'reaper:scheduleExpression',
    use: 'stack-only',
    type: 'text',
    default: 'rate(5 minutes)',
    format: '`rate(<n> minute[s]|hour[s]|day[s])` or `cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)`',
    // Checked by infra/schedule-cadence.ts, which also sizes the alarms from it (it needs aws-cdk-lib's Duration).
    doc: 'When the reaper runs (EventBridge Scheduler). One-time `at(...)` is refused.',
  },
  scheduleTimeZone: {
    context: 'reaper:scheduleTimeZone',
    use: 'stack-only',
    type: 'text',
    default: 'UTC',
    format: 'IANA time zone, e.g. `Europe/Paris`',
    check: timeZoneProblem,
    doc: 'Time zone a cron expression is read in (ignored for rate).',
  },
  scheduleEnabled: {
    context: 'reaper:scheduleEnabled',
    use: 'stack-only',
    type: 'boolean',
    default: true,
    doc: '`false` deploys the schedule disabled: the kill switch (docs/deploy.md, "Pausing and resuming").',
  },
  heartbeatMinutes: {
    context: 'reaper:heartbeatMinutes',
    use: 'stack-only',
    type: 'whole',
    min: 1,
    max: 24 * 60,
    defaultDoc: '(derived)',
    doc: 'Period of the NotRunning and UnlocksFailing alarms: the longest normal gap between two completed runs. Default: the larger of the rate interval and the function timeout; 60 for a cron expression. Set it for a cron schedule with longer gaps.',
  },
  existingTableName: {
    context: 'reaper:existingTableName',
    use: 'stack-only',
    type: 'text',
    format: 'table name',
    check: (value) => tableReferenceProblem(value, 'name'),
    doc: 'Use this existing table of tracked canvases instead of creating one.',
  },
  existingTableArn: {
    context: 'reaper:existingTableArn',
    use: 'stack-only',
    type: 'text',
    format: 'table ARN',
    check: (value) => tableReferenceProblem(value, 'arn'),
    doc: 'Same, by ARN. Set at most one of the two.',
  },
  tableDeletionProtection: {
    context: 'reaper:tableDeletionProtection',
    use: 'stack-only',
    type: 'boolean',
    default: true,
    doc: 'Deletion protection on the table the stack creates: DynamoDB refuses to delete it, even by hand. `false` for a dev stack you mean to remove completely (docs/deploy.md, "Removing it"). No effect on an existing table.',
  },
  existingSecretArn: {
    context: 'reaper:existingSecretArn',
    use: 'stack-only',
    type: 'text',
    format: 'complete secret ARN (ending in `-` and six characters)',
    check: matching(
      SECRET_COMPLETE_ARN,
      'a complete secret ARN (ending in "-" and six characters); for a name use reaper:existingSecretName',
    ),
    doc: 'Use this existing credentials secret instead of creating an empty one.',
  },
  existingSecretName: {
    context: 'reaper:existingSecretName',
    use: 'stack-only',
    type: 'text',
    format: 'secret name',
    check: matching(SECRET_NAME, 'a Secrets Manager secret name'),
    doc: 'Same, by name; the function is then granted `<name>-??????`. Set at most one of the two.',
  },
  secretKmsKeyArn: {
    context: 'reaper:secretKmsKeyArn',
    use: 'stack-only',
    type: 'text',
    format: 'KMS key ARN',
    check: matching(KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'),
    doc: 'Customer-managed KMS key the secret is encrypted with; the function may then `kms:Decrypt` with it through Secrets Manager only. Not needed with the default `aws/secretsmanager` key.',
  },
  alarmEmail: {
    context: 'reaper:alarmEmail',
    use: 'stack-only',
    type: 'text',
    format: 'e-mail address',
    check: matching(EMAIL, 'an e-mail address'),
    doc: 'E-mail address subscribed to the alarm topic (confirm the subscription once, from the first e-mail).',
  },
  functionTimeoutSeconds: {
    context: 'reaper:functionTimeoutSeconds',
    use: 'stack-only',
    type: 'whole',
    default: 300,
    min: 1,
    // Lambda's ceiling for a function timeout.
    max: 900,
    doc: "Function timeout in seconds. A run's time budget is this minus `reaper:safetyMarginMs` (at least 30 s must remain), so a longer timeout lets one run clear a larger backlog.",
  },
  lockEventsArchiveDays: {
    context: 'reaper:lockEventsArchiveDays',
    use: 'stack-only',
    type: 'whole',
    default: 90,
    min: 0,
    max: 3653,
    // 0, or a CloudWatch Logs retention (the events' log group keeps them as long as the archive).
    oneOf: [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
    doc: "How long the lock events' archive (for replay) and their log group keep the events, in days. 0: no archive (in CloudFormation an archive's 0 would mean forever), and the log group keeps them as long as the function's logs.",
  },
  logRetentionDays: {
    context: 'reaper:logRetentionDays',
    use: 'stack-only',
    type: 'whole',
    default: 30,
    min: 1,
    max: 9999,
    // CloudWatch Logs' retention values (aws-cdk-lib's RetentionDays; a test keeps the two equal).
    oneOf: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999],
    doc: "How long the function's logs are kept, in days (9999: forever).",
  },
} as const satisfies Record<string, Setting>;

type Specs = typeof SETTINGS;
export type SettingName = keyof Specs;

/** The table seen through the general type, for code that walks every setting. */
export const SETTING_SPECS: Readonly<Record<SettingName, Setting>> = SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

type NamesWhere<Shape> = { [K in SettingName]: Specs[K] extends Shape ? K : never }[SettingName];

/** Settings the function reads (Lambda or local run). */
export type FunctionSettingName = NamesWhere<{ use: 'lambda' | 'local-only' }>;
/** Settings the Lambda reads: its environment holds exactly these. */
export type LambdaSettingName = NamesWhere<{ use: 'lambda' }>;
export type LocalOnlySettingName = NamesWhere<{ use: 'local-only' }>;
/** Settings with a context key. */
export type ContextSettingName = NamesWhere<{ context: string }>;
/** The Lambda's tunables: variables the stack sets from their context keys. */
export type FunctionTunableName = NamesWhere<{ use: 'lambda'; context: string }>;
/** The Lambda's variables the stack sets from the resources it creates or imports (no context key). */
export type StackResourceName = Exclude<LambdaSettingName, FunctionTunableName>;
export type EnvSettingName = NamesWhere<{ env: string }>;

export const FUNCTION_SETTING_NAMES = SETTING_NAMES.filter((name) => SETTING_SPECS[name].use !== 'stack-only') as FunctionSettingName[];
export const LAMBDA_SETTING_NAMES = SETTING_NAMES.filter((name) => SETTING_SPECS[name].use === 'lambda') as LambdaSettingName[];
export const LOCAL_ONLY_SETTING_NAMES = SETTING_NAMES.filter((name) => SETTING_SPECS[name].use === 'local-only') as LocalOnlySettingName[];
export const CONTEXT_SETTING_NAMES = SETTING_NAMES.filter((name) => SETTING_SPECS[name].context !== undefined) as ContextSettingName[];
export const FUNCTION_TUNABLE_NAMES = LAMBDA_SETTING_NAMES.filter(
  (name) => SETTING_SPECS[name].context !== undefined,
) as FunctionTunableName[];
export const ENV_SETTING_NAMES = SETTING_NAMES.filter((name) => SETTING_SPECS[name].env !== undefined) as EnvSettingName[];

type ValueOf<S> = S extends { type: 'whole' | 'decimal' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : string;

/** A setting's value once read: never undefined when it has a default or is required. */
export type SettingValue<K extends SettingName> = Specs[K] extends { default: unknown } | { required: string }
  ? ValueOf<Specs[K]>
  : ValueOf<Specs[K]> | undefined;

export type SettingValues<N extends SettingName> = { [K in N]: SettingValue<K> };

export type EnvNameOf<K extends SettingName> = Specs[K] extends { env: infer E extends string } ? E : never;
export type ContextKeyOf<K extends SettingName> = Specs[K] extends { context: infer C extends string } ? C : never;
/** Every context key the app knows. */
export type ContextKey = ContextKeyOf<ContextSettingName>;
export const CONTEXT_KEYS = CONTEXT_SETTING_NAMES.map((name) => SETTING_SPECS[name].context) as ContextKey[];

type DefaultedName<N extends SettingName> = { [K in N]: Specs[K] extends { default: unknown } ? K : never }[N];

/** The defaults of these settings (those that have one), by setting name. */
export function settingDefaults<N extends SettingName>(names: readonly N[]): { readonly [K in DefaultedName<N>]: SettingValue<K> } {
  const defaults: Record<string, unknown> = {};
  for (const name of names) {
    const spec = SETTING_SPECS[name];
    if (spec.default !== undefined) defaults[name] = spec.default;
  }
  return defaults as { readonly [K in DefaultedName<N>]: SettingValue<K> };
}
