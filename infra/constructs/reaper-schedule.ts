import { Arn, ArnFormat, Aws, type CfnResource, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { assertTimeZone, DEFAULT_SCHEDULE_EXPRESSION, DEFAULT_SCHEDULE_TIME_ZONE, parseScheduleCadence, type ScheduleCadence } from '../schedule-cadence';
import { DeadLetterQueue } from './dead-letter-queue';

/**
 * Retries of a tick Scheduler could not hand to Lambda (the invocation itself is asynchronous, so these cover
 * only the Invoke call). A few are enough: the next tick comes anyway.
 */
export const DEFAULT_SCHEDULE_RETRY_ATTEMPTS = 2;
/** A tick Scheduler could not deliver within this time is dropped to the dead-letter queue rather than run late. */
export const DEFAULT_SCHEDULE_MAX_EVENT_AGE = Duration.minutes(5);
/**
 * The payload of a scheduled invocation: shaped like an EventBridge event, which the handler reads as "a scheduled
 * run" (its logs then say so), carrying the schedule and the tick's time for tracing. Without an explicit input
 * Scheduler would send its own default notification, whose shape the handler does not promise to accept.
 */
export const SCHEDULED_RUN_INPUT = {
  source: 'aws.scheduler',
  'detail-type': 'Scheduled Event',
  time: ContextAttribute.scheduledTime,
  resources: [ContextAttribute.scheduleArn],
} as const;

/** Props of {@link ReaperSchedule}. */
export interface ReaperScheduleProps {
  /** The function to invoke. */
  readonly function: IFunction;
  /**
   * A recurring EventBridge Scheduler expression: `rate(...)` or `cron(...)`.
   * @default DEFAULT_SCHEDULE_EXPRESSION (`rate(5 minutes)`)
   */
  readonly expression?: string;
  /**
   * IANA time zone a cron expression is read in (ignored for rate expressions).
   * @default DEFAULT_SCHEDULE_TIME_ZONE (UTC)
   */
  readonly timeZone?: string;
  /**
   * Whether the schedule runs. `false` deploys it disabled: the kill switch.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Retries of a tick Scheduler failed to deliver.
   * @default DEFAULT_SCHEDULE_RETRY_ATTEMPTS
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps trying to deliver one tick (60 s to 24 h).
   * @default DEFAULT_SCHEDULE_MAX_EVENT_AGE
   */
  readonly maxEventAge?: Duration;
}

/** The EventBridge Scheduler schedule that invokes the reaper, with bounded retries and a dead-letter queue. */
export class ReaperSchedule extends Construct {
  /** The schedule. */
  readonly schedule: Schedule;
  /** The parsed expression, for sizing the "not running" alarm. */
  readonly cadence: ScheduleCadence;
  /** Whether the schedule was deployed enabled. */
  readonly enabled: boolean;
  /** Ticks Scheduler could not deliver land here. */
  readonly deadLetterQueue: IQueue;

  constructor(scope: Construct, id: string, props: ReaperScheduleProps) {
    super(scope, id);
    this.cadence = parseScheduleCadence(props.expression ?? DEFAULT_SCHEDULE_EXPRESSION, 'ReaperSchedule.expression');
    const timeZone = props.timeZone ?? DEFAULT_SCHEDULE_TIME_ZONE;
    assertTimeZone(timeZone, 'ReaperSchedule.timeZone');
    this.enabled = props.enabled ?? true;

    this.deadLetterQueue = new DeadLetterQueue(this, 'UndeliveredTicks', { holds: 'schedule ticks Scheduler could not deliver' }).queue;
    // Our own role rather than the one LambdaInvoke would add at the stack's root, so it lives (and is
    // acknowledged) here. The conditions guard against the confused deputy, as the generated role does.
    const role = new Role(this, 'InvokeRole', {
      description: 'EventBridge Scheduler: invoke the canvas lock reaper, dead-letter undelivered ticks',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': Arn.format(
              { service: 'scheduler', resource: 'schedule-group', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
              Stack.of(this),
            ),
          },
        },
      }),
    });
    const target = new LambdaInvoke(props.function, {
      role,
      input: ScheduleTargetInput.fromObject(SCHEDULED_RUN_INPUT),
      retryAttempts: props.retryAttempts ?? DEFAULT_SCHEDULE_RETRY_ATTEMPTS,
      maxEventAge: props.maxEventAge ?? DEFAULT_SCHEDULE_MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Runs the canvas lock reaper',
      schedule: ScheduleExpression.expression(
        this.cadence.expression,
        this.cadence.kind === 'cron' ? TimeZone.of(timeZone) : undefined,
      ),
      target,
      enabled: this.enabled,
    });

    const functionLogicalId = Stack.of(this).getLogicalId(props.function.node.defaultChild as CfnResource);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason: 'CDK grants lambda:InvokeFunction on the function and its versions/aliases (<arn>:*); the wildcard spans only qualifiers of this one function.',
    });
  }
}
