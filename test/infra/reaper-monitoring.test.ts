import { Duration } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ReaperMonitoring, type ReaperMonitoringProps } from '#infra/constructs/reaper-monitoring';
import { METRIC_NAMES } from '#reaper/metric-names';
import { bareStack, templateOf } from './support/bare-stack';
import { logicalIdOf, onlyResource, synthReaper } from './support/synth-reaper';

type Template = ReturnType<typeof synthReaper>['template'];

function alarmNamed(template: Template, name: string): Record<string, any> {
  const found = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.AlarmName === name);
  if (found.length !== 1) throw new Error(`expected one alarm named ${name}, found ${found.length}`);
  return found[0].Properties;
}

/** The single metric an alarm watches, as CloudWatch sees it. */
function watched(alarm: Record<string, any>) {
  expect(alarm.Metrics).toHaveLength(1);
  const stat = alarm.Metrics[0].MetricStat;
  return {
    namespace: stat.Metric.Namespace,
    name: stat.Metric.MetricName,
    dimensions: stat.Metric.Dimensions,
    period: stat.Period,
    stat: stat.Stat,
  };
}

const reaperDimensions = [{ Name: 'service', Value: 'canvas-lock-reaper' }];

describe('the alarms', () => {
  it('are nine, and each notifies the alarm topic when it fires and when it clears', () => {
    const { stack, template } = synthReaper();
    const topic = { Ref: logicalIdOf(stack.monitoring.alarmTopic) };
    const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(
      [
        'CanvasLockReaper-FailedInvocationsQueued',
        'CanvasLockReaper-FunctionErrors',
        'CanvasLockReaper-NotRunning',
        'CanvasLockReaper-RunCutShort',
        'CanvasLockReaper-PossibleLiveLockUnlock',
        'CanvasLockReaper-BrakeTripped',
        'CanvasLockReaper-LockEventsNotPublished',
        'CanvasLockReaper-UndeliveredTicksQueued',
        'CanvasLockReaper-UnlocksFailing',
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
      expect(alarm.Threshold).toBe(1);
      expect(alarm.AlarmDescription).toMatch(/Runbook: docs\/day-2\.md#[a-z]+\.$/);
    }
  });

  it('fire on any possible live-lock unlock, while the brake is engaged (the metric is published every run), and on any lock event not published', () => {
    const { template } = synthReaper();
    for (const [name, metric] of [
      ['CanvasLockReaper-PossibleLiveLockUnlock', 'PossibleLiveLockUnlocks'],
      ['CanvasLockReaper-BrakeTripped', 'BrakeTripped'],
      ['CanvasLockReaper-LockEventsNotPublished', 'LockEventsNotPublished'],
    ] as const) {
      const alarm = alarmNamed(template, name);
      expect(watched(alarm)).toMatchObject({ namespace: 'CanvasLockReaper', name: metric, dimensions: reaperDimensions, stat: 'Sum' });
      expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  it('fire on any function error within 5 minutes', () => {
    const { stack, template } = synthReaper();
    const alarm = alarmNamed(template, 'CanvasLockReaper-FunctionErrors');
    expect(watched(alarm)).toEqual({
      namespace: 'AWS/Lambda',
      name: 'Errors',
      dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.reaper.function) } }],
      period: 300,
      stat: 'Sum',
    });
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('fire when unlocks failed in two consecutive periods (one bad run is retried by the next)', () => {
    const { template } = synthReaper();
    const alarm = alarmNamed(template, 'CanvasLockReaper-UnlocksFailing');
    expect(watched(alarm)).toEqual({
      namespace: 'CanvasLockReaper',
      name: METRIC_NAMES.failed,
      dimensions: reaperDimensions,
      period: 300,
      stat: 'Sum',
    });
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('fire on any run cut short', () => {
    const { template } = synthReaper();
    const alarm = alarmNamed(template, 'CanvasLockReaper-RunCutShort');
    expect(watched(alarm)).toEqual({
      namespace: 'CanvasLockReaper',
      name: METRIC_NAMES.cutShort,
      dimensions: reaperDimensions,
      period: 300,
      stat: 'Sum',
    });
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('fire when no run completed for three periods, counting silence as breaching', () => {
    const { template } = synthReaper();
    const alarm = alarmNamed(template, 'CanvasLockReaper-NotRunning');
    expect(watched(alarm)).toEqual({
      namespace: 'CanvasLockReaper',
      name: METRIC_NAMES.runs,
      dimensions: reaperDimensions,
      period: 300,
      stat: 'Sum',
    });
    expect(alarm).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      ActionsEnabled: true,
    });
  });

  it('keep "not running" silent (actions off) when the schedule is deployed disabled', () => {
    const { template } = synthReaper({ 'reaper:scheduleEnabled': false });
    const alarm = alarmNamed(template, 'CanvasLockReaper-NotRunning');
    expect(alarm.ActionsEnabled).toBe(false);
    expect(alarm.AlarmDescription).toMatch(/deployed disabled/);
    expect(alarmNamed(template, 'CanvasLockReaper-FunctionErrors').ActionsEnabled).toBe(true);
  });

  it('fire when either dead-letter queue holds a message', () => {
    const { stack, template } = synthReaper();
    for (const [name, queue] of [
      ['CanvasLockReaper-FailedInvocationsQueued', stack.reaper.failureQueue],
      ['CanvasLockReaper-UndeliveredTicksQueued', stack.schedule.deadLetterQueue],
    ] as const) {
      const alarm = alarmNamed(template, name);
      expect(watched(alarm)).toEqual({
        namespace: 'AWS/SQS',
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue), 'QueueName'] } }],
        period: 300,
        stat: 'Maximum',
      });
      expect(alarm).toMatchObject({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it.each([
    [{ 'reaper:scheduleExpression': 'rate(1 hour)' }, 3600, 3],
    [{ 'reaper:scheduleExpression': 'rate(1 minute)' }, 300, 3], // runs end at most one timeout apart
    [{ 'reaper:scheduleExpression': 'rate(12 hours)' }, 43_200, 2], // CloudWatch looks back one day at most
    [{ 'reaper:scheduleExpression': 'cron(0 * * * ? *)' }, 3600, 3],
    [{ 'reaper:scheduleExpression': 'cron(0 * * * ? *)', 'reaper:heartbeatMinutes': '90' }, 5400, 3],
  ])('size "not running" to the schedule: %j gives period %i s over %i periods', (context, period, periods) => {
    const { template } = synthReaper(context);
    const alarm = alarmNamed(template, 'CanvasLockReaper-NotRunning');
    expect(watched(alarm).period).toBe(period);
    expect(alarm.EvaluationPeriods).toBe(periods);
  });

  it('watch the namespace and service the function is told to publish under', () => {
    const { template } = synthReaper({ 'reaper:metricsNamespace': 'Staging/Reaper', 'reaper:serviceName': 'reaper-staging' });
    const env = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables;
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('Staging/Reaper');
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('reaper-staging');
    const alarm = watched(alarmNamed(template, 'CanvasLockReaper-NotRunning'));
    expect(alarm.namespace).toBe('Staging/Reaper');
    expect(alarm.dimensions).toEqual([{ Name: 'service', Value: 'reaper-staging' }]);
  });
});

/** What "this stack's alarms in this account" is in the topic's and the key's policies. */
function fromThisStacksAlarms(stackName: string) {
  return {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudwatch:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:alarm:${stackName}-*`,
          ],
        ],
      },
    },
  };
}

describe('the alarm topic', () => {
  it('has no subscription unless an e-mail is given, and refuses publishing without TLS', () => {
    const { stack, template } = synthReaper();
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const policy = onlyResource(template, 'AWS::SNS::TopicPolicy').properties;
    expect(policy.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(template.toJSON().Outputs.AlarmTopicArn.Value).toEqual({ Ref: logicalIdOf(stack.monitoring.alarmTopic) });
    expect(template.toJSON().Outputs.UndeliveredAlarmNotificationsQueueUrl).toBeUndefined();
  });

  it("lets only this stack's alarms, in this account, publish to it", () => {
    const { stack, template } = synthReaper();
    const topicRef = { Ref: logicalIdOf(stack.monitoring.alarmTopic) };
    expect(onlyResource(template, 'AWS::SNS::TopicPolicy').properties.PolicyDocument.Statement).toContainEqual({
      Sid: 'AllowThisStacksAlarmsToPublish',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: topicRef,
      Condition: fromThisStacksAlarms('CanvasLockReaper'),
    });
  });

  it("is encrypted with a customer-managed key, rotated, whose policy lets this stack's alarms use it (aws/sns would drop their notifications)", () => {
    const { stack, template } = synthReaper();
    const keyId = logicalIdOf(stack.monitoring.alarmTopicKey);
    expect(onlyResource(template, 'AWS::SNS::Topic').properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    const key = onlyResource(template, 'AWS::KMS::Key');
    expect(key.logicalId).toBe(keyId);
    expect(key.properties.EnableKeyRotation).toBe(true);
    expect(key.properties.PendingWindowInDays).toBe(7);
    expect(key.resource.DeletionPolicy).toBe('Delete');
    const statements = key.properties.KeyPolicy.Statement;
    expect(statements).toContainEqual({
      Sid: 'AllowThisStacksAlarmsToPublishToTheEncryptedTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: fromThisStacksAlarms('CanvasLockReaper'),
    });
    // Besides that one, only the account's own administration of the key (CDK's default key policy).
    expect(statements.filter((s: any) => s.Principal?.Service)).toHaveLength(1);
    expect(statements.filter((s: any) => !s.Principal?.Service).map((s: any) => s.Action)).toEqual(['kms:*']);
  });

  it('subscribes reaper:alarmEmail, with a dead-letter queue for what SNS cannot deliver', () => {
    const { stack, template } = synthReaper({ 'reaper:alarmEmail': 'ops@example.com' });
    const queue = stack.monitoring.undeliveredNotificationsQueue!;
    const queueId = logicalIdOf(queue);
    expect(onlyResource(template, 'AWS::SNS::Subscription').properties).toEqual({
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: logicalIdOf(stack.monitoring.alarmTopic) },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    expect(template.toJSON().Resources[queueId].Properties).toEqual({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    expect(template.toJSON().Outputs.UndeliveredAlarmNotificationsQueueUrl.Value).toEqual({ Ref: queueId });
    const queuePolicy = Object.values<any>(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      p.Properties.Queues.some((q: any) => q.Ref === queueId),
    );
    expect(queuePolicy.Properties.PolicyDocument.Statement).toContainEqual({
      Action: 'sqs:SendMessage',
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: logicalIdOf(stack.monitoring.alarmTopic) } } },
    });
    expect(
      JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody).match(
        /ApproximateNumberOfMessagesVisible/g,
      ),
    ).toHaveLength(3);
  });

  it('refuses something that is not an e-mail address, naming the key', () => {
    expect(() => synthReaper({ 'reaper:alarmEmail': 'ops at example' })).toThrow(
      /Context key reaper:alarmEmail: "ops at example" is not an e-mail address/,
    );
  });
});

describe('the dashboard', () => {
  it('graphs every metric the reaper publishes, the function errors and both queues, and shows every alarm', () => {
    const { stack, template } = synthReaper();
    const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody);
    for (const metricName of Object.values(METRIC_NAMES)) {
      expect(body).toContain(`[\\"CanvasLockReaper\\",\\"${metricName}\\",\\"service\\",\\"canvas-lock-reaper\\"`);
    }
    expect(body).toContain('\\"AWS/Lambda\\",\\"Errors\\"');
    // Per Scenario project: a SEARCH over the Project dimension, so a project added to the secret shows without a deploy.
    for (const metricName of [METRIC_NAMES.unlocked, METRIC_NAMES.failed]) {
      const search = new RegExp(
        `SEARCH\\('\\{CanvasLockReaper,service,Project\\} MetricName=\\\\+"${metricName}\\\\+" service=\\\\+"canvas-lock-reaper\\\\+"', 'Sum', 300\\)`,
      );
      expect(body).toMatch(search);
    }
    expect(body.match(/ApproximateNumberOfMessagesVisible/g)).toHaveLength(2);
    for (const alarm of [
      stack.monitoring.functionErrorsAlarm,
      stack.monitoring.failedUnlocksAlarm,
      stack.monitoring.runCutShortAlarm,
      stack.monitoring.possibleLiveLockUnlockAlarm,
      stack.monitoring.brakeTrippedAlarm,
      stack.monitoring.lockEventsNotPublishedAlarm,
      stack.monitoring.scheduleNotRunningAlarm,
      stack.monitoring.functionFailureQueueAlarm,
      stack.monitoring.scheduleDeadLetterQueueAlarm,
    ]) {
      expect(body).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(alarm), 'Arn'] }));
    }
  });
});

describe('ReaperMonitoring in a bare Stack', () => {
  function monitoringAlone(props: Partial<ReaperMonitoringProps> = {}) {
    const stack = bareStack('Watched');
    const monitoring = new ReaperMonitoring(stack, 'Monitoring', {
      function: LambdaFunction.fromFunctionName(stack, 'Reaper', 'reaper'),
      functionFailureQueue: Queue.fromQueueArn(stack, 'Failures', 'arn:aws:sqs:eu-west-1:123456789012:failures'),
      scheduleDeadLetterQueue: Queue.fromQueueArn(stack, 'Ticks', 'arn:aws:sqs:eu-west-1:123456789012:ticks'),
      metricsNamespace: 'Ns',
      serviceName: 'svc',
      heartbeatPeriod: Duration.minutes(10),
      scheduleEnabled: true,
      ...props,
    });
    return { monitoring, template: templateOf(stack) };
  }
  const alarms = (template: Template) => Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);

  it('makes nine alarms named after the stack, the encrypted topic and its key, and the dashboard; no subscription', () => {
    const { template } = monitoringAlone();
    expect(
      alarms(template)
        .map((a) => a.AlarmName)
        .sort(),
    ).toEqual(
      [
        'BrakeTripped',
        'FailedInvocationsQueued',
        'FunctionErrors',
        'LockEventsNotPublished',
        'NotRunning',
        'PossibleLiveLockUnlock',
        'RunCutShort',
        'UndeliveredTicksQueued',
        'UnlocksFailing',
      ].map((name) => `Watched-${name}`),
    );
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::SQS::Queue', 0);
    // The key's grant to CloudWatch follows the alarms' names.
    const keyStatements = onlyResource(template, 'AWS::KMS::Key').properties.KeyPolicy.Statement;
    expect(JSON.stringify(keyStatements)).toContain(':alarm:Watched-*');
  });

  it('sizes the reaper-metric alarms from the heartbeat period: three silent periods for NotRunning, two failing ones for UnlocksFailing', () => {
    const { template } = monitoringAlone({ heartbeatPeriod: Duration.minutes(10) });
    const byName = Object.fromEntries(alarms(template).map((a) => [a.AlarmName, a]));
    expect(byName['Watched-NotRunning'].EvaluationPeriods).toBe(3);
    expect(watched(byName['Watched-NotRunning']).period).toBe(600);
    expect(byName['Watched-UnlocksFailing'].EvaluationPeriods).toBe(2);
    expect(watched(byName['Watched-UnlocksFailing'])).toMatchObject({ namespace: 'Ns', dimensions: [{ Name: 'service', Value: 'svc' }] });
  });

  it('keeps an alarm within the day CloudWatch can evaluate: a 12-hour heartbeat gives two periods, not three', () => {
    const { template } = monitoringAlone({ heartbeatPeriod: Duration.hours(12) });
    const notRunning = alarms(template).find((a) => a.AlarmName === 'Watched-NotRunning');
    expect(notRunning.EvaluationPeriods).toBe(2);
  });

  it.each([Duration.seconds(90), Duration.minutes(0), Duration.minutes(1441)])('refuses a heartbeat period of %s', (heartbeatPeriod) => {
    expect(() => monitoringAlone({ heartbeatPeriod })).toThrow(
      /ReaperMonitoring: heartbeatPeriod must be whole minutes between 1 and 1440/,
    );
  });

  it('turns the NotRunning notifications off for a schedule deployed disabled', () => {
    const { template } = monitoringAlone({ scheduleEnabled: false });
    expect(alarms(template).find((a) => a.AlarmName === 'Watched-NotRunning').ActionsEnabled).toBe(false);
  });

  it('subscribes an e-mail with its dead-letter queue', () => {
    const { monitoring, template } = monitoringAlone({ alarmEmail: 'ops@example.com' });
    expect(monitoring.undeliveredNotificationsQueue).toBeDefined();
    expect(onlyResource(template, 'AWS::SNS::Subscription').properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(monitoring.undeliveredNotificationsQueue!), 'Arn'] },
    });
  });
});
