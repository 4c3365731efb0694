import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { SETTINGS, type SettingValues, type STACK_SETTING_NAMES } from '#reaper/settings';
import { LockEventBus } from './constructs/lock-event-bus';
import { DEFAULT_REAPER_SETTINGS, ReaperFunction, type ReaperSettings } from './constructs/reaper-function';
import { ReaperMonitoring } from './constructs/reaper-monitoring';
import { ReaperOperatorPolicy } from './constructs/reaper-operator-policy';
import { ReaperSchedule } from './constructs/reaper-schedule';
import { ScenarioCredentialsSecret } from './constructs/scenario-credentials-secret';
import { TrackedCanvasTable } from './constructs/tracked-canvas-table';
import type { ScheduleCadence } from './schedule-cadence';

/** The stack name `cdk deploy` uses unless the `reaper:stackName` context key says otherwise. */
export const DEFAULT_STACK_NAME = SETTINGS.stackName.default;
/** The "not running" alarm period for a cron schedule, whose gaps the stack cannot infer. */
export const DEFAULT_CRON_HEARTBEAT = Duration.hours(1);
/** The payload of the ready-to-paste manual invocation in the DryRunCommand output. */
export const DRY_RUN_PAYLOAD = '{"dryRun":true}';

/**
 * Props of {@link ReaperStack}: every one is optional. Besides StackProps, one prop per stack-only row of the settings
 * table (functions/reaper/settings.ts documents each and holds its default), by the row's name, and the function's
 * tunables. A new stack-only row becomes a prop here by itself; the stack hands it to its construct.
 */
export interface ReaperStackProps extends StackProps, Partial<Omit<SettingValues<(typeof STACK_SETTING_NAMES)[number]>, 'stackName'>> {
  /** Overrides of the reaper's tunables. @default DEFAULT_REAPER_SETTINGS (the settings table's defaults) */
  readonly settings?: Partial<ReaperSettings>;
}

/**
 * The canvas lock reaper: the table of tracked canvases, the credentials secret, the function, its schedule, and
 * the alarms and dashboard that watch them.
 */
export class ReaperStack extends Stack {
  /** The table of tracked canvases (created or imported). */
  readonly table: TrackedCanvasTable;
  /** The Scenario credentials secret (created empty, or imported). */
  readonly credentials: ScenarioCredentialsSecret;
  /** The reaper function, its log group and failure queue. */
  readonly reaper: ReaperFunction;
  /** The schedule that runs the reaper, and its dead-letter queue. */
  readonly schedule: ReaperSchedule;
  /** Alarms, alarm topic and dashboard. */
  readonly monitoring: ReaperMonitoring;
  /** What `npm run ops` needs, as a policy for the operators' role. */
  readonly operatorPolicy: ReaperOperatorPolicy;
  /** The bus the lock events go to (docs/events.md), its archive and readable log group. */
  readonly lockEvents: LockEventBus;

