/**
 * The environment variables the reaper reads: the one list shared by the handler's config and the CDK stack,
 * so the stack can never hand the function a variable the code ignores, nor forget one it requires.
 * These names are a contract with ops scripts: extend, never rename.
 */
export const ENV = {
  /** Required. The DynamoDB table of tracked canvases. */
  tableName: 'TABLE_NAME',
  /** Scenario API base URL; https, or http to a loopback host only. */
  apiBaseUrl: 'SCENARIO_API_BASE_URL',
  /** Secrets Manager secret id/ARN whose value is JSON {"apiKey","apiSecret"}. */
  secretId: 'SCENARIO_SECRET_ID',
  /** Local runs only: the Scenario SDK's own credential variables. */
  localApiKey: 'SCENARIO_SDK_API_KEY',
  localApiSecret: 'SCENARIO_SDK_API_SECRET',
  /** A lock is stale once lockExpiresAt + grace is in the past. */
  graceSeconds: 'GRACE_SECONDS',
  /** How many unlock requests may be in flight at once. */
  maxInFlight: 'MAX_IN_FLIGHT',
  /** Per-attempt timeout of one unlock request. */
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  /** Retries of one unlock request on 429, 5xx and timeouts. */
  maxRetries: 'MAX_RETRIES',
  /** No new unlock starts when less than this much of the run's time is left. */
  safetyMarginMs: 'SAFETY_MARGIN_MS',
  /** Local runs only: the time budget of a run (a Lambda run uses the invocation's remaining time). */
  runBudgetSeconds: 'RUN_BUDGET_SECONDS',
  /** GET each stale asset from Scenario before force-unlocking it (true/false). */
  verifyAtSource: 'VERIFY_AT_SOURCE',
  /** The mass-expiry brake: window, minimum count and share of newly stale locks. */
  brakeWindowSeconds: 'BRAKE_WINDOW_SECONDS',
  brakeMinLocks: 'BRAKE_MIN_LOCKS',
  brakeShare: 'BRAKE_SHARE',
  /** How long a fetched secret is reused by a warm Lambda before it is read again. */
  secretCacheSeconds: 'SECRET_CACHE_SECONDS',
  /** Powertools' standard names, read by our config and passed to Logger and Metrics explicitly. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/**
 * Exactly the variables the Lambda handler's config reads. The stack sets these (and only these);
 * a contract test compares this list with the synthesized template.
 */
export const LAMBDA_ENV_NAMES: readonly EnvName[] = [
  ENV.tableName,
  ENV.apiBaseUrl,
  ENV.secretId,
  ENV.graceSeconds,
  ENV.maxInFlight,
  ENV.requestTimeoutMs,
  ENV.maxRetries,
  ENV.safetyMarginMs,
  ENV.secretCacheSeconds,
  ENV.verifyAtSource,
  ENV.brakeWindowSeconds,
  ENV.brakeMinLocks,
  ENV.brakeShare,
  ENV.serviceName,
  ENV.metricsNamespace,
  ENV.logLevel,
];

/** Variables that only a local run may use; the Lambda config refuses them so a key never sits in plain env. */
export const LOCAL_ONLY_ENV_NAMES: readonly EnvName[] = [ENV.localApiKey, ENV.localApiSecret, ENV.runBudgetSeconds];
