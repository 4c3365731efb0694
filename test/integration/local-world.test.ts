import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worldStatePath } from '#local/world-state-file';
import { type Ran, runToEnd } from '#test-support/child-process';

/**
 * `npm run local` driven the way a person does: start it, eval its --print-env in a second shell, run the ops CLI
 * against it (status, pause/resume, invoke + last-run, dead-letters), then Ctrl-C. Every step is a real process.
 */

const root = path.resolve(__dirname, '../..');
/** The world and --print-env find each other through os.tmpdir(); a private TMPDIR keeps this test off anyone's world. */
const stateDir = mkdtempSync(path.join(tmpdir(), 'local-world-test-'));
const childEnv = { ...process.env, TMPDIR: stateDir, NO_COLOR: '1', npm_config_update_notifier: 'false' };
const STEP_TIMEOUT_MS = 60_000;

let world: ChildProcessWithoutNullStreams;
let worldStdout = '';
let worldExit: Promise<number | null>;
let env: Record<string, string>;

const run = (command: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Ran> =>
  runToEnd(command, args, { cwd: root, env: { ...childEnv, ...extraEnv } });

const tsx = (script: string, args: readonly string[], extraEnv: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], extraEnv);
const ops = (...args: string[]) => tsx('ops/cli.ts', args, env);

/** `export NAME=value` lines, as a shell would read them (values are either bare or single-quoted). */
function parseExports(text: string): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) throw new Error(`not an export line: ${line}`);
    const value = match[2]!;
    parsed[match[1]!] = value.startsWith("'") ? value.slice(1, -1).replaceAll(`'\\''`, "'") : value;
  }
  return parsed;
}

