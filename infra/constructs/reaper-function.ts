import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type DestinationConfig,
  type IDestination,
  type IFunction,
  type IVersion,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { loadConfig } from '#reaper/config';
import { ENV, SETTINGS, type SettingValues, settingDefaults, TUNABLE_NAMES } from '#reaper/settings';
import { LOCK_FILE, REAPER_EXEC_WRAPPER_SCRIPT, REAPER_HANDLER_ENTRY, REPO_ROOT } from '../paths';
import { DeadLetterQueue } from './dead-letter-queue';
import type { ScenarioCredentialsSecret } from './scenario-credentials-secret';

/** Lambda runtime. nodejs22.x: the newest line the code is exercised on before deploy (tests run on Node 20/22). */
export const REAPER_RUNTIME = Runtime.NODEJS_22_X;
/** esbuild target, kept in step with REAPER_RUNTIME. */
export const REAPER_BUNDLE_TARGET = 'node22';

/** The exec wrapper's name in the bundle (the function's code root, /var/task on Lambda). */
export const EXEC_WRAPPER_FILE = 'exec-wrapper';
/** Where Lambda finds it: AWS_LAMBDA_EXEC_WRAPPER. */
export const EXEC_WRAPPER_PATH = `/var/task/${EXEC_WRAPPER_FILE}`;

/** How the handler is bundled (local esbuild, no Docker); the benchmark bundles with these same settings. */
export const REAPER_BUNDLING = {
  format: OutputFormat.ESM,
  target: REAPER_BUNDLE_TARGET,
  minify: true,
  // Minified, but function and class names stay readable in stack traces.
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  // Bundle the AWS SDK too, so the version package-lock.json pins is the one that runs.
  externalModules: [] as string[],
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies may require() Node built-ins, which an ES module cannot do without this.
  banner: "import { createRequire as __reaperCreateRequire } from 'node:module'; const require = __reaperCreateRequire(import.meta.url);",
  forceDockerBundling: false,
  // The exec wrapper (functions/reaper/exec-wrapper.sh) goes into the bundle, executable: Lambda's runtime execs it
  // (AWS_LAMBDA_EXEC_WRAPPER), and the CLI's zip keeps a file's mode.
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [
      `cp "${REAPER_EXEC_WRAPPER_SCRIPT}" "${outputDir}/${EXEC_WRAPPER_FILE}"`,
      `chmod 755 "${outputDir}/${EXEC_WRAPPER_FILE}"`,
    ],
  },
} satisfies BundlingOptions;
/**
 * Five minutes: the run's budget is the invocation's remaining time minus SAFETY_MARGIN_MS, so a long timeout is
 * what gives a big backlog room; it also equals the default schedule interval, so with one run at a time a run
 * never delays the next tick by more than a few seconds.
 */
export const DEFAULT_REAPER_TIMEOUT = Duration.seconds(SETTINGS.functionTimeoutSeconds.default);
/** The least time a run must have for actual work once the safety margin is taken off the timeout. */
export const MIN_WORKING_TIME = Duration.seconds(30);
/** Lambda's ceiling for a function timeout (the bound of `reaper:functionTimeoutSeconds`). */
export const MAX_LAMBDA_TIMEOUT = Duration.seconds(SETTINGS.functionTimeoutSeconds.max);
/**
 * Chosen for CPU, not memory: one full vCPU. Lambda gives CPU in proportion to memory (1,769 MB = one vCPU), and the
 * reaper is one Node thread, so 1,769 MB is the most it can use. The rule: CPU must not cap a verified run below
 * 1.5 × the API's bound at the default 8 in flight (8 ÷ (2 × latency): 80 canvases/s at the bench's 50 ms), i.e.
 * 120 verified canvases/s. `npm run bench` measures the reaper process's CPU per verified canvas (logger at INFO) and
 * prints the ceiling this memory gives beside that bound; at C ms per canvas the rule needs 120 × C ms of a vCPU,
 * so one vCPU holds it up to C = 8.3 ms, and 1,536 MB (0.87 vCPU) only up to 7.2 ms, which the bench's figure has
 * reached on its x64 machines (docs/performance.md has the last measured C and ceiling). A full vCPU is the most that
 * helps, and it leaves room for the spread between machines and for arm64's per-canvas CPU, not measured here.
 * Memory itself is not the limit (peak RSS stays far below it with the exec wrapper's smaller semi-space). The cost:
 * GB-seconds grow with memory for the API-bound part of a run; the CPU-bound part (the idle Scan every tick) ends
 * proportionally sooner.
 */
