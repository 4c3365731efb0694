import { describe, expect, it } from 'vitest';
import { parseGraceSecondsFlag } from '#ops/kit/run-flags';
import { readSettingValue, readWholeNumber } from '#reaper/config';
import { PayloadError, parseInvocation } from '#reaper/payload';
import { SETTING_NAMES, SETTING_SPECS, SETTINGS } from '#reaper/settings';

describe('the settings table', () => {
  it('gives every function setting a variable, every stack-only and no local-only setting a context key', () => {
    for (const name of SETTING_NAMES) {
      const spec = SETTING_SPECS[name];
      if (spec.use === 'stack-only') {
        expect(spec.env, name).toBeUndefined();
        expect(spec.context, name).toBeDefined();
      } else {
        expect(spec.env, name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      }
      if (spec.use === 'local-only') {
        expect(spec.context, name).toBeUndefined();
        expect(spec.lambdaInstead, name).toBeDefined();
      }
      expect(spec.doc.trim(), name).not.toBe('');
    }
  });

  it('names each variable and each context key once', () => {
    const envs = SETTING_NAMES.map((name) => SETTING_SPECS[name].env).filter((env) => env !== undefined);
    const keys = SETTING_NAMES.map((name) => SETTING_SPECS[name].context).filter((key) => key !== undefined);
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^reaper:[a-z][A-Za-z]*$/);
  });

  it('has defaults its own readers accept unchanged', () => {
    for (const name of SETTING_NAMES) {
      const spec = SETTING_SPECS[name];
      if (spec.default === undefined) continue;
      expect(readSettingValue(spec, typeof spec.default === 'string' ? spec.default : String(spec.default)), name).toEqual({
        ok: true,
        value: spec.default,
      });
    }
  });

  it('holds the four settings of verification and the brake, with their bounds', () => {
    expect(SETTINGS.verifyAtSource).toMatchObject({
      env: 'VERIFY_AT_SOURCE',
      context: 'reaper:verifyAtSource',
      use: 'lambda',
      type: 'boolean',
      default: true,
    });
    expect(SETTINGS.brakeWindowSeconds).toMatchObject({
      env: 'BRAKE_WINDOW_SECONDS',
      context: 'reaper:brakeWindowSeconds',
      type: 'whole',
      default: 900,
      min: 60,
      max: 86_400,
    });
    expect(SETTINGS.brakeMinLocks).toMatchObject({
      env: 'BRAKE_MIN_LOCKS',
      context: 'reaper:brakeMinLocks',
      type: 'whole',
      default: 25,
      min: 0,
      max: 100_000,
    });
    expect(SETTINGS.brakeShare).toMatchObject({
      env: 'BRAKE_SHARE',
      context: 'reaper:brakeShare',
      type: 'decimal',
      default: 0.5,
      min: 0,
      minExclusive: true,
      max: 1,
    });
  });
});

describe('the one whole-number reader', () => {
  it.each([
    ['60', 60],
    [' 7 ', 7],
    [0, 0],
    [604_800, 604_800],
  ])('accepts %j', (raw, value) => {
    expect(readWholeNumber(raw, SETTINGS.graceSeconds)).toEqual({ ok: true, value });
  });

  it.each([
    ['-1', '"-1" is not a whole number'],
    ['1e3', '"1e3" is not a whole number'],
    [1.5, '1.5 is not a whole number'],
    [true, 'true is not a whole number'],
    ['604801', '604801 is outside 0..604800'],
  ])('refuses %j', (raw, problem) => {
    expect(readWholeNumber(raw, SETTINGS.graceSeconds)).toEqual({ ok: false, problem });
  });
});

describe('the table reference checks', () => {
  it('take a name, an ARN, or either, as each setting says', () => {
    const arn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/tracked-canvases';
    const [either, name, tableArn] = [SETTINGS.tableName.check, SETTINGS.existingTableName.check, SETTINGS.existingTableArn.check];
    expect(either('tracked-canvases')).toBeUndefined();
    expect(either(arn)).toBeUndefined();
    expect(name(arn)).toBe(`"${arn}" is not a DynamoDB table name`);
    expect(tableArn('tracked-canvases')).toBe('"tracked-canvases" is not a DynamoDB table ARN');
    expect(either('arn:aws:dynamodb:eu-west-1:1234:table/t')).toMatch(/is neither a DynamoDB table name nor a table ARN/);
  });
});

describe("a run's grace (payload field and CLI flag)", () => {
  it('has the bounds of GRACE_SECONDS', () => {
    expect(parseInvocation({ graceSeconds: SETTINGS.graceSeconds.max }).graceSeconds).toBe(SETTINGS.graceSeconds.max);
    expect(() => parseInvocation({ graceSeconds: SETTINGS.graceSeconds.max + 1 })).toThrow(PayloadError);
    expect(() => parseInvocation({ graceSeconds: '60' })).toThrow(
      `graceSeconds must be a whole number of seconds from 0 to ${SETTINGS.graceSeconds.max}, got "60"`,
    );
    expect(parseGraceSecondsFlag(String(SETTINGS.graceSeconds.max))).toBe(SETTINGS.graceSeconds.max);
    expect(() => parseGraceSecondsFlag(String(SETTINGS.graceSeconds.max + 1))).toThrow(
      `--grace-seconds must be a whole number from 0 to ${SETTINGS.graceSeconds.max}, got "604801"`,
    );
  });
});
