import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ReaperSchedule, type ReaperScheduleProps } from '#infra/constructs/reaper-schedule';
import { parseInvocation } from '#reaper/payload';
import { bareStack, templateOf } from './support/bare-stack';
import { logicalIdOf, onlyResource, synthReaper } from './support/synth-reaper';

describe('the schedule', () => {
  it('invokes the function every 5 minutes by default, enabled', () => {
    const { stack, template } = synthReaper();
    const schedule = onlyResource(template, 'AWS::Scheduler::Schedule').properties;
    expect(schedule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(schedule.State).toBe('ENABLED');
    expect(schedule.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(schedule.Target.Arn).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.reaper.function), 'Arn'] });
  });

  it('sends a payload the handler reads as a scheduled run (not a manual one), with the tick time and schedule', () => {
    const { template } = synthReaper();
    const input = JSON.parse(onlyResource(template, 'AWS::Scheduler::Schedule').properties.Target.Input);
    expect(input).toEqual({
      source: 'aws.scheduler',
      'detail-type': 'Scheduled Event',
      time: '<aws.scheduler.scheduled-time>',
      resources: ['<aws.scheduler.schedule-arn>'],
    });
    // What Scheduler sends at a tick: the placeholders filled in with the tick's time and the schedule's ARN.
    const tick = {
      ...input,
      time: '2026-11-27T10:05:00Z',
      resources: ['arn:aws:scheduler:eu-west-1:123456789012:schedule/default/CanvasLockReaper-Schedule'],
    };
    expect(parseInvocation(tick)).toEqual({ dryRun: false });
    // Only that exact shape: the same input carrying a manual field is validated as a manual payload and refused.
    expect(() => parseInvocation({ ...tick, dryRun: true })).toThrow(/not a scheduled event/);
  });

  it('retries a tick it could not deliver at most twice within 5 minutes, then dead-letters it', () => {
    const { stack, template } = synthReaper();
    const target = onlyResource(template, 'AWS::Scheduler::Schedule').properties.Target;
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.schedule.deadLetterQueue), 'Arn'] } });
  });

  it('takes another rate from context', () => {
    const { template } = synthReaper({ 'reaper:scheduleExpression': 'rate(1 hour)' });
    expect(onlyResource(template, 'AWS::Scheduler::Schedule').properties.ScheduleExpression).toBe('rate(1 hour)');
  });

  it('takes a cron expression with its time zone from context', () => {
    const { template } = synthReaper({
      'reaper:scheduleExpression': 'cron(0/10 8-18 ? * MON-FRI *)',
      'reaper:scheduleTimeZone': 'Europe/Paris',
    });
    const schedule = onlyResource(template, 'AWS::Scheduler::Schedule').properties;
    expect(schedule.ScheduleExpression).toBe('cron(0/10 8-18 ? * MON-FRI *)');
    expect(schedule.ScheduleExpressionTimezone).toBe('Europe/Paris');
  });

  it('is deployed disabled when reaper:scheduleEnabled is false (the kill switch), from cdk.json or -c', () => {
    for (const off of [false, 'false']) {
      const { template } = synthReaper({ 'reaper:scheduleEnabled': off });
      expect(onlyResource(template, 'AWS::Scheduler::Schedule').properties.State).toBe('DISABLED');
    }
  });

  it.each([
    ['rate(5 minute)', /singular unit for 1 and the plural otherwise/],
    ['rate(1 minutes)', /singular unit for 1 and the plural otherwise/],
    ['rate(0 minutes)', /must be at least 1/],
    ['at(2030-01-01T00:00:00)', /is not a recurring schedule/],
    ['cron(0/5 * * * ?)', /is not a recurring schedule/],
    ['every 5 minutes', /is not a recurring schedule/],
  ])('refuses the expression %s, naming the key', (expression, reason) => {
    expect(() => synthReaper({ 'reaper:scheduleExpression': expression })).toThrow(/Context key reaper:scheduleExpression: /);
    expect(() => synthReaper({ 'reaper:scheduleExpression': expression })).toThrow(reason);
  });

  it.each(['rate(2 days)', 'rate(25 hours)', 'rate(1441 minutes)'])(
    "refuses %s: longer than the brake's 24 h look-back, naming the key and the look-back",
    (expression) => {
      expect(() => synthReaper({ 'reaper:scheduleExpression': expression })).toThrow(
        /Context key reaper:scheduleExpression: .*longer than 24 h, the mass-expiry brake's look-back/,
      );
    },
  );

  it("takes a rate of 24 h at most, and any cron (a weekday-only cron's weekend is covered by the look-back, see docs/deploy.md)", () => {
    for (const expression of ['rate(1 day)', 'rate(24 hours)', 'rate(1440 minutes)', 'cron(0/5 8-18 ? * MON-FRI *)']) {
      const { template } = synthReaper({ 'reaper:scheduleExpression': expression });
      expect(onlyResource(template, 'AWS::Scheduler::Schedule').properties.ScheduleExpression).toBe(expression);
    }
  });

  it('refuses an unknown time zone, naming the key', () => {
    expect(() => synthReaper({ 'reaper:scheduleTimeZone': 'Mars/Olympus' })).toThrow(
      /Context key reaper:scheduleTimeZone: "Mars\/Olympus" is not an IANA time zone name/,
    );
  });

  it('invokes through a role that may invoke this function and dead-letter to its queue, nothing more', () => {
    const { stack, template } = synthReaper();
    const roleId = onlyResource(template, 'AWS::Scheduler::Schedule').properties.Target.RoleArn['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':scheduler:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':schedule-group/default',
                ],
              ],
            },
          },
        },
      },
    ]);
    const functionArn = { 'Fn::GetAtt': [logicalIdOf(stack.reaper.function), 'Arn'] };
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: any) => r.Ref === roleId),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [functionArn, { 'Fn::Join': ['', [functionArn, ':*']] }] },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalIdOf(stack.schedule.deadLetterQueue), 'Arn'] } },
    ]);
  });
});

