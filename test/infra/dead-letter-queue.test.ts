import { Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DeadLetterQueue } from '#infra/constructs/dead-letter-queue';
import { bareStack, templateOf } from './support/bare-stack';
import { onlyResource } from './support/synth-reaper';

describe('DeadLetterQueue in a bare Stack', () => {
  function queueAlone() {
    const stack = bareStack();
    const dlq = new DeadLetterQueue(stack, 'Dlq', { holds: 'things that failed', watchedBy: 'an alarm fires when it is not empty' });
    return { dlq, template: templateOf(stack) };
  }

  it('is one queue, SQS-encrypted (no KMS grant for its writers), keeping messages 14 days, with a TLS-only policy', () => {
    const { template } = queueAlone();
    expect(onlyResource(template, 'AWS::SQS::Queue').properties).toEqual({ MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
    expect(onlyResource(template, 'AWS::SQS::QueuePolicy').properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it('acknowledges the two redrive rules (it is itself the last stop), saying what it holds and who watches it', () => {
    const { dlq } = queueAlone();
    const acknowledged = dlq.queue.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledged.map(([id]) => id.replace(/^Annotation::/, '')).sort()).toEqual([
      'AwsSolutions-SQS3',
      'Serverless-SQSRedrivePolicy',
    ]);
    for (const [, reason] of acknowledged) {
      expect(reason).toContain('things that failed');
      expect(reason).toContain('an alarm fires when it is not empty');
    }
  });
});
