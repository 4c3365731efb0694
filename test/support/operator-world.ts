import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type CloudWatchLogsStandIn, type CloudWatchLogsStandInOptions, startCloudWatchLogsStandIn } from '#local/cloudwatch-logs-stand-in';
import { type SchedulerStandIn, startSchedulerStandIn } from '#local/scheduler-stand-in';
import { type SqsStandIn, startSqsStandIn } from '#local/sqs-stand-in';
import type { OperatorClients, OpsIo } from '#ops/io';
import { runOpsCapturing } from './ops-runner';

const LOCAL = { region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** The stack's two dead-letter queues, as the SQS stand-in names them. */
export const DEAD_LETTER_QUEUES = { failedInvocations: 'failed-invocations', undeliveredTicks: 'undelivered-ticks' } as const;

/** What the operator commands (pause, resume, last-run, runs, dead-letters) talk to, through the real clients. */
export interface OperatorWorld {
  scheduler: SchedulerStandIn;
  logs: CloudWatchLogsStandIn;
  /** New for each test, holding the two dead-letter queues, empty. */
  sqs: SqsStandIn;
  /** A log group of its own for each test, empty. */
  logGroup: string;
  /** An empty folder the commands run in: no cdk-outputs.json unless a test writes one. */
  cwd: string;
  /** Runs one ops command in process in `cwd`, with no variables set and the stand-ins' clients. */
  ops(argv: string[], options?: Partial<OpsIo> & { answer?: boolean }): ReturnType<typeof runOpsCapturing>;
}

/**
 * Registers the hooks of a file of operator command tests: a Scheduler and a CloudWatch Logs stand-in (with `logs`'
 * options) for the file; before each test an SQS stand-in, a log group and a working folder of its own. Read the fields
 * inside the tests (they change per test).
 */
export function useOperatorWorld(options: { logs?: CloudWatchLogsStandInOptions } = {}): OperatorWorld {
  const clients: Required<OperatorClients> = {} as Required<OperatorClients>;
  let groups = 0;
  const world = {
    ops: (argv, more = {}) => runOpsCapturing(argv, { env: {}, cwd: world.cwd, ...clients, ...more }),
  } as OperatorWorld;
  beforeAll(async () => {
    [world.scheduler, world.logs] = await Promise.all([startSchedulerStandIn(), startCloudWatchLogsStandIn(options.logs)]);
    clients.scheduler = new SchedulerClient({ ...LOCAL, endpoint: world.scheduler.endpoint });
    clients.logs = new CloudWatchLogsClient({ ...LOCAL, endpoint: world.logs.endpoint });
  });
  afterAll(async () => {
    clients.scheduler.destroy();
    clients.logs.destroy();
    await Promise.all([world.scheduler.close(), world.logs.close()]);
  });
  beforeEach(async () => {
    world.cwd = mkdtempSync(path.join(tmpdir(), 'ops-operator-'));
    world.sqs = await startSqsStandIn(Object.values(DEAD_LETTER_QUEUES));
    clients.sqs = new SQSClient({ ...LOCAL, endpoint: world.sqs.endpoint });
    groups += 1;
    world.logGroup = `/aws/lambda/reaper-${groups}`;
    world.logs.createLogGroup(world.logGroup);
  });
  afterEach(async () => {
    rmSync(world.cwd, { recursive: true, force: true });
    clients.sqs.destroy();
    await world.sqs.close();
  });
  return world;
}