/** A copy of this checkout's sources elsewhere (node_modules linked), as a second clone of the repository is. */
function secondClone(): string {
  const clone = mkdtempSync(path.join(stateDir, 'clone-'));
  for (const part of ['package.json', 'tsconfig.json', 'scripts', 'local', 'functions', 'ops', 'infra']) {
    cpSync(path.join(root, part), path.join(clone, part), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'));
  return clone;
}

function portRefuses(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

beforeAll(async () => {
  world = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-world.ts'], {
    cwd: root,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let worldStderr = '';
  world.stderr.on('data', (chunk: Buffer) => (worldStderr += chunk.toString()));
  worldExit = new Promise((resolve) => world.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    world.stdout.on('data', (chunk: Buffer) => {
      worldStdout += chunk.toString();
      if (worldStdout.includes('Local world up')) resolve();
    });
    void worldExit.then((code) => reject(new Error(`the local world exited (${code}) before it was up: ${worldStderr}`)));
  });
}, STEP_TIMEOUT_MS);

afterAll(() => {
  if (world.exitCode === null && world.signalCode === null) world.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

describe('npm run local', () => {
  it('prints its help', async () => {
    const help = await tsx('scripts/local-world.ts', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run local');
    expect(help.stdout).toContain('--print-env');
  });

  it(
    'a second shell evals --print-env and sees the seeded canvases with ops status --json',
    async () => {
      const shell = await run('sh', ['-c', 'eval "$(npm run -s local -- --print-env)" && npm run -s ops -- status --json'], {});
      // stderr says the target only (stdout stays the JSON alone).
      expect(shell.stderr).toMatch(
        /^ops status: table local-tracked-canvases \(from TABLE_NAME\), region \S+, endpoint http:\/\/127\.0\.0\.1:\d+\n$/,
      );
      expect(shell.code).toBe(0);
      const status = JSON.parse(shell.stdout);
      expect(status.table).toBe('local-tracked-canvases');
      expect(status.counts).toEqual({ stale: 2, 'in-grace': 0, live: 1, 'not-locked': 1, invalid: 0 });
      expect(status.canvases.map((c: { assetId: string }) => c.assetId).sort()).toEqual([
        'asset_localLive',
        'asset_localNotLocked',
        'asset_localStaleTenMin',
        'asset_localStaleThreeDays',
      ]);

      const printed = await tsx('scripts/local-world.ts', ['--print-env']);
      expect(printed.code).toBe(0);
      env = parseExports(printed.stdout);
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([
          'TABLE_NAME',
          'AWS_REGION',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'SCENARIO_SECRET_ID',
          'SCENARIO_API_BASE_URL',
          'REAPER_FUNCTION_NAME',
          'REAPER_SCHEDULE_NAME',
          'REAPER_LOG_GROUP_NAME',
          'REAPER_FAILED_INVOCATIONS_QUEUE_URL',
          'REAPER_UNDELIVERED_TICKS_QUEUE_URL',
          ...['DYNAMODB', 'SECRETS_MANAGER', 'LAMBDA', 'SCHEDULER', 'CLOUDWATCH_LOGS', 'SQS'].map(
            (service) => `AWS_ENDPOINT_URL_${service}`,
          ),
        ]),
      );
      // The same lines the world printed when it started.
      expect(worldStdout).toContain(printed.stdout.trim());
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'ops pause and resume switch the schedule in the Scheduler stand-in, keeping its target',
    async () => {
      const scheduler = new SchedulerClient({
        endpoint: env.AWS_ENDPOINT_URL_SCHEDULER,
        region: 'local',
        credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      });
      try {
        const read = () => scheduler.send(new GetScheduleCommand({ Name: env.REAPER_SCHEDULE_NAME }));
        const deployed = await read();
        expect(deployed.State).toBe('ENABLED');

        const paused = await ops('pause');
        expect(paused.code).toBe(0);
        expect(paused.stdout).toContain('is now DISABLED');
        const afterPause = await read();
        expect(afterPause.State).toBe('DISABLED');
        expect(afterPause.Target).toEqual(deployed.Target);
        expect(afterPause.Target?.DeadLetterConfig?.Arn).toMatch(/undelivered-ticks$/);

        const resumed = await ops('resume');
        expect(resumed.code).toBe(0);
        expect((await read()).State).toBe('ENABLED');
      } finally {
        scheduler.destroy();
      }
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'ops last-run shows the run ops invoke just made, read from the handler log lines the world kept',
    async () => {
      const before = await ops('last-run');
      expect(before.code).toBe(0); // it ran: no run yet is a finding (--check), not a failure
      expect(before.stderr).toContain('no "reap run finished" line');

      const invoked = await ops('invoke', '--json');
      expect(invoked.code).toBe(0);
      const summary = JSON.parse(invoked.stdout);
      expect(summary).toMatchObject({ examined: 4, stale: 2, unlocked: 2, failed: 0 });

      const last = await ops('last-run', '--json');
      expect(last.code).toBe(0);
      expect(JSON.parse(last.stdout)).toMatchObject({
        logGroupName: env.REAPER_LOG_GROUP_NAME,
        level: 'INFO',
        summary: { runId: summary.runId, unlocked: 2 },
      });
      const table = await ops('last-run');
      expect(table.stdout).toMatch(new RegExp(`run id\\s+${summary.runId}`));

      const status = JSON.parse((await ops('status', '--json')).stdout);
      expect(status.counts).toMatchObject({ stale: 0, live: 1 });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'ops dead-letters lists a message put in the failed-invocations queue, with the seeded ones, then purges them',
    async () => {
      const sqs = new SQSClient({
        endpoint: env.AWS_ENDPOINT_URL_SQS,
        region: 'local',
        credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      });
      try {
        const record = {
          version: '1.0',
          timestamp: new Date().toISOString(),
          requestContext: {
            requestId: 'test-request',
            functionArn: 'arn:aws:lambda:local:000000000000:function:x',
            condition: 'RetriesExhausted',
            approximateInvokeCount: 1,
          },
          requestPayload: { assetIds: ['asset_fromTheTest'] },
          responseContext: { statusCode: 200, functionError: 'Unhandled' },
          responsePayload: { errorType: 'ReapRunError', errorMessage: 'put here by the test' },
        };
        await sqs.send(new SendMessageCommand({ QueueUrl: env.REAPER_FAILED_INVOCATIONS_QUEUE_URL, MessageBody: JSON.stringify(record) }));

        const listed = await ops('dead-letters', '--json');
        expect(listed.code).toBe(0); // it ran; dead letters waiting are a finding (--check)
        const [failed, ticks] = JSON.parse(listed.stdout).queues;
        expect(failed.messages.map((m: { error: string }) => m.error)).toEqual([
          'ReapRunError: the Scenario API refused the credentials: 401 Unauthorized',
          'ReapRunError: put here by the test',
        ]);
        expect(failed.messages[1].payload).toEqual({ assetIds: ['asset_fromTheTest'] });
        expect(ticks.messages).toHaveLength(1);
        expect(ticks.messages[0].error).toMatch(/^AccessDeniedException: /);

        const purged = await ops('dead-letters', '--purge', '--yes');
        expect(purged.code).toBe(0);
        expect(purged.stdout).toContain('Purged 3 message(s).');
        for (const queueUrl of [env.REAPER_FAILED_INVOCATIONS_QUEUE_URL, env.REAPER_UNDELIVERED_TICKS_QUEUE_URL]) {
          const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
          expect([Attributes?.ApproximateNumberOfMessages, Attributes?.ApproximateNumberOfMessagesNotVisible]).toEqual(['0', '0']);
        }
      } finally {
        sqs.destroy();
      }
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "a second clone's --print-env does not point at this checkout's world (issue 16 item 10)",
    async () => {
      const clone = secondClone();
      const printed = await run(process.execPath, ['--import', 'tsx', path.join(clone, 'scripts/local-world.ts'), '--print-env'], {});
      expect(printed.stdout).toBe('');
      expect(printed.code).toBe(2);
      expect(printed.stderr).toContain('no local world is running for this checkout');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "a state file planted in the shared temp folder runs no command when --print-env is eval'd (issue 16 item 10)",
    async () => {
      // Another user's plant: the predictable name in the shared temp folder, and the per-user folder made first, open to all.
      const shared = mkdtempSync(path.join(stateDir, 'shared-'));
      chmodSync(shared, 0o1777);
      const marker = path.join(shared, 'PWNED');
      const planted = JSON.stringify({
        pid: process.pid,
        startedAt: new Date().toISOString(),
        env: { [`X=1; touch ${marker}; Y`]: 'v', TABLE_NAME: `x'; touch ${marker}; '` },
      });
      writeFileSync(path.join(shared, `canvas-lock-reaper-local-world-${process.getuid?.() ?? 'user'}.json`), planted);
      const perUser = path.join(shared, `canvas-lock-reaper-${process.getuid?.() ?? 'user'}`);
      mkdirSync(perUser, { mode: 0o777 });
      chmodSync(perUser, 0o777);
      const shell = await run('sh', ['-c', `eval "$(${process.execPath} --import tsx scripts/local-world.ts --print-env)"`], {
        TMPDIR: shared,
      });
      expect(existsSync(marker)).toBe(false);
      expect(shell.stderr).toMatch(/local: .*canvas-lock-reaper-\d+ .*(group or others|mode)/);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'stops on Ctrl-C (SIGINT): exit 0, state file removed, every port closed; --print-env then exits 2',
    async () => {
      const stateFile = worldStatePath({ checkout: root, base: stateDir });
      expect(existsSync(stateFile)).toBe(true);
      world.kill('SIGINT');
      expect(await worldExit).toBe(0);
      expect(worldStdout).toContain('Stopped: every server closed, state file removed.');
      expect(existsSync(stateFile)).toBe(false);
      const endpoints = Object.entries(env)
        .filter(([name]) => name.startsWith('AWS_ENDPOINT_URL_'))
        .map(([, url]) => url);
      endpoints.push(env.SCENARIO_API_BASE_URL!);
      expect(endpoints).toHaveLength(8);
      expect(await Promise.all(endpoints.map(portRefuses))).toEqual(endpoints.map(() => true));

      const printed = await tsx('scripts/local-world.ts', ['--print-env']);
      expect(printed.code).toBe(2);
      expect(printed.stdout).toBe('');
      expect(printed.stderr).toContain('no local world is running');
    },
    STEP_TIMEOUT_MS,
  );
});
