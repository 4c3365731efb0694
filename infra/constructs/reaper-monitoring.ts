import { Arn, ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  type AlarmProps,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMES, METRIC_PROJECT_DIMENSION, METRIC_SERVICE_DIMENSION, type MetricName } from '#reaper/metric-names';
import { DeadLetterQueue } from './dead-letter-queue';

/** Function errors are counted over this window. */
export const ERROR_ALARM_PERIOD = Duration.minutes(5);
/** Consecutive heartbeat periods without a completed run before "not running" fires. */
export const MISSED_HEARTBEATS_TO_ALARM = 3;
/** Consecutive heartbeat periods with failed unlocks before "unlocks failing" fires: one bad run is retried by the next. */
export const FAILED_UNLOCK_PERIODS_TO_ALARM = 2;
/** A deleted stack's alarm topic key waits this long before KMS deletes it (the shortest KMS allows). */
export const ALARM_TOPIC_KEY_PENDING_WINDOW = Duration.days(7);
/** CloudWatch evaluates an alarm over at most one day. */
const MAX_ALARM_WINDOW = Duration.days(1);

/** Props of {@link ReaperMonitoring}. */
export interface ReaperMonitoringProps {
  /** The reaper function. */
  readonly function: IFunction;
  /** Where failed invocations of the function land. */
  readonly functionFailureQueue: IQueue;
  /** Where schedule ticks Scheduler could not deliver land. */
  readonly scheduleDeadLetterQueue: IQueue;
  /** The namespace the handler publishes its metrics in (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;
  /** The `service` dimension of the handler's metrics (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  /**
   * The longest normal gap between two completed runs (whole minutes, at most a day): the period of the
   * reaper-metric alarms. The stack derives it from the schedule and the function timeout.
   */
  readonly heartbeatPeriod: Duration;
  /**
   * Whether the schedule is deployed enabled. When false, the "not running" alarm is created with its actions off:
   * it shows ALARM in the console (the schedule is indeed not running) but notifies nobody.
   */
  readonly scheduleEnabled: boolean;
  /**
   * E-mail address subscribed to the alarm topic (the recipient must confirm the subscription).
   * @default - no subscription; subscribe to the AlarmTopicArn output yourself
   */
  readonly alarmEmail?: string;
}

/**
 * Alarms and a dashboard over the reaper's own metrics (Powertools EMF, names shared with the handler), the
 * function's errors and the two dead-letter queues. Every alarm notifies one SNS topic, on ALARM and on OK.
 */
