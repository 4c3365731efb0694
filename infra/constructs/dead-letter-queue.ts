import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS keeps a message at most 14 days; a failed tick is kept as long as possible for a post-mortem. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** Props of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What lands here, for the queue's reader; it becomes the acknowledgement reason of cdk-nag's SQS3. */
  readonly holds: string;
}

/**
 * A queue that receives failed invocations and is read by people, not by code: encrypted (SQS-managed keys, so
 * Lambda and Scheduler can write to it without a KMS grant), TLS only, and watched by an alarm.
 */
export class DeadLetterQueue extends Construct {
  /** The queue itself. */
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue (it holds ${props.holds}); nothing consumes it automatically, an alarm fires when it is not empty.`,
    });
  }
}
