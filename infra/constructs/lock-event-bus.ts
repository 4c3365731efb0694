import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type CfnEventBus, EventBus, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LOCK_EVENT_SOURCE } from '#reaper/core/lock-events';
import { SETTINGS } from '#reaper/settings';

/** How long the archive and the log group keep the events, unless `reaper:lockEventsArchiveDays` says otherwise. */
export const DEFAULT_LOCK_EVENTS_ARCHIVE_DAYS = SETTINGS.lockEventsArchiveDays.default;

/** What a subscriber's role may do with its own rules on the bus (and nothing else of the bus). */
export const SUBSCRIBER_RULE_ACTIONS = [
  'events:DeleteRule',
  'events:DescribeRule',
  'events:DisableRule',
  'events:EnableRule',
  'events:ListTargetsByRule',
  'events:PutRule',
  'events:PutTargets',
  'events:RemoveTargets',
] as const;

/** Props of {@link LockEventBus}. */
export interface LockEventBusProps {
  /**
   * Days the archive (for replay) and the log group keep the events; 0 creates no archive (CloudFormation's
   * RetentionDays 0 would mean forever) and the log group then keeps them `logRetentionWithoutArchive`.
   * @default DEFAULT_LOCK_EVENTS_ARCHIVE_DAYS (90)
   */
  readonly archiveDays?: number;
  /**
   * The log group's retention when there is no archive.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetentionWithoutArchive?: RetentionDays;
}

/**
 * The custom event bus the reaper publishes its lock events to (docs/events.md), with an archive for replay and a log
 * group that keeps a readable copy (a rule on the bus sends every reaper event there; `ops events` reads it). It
 * grants `events:PutEvents` on this bus only, with `events:source` limited to the reaper's, and offers a policy that
 * lets a subscriber's role manage its own rules on the bus.
 */
export class LockEventBus extends Construct {
  readonly bus: EventBus;
  /** The readable copy of every event (`/aws/events/...`, as EventBridge requires of a log group target). */
  readonly logGroup: LogGroup;
  /** For a subscriber's role: manage its rules on this bus (the LockEventsSubscriberPolicyArn output). */
  readonly subscriberPolicy: ManagedPolicy;
  /** The archive's retention in days; undefined when there is none. */
  readonly archiveDays: number | undefined;

  constructor(scope: Construct, id: string, props: LockEventBusProps = {}) {
    super(scope, id);
    const days = props.archiveDays ?? DEFAULT_LOCK_EVENTS_ARCHIVE_DAYS;
    if (!Number.isInteger(days) || days < 0) throw new Error(`LockEventBus: archiveDays must be a whole number ≥ 0, got ${days}`);
    const stack = Stack.of(this);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: Names.uniqueResourceName(this, { maxLength: 256, separator: '-' }),
      description: 'Canvas lock reaper: an event per released lock, doubt, healed row and brake change (docs/events.md)',
    });
    const reaperEvents = { source: [LOCK_EVENT_SOURCE] };
    this.archiveDays = days > 0 ? days : undefined;
    if (this.archiveDays !== undefined) {
      this.bus.archive('Archive', {
        description: 'Lock events, for replay (a replay re-sends to every rule on the bus: subscribers dedupe by eventId)',
        eventPattern: reaperEvents,
        retention: Duration.days(this.archiveDays),
      });
    }

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/events/${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      retention: (this.archiveDays ?? props.logRetentionWithoutArchive ?? 30) as RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logGroupTargetArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const toLogGroup: IRuleTarget = { bind: () => ({ arn: logGroupTargetArn }) };
    const copy = new Rule(this, 'CopyToLogs', {
      description: "Keeps a readable copy of every lock event in the bus's log group",
      eventBus: this.bus,
      eventPattern: reaperEvents,
      targets: [toLogGroup],
    });
    // EventBridge writes to a log group under the log group's own resource policy (not a role); only this rule may.
    this.logGroup.addToResourcePolicy(
      new PolicyStatement({
        sid: 'LockEventsRule',
        principals: [new ServicePrincipal('events.amazonaws.com'), new ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
        conditions: { ArnEquals: { 'aws:SourceArn': copy.ruleArn } },
      }),
    );
    Validations.of(copy).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'The rule only keeps a readable copy in a log group; the archive keeps every event for replay, and ops events falls back to it (docs/events.md). A dead-letter queue would hold copies of a copy.',
    });

    const ruleArns = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: `${this.bus.eventBusName}/*`,
    });
    this.subscriberPolicy = new ManagedPolicy(this, 'SubscriberPolicy', {
      description: "Lets a subscriber's role manage its own rules on the canvas lock reaper's event bus",
      statements: [
        new PolicyStatement({ sid: 'ManageRulesOnLockEventBus', actions: [...SUBSCRIBER_RULE_ACTIONS], resources: [ruleArns] }),
        new PolicyStatement({ sid: 'DescribeLockEventBus', actions: ['events:DescribeEventBus'], resources: [this.bus.eventBusArn] }),
      ],
    });
    Validations.of(this.subscriberPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/<${stack.getLogicalId(this.bus.node.defaultChild as CfnEventBus)}>/*]`,
      reason:
        "A subscriber names its own rules; the wildcard covers only rules on this bus (rule/<bus>/*), never another bus's or the default bus's rules.",
    });
  }

  /** `events:PutEvents` on this bus only, and only with the reaper's source. */
  putEventsStatement(sid = 'PublishLockEvents'): PolicyStatement {
    return new PolicyStatement({
      sid,
      actions: ['events:PutEvents'],
      resources: [this.bus.eventBusArn],
      conditions: { StringEquals: { 'events:source': LOCK_EVENT_SOURCE } },
    });
  }
}
