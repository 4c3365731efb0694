import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, type IRole, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISchedule } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LockEventBus } from './lock-event-bus';
import type { ScenarioCredentialsSecret } from './scenario-credentials-secret';
import { RESERVED_KEYS_CONDITION } from './tracked-canvas-table';

/**
 * The table calls of `npm run ops`: status reads (Scan, GetItem), track and untrack write conditionally
 * (UpdateItem, DeleteItem), unlock and reap read named rows (BatchGetItem) and claim and record (UpdateItem, GetItem).
 * No PutItem: no command writes a whole row.
 */
export const OPERATOR_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
] as const;
/** `ops dead-letters`: count, read, hand back (visibility 0) and, with --purge, delete the messages of the two queues. */
export const OPERATOR_QUEUE_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
] as const;
/** `ops pause` and `ops resume`: read the schedule, write it back with another state. */
export const OPERATOR_SCHEDULE_ACTIONS = ['scheduler:GetSchedule', 'scheduler:UpdateSchedule'] as const;

/** Props of {@link ReaperOperatorPolicy}: every resource an ops command touches. */
export interface ReaperOperatorPolicyProps {
  /** The table of tracked canvases. */
  readonly table: ITable;
  /** The Scenario credentials (unlock and reap call Scenario). */
  readonly credentials: ScenarioCredentialsSecret;
  /** The reaper function (invoke; explain reads its settings). */
  readonly function: IFunction;
  /** The schedule (pause, resume)… */
  readonly schedule: ISchedule;
  /** …and the role its target runs with, which UpdateSchedule passes again. */
  readonly scheduleRole: IRole;
  /** The function's log group (last-run). */
  readonly logGroup: ILogGroup;
  /** The failed-invocations and undelivered-ticks queues (dead-letters). */
  readonly deadLetterQueues: readonly IQueue[];
  /**
   * The lock events' bus (npm run reap and ops unlock publish to it) and their log group (ops events reads it).
   * @default - none
   */
  readonly lockEvents?: LockEventBus;
}

/**
 * A customer-managed policy with exactly what `npm run ops` needs on this stack's resources, for the operators'
 * role to attach: nothing account-wide, no wildcard, and iam:PassRole only on the schedule's own role, only to
 * Scheduler.
 */
export class ReaperOperatorPolicy extends Construct {
  /** The policy (its ARN is the ReaperOperatorPolicyArn output). */
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ReaperOperatorPolicyProps) {
    super(scope, id);
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'Operate the canvas lock reaper with npm run ops: its table, secret, function, schedule, logs and dead-letter queues',
      statements: [
        new PolicyStatement({ sid: 'TrackedCanvases', actions: [...OPERATOR_TABLE_ACTIONS], resources: [props.table.tableArn] }),
        // The brake's row is not deleted by hand (that would release it with no override on record); operators' local
        // runs still write it through the reaper's own code, with UpdateItem.
        new PolicyStatement({
          sid: 'NoDeletingReservedKeys',
          effect: Effect.DENY,
          actions: ['dynamodb:DeleteItem'],
          resources: [props.table.tableArn],
          conditions: RESERVED_KEYS_CONDITION,
        }),
        ...props.credentials.readStatements(),
        new PolicyStatement({ sid: 'Invoke', actions: ['lambda:InvokeFunction'], resources: [props.function.functionArn] }),
        // ops explain judges a canvas with the deployed settings: the function's environment, read, never changed.
        new PolicyStatement({
          sid: 'ReadFunctionSettings',
          actions: ['lambda:GetFunctionConfiguration'],
          resources: [props.function.functionArn],
        }),
        new PolicyStatement({ sid: 'PauseResume', actions: [...OPERATOR_SCHEDULE_ACTIONS], resources: [props.schedule.scheduleArn] }),
        new PolicyStatement({
          sid: 'PassScheduleRole',
          actions: ['iam:PassRole'],
          resources: [props.scheduleRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
        new PolicyStatement({
          sid: 'LastRun',
          actions: ['logs:FilterLogEvents'],
          resources: [props.logGroup.logGroupArn, ...(props.lockEvents ? [props.lockEvents.logGroup.logGroupArn] : [])],
        }),
        new PolicyStatement({
          sid: 'DeadLetters',
          actions: [...OPERATOR_QUEUE_ACTIONS],
          resources: props.deadLetterQueues.map((queue) => queue.queueArn),
        }),
        ...(props.lockEvents ? [props.lockEvents.putEventsStatement()] : []),
      ],
    });
  }
}