export const DEFAULT_REAPER_MEMORY_MB = 1769;
/** How long the function's logs are kept (one month). */
export const DEFAULT_LOG_RETENTION = SETTINGS.logRetentionDays.default as RetentionDays;
/**
 * How long a scheduled tick may wait in Lambda's asynchronous queue (e.g. throttled behind a run still going, since
 * only one runs at a time) before it is dropped to the failure queue. Long enough to ride out one slow run.
 */
export const REAPER_MAX_EVENT_AGE = Duration.minutes(30);
/** The DynamoDB actions the reaper performs: find stale locks, read named assets, clear a lock conditionally. */
export const REAPER_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'] as const;

/**
 * The reaper's tunables, as the function receives them: every Lambda setting of the settings table that has a context
 * key, by setting name (functions/reaper/settings.ts describes each).
 */
export type ReaperSettings = Readonly<SettingValues<(typeof TUNABLE_NAMES)[number]>>;
/** The table's defaults, so the stack and a local run behave the same. */
export const DEFAULT_REAPER_SETTINGS: ReaperSettings = settingDefaults(TUNABLE_NAMES);

/** Props of {@link ReaperFunction}. */
export interface ReaperFunctionProps {
  /** The table of tracked canvases the function scans and updates. */
  readonly table: ITable;
  /** The secret the function reads the Scenario key pair from. */
  readonly credentials: ScenarioCredentialsSecret;
  /** The reaper's tunables, passed as environment variables. */
  readonly settings: ReaperSettings;
  /**
   * Function timeout; must exceed `settings.safetyMarginMs` by at least MIN_WORKING_TIME.
   * @default DEFAULT_REAPER_TIMEOUT (5 minutes)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group.
   * @default DEFAULT_LOG_RETENTION (one month)
   */
  readonly logRetention?: RetentionDays;
  /**
   * The bus the function publishes its lock events to (LOCK_EVENTS_BUS); the grant is given where the bus is made.
   * @default - none: no events
   */
  readonly lockEventBusName?: string;
}

/**
 * The reaper Lambda: esbuild-bundled (the pinned AWS SDK included, no Docker), arm64, one run at a time
 * (reserved concurrency 1), no asynchronous retries because the next tick is the retry, failed invocations kept in a
 * queue, X-Ray tracing on, a version published per deploy. Its role allows writing its own logs, reading the one
 * secret, reading/updating the one table, and sending traces.
 */
