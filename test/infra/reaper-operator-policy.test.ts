import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ReaperOperatorPolicy } from '#infra/constructs/reaper-operator-policy';
import { ScenarioCredentialsSecret } from '#infra/constructs/scenario-credentials-secret';
import { bareStack, statementsOf, templateOf } from './support/bare-stack';
import { logicalIdOf, onlyResource, REPO_ROOT, synthReaper } from './support/synth-reaper';

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

function operatorPolicy(overrides: Record<string, unknown> = {}) {
  const { stack, template } = synthReaper(overrides);
  const policyId = logicalIdOf(stack.operatorPolicy.policy);
  return { stack, template, policyId, policy: template.toJSON().Resources[policyId] };
}

/** The AWS SDK commands a source file imports from an `@aws-sdk/client-*` package, as IAM actions. */
function sdkActionsIn(file: string): string[] {
  const prefixOf: Record<string, string> = {
    'client-dynamodb': 'dynamodb',
    'client-secrets-manager': 'secretsmanager',
    'client-lambda': 'lambda',
    'client-scheduler': 'scheduler',
    'client-cloudwatch-logs': 'logs',
    'client-sqs': 'sqs',
    'client-eventbridge': 'events',
  };
  // The one command whose IAM action is not its name.
  const actionNameOf: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };
  const source = readFileSync(file, 'utf8');
  const actions: string[] = [];
  for (const [, names, client] of source.matchAll(/import\s*{([^}]*)}\s*from\s*'@aws-sdk\/(client-[a-z-]+)'/g)) {
    for (const name of names!.split(',').map((n) => n.trim())) {
      const command = /^(\w+)Command$/.exec(name);
      if (!command) continue;
      const action = `${prefixOf[client!]}:${command[1]}`;
      actions.push(actionNameOf[action] ?? action);
    }
  }
  return actions;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? sourcesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('the ReaperOperatorPolicy', () => {
  it("holds exactly what npm run ops needs on this stack's resources, statement by statement", () => {
    const { stack, template, policy } = operatorPolicy();
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'TrackedCanvases',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
        Resource: arnOf(logicalIdOf(stack.table.table)),
      },
      // The brake's row ("#reaper-brake") is the reaper's: operators' local runs write it through the reaper's code
      // (UpdateItem), and no one deletes it (ops untrack refuses it too).
      {
        Sid: 'NoDeletingReservedKeys',
        Effect: 'Deny',
        Action: 'dynamodb:DeleteItem',
        Resource: arnOf(logicalIdOf(stack.table.table)),
        Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['#*'] } },
      },
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: { Ref: onlyResource(template, 'AWS::SecretsManager::Secret').logicalId },
      },
      { Sid: 'Invoke', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(logicalIdOf(stack.reaper.function)) },
      // ops explain reads the function's environment (the deployed settings); nothing else of the function.
      {
        Sid: 'ReadFunctionSettings',
        Effect: 'Allow',
        Action: 'lambda:GetFunctionConfiguration',
        Resource: arnOf(logicalIdOf(stack.reaper.function)),
      },
      {
        Sid: 'PauseResume',
        Effect: 'Allow',
        Action: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'],
        Resource: arnOf(logicalIdOf(stack.schedule.schedule)),
      },
      {
        Sid: 'PassScheduleRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: arnOf(logicalIdOf(stack.schedule.role)),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
      {
        Sid: 'LastRun',
        Effect: 'Allow',
        Action: 'logs:FilterLogEvents',
        // The function's log group (last-run) and the lock events' (ops events).
        Resource: [arnOf(logicalIdOf(stack.lockEvents.logGroup)), arnOf(logicalIdOf(stack.reaper.logGroup))],
      },
      {
        Sid: 'DeadLetters',
        Effect: 'Allow',
        Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: [arnOf(logicalIdOf(stack.reaper.failureQueue)), arnOf(logicalIdOf(stack.schedule.deadLetterQueue))],
      },
      // npm run reap and ops unlock publish lock events: this bus only, the reaper's source only.
      {
        Sid: 'PublishLockEvents',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: arnOf(logicalIdOf(stack.lockEvents.bus)),
        Condition: { StringEquals: { 'events:source': 'canvas-lock-reaper' } },
      },
    ]);
  });

  it('grants every AWS call the ops commands (and the reaper code they run) make, and no other', () => {
    const files = [...sourcesUnder(path.join(REPO_ROOT, 'ops')), ...sourcesUnder(path.join(REPO_ROOT, 'functions', 'reaper', 'adapters'))];
    const called = [...new Set(files.flatMap(sdkActionsIn))].sort();
    const { policy } = operatorPolicy();
    const granted = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow')
      .flatMap((s: any) => [s.Action].flat())
      // Not calls of their own: UpdateSchedule passes the role again.
      .filter((action: string) => action !== 'iam:PassRole')
      .sort();
    expect(granted).toEqual(called);
  });

  it('may decrypt the secret through Secrets Manager only, when it has a customer-managed key', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { policy } = operatorPolicy({ 'reaper:secretKmsKeyArn': keyArn });
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: keyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      },
    });
  });

  it('is attached to no one by the stack, and named by the ReaperOperatorPolicyArn output', () => {
    const { template, policy, policyId } = operatorPolicy();
    expect(policy.Properties.Roles ?? policy.Properties.Users ?? policy.Properties.Groups).toBeUndefined();
    expect(template.toJSON().Outputs.ReaperOperatorPolicyArn.Value).toEqual({ Ref: policyId });
  });
});

describe('ReaperOperatorPolicy in a bare Stack', () => {
  it('makes one managed policy over exactly the resources it is given', () => {
    const stack = bareStack();
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {};'),
    });
    const role = new Role(stack, 'ScheduleRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    const schedule = new Schedule(stack, 'Schedule', {
      schedule: ScheduleExpression.expression('rate(5 minutes)'),
      target: new LambdaInvoke(fn, { role, input: ScheduleTargetInput.fromObject({}) }),
    });
    const queue = Queue.fromQueueArn(stack, 'Queue', 'arn:aws:sqs:eu-west-1:123456789012:dead-letters');
    new ReaperOperatorPolicy(stack, 'Operator', {
      table: Table.fromTableName(stack, 'Table', 'canvases'),
      credentials: new ScenarioCredentialsSecret(stack, 'Credentials', {
        existingSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf',
      }),
      function: fn,
      schedule,
      scheduleRole: role,
      logGroup: LogGroup.fromLogGroupName(stack, 'Logs', 'reaper-logs'),
      deadLetterQueues: [queue],
    });
    const template = templateOf(stack);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    const resources = statementsOf(template, 'AWS::IAM::ManagedPolicy').map((s) => JSON.stringify(s.Resource));
    expect(resources).toContain(JSON.stringify('arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf'));
    expect(resources).toContain(JSON.stringify('arn:aws:sqs:eu-west-1:123456789012:dead-letters'));
    expect(resources.find((r) => r.includes(':table/canvases'))).toBeDefined();
    expect(resources.find((r) => r.includes(':log-group:reaper-logs'))).toBeDefined();
    expect(resources.every((r) => !r.includes('"*"'))).toBe(true);
  });
});