  constructor(scope: Construct, id: string, props: ReaperStackProps = {}) {
    super(scope, id, {
      description: 'Canvas lock reaper: frees stale Scenario canvas locks on a schedule',
      ...props,
    });
    const settings: ReaperSettings = { ...DEFAULT_REAPER_SETTINGS, ...props.settings };
    const functionTimeout = Duration.seconds(props.functionTimeoutSeconds ?? SETTINGS.functionTimeoutSeconds.default);

    this.table = new TrackedCanvasTable(this, 'TrackedCanvases', {
      existingTableName: props.existingTableName,
      existingTableArn: props.existingTableArn,
      deletionProtection: props.tableDeletionProtection,
    });
    this.credentials = new ScenarioCredentialsSecret(this, 'ScenarioCredentials', {
      existingSecretArn: props.existingSecretArn,
      existingSecretName: props.existingSecretName,
      encryptionKeyArn: props.secretKmsKeyArn,
    });
    this.lockEvents = new LockEventBus(this, 'LockEvents', {
      archiveDays: props.lockEventsArchiveDays,
      logRetentionWithoutArchive: props.logRetentionDays as RetentionDays | undefined,
    });
    this.reaper = new ReaperFunction(this, 'Reaper', {
      lockEventBusName: this.lockEvents.bus.eventBusName,
      table: this.table.table,
      credentials: this.credentials,
      settings,
      timeout: functionTimeout,
      logRetention: props.logRetentionDays as RetentionDays | undefined,
    });
    this.reaper.function.addToRolePolicy(this.lockEvents.putEventsStatement());
    this.schedule = new ReaperSchedule(this, 'Schedule', {
      function: this.reaper.function,
      expression: props.scheduleExpression,
      timeZone: props.scheduleTimeZone,
      enabled: props.scheduleEnabled,
    });
    this.monitoring = new ReaperMonitoring(this, 'Monitoring', {
      function: this.reaper.function,
      functionFailureQueue: this.reaper.failureQueue,
      scheduleDeadLetterQueue: this.schedule.deadLetterQueue,
      metricsNamespace: settings.metricsNamespace,
      serviceName: settings.serviceName,
      heartbeatPeriod:
        props.heartbeatMinutes === undefined
          ? defaultHeartbeat(this.schedule.cadence, functionTimeout)
          : Duration.minutes(props.heartbeatMinutes),
      scheduleEnabled: this.schedule.enabled,
      alarmEmail: props.alarmEmail,
    });
    this.operatorPolicy = new ReaperOperatorPolicy(this, 'Operator', {
      table: this.table.table,
      credentials: this.credentials,
      function: this.reaper.function,
      schedule: this.schedule.schedule,
      scheduleRole: this.schedule.role,
      logGroup: this.reaper.logGroup,
      deadLetterQueues: [this.reaper.failureQueue, this.schedule.deadLetterQueue],
      // npm run reap and ops unlock publish too; ops events reads the events' log group.
      lockEvents: this.lockEvents,
    });

    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'The table of tracked canvases' });
    new CfnOutput(this, 'TableArn', { value: this.table.table.tableArn, description: 'The table of tracked canvases, by ARN' });
    new CfnOutput(this, 'TrackedCanvasWriterPolicyArn', {
      value: this.table.writerPolicy.managedPolicyArn,
      description: "Attach to the editors' backend role: GetItem, PutItem, UpdateItem, DeleteItem on the table only",
    });
    new CfnOutput(this, 'ReaperOperatorPolicyArn', {
      value: this.operatorPolicy.policy.managedPolicyArn,
      description: "Attach to the operators' role: exactly what npm run ops needs on this stack",
    });
    new CfnOutput(this, 'SecretArn', {
      value: this.credentials.secretArn,
      description: 'The Scenario credentials secret: set its value with aws secretsmanager put-secret-value --secret-id <this>',
    });
    new CfnOutput(this, 'FunctionName', { value: this.reaper.function.functionName, description: 'The reaper function' });
    new CfnOutput(this, 'FunctionVersion', {
      value: this.reaper.version.version,
      description:
        'The function version this deploy published (the schedule runs the same code, unqualified); see docs/deploy.md, Rollback',
    });
    new CfnOutput(this, 'DryRunCommand', {
      value: `aws lambda invoke --region ${Aws.REGION} --function-name ${this.reaper.function.functionName} --cli-binary-format raw-in-base64-out --cli-read-timeout 0 --payload '${DRY_RUN_PAYLOAD}' dry-run.json`,
      description: 'A manual dry run: reports what the reaper would unlock, unlocks nothing; the summary lands in dry-run.json',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.alarmTopic.topicArn,
      description: 'Every alarm notifies this SNS topic; subscribe more endpoints to it',
    });
    new CfnOutput(this, 'LogGroupName', { value: this.reaper.logGroup.logGroupName, description: "The function's log group" });
    new CfnOutput(this, 'ScheduleName', {
      value: this.schedule.schedule.scheduleName,
      description: 'The EventBridge Scheduler schedule (group "default") that runs the reaper',
    });
    new CfnOutput(this, 'FailedInvocationsQueueUrl', {
      value: this.reaper.failureQueue.queueUrl,
      description: 'Failed or expired reaper invocations (alarm FailedInvocationsQueued)',
    });
    new CfnOutput(this, 'UndeliveredTicksQueueUrl', {
      value: this.schedule.deadLetterQueue.queueUrl,
      description: 'Schedule ticks Scheduler could not deliver (alarm UndeliveredTicksQueued)',
    });
    if (this.monitoring.undeliveredNotificationsQueue) {
      new CfnOutput(this, 'UndeliveredAlarmNotificationsQueueUrl', {
        value: this.monitoring.undeliveredNotificationsQueue.queueUrl,
        description: 'Alarm e-mails SNS could not deliver (graphed on the dashboard; read with aws sqs receive-message)',
      });
    }
    new CfnOutput(this, 'LockEventBusName', {
      value: this.lockEvents.bus.eventBusName,
      description: 'The event bus of lock events (docs/events.md); LOCK_EVENTS_BUS for npm run reap and ops unlock',
    });
    new CfnOutput(this, 'LockEventBusArn', { value: this.lockEvents.bus.eventBusArn, description: 'The event bus of lock events, by ARN' });
    new CfnOutput(this, 'LockEventsSubscriberPolicyArn', {
      value: this.lockEvents.subscriberPolicy.managedPolicyArn,
      description: "Attach to a subscriber's role: manage its own rules on the lock event bus",
    });
    new CfnOutput(this, 'LockEventsLogGroupName', {
      value: this.lockEvents.logGroup.logGroupName,
      description: 'A readable copy of every lock event (ops events reads it)',
    });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName, description: 'The CloudWatch dashboard' });
  }
}

/** A run reports only when it ends, so runs cannot be counted more often than one function timeout apart. */
function defaultHeartbeat(cadence: ScheduleCadence, functionTimeout: Duration): Duration {
  if (cadence.kind === 'cron') return DEFAULT_CRON_HEARTBEAT;
  const minutes = Math.ceil(Math.max(cadence.interval.toSeconds(), functionTimeout.toSeconds()) / 60);
  return Duration.minutes(Math.min(minutes, 24 * 60));
}
