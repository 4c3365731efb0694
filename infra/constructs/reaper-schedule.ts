import { Arn, ArnFormat, Aws, type CfnElement, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  assertTimeZone,
  DEFAULT_SCHEDULE_EXPRESSION,
  DEFAULT_SCHEDULE_TIME_ZONE,
  parseScheduleCadence,
  type ScheduleCadence,
} from '../schedule-cadence';
import { DeadLetterQueue } from './dead-letter-queue';

/**
 * Retries of a tick Scheduler could not hand to Lambda (the invocation itself is asynchronous, so these cover
 * only the Invoke call). A few are enough: the next tick comes anyway.
 */
export const SCHEDULE_RETRY_ATTEMPTS = 2;
/** A tick Scheduler could not deliver within this time is dropped to the dead-letter queue rather than run late. */
export const SCHEDULE_MAX_EVENT_AGE = Duration.minutes(5);
/**
 * The payload of a scheduled invocation: shaped like an EventBridge event, which the handler accepts as a normal run
 * over every tracked canvas, carrying the schedule's ARN and the tick's time. An invocation that fails keeps this
 * payload in its failure record, so `ops dead-letters` shows which schedule and which tick it was. Without an
 * explicit input Scheduler would send its own default notification, whose shape the handler does not promise to
 * accept.
 */
export const SCHEDULED_RUN_INPUT = {
  source: 'aws.scheduler',
  'detail-type': 'Scheduled Event',
  time: ContextAttribute.scheduledTime,
  resources: [ContextAttribute.scheduleArn],
} as const;

/** Props of {@link ReaperSchedule}. */
export interface ReaperScheduleProps {
  /** The function to invoke: one this app creates (the grant cdk-nag is told about names its resource). */
  readonly function: LambdaFunction;
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
}

/** The EventBridge Scheduler schedule that invokes the reaper, with bounded retries and a dead-letter queue. */
export class ReaperSchedule extends Construct {
  /** The schedule. */
  readonly schedule: Schedule;
  /** The parsed expression: the stack derives the alarms' heartbeat period from it. */
  readonly cadence: ScheduleCadence;
  /** Whether the schedule was deployed enabled. */
  readonly enabled: boolean;
  /** Ticks Scheduler could not deliver land here. */
  readonly deadLetterQueue: IQueue;
  /** The role Scheduler invokes the function with; updating the schedule needs iam:PassRole on it. */
  readonly role: IRole;

  constructor(scope: Construct, id: string, props: ReaperScheduleProps) {
    super(scope, id);
    this.cadence = parseScheduleCadence(props.expression ?? DEFAULT_SCHEDULE_EXPRESSION, 'ReaperSchedule.expression');
    const timeZone = props.timeZone ?? DEFAULT_SCHEDULE_TIME_ZONE;
    assertTimeZone(timeZone, 'ReaperSchedule.timeZone');
    this.enabled = props.enabled ?? true;

    this.deadLetterQueue = new DeadLetterQueue(this, 'UndeliveredTicks', {
      holds: 'schedule ticks Scheduler could not deliver',
      watchedBy: 'the UndeliveredTicksQueued alarm fires when it is not empty, and ops dead-letters lists it',
    }).queue;
    // Our own role rather than the one LambdaInvoke would add at the stack's root, so it lives (and is
    // acknowledged) here. The conditions guard against the confused deputy, as the generated role does.
    this.role = new Role(this, 'InvokeRole', {
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
    const role = this.role;
    const target = new LambdaInvoke(props.function, {
      role,
      input: ScheduleTargetInput.fromObject(SCHEDULED_RUN_INPUT),
      retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
      maxEventAge: SCHEDULE_MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Runs the canvas lock reaper',
      schedule: ScheduleExpression.expression(this.cadence.expression, this.cadence.kind === 'cron' ? TimeZone.of(timeZone) : undefined),
      target,
      enabled: this.enabled,
    });

    const functionLogicalId = Stack.of(this).getLogicalId(props.function.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason:
        'CDK grants lambda:InvokeFunction on the function and its versions/aliases (<arn>:*); the wildcard spans only qualifiers of this one function.',
    });
  }
}
