/**
 * Every setting of the reaper in one table: the function's environment variables and the stack's context keys, with
 * their defaults (here and nowhere else, not in cdk.json), bounds and docs. config.ts reads the function's variables
 * with it, infra/context.ts the stack's context keys; `npm run docs:settings` renders the docs' tables from it.
 * Adding a setting: a row here, then its use (a ReaperConfig field, or a ReaperStackProps prop, both named after the row).
 *
 * The names are contracts with ops: extend, never rename. The Lambda bundle imports this module: no aws-cdk-lib here.
 */

/**
 * One row. `use`: who reads it: the function (Lambda and local runs; the stack sets it), local runs only, or the stack.
 * A decimal with `minExclusive` must be greater than `min`; an enum is accepted in any case, its value as written here.
 */
export type Setting = {
  readonly use: 'lambda' | 'local-only' | 'stack-only';
  /** The environment variable the function reads; none for stack-only keys. */
  readonly env?: string;
  /** The CDK context key (`-c key=value`); none for local-only variables and for values the stack supplies itself. */
  readonly context?: `reaper:${string}`;
  /** One line for the generated docs. */
  readonly doc: string;
  /** For a local-only variable: what the Lambda uses instead (the refusal ends "the Lambda …"). */
  readonly lambdaInstead?: string;
  /** What the docs' default column says when there is no default value. */
  readonly defaultDoc?: string;
} & (
  | { readonly type: 'whole'; readonly default?: number; readonly min: number; readonly max: number; readonly oneOf?: readonly number[] }
  | { readonly type: 'decimal'; readonly default: number; readonly min: number; readonly max: number; readonly minExclusive?: boolean }
  | { readonly type: 'boolean'; readonly default: boolean }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly default: string }
  | {
      readonly type: 'text';
      readonly default?: string;
      /** What values are accepted, for the docs; `check` returns the problem with a value, `normalize` the value as used. */
      readonly format: string;
      readonly check?: (value: string) => string | undefined;
      readonly normalize?: (value: string) => string;
      /** When set, the setting is required; the text says what it is (`is required (<text>)`). */
      readonly required?: string;
      /** A credential: never echoed in a message. */
      readonly secret?: boolean;
    }
);

// ---- Checks of text values, for the function's variables and the stack's keys alike: each returns the problem (a
// phrase that follows the variable or key name) or undefined. ----

const isLoopbackHost = (hostname: string) =>
  hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === '[::1]';

/**
 * The Scenario API base URL: https (plain http to a loopback host only), no credentials, no query or fragment (also
 * none percent-encoded: %3F, %23), no dot segment, no backslash. The raw text is checked, not only what URL makes of it: a bare "?" leaves url.search
 * empty, and URL resolves "..", "%2e%2e" and "\\" away, so such a value would pass and every request go elsewhere.
 */
