import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, loadConfig } from '#reaper/config';
import { ENV, SETTING_NAMES, SETTING_SPECS } from '#reaper/settings';
import { onlyResource, synthReaper } from './support/synth-reaper';

/** The variables the Lambda reads, and those only a local run may use (the settings table's rows by use). */
const envNamesOf = (use: string) => SETTING_NAMES.filter((name) => SETTING_SPECS[name].use === use).map((name) => SETTING_SPECS[name].env!);
const LAMBDA_ENV_NAMES = envNamesOf('lambda');
const LOCAL_ONLY_ENV_NAMES = envNamesOf('local-only');

/** The function's environment as CloudFormation will set it, with deploy-time references replaced by plausible values. */
function deployedEnvironment(variables: Record<string, unknown>): Record<string, string> {
  const standIn: Record<string, string> = {
    [ENV.tableName]: 'CanvasLockReaper-TrackedCanvasesTable-ABC123',
    [ENV.secretId]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ScenarioCredentials-AbCdEf',
    [ENV.lockEventsBus]: 'CanvasLockReaperLockEventsBus1A2B3C',
  };
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      const replacement = standIn[name];
      if (!replacement) throw new Error(`${name} is a deploy-time reference (${JSON.stringify(value)}) with no stand-in`);
      return [name, replacement];
    }),
  );
}

describe('the contract between the stack and the handler config', () => {
  it('gives the function exactly the variables the Lambda config reads: none missing, none extra', () => {
    const { template } = synthReaper();
    const variables = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(variables).sort()).toEqual([...LAMBDA_ENV_NAMES].sort());
  });

  it('never sets a local-only variable (those would put an API key in plain environment)', () => {
    const { template } = synthReaper();
    const variables = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables as Record<string, unknown>;
    for (const name of LOCAL_ONLY_ENV_NAMES) expect(variables).not.toHaveProperty(name);
  });

  it('sets values the handler config accepts, equal to its own defaults', () => {
    const { template } = synthReaper();
    const variables = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables as Record<string, unknown>;
    const config = loadConfig(deployedEnvironment(variables), 'lambda');
    expect(config).toMatchObject({
      apiBaseUrl: CONFIG_DEFAULTS.apiBaseUrl,
      graceSeconds: CONFIG_DEFAULTS.graceSeconds,
      maxInFlight: CONFIG_DEFAULTS.maxInFlight,
      requestTimeoutMs: CONFIG_DEFAULTS.requestTimeoutMs,
      maxRetries: CONFIG_DEFAULTS.maxRetries,
      safetyMarginMs: CONFIG_DEFAULTS.safetyMarginMs,
      serviceName: CONFIG_DEFAULTS.serviceName,
      metricsNamespace: CONFIG_DEFAULTS.metricsNamespace,
      logLevel: CONFIG_DEFAULTS.logLevel,
      verifyAtSource: CONFIG_DEFAULTS.verifyAtSource,
      brakeWindowSeconds: CONFIG_DEFAULTS.brakeWindowSeconds,
      brakeMinLocks: CONFIG_DEFAULTS.brakeMinLocks,
      brakeShare: CONFIG_DEFAULTS.brakeShare,
      credentials: { kind: 'secrets-manager', cacheSeconds: CONFIG_DEFAULTS.secretCacheSeconds },
    });
  });

  it('passes every tunable from its context key to its variable', () => {
    const { template } = synthReaper({
      'reaper:apiBaseUrl': 'https://api.staging.scenario.com/v1',
      'reaper:graceSeconds': 120,
      'reaper:maxInFlight': '4',
      'reaper:requestTimeoutMs': 5000,
      'reaper:maxRetries': 1,
      'reaper:safetyMarginMs': 20000,
      'reaper:secretCacheSeconds': 60,
      'reaper:logLevel': 'debug',
      'reaper:serviceName': 'reaper-staging',
      'reaper:metricsNamespace': 'Staging/Reaper',
      'reaper:verifyAtSource': 'false',
      'reaper:brakeWindowSeconds': 1800,
      'reaper:brakeMinLocks': '0',
      'reaper:brakeShare': 0.75,
    });
    const variables = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables as Record<string, unknown>;
    const config = loadConfig(deployedEnvironment(variables), 'lambda');
    expect(config).toMatchObject({
      apiBaseUrl: 'https://api.staging.scenario.com/v1',
      graceSeconds: 120,
      maxInFlight: 4,
      requestTimeoutMs: 5000,
      maxRetries: 1,
      safetyMarginMs: 20000,
      serviceName: 'reaper-staging',
      metricsNamespace: 'Staging/Reaper',
      logLevel: 'DEBUG',
      verifyAtSource: false,
      brakeWindowSeconds: 1800,
      brakeMinLocks: 0,
      brakeShare: 0.75,
      credentials: { kind: 'secrets-manager', cacheSeconds: 60 },
    });
    expect(variables).toMatchObject({ VERIFY_AT_SOURCE: 'false', BRAKE_WINDOW_SECONDS: '1800', BRAKE_MIN_LOCKS: '0', BRAKE_SHARE: '0.75' });
  });

  it.each([
    ['reaper:apiBaseUrl', 'http://api.cloud.scenario.com/v1', /plain http is refused/],
    ['reaper:graceSeconds', -5, /-5 is not a whole number/],
    ['reaper:maxInFlight', 0, /0 is outside 1\.\.256/],
    ['reaper:logLevel', 'LOUD', /"LOUD" is not one of/],
    ['reaper:verifyAtSource', 'yes', /expected true or false, got "yes"/],
    ['reaper:brakeWindowSeconds', 59, /59 is outside 60\.\.86400/],
    ['reaper:brakeMinLocks', 100_001, /100001 is outside 0\.\.100000/],
    ['reaper:brakeShare', '1.5', /1\.5 is not greater than 0 and at most 1/],
  ])('refuses %s = %j with the handler own validation, naming the key', (key, value, reason) => {
    expect(() => synthReaper({ [key]: value })).toThrow(new RegExp(`Context key ${key}: `));
    expect(() => synthReaper({ [key]: value })).toThrow(reason);
  });
});
