import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../functions/reaper/metric-names';
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
  return { namespace: stat.Metric.Namespace, name: stat.Metric.MetricName, dimensions: stat.Metric.Dimensions, period: stat.Period, stat: stat.Stat };
}

const reaperDimensions = [{ Name: 'service', Value: 'canvas-lock-reaper' }];

describe('the alarms', () => {
  it('are eight, and each notifies the alarm topic when it fires and when it clears', () => {
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
        'CanvasLockReaper-UndeliveredTicksQueued',
        'CanvasLockReaper-UnlocksFailing',
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
      expect(alarm.Threshold).toBe(1);
      expect(alarm.AlarmDescription).toMatch(/docs\/deploy\.md#alarms/);
    }
  });

  it('fire on any possible live-lock unlock, and while the brake is engaged (the metric is published every run)', () => {
    const { template } = synthReaper();
    for (const [name, metric] of [
      ['CanvasLockReaper-PossibleLiveLockUnlock', 'PossibleLiveLockUnlocks'],
      ['CanvasLockReaper-BrakeTripped', 'BrakeTripped'],
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
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, DatapointsToAlarm: 1, TreatMissingData: 'notBreaching' });
  });

  it('fire when unlocks failed in two consecutive periods (one bad run is retried by the next)', () => {
    const { template } = synthReaper();
    const alarm = alarmNamed(template, 'CanvasLockReaper-UnlocksFailing');
    expect(watched(alarm)).toEqual({ namespace: 'CanvasLockReaper', name: METRIC_NAMES.failed, dimensions: reaperDimensions, period: 300, stat: 'Sum' });
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 2, DatapointsToAlarm: 2, TreatMissingData: 'notBreaching' });
  });

  it('fire on any run cut short', () => {
    const { template } = synthReaper();
    const alarm = alarmNamed(template, 'CanvasLockReaper-RunCutShort');
    expect(watched(alarm)).toEqual({ namespace: 'CanvasLockReaper', name: METRIC_NAMES.cutShort, dimensions: reaperDimensions, period: 300, stat: 'Sum' });
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
  });

  it('fire when no run completed for three periods, counting silence as breaching', () => {
    const { template } = synthReaper();
    const alarm = alarmNamed(template, 'CanvasLockReaper-NotRunning');
    expect(watched(alarm)).toEqual({ namespace: 'CanvasLockReaper', name: METRIC_NAMES.runs, dimensions: reaperDimensions, period: 300, stat: 'Sum' });
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
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
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

describe('the alarm topic', () => {
  it('has no subscription unless an e-mail is given, and refuses publishing without TLS', () => {
    const { stack, template } = synthReaper();
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const policy = onlyResource(template, 'AWS::SNS::TopicPolicy').properties;
    expect(policy.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(template.toJSON().Outputs.AlarmTopicArn.Value).toEqual({ Ref: logicalIdOf(stack.monitoring.alarmTopic) });
  });

  it('subscribes reaper:alarmEmail', () => {
    const { stack, template } = synthReaper({ 'reaper:alarmEmail': 'ops@example.com' });
    expect(onlyResource(template, 'AWS::SNS::Subscription').properties).toEqual({
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: logicalIdOf(stack.monitoring.alarmTopic) },
    });
  });

  it('refuses something that is not an e-mail address, naming the key', () => {
    expect(() => synthReaper({ 'reaper:alarmEmail': 'ops at example' })).toThrow(/Context key reaper:alarmEmail: "ops at example" is not an e-mail address/);
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
    expect(body.match(/ApproximateNumberOfMessagesVisible/g)).toHaveLength(2);
    for (const alarm of [
      stack.monitoring.functionErrorsAlarm,
      stack.monitoring.failedUnlocksAlarm,
      stack.monitoring.runCutShortAlarm,
      stack.monitoring.scheduleNotRunningAlarm,
      stack.monitoring.functionFailureQueueAlarm,
      stack.monitoring.scheduleDeadLetterQueueAlarm,
    ]) {
      expect(body).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(alarm), 'Arn'] }));
    }
  });
});