function apiBaseUrlProblem(value: string): string | undefined {
  if (value.includes('?') || value.includes('#')) return 'must not carry a query string or fragment ("?" or "#")';
  if (value.includes('\\')) return 'must not contain a backslash';
  // Encoded, they reach Scenario inside the path, where a proxy or a server may decode them into a query.
  if (/%(?:3f|23)/i.test(value)) return 'must not contain a percent-encoded "?" or "#" (%3F, %23)';
  const path = value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  if (path.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment)))
    return 'must not contain a dot segment ("." or "..", also as %2e)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password) return 'must not carry credentials; they come from the secret';
  if (url.search || url.hash) return 'must not carry a query string or fragment';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return `plain http is refused for ${url.hostname}: use https (http is allowed for loopback hosts only)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `protocol ${url.protocol} is not supported; use https`;
  return undefined;
}

/** An IANA time zone name (e.g. "Europe/Paris"), checked against the runtime's time zone database. */
export function timeZoneProblem(value: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return undefined;
  } catch {
    return `"${value}" is not an IANA time zone name (e.g. UTC, Europe/Paris)`;
  }
}

/** A check that the whole value matches `pattern`, described as `expected` in the problem. */
const matching = (pattern: RegExp, expected: string) => (value: string) =>
  pattern.test(value) ? undefined : `"${value}" is not ${expected}`;

// DynamoDB accepts a name (3-255 of [A-Za-z0-9_.-]) or, in its APIs, the table's ARN: TABLE_NAME takes either.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;

const SECRETS = 'reads its credentials from SCENARIO_SECRET_ID';

/** An EventBridge bus: its name (1-256 of letters, digits, `.`, `-`, `_`, `/`) or its ARN; empty means none. */
const EVENT_BUS = /^(?:[A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/;

// One row per setting: who reads it and under which names, its type and bounds, then its doc line.
// biome-ignore format: a table reads best one row to a setting, not one field to a line
export const SETTINGS = {
  // ---- The function's variables (Lambda and local runs) ----
  tableName: { use: 'lambda', env: 'TABLE_NAME', type: 'text', required: 'the DynamoDB table of tracked canvases', format: 'table name or table ARN',
    check: (value) => (TABLE_NAME.test(value) || TABLE_ARN.test(value) ? undefined : `"${value}" is neither a DynamoDB table name nor a table ARN`),
    doc: 'The DynamoDB table of tracked canvases. The stack sets it to the table it creates or imports.' },
  apiBaseUrl: { use: 'lambda', env: 'SCENARIO_API_BASE_URL', context: 'reaper:apiBaseUrl', type: 'text', default: 'https://api.cloud.scenario.com/v1',
    format: 'https URL (plain http to a loopback host only), no credentials, query or fragment', check: apiBaseUrlProblem,
    // As requests are built from it: normalized by URL, without trailing slashes.
    normalize: (value) => new URL(value).toString().replace(/\/+$/, ''),
    doc: 'Scenario API base URL; unlocks go to `{base}/assets/{assetId}/unlock`.' },
  secretId: { use: 'lambda', env: 'SCENARIO_SECRET_ID', type: 'text', format: 'secret ARN or name', defaultDoc: '(required in the Lambda)',
    doc: 'Secrets Manager secret whose value is `{"apiKey":"…","apiSecret":"…"}` (one project) or `{"projects":{"<projectId>":{"apiKey","apiSecret"}},"default"?:{…}}` (a key per Scenario project); the stack sets it. A warm Lambda reuses the value `SECRET_CACHE_SECONDS` and drops it when a key is refused (a 401, or 403s on two different assets for the same method with no success); a single 403 fails only its canvas (kind `forbidden`). A local run may use it, or the two `SCENARIO_SDK_*` variables.' },
  localApiKey: { use: 'local-only', env: 'SCENARIO_SDK_API_KEY', type: 'text', secret: true, format: 'Scenario API key', lambdaInstead: SECRETS,
    doc: "The Scenario API key (the Scenario SDK's name), with `SCENARIO_SDK_API_SECRET`, when `SCENARIO_SECRET_ID` is not set." },
  localApiSecret: { use: 'local-only', env: 'SCENARIO_SDK_API_SECRET', type: 'text', secret: true, format: 'Scenario API secret', lambdaInstead: SECRETS,
    doc: "The Scenario API secret (the Scenario SDK's name), with `SCENARIO_SDK_API_KEY`." },
  projectsFile: { use: 'local-only', env: 'SCENARIO_PROJECTS_FILE', type: 'text', format: 'path of a JSON file (mode 600 or stricter, not a symlink)', lambdaInstead: SECRETS,
    doc: 'A local JSON file of the secret\'s shape, with a key pair per Scenario project (`{"projects":{"<projectId>":{"apiKey","apiSecret"}},"default"?:{…}}`), instead of `SCENARIO_SECRET_ID` or the two `SCENARIO_SDK_*` variables. Refused when its mode grants anything to group or others (`chmod 600`), and when it is a symbolic link (name the file itself).' },
  graceSeconds: { use: 'lambda', env: 'GRACE_SECONDS', context: 'reaper:graceSeconds', type: 'whole', default: 60, min: 0, max: 7 * 24 * 3600,
    doc: 'A lock is stale once its `lockExpiresAt` plus this many seconds is past (absorbs clock skew). A manual run may ask for another grace, within the same bounds.' },
  maxInFlight: { use: 'lambda', env: 'MAX_IN_FLIGHT', context: 'reaper:maxInFlight', type: 'whole', default: 8, min: 1, max: 256,
    doc: 'Canvases between their claim and the end of their last request, at once (so at most this many GET/PUT requests in flight; each stale canvas costs two with verification on). While two or more API keys are in use, one key holds at most half of them (rounded up); a key alone in use may hold them all.' },
  requestTimeoutMs: { use: 'lambda', env: 'REQUEST_TIMEOUT_MS', context: 'reaper:requestTimeoutMs', type: 'whole', default: 10_000, min: 100, max: 120_000,
    doc: 'Timeout of one request attempt, in milliseconds.' },
  maxRetries: { use: 'lambda', env: 'MAX_RETRIES', context: 'reaper:maxRetries', type: 'whole', default: 3, min: 0, max: 10,
    doc: 'Retries of one request on 408/429/5xx, timeouts and network errors.' },
  safetyMarginMs: { use: 'lambda', env: 'SAFETY_MARGIN_MS', context: 'reaper:safetyMarginMs', type: 'whole', default: 10_000, min: 0, max: 600_000,
    doc: 'No new unlock starts when less than this many milliseconds are left of the run.' },
  runBudgetSeconds: { use: 'local-only', env: 'RUN_BUDGET_SECONDS', type: 'whole', default: 240, min: 1, max: 24 * 3600, lambdaInstead: "uses the invocation's remaining time",
    doc: "The run's time budget, in seconds (the Lambda uses the invocation's remaining time)." },
  secretCacheSeconds: { use: 'lambda', env: 'SECRET_CACHE_SECONDS', context: 'reaper:secretCacheSeconds', type: 'whole', default: 300, min: 0, max: 24 * 3600,
    doc: 'How long a warm Lambda reuses the secret value before reading it again, in seconds.' },
  verifyAtSource: { use: 'lambda', env: 'VERIFY_AT_SOURCE', context: 'reaper:verifyAtSource', type: 'boolean', default: true,
    doc: 'GET the asset from Scenario before force-unlocking; `false` trusts the table alone.' },
  brakeWindowSeconds: { use: 'lambda', env: 'BRAKE_WINDOW_SECONDS', context: 'reaper:brakeWindowSeconds', type: 'whole', default: 900, min: 60, max: 24 * 3600,
    doc: 'The shortest look-back of the brake on mass expiry: a stale lock is "newly stale" when it went stale (its expiry plus the grace) after the earlier of its project\'s mark (when the last complete run over the whole table started) and now minus this many seconds, and within the last 24 h. See docs/brake.md.' },
  brakeMinLocks: { use: 'lambda', env: 'BRAKE_MIN_LOCKS', context: 'reaper:brakeMinLocks', type: 'whole', default: 25, min: 0, max: 100_000,
    doc: 'Per project: a project with at least this many newly stale locks is judged alone, on its own share; the projects under it are judged together as one pool, and the pool trips only with at least this many in sum. 0 disables the brake.' },
  brakeShare: { use: 'lambda', env: 'BRAKE_SHARE', context: 'reaper:brakeShare', type: 'decimal', default: 0.5, min: 0, minExclusive: true, max: 1,
    doc: 'A judgement (one project alone, or the pool of the smaller ones) trips only when its newly stale locks are at least this share of its newly stale plus live locks; a trip holds only the projects it covers.' },
  lockEventsBus: { use: 'lambda', env: 'LOCK_EVENTS_BUS', type: 'text', default: '', defaultDoc: '(empty: no events; the stack sets it)',
    format: 'EventBridge event bus name or ARN; empty for none', check: (value) => (value === '' || EVENT_BUS.test(value) ? undefined : 'is not an EventBridge event bus name or ARN'),
    doc: 'The event bus the run publishes its lock events to (docs/events.md); the stack sets it to the bus it creates. Empty: no events. `npm run reap` and `ops unlock` publish too when it is set.' },
  lockEvents: { use: 'lambda', env: 'LOCK_EVENTS', context: 'reaper:lockEvents', type: 'boolean', default: true,
    doc: 'Publish an event per released lock, doubt, healed row and brake change to `LOCK_EVENTS_BUS` (docs/events.md); `false` publishes none (the bus stays).' },
  serviceName: { use: 'lambda', env: 'POWERTOOLS_SERVICE_NAME', context: 'reaper:serviceName', type: 'text', default: 'canvas-lock-reaper', format: 'text',
    doc: "The `service` of the logs and the dimension of the reaper's metrics; the alarms watch the same value. Distinct names (with distinct `reaper:stackName`) let one account hold several reapers." },
  metricsNamespace: { use: 'lambda', env: 'POWERTOOLS_METRICS_NAMESPACE', context: 'reaper:metricsNamespace', type: 'text', default: 'CanvasLockReaper', format: 'text',
    doc: "CloudWatch namespace of the reaper's metrics; the alarms watch the same value." },
  logLevel: { use: 'lambda', env: 'POWERTOOLS_LOG_LEVEL', context: 'reaper:logLevel', type: 'enum', default: 'INFO',
    values: ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'],
    doc: 'Log level (Powertools Logger). Live and unlocked rows are logged at DEBUG only.' },
  // Read by Lambda's runtime, not by the reaper (the config only checks its form); the stack sets it, no context key.
  execWrapper: { use: 'lambda', env: 'AWS_LAMBDA_EXEC_WRAPPER', type: 'text', default: '', defaultDoc: '(empty; the stack sets it)',
    format: 'empty, or an absolute path', check: (value) => (value === '' || value.startsWith('/') ? undefined : `"${value}" is not an absolute path`),
    doc: "Lambda's own wrapper-script variable, read by its Node.js runtime, not by the reaper. The stack sets it to `/var/task/exec-wrapper` (functions/reaper/exec-wrapper.sh, copied into the bundle), which starts node with a 16 MB semi-space instead of the runtime's twentieth of the function's memory, so the function's peak memory stays low (docs/performance.md)." },

  // ---- The stack's own context keys ----
  stackName: { use: 'stack-only', context: 'reaper:stackName', type: 'text', default: 'CanvasLockReaper', format: 'letters, digits, hyphens; starts with a letter',
    check: matching(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name (letters, digits, hyphens)'),
    doc: 'CloudFormation stack name. Distinct names (with distinct `reaper:serviceName`) let one account hold several reapers.' },
  scheduleExpression: { use: 'stack-only', context: 'reaper:scheduleExpression', type: 'text', default: 'rate(5 minutes)',
    format: '`rate(<n> minute[s]|hour[s]|day[s])` or `cron(<min> <hour> <day-of-month> <month> <day-of-week> <year>)`',
    // Checked by infra/schedule-cadence.ts, which also sizes the alarms from it (it needs aws-cdk-lib's Duration).
    doc: 'When the reaper runs (EventBridge Scheduler). One-time `at(...)` is refused.' },
  scheduleTimeZone: { use: 'stack-only', context: 'reaper:scheduleTimeZone', type: 'text', default: 'UTC', format: 'IANA time zone, e.g. `Europe/Paris`', check: timeZoneProblem,
    doc: 'Time zone a cron expression is read in (ignored for rate).' },
  scheduleEnabled: { use: 'stack-only', context: 'reaper:scheduleEnabled', type: 'boolean', default: true,
    doc: '`false` deploys the schedule disabled: the kill switch (docs/deploy.md, "Pausing and resuming").' },
  heartbeatMinutes: { use: 'stack-only', context: 'reaper:heartbeatMinutes', type: 'whole', min: 1, max: 24 * 60, defaultDoc: '(derived)',
    doc: 'Period of the NotRunning and UnlocksFailing alarms: the longest normal gap between two completed runs. Default: the larger of the rate interval and the function timeout; 60 for a cron expression. Set it for a cron schedule with longer gaps.' },
  existingTableName: { use: 'stack-only', context: 'reaper:existingTableName', type: 'text', format: 'table name', check: matching(TABLE_NAME, 'a DynamoDB table name'),
    doc: 'Use this existing table of tracked canvases instead of creating one.' },
  existingTableArn: { use: 'stack-only', context: 'reaper:existingTableArn', type: 'text', format: 'table ARN', check: matching(TABLE_ARN, 'a DynamoDB table ARN'),
    doc: 'Same, by ARN. Set at most one of the two.' },
  tableDeletionProtection: { use: 'stack-only', context: 'reaper:tableDeletionProtection', type: 'boolean', default: true,
    doc: 'Deletion protection on the table the stack creates: DynamoDB refuses to delete it, even by hand. `false` for a dev stack you mean to remove completely (docs/deploy.md, "Removing it"). No effect on an existing table.' },
  existingSecretArn: { use: 'stack-only', context: 'reaper:existingSecretArn', type: 'text', format: 'complete secret ARN (ending in `-` and six characters)',
    check: matching(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/,
      'a complete secret ARN (ending in "-" and six characters); for a name use reaper:existingSecretName'),
    doc: 'Use this existing credentials secret instead of creating an empty one.' },
  existingSecretName: { use: 'stack-only', context: 'reaper:existingSecretName', type: 'text', format: 'secret name',
    check: matching(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name'),
    doc: 'Same, by name; the function is then granted `<name>-??????`. Set at most one of the two.' },
  secretKmsKeyArn: { use: 'stack-only', context: 'reaper:secretKmsKeyArn', type: 'text', format: 'KMS key ARN',
    check: matching(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'),
    doc: 'Customer-managed KMS key the secret is encrypted with; the function may then `kms:Decrypt` with it through Secrets Manager only. Not needed with the default `aws/secretsmanager` key.' },
  alarmEmail: { use: 'stack-only', context: 'reaper:alarmEmail', type: 'text', format: 'e-mail address', check: matching(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address'),
    doc: 'E-mail address subscribed to the alarm topic (confirm the subscription once, from the first e-mail).' },
  // max: Lambda's ceiling for a function timeout.
  functionTimeoutSeconds: { use: 'stack-only', context: 'reaper:functionTimeoutSeconds', type: 'whole', default: 300, min: 1, max: 900,
    doc: "Function timeout in seconds. A run's time budget is this minus `reaper:safetyMarginMs` (at least 30 s must remain), so a longer timeout lets one run clear a larger backlog." },
  // oneOf: 0, or a CloudWatch Logs retention (the events' log group keeps them as long as the archive; 9999 is not one).
  lockEventsArchiveDays: { use: 'stack-only', context: 'reaper:lockEventsArchiveDays', type: 'whole', default: 90, min: 0, max: 3653,
    oneOf: [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
    doc: "How long the lock events' archive (for replay) and their log group keep the events, in days. 0: no archive (in CloudFormation an archive's 0 would mean forever), and the log group keeps them as long as the function's logs." },
  // oneOf: CloudWatch Logs' retention values (aws-cdk-lib's RetentionDays; a test keeps the two equal).
  logRetentionDays: { use: 'stack-only', context: 'reaper:logRetentionDays', type: 'whole', default: 30, min: 1, max: 9999,
    oneOf: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999],
    doc: "How long the function's logs are kept, in days (9999: forever)." },
} as const satisfies Record<string, Setting>;

// ---- Names and values derived from the table ----

type Rows = typeof SETTINGS;
export type SettingName = keyof Rows;
/** The table seen through the general row type, for code that walks every setting. */
export const SETTING_SPECS: Readonly<Record<SettingName, Setting>> = SETTINGS;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
/** The names of the rows `keep` accepts, typed as the rows of `Shape` (say the same in both). */
const namesWhere = <Shape>(keep: (setting: Setting) => boolean) =>
  SETTING_NAMES.filter((name) => keep(SETTING_SPECS[name])) as { [K in SettingName]: Rows[K] extends Shape ? K : never }[SettingName][];

/** What the function reads, in a Lambda or a local run. */
export const FUNCTION_SETTING_NAMES = namesWhere<{ use: 'lambda' | 'local-only' }>((setting) => setting.use !== 'stack-only');
/** The Lambda's tunables: the variables the stack sets from their context keys. */
export const TUNABLE_NAMES = namesWhere<{ use: 'lambda'; context: string }>((setting) => setting.use === 'lambda' && !!setting.context);
export const STACK_SETTING_NAMES = namesWhere<{ use: 'stack-only' }>((setting) => setting.use === 'stack-only');
export const CONTEXT_SETTING_NAMES = namesWhere<{ context: string }>((setting) => !!setting.context);
/** Every context key the app knows. */
export const CONTEXT_KEYS: readonly string[] = CONTEXT_SETTING_NAMES.map((name) => SETTING_SPECS[name].context!);

/** The environment variable of each setting the function reads, by setting name. */
export const ENV = Object.fromEntries(FUNCTION_SETTING_NAMES.map((name) => [name, SETTING_SPECS[name].env])) as {
  readonly [K in (typeof FUNCTION_SETTING_NAMES)[number]]: string;
};

type ValueOf<Row> = Row extends { type: 'whole' | 'decimal' }
  ? number
  : Row extends { type: 'boolean' }
    ? boolean
    : Row extends { values: readonly (infer V)[] }
      ? V
      : string;
/** Settings' values once read, by setting name: never undefined when the row has a default or is required. */
export type SettingValues<N extends SettingName> = {
  [K in N]: Rows[K] extends { default: unknown } | { required: string } ? ValueOf<Rows[K]> : ValueOf<Rows[K]> | undefined;
};

/** The defaults of these settings (those that have one), by setting name. */
export function settingDefaults<N extends SettingName>(names: readonly N[]) {
  const defaults = names.filter((name) => SETTING_SPECS[name].default !== undefined).map((name) => [name, SETTING_SPECS[name].default]);
  return Object.fromEntries(defaults) as { readonly [K in N as Rows[K] extends { default: unknown } ? K : never]: SettingValues<K>[K] };
}
