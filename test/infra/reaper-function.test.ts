import { Duration } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REAPER_SETTINGS, EXEC_WRAPPER_FILE, REAPER_BUNDLING, ReaperFunction } from '#infra/constructs/reaper-function';
import { ScenarioCredentialsSecret } from '#infra/constructs/scenario-credentials-secret';
import { REAPER_EXEC_WRAPPER_SCRIPT } from '#infra/paths';
import { bareStack, statementsOf, templateOf } from './support/bare-stack';
import { logicalIdOf, onlyResource, synthReaper } from './support/synth-reaper';

describe('the reaper function', () => {
  it('runs the bundled handler on nodejs22.x, arm64, 5 minutes, 1769 MB (one full vCPU: CPU stays above 1.5 × the API bound), one at a time', () => {
    const { template } = synthReaper();
    const fn = onlyResource(template, 'AWS::Lambda::Function').properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Timeout).toBe(300);
    expect(fn.MemorySize).toBe(1769);
    expect(fn.ReservedConcurrentExecutions).toBe(1);
  });

  it('starts through its exec wrapper (AWS_LAMBDA_EXEC_WRAPPER), which the bundling step copies into the bundle, executable', () => {
    const { template } = synthReaper();
    const fn = onlyResource(template, 'AWS::Lambda::Function').properties;
    expect(fn.Environment.Variables.AWS_LAMBDA_EXEC_WRAPPER).toBe(`/var/task/${EXEC_WRAPPER_FILE}`);
    // The copy itself runs at bundling time (test/infra/bundle.test.ts looks at the bundled asset).
    const commands = REAPER_BUNDLING.commandHooks.afterBundling('/in', '/out');
    expect(commands).toEqual([`cp "${REAPER_EXEC_WRAPPER_SCRIPT}" "/out/${EXEC_WRAPPER_FILE}"`, `chmod 755 "/out/${EXEC_WRAPPER_FILE}"`]);
  });

  it('logs to its own log group, kept one month by default', () => {
    const { stack, template } = synthReaper();
    // The stack's other log group is the lock events' (test/infra/lock-event-bus.test.ts).
    const logGroup = template.toJSON().Resources[logicalIdOf(stack.reaper.logGroup)];
    expect(logGroup.Properties).toEqual({ RetentionInDays: 30 });
    const fn = onlyResource(template, 'AWS::Lambda::Function').properties;
    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: logicalIdOf(stack.reaper.logGroup) } });
  });

  it('takes its timeout and log retention from context', () => {
    const { stack, template } = synthReaper({ 'reaper:functionTimeoutSeconds': '600', 'reaper:logRetentionDays': 90 });
    expect(onlyResource(template, 'AWS::Lambda::Function').properties.Timeout).toBe(600);
    expect(template.toJSON().Resources[logicalIdOf(stack.reaper.logGroup)].Properties.RetentionInDays).toBe(90);
  });

  it('refuses a timeout that leaves less than 30 s of work after the safety margin', () => {
    expect(() => synthReaper({ 'reaper:functionTimeoutSeconds': 35, 'reaper:safetyMarginMs': 10_000 })).toThrow(
      /timeout 35 s leaves less than 30 s of work after the 10000 ms safety margin/,
    );
  });

  it('refuses a log retention CloudWatch does not offer, naming the key', () => {
    expect(() => synthReaper({ 'reaper:logRetentionDays': 31 })).toThrow(/Context key reaper:logRetentionDays: 31 is not one of 1, 3, 5/);
  });

  it('is not retried asynchronously (the next tick is the retry) and sends failures to its own queue', () => {
    const { stack, template } = synthReaper();
    const invokeConfig = onlyResource(template, 'AWS::Lambda::EventInvokeConfig').properties;
    expect(invokeConfig).toEqual({
      FunctionName: { Ref: logicalIdOf(stack.reaper.function) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 1800,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(stack.reaper.failureQueue), 'Arn'] } } },
    });
  });

  it('has a role of its own with no managed policy, assumable by Lambda only', () => {
    const { stack, template } = synthReaper();
    const roleId = logicalIdOf(stack.reaper.function.role!);
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it('may write its logs, read the one secret, read and update the one table, report a failure, send traces and publish lock events: nothing more', () => {
    const { stack, template } = synthReaper();
    const roleId = logicalIdOf(stack.reaper.function.role!);
    const policies = Object.values<any>(template.toJSON().Resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === roleId),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack.reaper.logGroup), 'Arn'] },
      },
      {
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'Arn'] },
      },
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: { Ref: onlyResource(template, 'AWS::SecretsManager::Secret').logicalId },
      },
      // X-Ray has no resource-level permissions for these: the one '*' (acknowledged in cdk-nag, and only this).
      { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' },
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack.reaper.failureQueue), 'Arn'] },
      },
      // Lock events: this bus only, the reaper's source only.
      {
        Sid: 'PublishLockEvents',
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'events:source': 'canvas-lock-reaper' } },
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack.lockEvents.bus), 'Arn'] },
      },
    ]);
  });

  it('is traced by X-Ray (the handler adds the spans)', () => {
    const { template } = synthReaper();
    expect(onlyResource(template, 'AWS::Lambda::Function').properties.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('publishes a version of the code it deploys, named by the FunctionVersion output', () => {
    const { stack, template } = synthReaper();
    const version = onlyResource(template, 'AWS::Lambda::Version');
    expect(version.properties.FunctionName).toEqual({ Ref: logicalIdOf(stack.reaper.function) });
    // Old versions stay when a deploy publishes a new one: each release remains invocable by number.
    expect(version.resource.DeletionPolicy).toBe('Retain');
    expect(template.toJSON().Outputs.FunctionVersion.Value).toEqual({ 'Fn::GetAtt': [version.logicalId, 'Version'] });
  });

  it('is the only thing with permissions on the table and the secret (no resource policy opens them)', () => {
    const { template } = synthReaper();
    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    template.resourceCountIs('AWS::DynamoDB::ResourcePolicy', 0);
    expect(onlyResource(template, 'AWS::DynamoDB::Table').properties.ResourcePolicy).toBeUndefined();
  });

  it('keeps failed invocations for 14 days in an encrypted, TLS-only queue', () => {
    const { stack, template } = synthReaper();
    const queueId = logicalIdOf(stack.reaper.failureQueue);
    expect(template.toJSON().Resources[queueId].Properties).toEqual({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    const queuePolicies = Object.values<any>(template.findResources('AWS::SQS::QueuePolicy')).filter((p) =>
      p.Properties.Queues.some((q: any) => q.Ref === queueId),
    );
    expect(queuePolicies).toHaveLength(1);
    expect(queuePolicies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      },
    ]);
  });
});

describe('ReaperFunction in a bare Stack', () => {
  function reaperFunctionAlone(props: Partial<ConstructorParameters<typeof ReaperFunction>[2]> = {}) {
    const stack = bareStack();
    const reaper = new ReaperFunction(stack, 'Reaper', {
      table: Table.fromTableName(stack, 'Table', 'tracked-canvases'),
      credentials: new ScenarioCredentialsSecret(stack, 'Credentials', { existingSecretName: 'scenario' }),
      settings: DEFAULT_REAPER_SETTINGS,
      ...props,
    });
    return { stack, reaper, template: templateOf(stack) };
  }

  it('makes exactly a function with its role and policy, its log group, its failure queue (and its policy), its async config and a version', () => {
    const { template } = reaperFunctionAlone();
    const types = Object.values<any>(template.toJSON().Resources)
      .map((r) => r.Type)
      .sort();
    expect(types).toEqual([
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::Lambda::EventInvokeConfig',
      'AWS::Lambda::Function',
      'AWS::Lambda::Version',
      'AWS::Logs::LogGroup',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
    ]);
  });

  it('tells the function the table and the secret it is given, and grants exactly those', () => {
    const { template } = reaperFunctionAlone();
    const fn = onlyResource(template, 'AWS::Lambda::Function').properties;
    expect(fn.Environment.Variables.TABLE_NAME).toBe('tracked-canvases');
    expect(fn.Environment.Variables.SCENARIO_SECRET_ID).toBe('scenario');
    const resources = statementsOf(template, 'AWS::IAM::Policy').map((statement) => JSON.stringify(statement.Resource));
    expect(resources.some((r) => r.includes(':table/tracked-canvases'))).toBe(true);
    expect(resources.some((r) => r.includes(':secret:scenario-??????'))).toBe(true);
  });

  it('takes its timeout, settings and log retention from its props', () => {
    const { template } = reaperFunctionAlone({
      timeout: Duration.minutes(2),
      settings: { ...DEFAULT_REAPER_SETTINGS, maxInFlight: 4 },
      logRetention: 7,
    });
    const fn = onlyResource(template, 'AWS::Lambda::Function').properties;
    expect(fn.Timeout).toBe(120);
    expect(fn.Environment.Variables.MAX_IN_FLIGHT).toBe('4');
    expect(onlyResource(template, 'AWS::Logs::LogGroup').properties.RetentionInDays).toBe(7);
  });

  it("refuses a timeout above Lambda's 15 minutes", () => {
    expect(() => reaperFunctionAlone({ timeout: Duration.minutes(16) })).toThrow(/timeout 960 s exceeds Lambda's maximum of 900 s/);
  });

  it("refuses settings the handler's own config would refuse, naming the variable", () => {
    expect(() => reaperFunctionAlone({ settings: { ...DEFAULT_REAPER_SETTINGS, maxInFlight: 0 } })).toThrow(/MAX_IN_FLIGHT/);
  });
});
