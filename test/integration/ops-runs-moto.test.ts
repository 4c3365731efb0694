import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOps } from '#ops/cli';
import { EXIT } from '#ops/kit/exit-codes';
import type { OperatorIo } from '#ops/operator-clients';
import { aRunSummary } from '#test-support/run-summary';

/**
 * ops runs and ops last-run against moto's CloudWatch Logs (python3 -m moto.server, on loopback), a second opinion
 * on FilterLogEvents besides our own stand-in: the commands are built to the service's contract, not to the
 * stand-in's. Skipped, saying so, on a machine without moto.
 */

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function motoAvailable(): Promise<boolean> {
  const probe = spawn('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
  const [code] = (await once(probe, 'exit').catch(() => [1])) as [number | null];
  return code === 0;
}

const available = await motoAvailable();
if (!available) console.warn('ops-runs-moto: python3 with moto is not installed here; skipped');

describe.skipIf(!available)('ops runs against moto', () => {
  let moto: ChildProcess;
  let logs: CloudWatchLogsClient;
  const group = `/aws/lambda/reaper-moto-${Date.now()}`;

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const endpoint = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
      } catch {
        if (attempt > 300) throw new Error('moto did not start');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    logs = new CloudWatchLogsClient({ region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: '2026/12/01/[$LATEST]abc' }));
    const now = Date.now();
    const finished = (runId: string, extra = {}) =>
      JSON.stringify({ level: 'INFO', message: 'reap run finished', summary: aRunSummary({ runId, examined: 3, ...extra }) });
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: '2026/12/01/[$LATEST]abc',
        logEvents: [
          { timestamp: now - 3 * 3_600_000, message: finished('run-a', { unlocked: 1, unlockedAssetIds: ['asset_a'] }) },
          { timestamp: now - 2 * 3_600_000, message: 'START RequestId: x Version: $LATEST' },
          { timestamp: now - 3_600_000, message: finished('run-b', { failed: 1 }) },
        ],
      }),
    );
  }, 30_000);
  afterAll(() => {
    logs?.destroy();
    moto?.kill();
  });

  async function ops(argv: string[]) {
    let stdout = '';
    let stderr = '';
    const io: OperatorIo = {
      env: {},
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      interactive: false,
      confirm: async () => false,
      cwd: '/',
      logs,
    };
    const code = await runOps(argv, io);
    return { code, stdout, stderr };
  }

  it('lists the runs of the window, and --check sees the failed one', async () => {
    const { code, stdout } = await ops(['runs', '--log-group', group]);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(
      /^\S+Z {2}run-a {2}3 examined, 1 unlocked\n\S+Z {2}run-b {2}3 examined, 1 failed\n2 runs in the last 24h: 1 failed or cut short\n$/,
    );
    expect((await ops(['runs', '--log-group', group, '--check'])).code).toBe(EXIT.failed);
    expect((await ops(['last-run', '--log-group', group, '--json'])).stdout).toContain('"runId": "run-b"');
  });

  it('names a log group that does not exist', async () => {
    const { code, stderr } = await ops(['runs', '--log-group', '/aws/lambda/nowhere']);
    expect(code).toBe(EXIT.failed);
    expect(stderr).toContain('log group /aws/lambda/nowhere was not found');
  });
});