describe('ReaperSchedule in a bare Stack', () => {
  function scheduleAlone(props: Partial<Omit<ReaperScheduleProps, 'function'>> = {}) {
    const stack = bareStack();
    const fn = new LambdaFunction(stack, 'Target', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {};'),
    });
    const schedule = new ReaperSchedule(stack, 'Schedule', { function: fn, ...props });
    return { fn, schedule, template: templateOf(stack) };
  }

  it('makes the schedule, its invoke role (and policy), and its dead-letter queue (and policy); nothing else', () => {
    const { template } = scheduleAlone();
    // The target function and its own role are the test's, not the construct's.
    const types = Object.entries<any>(template.toJSON().Resources)
      .filter(([logicalId]) => !logicalId.startsWith('Target'))
      .map(([, r]) => r.Type);
    expect(types.sort()).toEqual([
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
      'AWS::Scheduler::Schedule',
    ]);
  });

  it('exposes the cadence it parsed and the role updating it must pass', () => {
    const { schedule, template } = scheduleAlone({ expression: 'rate(10 minutes)' });
    expect(schedule.cadence).toMatchObject({ kind: 'rate', expression: 'rate(10 minutes)' });
    expect(schedule.cadence.kind === 'rate' && schedule.cadence.interval.toMinutes()).toBe(10);
    expect(onlyResource(template, 'AWS::Scheduler::Schedule').properties.Target.RoleArn).toEqual({
      'Fn::GetAtt': [logicalIdOf(schedule.role), 'Arn'],
    });
  });

  it('reads a cron expression in its time zone, and ignores the time zone for a rate', () => {
    const cron = scheduleAlone({ expression: 'cron(0 9 ? * MON-FRI *)', timeZone: 'Europe/Paris' });
    expect(onlyResource(cron.template, 'AWS::Scheduler::Schedule').properties.ScheduleExpressionTimezone).toBe('Europe/Paris');
    const rate = scheduleAlone({ timeZone: 'Europe/Paris' });
    expect(onlyResource(rate.template, 'AWS::Scheduler::Schedule').properties.ScheduleExpressionTimezone).not.toBe('Europe/Paris');
  });

  it('is deployed disabled when asked', () => {
    const { schedule, template } = scheduleAlone({ enabled: false });
    expect(schedule.enabled).toBe(false);
    expect(onlyResource(template, 'AWS::Scheduler::Schedule').properties.State).toBe('DISABLED');
  });

  it('refuses a one-time expression and an unknown time zone, naming the prop', () => {
    expect(() => scheduleAlone({ expression: 'at(2030-01-01T00:00:00)' })).toThrow(/^ReaperSchedule.expression: /);
    expect(() => scheduleAlone({ timeZone: 'Mars/Olympus' })).toThrow(/^ReaperSchedule.timeZone: /);
  });
});
