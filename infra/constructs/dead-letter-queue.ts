import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS keeps a message at most 14 days; a failed tick is kept as long as possible for a post-mortem. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/** Props of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What lands here, for the queue's reader; part of the reason cdk-nag's redrive rules are acknowledged. */
  readonly holds: string;
  /** Who notices a message here, since no code consumes it: an alarm, a dashboard, a command. */
  readonly watchedBy: string;
}

/**
 * A queue that receives what could not be delivered or run, and is read by people, not by code: encrypted
 * (SQS-managed keys, so Lambda, Scheduler and SNS can write to it without a KMS grant), TLS only, messages kept 14
 * days. Being itself the last stop, it has no dead-letter queue of its own.
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
    const reason = `This queue is itself a dead-letter queue (it holds ${props.holds}); nothing consumes it automatically: ${props.watchedBy}.`;
    Validations.of(this.queue).acknowledge({ id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
  }
}
