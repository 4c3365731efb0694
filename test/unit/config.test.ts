import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, ConfigError, loadConfig } from '#reaper/config';
import { ENV, SETTING_NAMES, SETTING_SPECS } from '#reaper/settings';

/** The variables the Lambda reads, and those only a local run may use (the settings table's rows by use). */
const envNamesOf = (use: string) => SETTING_NAMES.filter((name) => SETTING_SPECS[name].use === use).map((name) => SETTING_SPECS[name].env!);
const LAMBDA_ENV_NAMES = envNamesOf('lambda');
const LOCAL_ONLY_ENV_NAMES = envNamesOf('local-only');

const lambdaEnv = {
  [ENV.tableName]: 'tracked-canvases',
  [ENV.secretId]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:reaper-AbCdEf',
};

describe('loadConfig', () => {
  it('applies the named defaults', () => {
    expect(loadConfig(lambdaEnv, 'lambda')).toEqual({
      tableName: 'tracked-canvases',
      apiBaseUrl: CONFIG_DEFAULTS.apiBaseUrl,
      credentials: { kind: 'secrets-manager', secretId: lambdaEnv[ENV.secretId], cacheSeconds: 300 },
      graceSeconds: 60,
      maxInFlight: 8,
      requestTimeoutMs: 10_000,
      maxRetries: 3,
      safetyMarginMs: 10_000,
      runBudgetMs: 240_000,
      verifyAtSource: true,
      brakeWindowSeconds: 900,
      brakeMinLocks: 25,
      brakeShare: 0.5,
      lockEventsBus: '',
      lockEvents: true,
      serviceName: 'canvas-lock-reaper',
      metricsNamespace: 'CanvasLockReaper',
      logLevel: 'INFO',
    });
  });

  it('reads the lock events bus (name or ARN) and the switch, and refuses what is not a bus', () => {
    expect(loadConfig({ ...lambdaEnv, LOCK_EVENTS_BUS: 'reaper-lock-events', LOCK_EVENTS: 'false' }, 'lambda')).toMatchObject({
      lockEventsBus: 'reaper-lock-events',
      lockEvents: false,
    });
    const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/reaper-lock-events';
    expect(loadConfig({ ...lambdaEnv, LOCK_EVENTS_BUS: arn }, 'lambda').lockEventsBus).toBe(arn);
    expect(() => loadConfig({ ...lambdaEnv, LOCK_EVENTS_BUS: 'https://x/y?sig=1' }, 'lambda')).toThrow(
      /LOCK_EVENTS_BUS: .*not an EventBridge event bus name or ARN/,
    );
  });

  it('reads every override', () => {
    const config = loadConfig(
      {
        ...lambdaEnv,
        [ENV.apiBaseUrl]: 'https://api.example.com/v1/',
        [ENV.graceSeconds]: '0',
        [ENV.maxInFlight]: '32',
        [ENV.requestTimeoutMs]: '2500',
        [ENV.maxRetries]: '0',
        [ENV.safetyMarginMs]: '5000',
        [ENV.secretCacheSeconds]: '0',
        [ENV.serviceName]: 'reaper-eu',
        [ENV.metricsNamespace]: 'Ops/Reaper',
        [ENV.logLevel]: 'debug',
      },
      'lambda',
    );
    expect(config).toMatchObject({
      apiBaseUrl: 'https://api.example.com/v1',
      graceSeconds: 0,
      maxInFlight: 32,
      requestTimeoutMs: 2500,
      maxRetries: 0,
      safetyMarginMs: 5000,
      credentials: { kind: 'secrets-manager', cacheSeconds: 0 },
      serviceName: 'reaper-eu',
      metricsNamespace: 'Ops/Reaper',
      logLevel: 'DEBUG',
    });
  });

  it.each([
    [{ [ENV.tableName]: '' }, 'TABLE_NAME: is required'],
    [{ [ENV.tableName]: 'a b' }, 'TABLE_NAME: "a b" is neither a DynamoDB table name nor a table ARN'],
    [{ [ENV.apiBaseUrl]: 'not a url' }, 'SCENARIO_API_BASE_URL: is not a valid URL'],
    [{ [ENV.apiBaseUrl]: 'http://api.cloud.scenario.com/v1' }, 'SCENARIO_API_BASE_URL: plain http is refused for api.cloud.scenario.com'],
    [{ [ENV.apiBaseUrl]: 'https://user:pw@api.cloud.scenario.com/v1' }, 'SCENARIO_API_BASE_URL: must not carry credentials'],
    [{ [ENV.apiBaseUrl]: 'ftp://api.cloud.scenario.com/v1' }, 'protocol ftp: is not supported'],
    // A bare "?" or "#" leaves url.search/url.hash empty; URL resolves dot segments and backslashes away.
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1?' }, 'SCENARIO_API_BASE_URL: must not carry a query string or fragment'],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1#' }, 'SCENARIO_API_BASE_URL: must not carry a query string or fragment'],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1?x=1' }, 'SCENARIO_API_BASE_URL: must not carry a query string or fragment'],
    // Issue 16 item 8: a percent-encoded "?" or "#" would reach Scenario as part of the path.
    [
      { [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1%3Fx=1' },
      'SCENARIO_API_BASE_URL: must not contain a percent-encoded "?" or "#"',
    ],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1%3f' }, 'SCENARIO_API_BASE_URL: must not contain a percent-encoded "?" or "#"'],
    [
      { [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1%23frag' },
      'SCENARIO_API_BASE_URL: must not contain a percent-encoded "?" or "#"',
    ],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1/../admin' }, 'SCENARIO_API_BASE_URL: must not contain a dot segment'],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1/%2E%2e' }, 'SCENARIO_API_BASE_URL: must not contain a dot segment'],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/./v1' }, 'SCENARIO_API_BASE_URL: must not contain a dot segment'],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com\\v1' }, 'SCENARIO_API_BASE_URL: must not contain a backslash'],
    [{ [ENV.apiBaseUrl]: 'https://api.cloud.scenario.com/v1\\..\\admin' }, 'SCENARIO_API_BASE_URL: must not contain a backslash'],
    [{ [ENV.graceSeconds]: '-1' }, 'GRACE_SECONDS: "-1" is not a whole number'],
    [{ [ENV.graceSeconds]: '1e3' }, 'GRACE_SECONDS: "1e3" is not a whole number'],
    [{ [ENV.maxInFlight]: '0' }, 'MAX_IN_FLIGHT: 0 is outside 1..256'],
    [{ [ENV.requestTimeoutMs]: '10' }, 'REQUEST_TIMEOUT_MS: 10 is outside 100..120000'],
    [{ [ENV.logLevel]: 'LOUD' }, 'POWERTOOLS_LOG_LEVEL: "LOUD" is not one of'],
    [{ [ENV.secretId]: '' }, 'SCENARIO_SECRET_ID: is required'],
    [{ [ENV.localApiKey]: 'k' }, 'SCENARIO_SDK_API_KEY: is for local runs only'],
    [{ [ENV.runBudgetSeconds]: '60' }, 'RUN_BUDGET_SECONDS: is for local runs only'],
  ])('refuses %j in Lambda, naming the variable', (override, message) => {
    expect(() => loadConfig({ ...lambdaEnv, ...override }, 'lambda')).toThrow(ConfigError);
    expect(() => loadConfig({ ...lambdaEnv, ...override }, 'lambda')).toThrow(message);
  });

  it('allows plain http to loopback only', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:3000', '[::1]:9000']) {
      expect(loadConfig({ ...lambdaEnv, [ENV.apiBaseUrl]: `http://${host}/v1` }, 'lambda').apiBaseUrl).toBe(`http://${host}/v1`);
    }
    expect(() => loadConfig({ ...lambdaEnv, [ENV.apiBaseUrl]: 'http://10.0.0.5/v1' }, 'lambda')).toThrow('plain http is refused');
  });

  it('keeps base URLs whose segments only contain dots', () => {
    for (const url of [
      'https://api.cloud.scenario.com/v1',
      'https://api.cloud.scenario.com/v1.2/x..y',
      'https://api.cloud.scenario.com/.well-known',
    ]) {
      expect(loadConfig({ ...lambdaEnv, [ENV.apiBaseUrl]: url }, 'lambda').apiBaseUrl).toBe(url);
    }
  });

  it('lets a local run use the Scenario SDK variables, but not together with a secret', () => {
    const local = { [ENV.tableName]: 't-local', [ENV.localApiKey]: 'key', [ENV.localApiSecret]: 'hush', [ENV.runBudgetSeconds]: '30' };
    expect(loadConfig(local, 'local')).toMatchObject({
      credentials: { kind: 'environment', apiKey: 'key', apiSecret: 'hush' },
      runBudgetMs: 30_000,
    });
    expect(() => loadConfig({ ...local, [ENV.secretId]: 's' }, 'local')).toThrow(
      'SCENARIO_SECRET_ID: is set together with SCENARIO_SDK_API_KEY',
    );
    expect(() => loadConfig({ [ENV.tableName]: 't-local', [ENV.localApiKey]: 'key' }, 'local')).toThrow(
      'SCENARIO_SDK_API_SECRET: is required',
    );
  });

  it('never echoes a credential in its errors', () => {
    try {
      loadConfig({ ...lambdaEnv, [ENV.localApiSecret]: 'super-secret-value' }, 'lambda');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('super-secret-value');
    }
  });

  it('keeps the Lambda variable list and the local-only list apart', () => {
    for (const name of LOCAL_ONLY_ENV_NAMES) expect(LAMBDA_ENV_NAMES).not.toContain(name);
    expect(new Set(LAMBDA_ENV_NAMES).size).toBe(LAMBDA_ENV_NAMES.length);
  });

  it('lists every mistake at once, one line each naming its variable', () => {
    const env = {
      [ENV.secretId]: lambdaEnv[ENV.secretId],
      [ENV.graceSeconds]: 'soon',
      [ENV.maxInFlight]: '0',
      [ENV.verifyAtSource]: 'yes',
      [ENV.brakeShare]: '2',
      [ENV.logLevel]: 'LOUD',
      [ENV.runBudgetSeconds]: '60',
    };
    let error: unknown;
    try {
      loadConfig(env, 'lambda');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.message.split('\n')).toEqual([
      "RUN_BUDGET_SECONDS: is for local runs only; the Lambda uses the invocation's remaining time",
      'TABLE_NAME: is required (the DynamoDB table of tracked canvases)',
      'GRACE_SECONDS: "soon" is not a whole number',
      'MAX_IN_FLIGHT: 0 is outside 1..256',
      'VERIFY_AT_SOURCE: expected true or false, got "yes"',
      'BRAKE_SHARE: 2 is not greater than 0 and at most 1',
      'POWERTOOLS_LOG_LEVEL: "LOUD" is not one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT',
    ]);
    expect(configError.problems.map((problem) => problem.variable)).toEqual([
      'RUN_BUDGET_SECONDS',
      'TABLE_NAME',
      'GRACE_SECONDS',
      'MAX_IN_FLIGHT',
      'VERIFY_AT_SOURCE',
      'BRAKE_SHARE',
      'POWERTOOLS_LOG_LEVEL',
    ]);
    expect(configError.variable).toBe('RUN_BUDGET_SECONDS');
  });

  it('lists a credentials mistake beside the others in a local run', () => {
    expect(() => loadConfig({ [ENV.tableName]: 't-local', [ENV.localApiKey]: 'key', [ENV.brakeMinLocks]: '-1' }, 'local')).toThrow(
      'BRAKE_MIN_LOCKS: "-1" is not a whole number\nSCENARIO_SDK_API_SECRET: is required',
    );
  });

  it('reads VERIFY_AT_SOURCE as true or false in any case, and refuses anything else naming the variable', () => {
    expect(loadConfig({ ...lambdaEnv, [ENV.verifyAtSource]: 'FALSE' }, 'lambda').verifyAtSource).toBe(false);
    expect(loadConfig({ ...lambdaEnv, [ENV.verifyAtSource]: ' True ' }, 'lambda').verifyAtSource).toBe(true);
    for (const value of ['1', '0', 'yes', 'off', 'truee']) {
      expect(() => loadConfig({ ...lambdaEnv, [ENV.verifyAtSource]: value }, 'lambda')).toThrow(
        `VERIFY_AT_SOURCE: expected true or false, got "${value}"`,
      );
    }
  });

  it('keeps BRAKE_SHARE greater than 0 and at most 1, written as a plain decimal', () => {
    expect(loadConfig({ ...lambdaEnv, [ENV.brakeShare]: '1' }, 'lambda').brakeShare).toBe(1);
    expect(loadConfig({ ...lambdaEnv, [ENV.brakeShare]: '0.25' }, 'lambda').brakeShare).toBe(0.25);
    expect(loadConfig({ ...lambdaEnv, [ENV.brakeShare]: '0.001' }, 'lambda').brakeShare).toBe(0.001);
    for (const value of ['0', '0.0', '1.01']) {
      expect(() => loadConfig({ ...lambdaEnv, [ENV.brakeShare]: value }, 'lambda')).toThrow(
        `BRAKE_SHARE: ${Number(value)} is not greater than 0 and at most 1`,
      );
    }
    for (const value of ['-0.5', '.5', '1e-1', 'half', '0,5']) {
      expect(() => loadConfig({ ...lambdaEnv, [ENV.brakeShare]: value }, 'lambda')).toThrow(
        `BRAKE_SHARE: "${value}" is not a decimal number`,
      );
    }
  });

  it('bounds the brake window and minimum', () => {
    expect(loadConfig({ ...lambdaEnv, [ENV.brakeWindowSeconds]: '60', [ENV.brakeMinLocks]: '0' }, 'lambda')).toMatchObject({
      brakeWindowSeconds: 60,
      brakeMinLocks: 0,
    });
    expect(() => loadConfig({ ...lambdaEnv, [ENV.brakeWindowSeconds]: '59' }, 'lambda')).toThrow(
      'BRAKE_WINDOW_SECONDS: 59 is outside 60..86400',
    );
    expect(() => loadConfig({ ...lambdaEnv, [ENV.brakeMinLocks]: '100001' }, 'lambda')).toThrow(
      'BRAKE_MIN_LOCKS: 100001 is outside 0..100000',
    );
  });

  it('refuses every local-only variable in Lambda, all at once, and lets a local run use them', () => {
    const localOnly = {
      [ENV.localApiKey]: 'k-visible',
      [ENV.localApiSecret]: 'super-secret-value',
      [ENV.projectsFile]: '/tmp/projects.json',
      [ENV.runBudgetSeconds]: '60',
    };
    let error: unknown;
    try {
      loadConfig({ ...lambdaEnv, ...localOnly }, 'lambda');
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).problems.map((problem) => problem.variable)).toEqual([...LOCAL_ONLY_ENV_NAMES]);
    expect((error as ConfigError).message).not.toContain('super-secret-value');
    const { [ENV.secretId]: _secretId, ...withoutSecret } = lambdaEnv;
    const { [ENV.projectsFile]: _file, ...oneSource } = localOnly;
    expect(loadConfig({ ...withoutSecret, ...oneSource }, 'local')).toMatchObject({
      runBudgetMs: 60_000,
      credentials: { kind: 'environment' },
    });
  });
});
