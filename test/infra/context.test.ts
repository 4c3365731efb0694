import * as fs from 'node:fs';
import * as path from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ContextError } from '#infra/context';
import { CONTEXT_SETTING_NAMES, SETTING_SPECS, SETTINGS } from '#reaper/settings';
import { cdkJsonContext, logicalIdOf, onlyResource, REPO_ROOT, synthReaper } from './support/synth-reaper';

describe('cdk.json', () => {
  it('runs the app with tsx and never reaches for the network (no notices, no telemetry)', () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8'));
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    expect(cdkJson.notices).toBe(false);
    expect(cdkJson.context['cli-telemetry']).toBe(false);
  });

  it('holds no reaper:* key: the defaults live in the settings table, so -c (and later an environment file) overrides every one', () => {
    expect(Object.keys(cdkJsonContext()).filter((key) => key.startsWith('reaper:'))).toEqual([]);
  });
});

describe('docs/deploy.md', () => {
  it('documents every context key, with its default', () => {
    const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    for (const name of CONTEXT_SETTING_NAMES) {
      const spec = SETTING_SPECS[name];
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${spec.context}\` |`));
      expect(row, `docs/deploy.md has no table row for ${spec.context}`).toBeDefined();
      if (spec.default !== undefined) expect(row, `the row of ${spec.context} shows its default`).toContain(`\`${String(spec.default)}\``);
    }
  });
});

describe('context keys', () => {
  it('refuse an unknown reaper:* key, so a typo is not silently ignored', () => {
    expect(() => synthReaper({ 'reaper:scheduleEnable': false })).toThrow(/Context key reaper:scheduleEnable: unknown key/);
  });

  it('accept strings from -c as well as JSON values from cdk.json', () => {
    const { stack, template } = synthReaper({
      'reaper:graceSeconds': '90',
      'reaper:scheduleEnabled': 'true',
      'reaper:logRetentionDays': '14',
      'reaper:lockEventsArchiveDays': '0',
    });
    expect(onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables.GRACE_SECONDS).toBe('90');
    expect(onlyResource(template, 'AWS::Scheduler::Schedule').properties.State).toBe('ENABLED');
    expect(template.toJSON().Resources[logicalIdOf(stack.reaper.logGroup)].Properties.RetentionInDays).toBe(14);
    template.resourceCountIs('AWS::Events::Archive', 0);
  });

  it('treat an empty string as "not set"', () => {
    const { template } = synthReaper({ 'reaper:existingTableName': '', 'reaper:alarmEmail': '  ' });
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it.each([
    ['reaper:scheduleEnabled', 'yes', /expected true or false, got "yes"/],
    ['reaper:graceSeconds', '1.5', /"1.5" is not a whole number/],
    ['reaper:functionTimeoutSeconds', 901, /901 is outside 1\.\.900/],
    ['reaper:heartbeatMinutes', 0, /0 is outside 1\.\.1440/],
    ['reaper:existingTableName', 'a b', /"a b" is not a DynamoDB table name/],
    ['reaper:secretKmsKeyArn', 'alias/aws/secretsmanager', /is not a KMS key ARN/],
    ['reaper:stackName', '1-reaper', /is not a CloudFormation stack name/],
    ['reaper:apiBaseUrl', 'https://api.cloud.scenario.com/v1?', /must not carry a query string or fragment/],
    ['reaper:apiBaseUrl', 'https://api.cloud.scenario.com/v1/%2e%2e/admin', /must not contain a dot segment/],
    ['reaper:apiBaseUrl', 'https://api.cloud.scenario.com/v1%3F', /must not contain a percent-encoded "\?" or "#"/],
    ['reaper:apiBaseUrl', 'https://api.cloud.scenario.com/v1%23x', /must not contain a percent-encoded "\?" or "#"/],
  ])('refuse %s = %j with a message naming the key', (key, value, reason) => {
    expect(() => synthReaper({ [key]: value })).toThrow(new RegExp(`Context key ${key}: `));
    expect(() => synthReaper({ [key]: value })).toThrow(reason);
  });

  it('are listed all at once when several are wrong, each line naming its key', () => {
    const bad = { 'reaper:graceSeconds': 'soon', 'reaper:brakeShare': 0, 'reaper:verifyAtSource': 'maybe', 'reaper:alarmEmail': 'ops' };
    let error: unknown;
    try {
      synthReaper(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ContextError);
    const { problems, key, message } = error as ContextError;
    expect(problems.map((problem) => problem.key).sort()).toEqual(Object.keys(bad).sort());
    expect(key).toBe(problems[0]!.key);
    expect(message.split('\n')).toEqual([
      'Context key reaper:graceSeconds: "soon" is not a whole number',
      'Context key reaper:verifyAtSource: expected true or false, got "maybe"',
      'Context key reaper:brakeShare: 0 is not greater than 0 and at most 1',
      'Context key reaper:alarmEmail: "ops" is not an e-mail address',
    ]);
  });

  it('refuse both forms of an existing table, naming the key', () => {
    expect(() =>
      synthReaper({
        'reaper:existingTableName': 'canvases',
        'reaper:existingTableArn': 'arn:aws:dynamodb:eu-west-1:123456789012:table/canvases',
      }),
    ).toThrow('Context key reaper:existingTableArn: set reaper:existingTableName or reaper:existingTableArn, not both');
  });

  it('name the stack', () => {
    const { stack } = synthReaper({ 'reaper:stackName': 'CanvasLockReaper-Staging' });
    expect(stack.stackName).toBe('CanvasLockReaper-Staging');
  });
});

describe('the settings table', () => {
  it("offers exactly CloudWatch Logs' retention values for reaper:logRetentionDays", () => {
    const retentionDays = Object.values(RetentionDays).filter((value): value is number => typeof value === 'number');
    expect([...SETTINGS.logRetentionDays.oneOf].sort((a, b) => a - b)).toEqual(retentionDays.sort((a, b) => a - b));
  });
});