export class ReaperMonitoring extends Construct {
  /**
   * The customer-managed key the alarm topic is encrypted with. Not the AWS-managed `aws/sns` key: CloudWatch may
   * not use that one, and alarm notifications to a topic encrypted with it are dropped without an error.
   */
  readonly alarmTopicKey: Key;
  /** The topic every alarm notifies. */
  readonly alarmTopic: Topic;
  /** E-mail notifications SNS could not deliver (only with `alarmEmail`). */
  readonly undeliveredNotificationsQueue?: IQueue;
  /** The function threw (or timed out) at least once in ERROR_ALARM_PERIOD. */
  readonly functionErrorsAlarm: Alarm;
  /** Unlocks failed in FAILED_UNLOCK_PERIODS_TO_ALARM consecutive heartbeat periods. */
  readonly failedUnlocksAlarm: Alarm;
  /** A run stopped early (any stopReason: time budget, refused credentials, unreadable table, brake, suspect base URL, interrupted). */
  readonly runCutShortAlarm: Alarm;
  /** A run may have freed a lock that was live (the lock changed since its claim, and the unlock was or may have been applied). */
  readonly possibleLiveLockUnlockAlarm: Alarm;
  /** The mass-expiry brake is engaged: newly stale locks are held until a person releases it. */
  readonly brakeTrippedAlarm: Alarm;
  /** Lock events a run could not publish (LockEventsNotPublished ≥ 1). */
  readonly lockEventsNotPublishedAlarm: Alarm;
  /** No run completed in MISSED_HEARTBEATS_TO_ALARM consecutive heartbeat periods. */
  readonly scheduleNotRunningAlarm: Alarm;
  /** A failed or expired invocation is waiting in the function's failure queue. */
  readonly functionFailureQueueAlarm: Alarm;
  /** A tick Scheduler could not deliver is waiting in the schedule's dead-letter queue. */
  readonly scheduleDeadLetterQueueAlarm: Alarm;
  /** The dashboard. */
  readonly dashboard: Dashboard;
  private readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ReaperMonitoringProps) {
    super(scope, id);
    const heartbeat = props.heartbeatPeriod;
    // In seconds first: Duration.toMinutes() throws on a fraction of a minute before the check could say what is wrong.
    const heartbeatSeconds = heartbeat.toSeconds();
    const heartbeatMinutes = heartbeatSeconds / 60;
    if (!Number.isInteger(heartbeatMinutes) || heartbeatMinutes < 1 || heartbeatSeconds > MAX_ALARM_WINDOW.toSeconds()) {
      throw new Error(`ReaperMonitoring: heartbeatPeriod must be whole minutes between 1 and 1440, got ${heartbeat.toHumanString()}`);
    }
    // A repeated alarm needs its periods inside CloudWatch's one-day window.
    const periodsWithinADay = (periods: number) =>
      Math.max(1, Math.min(periods, Math.floor(MAX_ALARM_WINDOW.toMinutes() / heartbeatMinutes)));

    const prefix = Stack.of(this).stackName;
    // Only this stack's alarms (their names start with the stack name), in this account: the confused-deputy guard.
    const fromThisStacksAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': Arn.format(
          { service: 'cloudwatch', resource: 'alarm', resourceName: `${prefix}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME },
          Stack.of(this),
        ),
      },
    };
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.alarmTopicKey = new Key(this, 'AlarmTopicKey', {
      description: "Encrypts the canvas lock reaper alarm topic; the stack's CloudWatch alarms may use it to publish",
      enableKeyRotation: true,
      // Nothing outlives the topic under this key (SNS keeps no messages), so it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: ALARM_TOPIC_KEY_PENDING_WINDOW,
    });
    this.alarmTopicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublishToTheEncryptedTopic',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisStacksAlarms,
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Canvas lock reaper alarms',
      enforceSSL: true,
      masterKey: this.alarmTopicKey,
    });
    // The topic policy replaces SNS's default one (enforceSSL writes it), so CloudWatch is allowed in by name.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisStacksAlarmsToPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromThisStacksAlarms,
      }),
    );
    if (props.alarmEmail) {
      this.undeliveredNotificationsQueue = new DeadLetterQueue(this, 'UndeliveredNotifications', {
        holds: 'alarm e-mails SNS could not deliver',
        watchedBy: 'the dashboard graphs its depth (an alarm would notify the very topic whose deliveries fail)',
      }).queue;
      this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail, { deadLetterQueue: this.undeliveredNotificationsQueue }));
    }

    const reaperMetric = (metricName: MetricName, label: string): Metric =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { [METRIC_SERVICE_DIMENSION]: props.serviceName },
        statistic: Stats.SUM,
        period: heartbeat,
        label,
      });
    const runs = reaperMetric(METRIC_NAMES.runs, 'Runs completed');
    const examined = reaperMetric(METRIC_NAMES.examined, 'Canvases examined');
    const stale = reaperMetric(METRIC_NAMES.stale, 'Stale locks found');
    const unlocked = reaperMetric(METRIC_NAMES.unlocked, 'Locks unlocked');
    const failed = reaperMetric(METRIC_NAMES.failed, 'Unlocks failed');
    const invalid = reaperMetric(METRIC_NAMES.invalid, 'Invalid rows');
    const cutShort = reaperMetric(METRIC_NAMES.cutShort, 'Runs cut short');
    const possibleLiveLockUnlocks = reaperMetric(METRIC_NAMES.possibleLiveLockUnlocks, 'Possible live-lock unlocks');
    const brakeTripped = reaperMetric(METRIC_NAMES.brakeTripped, 'Runs with the brake engaged');
    const eventsNotPublished = reaperMetric(METRIC_NAMES.eventsNotPublished, 'Lock events not published');
    const functionErrors = props.function.metricErrors({ period: ERROR_ALARM_PERIOD, statistic: Stats.SUM, label: 'Function errors' });
    const queueDepth = (queue: IQueue, label: string) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: Stats.MAXIMUM, label });
    const failureQueueDepth = queueDepth(props.functionFailureQueue, 'Failed invocations queued');
    const scheduleDlqDepth = queueDepth(props.scheduleDeadLetterQueue, 'Undelivered ticks queued');

    // Created in the order the dashboard lists them.
    this.scheduleNotRunningAlarm = this.alarm(
      'ScheduleNotRunning',
      runs,
      props.scheduleEnabled
        ? 'No reaper run completed recently: the schedule is paused, failing to invoke, or every run fails.'
        : 'The schedule was deployed disabled, so this alarm is expected to be in ALARM; its notifications are off.',
      {
        name: 'NotRunning',
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: periodsWithinADay(MISSED_HEARTBEATS_TO_ALARM),
        // No data is exactly what a stopped schedule looks like.
        treatMissingData: TreatMissingData.BREACHING,
        actionsEnabled: props.scheduleEnabled,
      },
    );
    this.functionErrorsAlarm = this.alarm('FunctionErrors', functionErrors, 'The reaper function threw or timed out. See its logs.');
    this.failedUnlocksAlarm = this.alarm(
      'FailedUnlocks',
      failed,
      'Stale locks failed to unlock in consecutive runs (the Scenario API refuses or errors).',
      { name: 'UnlocksFailing', evaluationPeriods: periodsWithinADay(FAILED_UNLOCK_PERIODS_TO_ALARM) },
    );
    this.runCutShortAlarm = this.alarm(
      'RunCutShort',
      cutShort,
      'A run stopped early; its summary.stopReason says why (time-budget, credentials-rejected, store-error, brake, suspect-base-url, interrupted).',
    );
    this.possibleLiveLockUnlockAlarm = this.alarm(
      'PossibleLiveLockUnlock',
      possibleLiveLockUnlocks,
      "A run may have freed a live lock: the lock changed since the claim and the unlock was (or may have been) applied. The run summary's warnings name the canvas and both locks; tell its editor.",
    );
    this.brakeTrippedAlarm = this.alarm(
      'BrakeTripped',
      brakeTripped,
      "The mass-expiry brake is engaged: many locks went stale at once (is the editors' writer down?), and newly stale locks are held. Release it with overrideBrake once safe.",
    );
    this.lockEventsNotPublishedAlarm = this.alarm(
      'LockEventsNotPublished',
      eventsNotPublished,
      "Lock events could not be published to the bus after their retries: the unlocks stand, but the editors' backend missed them. The log lines name the event ids.",
    );
    this.functionFailureQueueAlarm = this.alarm(
      'FunctionFailureQueue',
      failureQueueDepth,
      'A reaper invocation failed or expired; its record waits in the failure queue.',
      { name: 'FailedInvocationsQueued' },
    );
    this.scheduleDeadLetterQueueAlarm = this.alarm(
      'ScheduleDeadLetterQueue',
      scheduleDlqDepth,
      'Scheduler could not invoke the reaper; the tick waits in the schedule dead-letter queue.',
      { name: 'UndeliveredTicksQueued' },
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      // Dashboards are global: the region keeps two deployments of the same stack apart.
      dashboardName: `${prefix}-${Aws.REGION}`,
      defaultInterval: Duration.hours(24),
    });
    const graph = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width: 12, height: 6 });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: this.alarms,
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(graph('Locks', [stale, unlocked, failed, invalid]), graph('Runs', [runs, cutShort]));
    this.dashboard.addWidgets(graph('Canvases examined', [examined]), graph('Function errors', [functionErrors]));
    const undeliveredNotificationsDepth = this.undeliveredNotificationsQueue
      ? [queueDepth(this.undeliveredNotificationsQueue, 'Undelivered alarm e-mails queued')]
      : [];
    this.dashboard.addWidgets(
      graph('Dead-letter queues', [failureQueueDepth, scheduleDlqDepth, ...undeliveredNotificationsDepth]),
      graph('Safety', [possibleLiveLockUnlocks, brakeTripped, eventsNotPublished]),
    );
    // Unlocked and failed per Scenario project: whichever projects the secret names (a SEARCH, so adding a project to
    // the secret needs no deploy for its series to show).
    const perProject = (metricName: MetricName, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${props.metricsNamespace},${METRIC_SERVICE_DIMENSION},${METRIC_PROJECT_DIMENSION}} MetricName="${metricName}" ${METRIC_SERVICE_DIMENSION}="${props.serviceName}"', 'Sum', ${heartbeat.toSeconds()})`,
        label,
        period: heartbeat,
      });
    this.dashboard.addWidgets(
      graph('Unlocked per project', [perProject(METRIC_NAMES.unlocked, 'Locks unlocked')]),
      graph('Failed per project', [perProject(METRIC_NAMES.failed, 'Unlocks failed')]),
    );
  }

  /**
   * An alarm named `<stack>-<name>` (name: the id unless given) that notifies the topic on ALARM and on OK; its
   * description ends with its runbook, the section of docs/day-2.md named after it. Unless told otherwise it fires on
   * one period with a value of at least 1, and no data is nothing wrong.
   */
  private alarm(
    id: string,
    metric: IMetric,
    description: string,
    options: { name?: string } & Partial<
      Pick<AlarmProps, 'comparisonOperator' | 'evaluationPeriods' | 'treatMissingData' | 'actionsEnabled'>
    > = {},
  ): Alarm {
    const name = options.name ?? id;
    const evaluationPeriods = options.evaluationPeriods ?? 1;
    const alarm = new Alarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: `${description} Runbook: docs/day-2.md#${name.toLowerCase()}.`,
      metric,
      threshold: 1,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      actionsEnabled: options.actionsEnabled ?? true,
    });
    const action = new SnsAction(this.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}
