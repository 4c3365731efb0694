import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTEXT_DEFAULTS } from '../../infra/context';
import { cdkJsonContext, onlyResource, REPO_ROOT, synthReaper } from './support/synth-reaper';

describe('cdk.json', () => {
  it('runs the app with tsx and never reaches for the network (no notices, no telemetry)', () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8'));
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    expect(cdkJson.notices).toBe(false);
    expect(cdkJson.context['cli-telemetry']).toBe(false);
  });

  it('lists every context key ops may set, with the default the code uses, and nothing else', () => {
    const reaperKeys = Object.fromEntries(Object.entries(cdkJsonContext()).filter(([key]) => key.startsWith('reaper:')));
    expect(reaperKeys).toEqual(CONTEXT_DEFAULTS);
  });

  it('is documented key by key, with its default, in docs/deploy.md', () => {
    const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    for (const [key, value] of Object.entries(CONTEXT_DEFAULTS)) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, `docs/deploy.md has no table row for ${key}`).toBeDefined();
      if (value !== '') expect(row, `the row of ${key} shows its default`).toContain(`\`${String(value)}\``);
    }
  });
});

describe('context keys', () => {
  it('refuse an unknown reaper:* key, so a typo is not silently ignored', () => {
    expect(() => synthReaper({ 'reaper:scheduleEnable': false })).toThrow(/Unknown context key\(s\) reaper:scheduleEnable/);
  });

  it('accept strings from -c as well as JSON values from cdk.json', () => {
    const { template } = synthReaper({ 'reaper:graceSeconds': '90', 'reaper:scheduleEnabled': 'true', 'reaper:logRetentionDays': '14' });
    expect(onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables.GRACE_SECONDS).toBe('90');
    expect(onlyResource(template, 'AWS::Scheduler::Schedule').properties.State).toBe('ENABLED');
    expect(onlyResource(template, 'AWS::Logs::LogGroup').properties.RetentionInDays).toBe(14);
  });

  it('treat an empty string as "not set"', () => {
    const { template } = synthReaper({ 'reaper:existingTableName': '', 'reaper:alarmEmail': '  ' });
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it.each([
    ['reaper:scheduleEnabled', 'yes', /expected true or false, got "yes"/],
    ['reaper:graceSeconds', '1.5', /expected a whole number, got "1.5"/],
    ['reaper:functionTimeoutSeconds', 901, /901 is outside 1\.\.900/],
    ['reaper:heartbeatMinutes', 0, /0 is outside 1\.\.1440/],
    ['reaper:existingTableName', 'a b', /"a b" is not a DynamoDB table name/],
    ['reaper:secretKmsKeyArn', 'alias/aws/secretsmanager', /is not a KMS key ARN/],
    ['reaper:stackName', '1-reaper', /is not a CloudFormation stack name/],
  ])('refuse %s = %j with a message naming the key', (key, value, reason) => {
    expect(() => synthReaper({ [key]: value })).toThrow(new RegExp(`Context key ${key}: `));
    expect(() => synthReaper({ [key]: value })).toThrow(reason);
  });

  it('name the stack', () => {
    const { stack } = synthReaper({ 'reaper:stackName': 'CanvasLockReaper-Staging' });
    expect(stack.stackName).toBe('CanvasLockReaper-Staging');
  });
});
