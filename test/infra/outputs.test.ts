import { describe, expect, it } from 'vitest';
import { parseInvocation } from '#reaper/payload';
import { logicalIdOf, synthReaper } from './support/synth-reaper';

describe('the stack outputs', () => {
  it('name the table, the secret, the function and its version, the schedule, the queues, the alarm topic, the dashboard and the two policies', () => {
    const { stack, template } = synthReaper();
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn',
      'DashboardName',
      'DryRunCommand',
      'FailedInvocationsQueueUrl',
      'FunctionName',
      'FunctionVersion',
      'LockEventBusArn',
      'LockEventBusName',
      'LockEventsLogGroupName',
      'LockEventsSubscriberPolicyArn',
      'LogGroupName',
      'ReaperOperatorPolicyArn',
      'ScheduleName',
      'SecretArn',
      'TableArn',
      'TableName',
      'TrackedCanvasWriterPolicyArn',
      'UndeliveredTicksQueueUrl',
    ]);
    expect(outputs.FunctionName.Value).toEqual({ Ref: logicalIdOf(stack.reaper.function) });
    expect(outputs.LogGroupName.Value).toEqual({ Ref: logicalIdOf(stack.reaper.logGroup) });
    expect(outputs.ScheduleName.Value).toEqual({ Ref: logicalIdOf(stack.schedule.schedule) });
    expect(outputs.FailedInvocationsQueueUrl.Value).toEqual({ Ref: logicalIdOf(stack.reaper.failureQueue) });
    expect(outputs.UndeliveredTicksQueueUrl.Value).toEqual({ Ref: logicalIdOf(stack.schedule.deadLetterQueue) });
    expect(outputs.DashboardName.Value).toEqual({ Ref: logicalIdOf(stack.monitoring.dashboard) });
    expect(outputs.AlarmTopicArn.Value).toEqual({ Ref: logicalIdOf(stack.monitoring.alarmTopic) });
    expect(outputs.TableArn.Value).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'Arn'] });
    expect(outputs.TrackedCanvasWriterPolicyArn.Value).toEqual({ Ref: logicalIdOf(stack.table.writerPolicy) });
    expect(outputs.ReaperOperatorPolicyArn.Value).toEqual({ Ref: logicalIdOf(stack.operatorPolicy.policy) });
  });

  it('add the undelivered alarm e-mails queue when an e-mail is subscribed', () => {
    const { stack, template } = synthReaper({ 'reaper:alarmEmail': 'ops@example.com' });
    expect(template.toJSON().Outputs.UndeliveredAlarmNotificationsQueueUrl.Value).toEqual({
      Ref: logicalIdOf(stack.monitoring.undeliveredNotificationsQueue!),
    });
  });

  it('include a ready-to-paste dry-run invoke whose payload the handler accepts as a dry run', () => {
    const { stack, template } = synthReaper();
    const command = template.toJSON().Outputs.DryRunCommand.Value;
    expect(command).toEqual({
      'Fn::Join': [
        '',
        [
          'aws lambda invoke --region ',
          { Ref: 'AWS::Region' },
          ' --function-name ',
          { Ref: logicalIdOf(stack.reaper.function) },
          ' --cli-binary-format raw-in-base64-out --cli-read-timeout 0 --payload \'{"dryRun":true}\' dry-run.json',
        ],
      ],
    });
    const payload = /--payload '([^']+)'/.exec(command['Fn::Join'][1][4])![1]!;
    expect(parseInvocation(JSON.parse(payload))).toEqual({ dryRun: true });
  });
});