export class ReaperFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** The function's log group. */
  readonly logGroup: LogGroup;
  /** Invocations that failed (or waited longer than REAPER_MAX_EVENT_AGE) land here. */
  readonly failureQueue: IQueue;
  /** The version this deploy published (the schedule invokes the unqualified function, which is the same code). */
  readonly version: IVersion;

  constructor(scope: Construct, id: string, props: ReaperFunctionProps) {
    super(scope, id);
    const timeout = props.timeout ?? DEFAULT_REAPER_TIMEOUT;
    assertTimeoutLeavesWorkingTime(timeout, props.settings.safetyMarginMs);

    // The function's environment: the table, secret and bus it is given, then each tunable's variable. The handler's
    // own validation runs on it, so a bad value fails `cdk synth` (naming its variable) instead of every run; a
    // deploy-time token (the table's name, the secret's ARN, the bus's name) is replaced by a valid stand-in.
    const given: [variable: string, value: string, standIn: string][] = [
      [ENV.tableName, props.table.tableName, 'tracked-canvases'],
      [ENV.secretId, props.credentials.secretId, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:scenario-AbCdEf'],
      [ENV.lockEventsBus, props.lockEventBusName ?? '', 'lock-events'],
    ];
    const environment: Record<string, string> = Object.fromEntries(given.map(([variable, value]) => [variable, value]));
    // Read by Lambda's runtime: the wrapper lowers V8's semi-space, and with it the function's peak memory.
    environment[ENV.execWrapper] = EXEC_WRAPPER_PATH;
    for (const name of TUNABLE_NAMES) environment[ENV[name]] = String(props.settings[name]);
    const standIns = given.map(([variable, value, standIn]) => [variable, Token.isUnresolved(value) ? standIn : value]);
    loadConfig({ ...environment, ...Object.fromEntries(standIns) }, 'lambda');

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? DEFAULT_LOG_RETENTION });
    // An explicit role instead of the default one: the default attaches AWSLambdaBasicExecutionRole, which may
    // write to any log group in the account.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Canvas lock reaper: its own logs, the credentials secret, the tracked canvas table',
    });
    this.logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new PolicyStatement({ actions: [...REAPER_TABLE_ACTIONS], resources: [props.table.tableArn] }));
    props.credentials.grantGetSecretValue(role);

    this.failureQueue = new DeadLetterQueue(this, 'FailedInvocations', {
      holds: 'reaper invocations that failed or expired',
      watchedBy: 'the FailedInvocationsQueued alarm fires when it is not empty, and ops dead-letters lists it',
    }).queue;

    this.function = new NodejsFunction(this, 'Function', {
      description: 'Finds stale Scenario canvas locks tracked in DynamoDB and force-unlocks them',
      entry: REAPER_HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: REAPER_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: DEFAULT_REAPER_MEMORY_MB,
      timeout,
      role,
      logGroup: this.logGroup,
      environment,
      // The variable has no effect on SDK v3 runtimes; set false so CDK never adds it behind the contract's back.
      awsSdkConnectionReuse: false,
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      maxEventAge: REAPER_MAX_EVENT_AGE,
      onFailure: new SendMessageOnlyQueueDestination(this.failureQueue),
      bundling: REAPER_BUNDLING,
      // X-Ray traces of each run (the handler's spans: the run, Scan pages, GET and PUT requests, AWS calls).
      tracing: Tracing.ACTIVE,
      // A deploy that publishes a new version keeps the old ones (deleting the function deletes them all).
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    });
    // A version published on every deploy that changes the function: the code of each release stays invocable by
    // number (`--qualifier`) after the next one, and the FunctionVersion output says which one is live.
    this.version = this.function.currentVersion;

    const pinnedRuntime = `Pinned to ${REAPER_RUNTIME.name}, the line the bundle targets and the code is tested against; move up deliberately, with REAPER_BUNDLE_TARGET.`;
    Validations.of(this.function).acknowledge(
      { id: 'AwsSolutions-L1', reason: pinnedRuntime },
      { id: 'Serverless-LambdaLatestVersion', reason: pinnedRuntime },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Failed asynchronous invocations go to an on-failure destination (the FailedInvocations queue), which records the payload, the error and the response, unlike a dead-letter queue; a DLQ as well would split the same failures over two queues.',
      },
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "The only '*' resource is X-Ray's xray:PutTraceSegments and xray:PutTelemetryRecords, added by Tracing.ACTIVE: X-Ray supports no resource-level permissions for them (a test keeps every other statement on named resources).",
    });
  }
}

/**
 * An on-failure destination granting only sqs:SendMessage (CDK's SqsDestination also grants GetQueueAttributes and
 * GetQueueUrl, which Lambda does not need to deliver a failure record).
 */
class SendMessageOnlyQueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    return { destination: this.queue.queueArn };
  }
}

function assertTimeoutLeavesWorkingTime(timeout: Duration, safetyMarginMs: number): void {
  const timeoutMs = timeout.toMilliseconds();
  if (timeoutMs > MAX_LAMBDA_TIMEOUT.toMilliseconds()) {
    throw new Error(`ReaperFunction: timeout ${timeout.toSeconds()} s exceeds Lambda's maximum of ${MAX_LAMBDA_TIMEOUT.toSeconds()} s`);
  }
  if (timeoutMs - safetyMarginMs < MIN_WORKING_TIME.toMilliseconds()) {
    throw new Error(
      `ReaperFunction: timeout ${timeout.toSeconds()} s leaves less than ${MIN_WORKING_TIME.toSeconds()} s of work after the ${safetyMarginMs} ms safety margin`,
    );
  }
}
