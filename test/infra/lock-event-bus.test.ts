import { describe, expect, it } from 'vitest';
import { logicalIdOf, onlyResource, synthReaper } from './support/synth-reaper';

/** Issue 21: the lock events' bus, its archive and readable log group, who may publish, and who may subscribe. */
describe('the lock event bus', () => {
  it('is a custom bus whose name the function is told (LOCK_EVENTS_BUS), with events on by default', () => {
    const { stack, template } = synthReaper();
    const bus = onlyResource(template, 'AWS::Events::EventBus');
    expect(bus.logicalId).toBe(logicalIdOf(stack.lockEvents.bus));
    const variables = onlyResource(template, 'AWS::Lambda::Function').properties.Environment.Variables;
    expect(variables.LOCK_EVENTS_BUS).toEqual({ Ref: bus.logicalId });
    expect(variables.LOCK_EVENTS).toBe('true');
    expect(synthReaper({ 'reaper:lockEvents': false }).template.toJSON().Resources).toBeDefined();
    expect(
      onlyResource(synthReaper({ 'reaper:lockEvents': 'false' }).template, 'AWS::Lambda::Function').properties.Environment.Variables
        .LOCK_EVENTS,
    ).toBe('false');
  });

  it("archives the reaper's events for 90 days by default, and its log group keeps them as long", () => {
    const { stack, template } = synthReaper();
    const archive = onlyResource(template, 'AWS::Events::Archive').properties;
    expect(archive.RetentionDays).toBe(90);
    expect(archive.SourceArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.lockEvents.bus), 'Arn'] });
    expect(JSON.parse(JSON.stringify(archive.EventPattern))).toEqual({ source: ['canvas-lock-reaper'] });
    const logGroup = template.toJSON().Resources[logicalIdOf(stack.lockEvents.logGroup)].Properties;
    expect(logGroup.RetentionInDays).toBe(90);
    expect(logGroup.LogGroupName).toMatch(/^\/aws\/events\//);
  });

  it('takes the retention from reaper:lockEventsArchiveDays; 0 creates no archive (0 would mean forever)', () => {
    const year = synthReaper({ 'reaper:lockEventsArchiveDays': 365 });
    expect(onlyResource(year.template, 'AWS::Events::Archive').properties.RetentionDays).toBe(365);
    expect(year.template.toJSON().Resources[logicalIdOf(year.stack.lockEvents.logGroup)].Properties.RetentionInDays).toBe(365);
    const none = synthReaper({ 'reaper:lockEventsArchiveDays': 0, 'reaper:logRetentionDays': 14 });
    none.template.resourceCountIs('AWS::Events::Archive', 0);
    expect(none.template.toJSON().Resources[logicalIdOf(none.stack.lockEvents.logGroup)].Properties.RetentionInDays).toBe(14);
    expect(() => synthReaper({ 'reaper:lockEventsArchiveDays': 45 })).toThrow(/reaper:lockEventsArchiveDays: 45 is not one of 0, 1, 3/);
  });

  it('copies every reaper event to the log group with a rule on the bus; only that rule may write there', () => {
    const { stack, template } = synthReaper();
    const rule = onlyResource(template, 'AWS::Events::Rule');
    expect(rule.properties.EventBusName).toEqual({ Ref: logicalIdOf(stack.lockEvents.bus) });
    expect(rule.properties.EventPattern).toEqual({ source: ['canvas-lock-reaper'] });
    expect(JSON.stringify(rule.properties.Targets[0].Arn)).toContain(':log-group:');
    const policy = JSON.parse(onlyResource(template, 'AWS::Logs::ResourcePolicy').properties.PolicyDocument['Fn::Join'][1].join(''));
    expect(policy.Statement).toHaveLength(1);
    expect(policy.Statement[0].Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(policy.Statement[0].Principal.Service.sort()).toEqual(['delivery.logs.amazonaws.com', 'events.amazonaws.com']);
    expect(policy.Statement[0].Condition.ArnEquals['aws:SourceArn']).toBeDefined();
  });

  it('outputs the bus name and ARN and a subscriber policy that manages rules on this bus only', () => {
    const { stack, template } = synthReaper();
    const outputs = template.toJSON().Outputs;
    const busId = logicalIdOf(stack.lockEvents.bus);
    expect(outputs.LockEventBusName.Value).toEqual({ Ref: busId });
    expect(outputs.LockEventBusArn.Value).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    expect(outputs.LockEventsSubscriberPolicyArn.Value).toEqual({ Ref: logicalIdOf(stack.lockEvents.subscriberPolicy) });
    const statements = template.toJSON().Resources[logicalIdOf(stack.lockEvents.subscriberPolicy)].Properties.PolicyDocument.Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual(['ManageRulesOnLockEventBus', 'DescribeLockEventBus']);
    const ruleResource = JSON.stringify(statements[0].Resource);
    expect(ruleResource).toContain(':rule/');
    expect(ruleResource).toContain(`{"Ref":"${busId}"},"/*"`);
    expect(statements[0].Action).not.toContain('events:PutEvents');
    expect(statements[1].Resource).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
  });

  it('lets only the function and the operators publish, on this bus only, with the reaper source only', () => {
    const { template } = synthReaper();
    const granting = Object.values<any>(template.toJSON().Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap((r) => r.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((action: string) => action.startsWith('events:Put')) && s.Action !== undefined);
    const putEvents = granting.filter((s: any) => [s.Action].flat().includes('events:PutEvents'));
    expect(putEvents).toHaveLength(2);
    for (const statement of putEvents) {
      expect(statement.Condition).toEqual({ StringEquals: { 'events:source': 'canvas-lock-reaper' } });
      expect(statement.Resource['Fn::GetAtt'][1]).toBe('Arn');
    }
  });
});
