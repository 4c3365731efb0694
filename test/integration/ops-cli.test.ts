import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type LambdaStandIn, startLambdaStandIn } from '#local/lambda-stand-in';
import { type ScenarioStandIn, startScenarioStandIn } from '#local/scenario-stand-in';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '#local/secrets-manager-stand-in';
import { createTrackedCanvasTable, getRow, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import type { OpsIo } from '#ops/io';
import { EXIT } from '#ops/kit/exit-codes';
import { createHandler } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { useLocalAwsEnvironment } from '#test-support/local-aws-environment';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

let dynamo: DynamoDBClient;
let api: ScenarioStandIn;
let tableName: string;
const unusedSecrets = unusedSecretsClient();

beforeAll(() => {
  dynamo = localDynamoClient(inject('dynamoEndpoint'));
});
afterAll(() => dynamo.destroy());
beforeEach(async () => {
  api = await startScenarioStandIn();
  tableName = `ops-${randomUUID()}`;
  await createTrackedCanvasTable(dynamo, tableName);
});
afterEach(() => api.close());

function env(overrides: Record<string, string | undefined> = {}) {
  return {
    [ENV.tableName]: tableName,
    [ENV.apiBaseUrl]: api.baseUrl,
    [ENV.localApiKey]: api.apiKey,
    [ENV.localApiSecret]: api.apiSecret,
    ...overrides,
  };
}

function ops(argv: string[], options: Partial<OpsIo> & { answer?: boolean } = {}) {
  return runOpsCapturing(argv, { env: env(), awsClients: { dynamo, secrets: unusedSecrets }, ...options });
}

describe('ops status', () => {
  beforeEach(async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_opsStale', lockExpiresAt: minutesAgo(90), lockId: 'lk1' });
    await putRow(dynamo, tableName, { assetId: 'asset_opsLive', lockExpiresAt: minutesFromNow(5) });
    await putRow(dynamo, tableName, { assetId: 'asset_opsFree' });
  });

  it('lists each canvas with its state and how long until or since expiry', async () => {
    const { code, stdout } = await ops(['status']);
    expect(code).toBe(EXIT.ok);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^asset id\s+state\s+expiry\s+lockExpiresAt\s+lockId\s+last unlocked$/);
    expect(lines[2]).toMatch(/^asset_opsStale\s+stale\s+1h 30m ago\s+\S+Z\s+lk1$/);
    expect(lines[3]).toMatch(/^asset_opsLive\s+live\s+in 4m 5\ds|^asset_opsLive\s+live\s+in 5m/);
    expect(lines[4]).toMatch(/^asset_opsFree\s+not-locked$/);
    expect(stdout).toContain('3 tracked: 1 stale, 1 live, 1 not-locked (grace 60 s)');
  });

  it('--stale-only --json gives scripts one JSON object', async () => {
    const { code, stdout } = await ops(['status', '--stale-only', '--json']);
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(stdout);
    expect(report.counts).toEqual({ stale: 1, 'in-grace': 0, live: 1, 'not-locked': 1, invalid: 0 });
    expect(report.canvases).toEqual([
      { assetId: 'asset_opsStale', state: 'stale', lockExpiresAt: expect.any(String), lockId: 'lk1', expiresInSeconds: expect.any(Number) },
    ]);
    expect(report.canvases[0].expiresInSeconds).toBeLessThanOrEqual(-5399);
  });

  it('exits 0 when it ran, even with an invalid row (shown with its problem in its own column); --check makes that exit 1', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_opsBad', lockExpiresAt: 'whenever' });
    const { code, stdout } = await ops(['status']);
    expect(code).toBe(EXIT.ok);
    expect(stdout.split('\n')[0]).toMatch(/\s+last unlocked\s+problem$/);
    expect(stdout).toMatch(/^asset_opsBad\s+invalid\s+whenever\s+lockExpiresAt "whenever" is not/m);
    expect(stdout).toContain('4 tracked: 1 stale, 1 live, 1 not-locked, 1 invalid (grace 60 s)');

    const checked = await ops(['status', '--check']);
    expect(checked.code).toBe(EXIT.failed);
    expect(checked.stdout).toBe(stdout);
    expect((await ops(['status', '--check', '--json'])).code).toBe(EXIT.failed);
  });

  it('--check exits 0 when there is nothing to look at', async () => {
    expect((await ops(['status', '--check'])).code).toBe(EXIT.ok);
  });

  it('shows progress on a terminal only', async () => {
    for (let i = 0; i < 600; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => putRow(dynamo, tableName, { assetId: `asset_bulk${i + j}` })));
    }
    const piped = await ops(['status']);
    expect(piped.stderr).not.toContain('scanned');
    const tty = await ops(['status'], { interactive: true });
    expect(tty.stderr).toContain('scanned ');
    expect(tty.stdout).toContain('603 tracked');
  });
});

describe('ops track / untrack', () => {
  it('writes a row in the table contract shape, keeping other attributes', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_opsT', lockId: 'old', extra: { owner: { S: 'team-a' } } });

    const { code, stdout } = await ops(['track', 'asset_opsT', '--lock-expires-at', '2026-12-01T10:00:00Z', '--lock-id', 'lk_new']);

    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('tracked asset_opsT');
    expect(await getRow(dynamo, tableName, 'asset_opsT')).toEqual({
      assetId: { S: 'asset_opsT' },
      lockExpiresAt: { S: '2026-12-01T10:00:00Z' },
      lockId: { S: 'lk_new' },
      owner: { S: 'team-a' },
    });
    await ops(['track', 'asset_opsT', '--lock-expires-at', '2026-12-02T10:00:00Z']);
    expect((await getRow(dynamo, tableName, 'asset_opsT'))?.lockId).toBeUndefined();
  });

  it.each([
    [['track', 'canvas-1', '--lock-expires-at', '2026-12-01T10:00:00Z'], 'is not "asset_" followed by'],
    [['track', 'asset_x', '--lock-expires-at', '2026-12-01 10:00'], '--lock-expires-at: "2026-12-01 10:00" is not an ISO-8601 date-time'],
    [['track', 'asset_x', '--lock-expires-at', '2026-02-30T10:00:00Z'], 'is not a real date'],
    [['track', 'asset_x'], '--lock-expires-at is required'],
    [['track', 'asset_x', '--lock-expires-at', '2026-12-01T10:00:00Z', '--lock-id', ''], '--lock-id must be 1 to 256 characters'],
    [['track'], 'expected 1 argument(s), got 0'],
    [['untrack'], 'expected 1 argument(s), got 0'],
  ])('rejects %j with a clear message and exit 2', async (argv, message) => {
    const { code, stderr } = await ops(argv);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: npm run ops --');
  });

  it('untracks any key (even an invalid one) and says what the row held', async () => {
    await putRow(dynamo, tableName, { assetId: 'canvas-42', lockExpiresAt: 'junk' });
    const { code, stdout } = await ops(['untrack', 'canvas-42']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain('untracked canvas-42; the row held');
    expect(await getRow(dynamo, tableName, 'canvas-42')).toBeUndefined();
    expect((await ops(['untrack', 'canvas-42'])).stdout).toContain('canvas-42 was not tracked; nothing to do');
  });

  it('exits 2 saying how to name the table when nothing names it', async () => {
    const { code, stderr } = await ops(['track', 'asset_x', '--lock-expires-at', '2026-12-01T10:00:00Z'], {
      env: env({ [ENV.tableName]: undefined }),
      cwd: mkdtempSync(path.join(tmpdir(), 'ops-no-outputs-')),
    });
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('no table name');
    expect(stderr).toContain('pass --table-name, set TABLE_NAME');
  });
});

describe("ops unlock (a person's deliberate force-unlock)", () => {
  it('frees a live lock with --yes, logs the returned asset like the reaper, and updates the row', async () => {
    await putRow(dynamo, tableName, {
      assetId: 'asset_opsU',
      lockExpiresAt: minutesFromNow(30),
      lockId: 'lk9',
      extra: { note: { S: 'keep' } },
    });
    api.addCanvas('asset_opsU');

    const { code, stderr, logLines } = await ops(['unlock', 'asset_opsU', '--lock-id', 'lk9', '--yes']);

    expect(code).toBe(EXIT.ok);
    expect(stderr).toContain('unlocked asset_opsU');
    expect(api.requests.map((r) => [r.method, r.rawPath, JSON.parse(r.body)])).toEqual([
      ['PUT', '/v1/assets/asset_opsU/unlock', { forceUnlock: true }],
    ]);
    const line = logLines.find((l) => l.message === 'canvas unlocked');
    expect(line?.asset).toMatchObject({ assetId: 'asset_opsU', type: 'canvas' });
    for (const signature of api.issuedSignatures) expect(JSON.stringify(logLines)).not.toContain(signature);
    const row = await getRow(dynamo, tableName, 'asset_opsU');
    expect(row?.lockExpiresAt).toBeUndefined();
    expect(row?.note).toEqual({ S: 'keep' });
    expect(row?.lastForceUnlockedRunId?.S).toMatch(/^ops-/);
  });

  it("unlocks a canvas of another Scenario project with that project's key (SCENARIO_PROJECTS_FILE)", async () => {
    const studio = await startScenarioStandIn({ projects: { proj_x: {} } });
    try {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'ops-projects-')), 'projects.json');
      writeFileSync(file, JSON.stringify({ projects: { proj_x: studio.projectKey('proj_x') } }), { mode: 0o600 });
      await putRow(dynamo, tableName, {
        assetId: 'asset_opsProj',
        lockExpiresAt: minutesFromNow(30),
        extra: { projectId: { S: 'proj_x' } },
      });
      studio.addCanvas('asset_opsProj', { projectId: 'proj_x' });

      const projectEnv = env({
        [ENV.apiBaseUrl]: studio.baseUrl,
        [ENV.localApiKey]: undefined,
        [ENV.localApiSecret]: undefined,
        [ENV.projectsFile]: file,
      });
      const { code } = await runOpsCapturing(['unlock', 'asset_opsProj', '--yes'], {
        env: projectEnv,
        awsClients: { dynamo, secrets: unusedSecrets },
      });

      expect(code).toBe(EXIT.ok);
      expect(studio.unlockRequests.map((r) => r.authorized)).toEqual([true]);
      expect(studio.unlockLog.map((u) => u.assetId)).toEqual(['asset_opsProj']);
    } finally {
      await studio.close();
    }
  });

  it('asks for confirmation on a terminal and does nothing when refused', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_opsAsk', lockExpiresAt: minutesFromNow(30) });
    api.addCanvas('asset_opsAsk');

    const refused = await ops(['unlock', 'asset_opsAsk'], { interactive: true, answer: false });
    expect(refused.code).toBe(EXIT.usageOrConfig);
    expect(refused.questions[0]).toMatch(/^Force-unlock asset_opsAsk, lock \(no lock id\) until \S+ \(live, expires in (2\dm|30m)/);
    expect(api.requests).toEqual([]);

    const accepted = await ops(['unlock', 'asset_opsAsk'], { interactive: true, answer: true });
    expect(accepted.code).toBe(EXIT.ok);
    expect(api.requests).toHaveLength(1);
  });

  it('refuses without --yes when no one is at a terminal', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_opsPipe', lockExpiresAt: minutesFromNow(30) });
    const { code, stderr } = await ops(['unlock', 'asset_opsPipe']);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr).toContain('pass --yes');
    expect(api.requests).toEqual([]);
  });

  it('does nothing when the lock id differs, the canvas is not tracked, or not locked', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_opsOther', lockExpiresAt: minutesFromNow(30), lockId: 'theirs' });
    await putRow(dynamo, tableName, { assetId: 'asset_opsNoLock' });

    const mismatch = await ops(['unlock', 'asset_opsOther', '--lock-id', 'mine', '--yes']);
    expect(mismatch.code).toBe(EXIT.canvasFailedOrInvalid);
    expect(mismatch.stderr).toContain('holds lock theirs, not mine');

    const untracked = await ops(['unlock', 'asset_opsNowhere', '--yes']);
    expect(untracked.code).toBe(EXIT.canvasFailedOrInvalid);
    expect(untracked.stderr).toContain('is not tracked');

    const free = await ops(['unlock', 'asset_opsNoLock', '--yes']);
    expect(free.code).toBe(EXIT.ok);
    expect(free.stdout).toContain('is not locked; nothing to do');
    expect(api.requests).toEqual([]);
  });

  it('reports an API failure with exit 1 and keeps the lock', async () => {
    const until = minutesFromNow(30);
    await putRow(dynamo, tableName, { assetId: 'asset_opsGone', lockExpiresAt: until });
    const { code, stderr } = await ops(['unlock', 'asset_opsGone', '--yes']);
    expect(code).toBe(EXIT.canvasFailedOrInvalid);
    expect(stderr).toContain('HTTP 404');
    expect((await getRow(dynamo, tableName, 'asset_opsGone'))?.lockExpiresAt).toEqual({ S: until });
  });
});

describe('ops reap', () => {
  it('is the same one-off run as npm run reap', async () => {
    await putRow(dynamo, tableName, { assetId: 'asset_opsR', lockExpiresAt: minutesAgo(10) });
    api.addCanvas('asset_opsR');
    const { code, stderr } = await ops(['reap', '--dry-run']);
    expect(code).toBe(EXIT.ok);
    expect(stderr).toMatch(/1 examined, 1 stale, 1 would be unlocked \(dry run\)/);
  });
});

describe('ops invoke (against a local Lambda Invoke endpoint running the real handler)', () => {
  let lambdaEndpoint: LambdaStandIn;
  let secrets: SecretsManagerStandIn;
  let restoreEnvironment: () => void;

  beforeAll(async () => {
    secrets = await startSecretsManagerStandIn();
    restoreEnvironment = useLocalAwsEnvironment({ secretsManager: secrets.endpoint });
  });
  afterAll(async () => {
    restoreEnvironment();
    await secrets.close();
  });
  beforeEach(async () => {
    const secretId = `ops/${randomUUID()}`;
    secrets.setSecret(secretId, JSON.stringify({ apiKey: api.apiKey, apiSecret: api.apiSecret }));
    const deployed = createHandler({
      env: { ...process.env, [ENV.tableName]: tableName, [ENV.apiBaseUrl]: api.baseUrl, [ENV.secretId]: secretId },
    });
    lambdaEndpoint = await startLambdaStandIn({
      'CanvasLockReaper-Reaper1234': (payload) =>
        deployed(payload, { awsRequestId: `inv-${randomUUID()}`, getRemainingTimeInMillis: () => 60_000 }),
      // A deployment whose every run fails: shows how a function error reaches ops.
      'CanvasLockReaper-Broken': (payload) =>
        deployed({ ...(payload as object), bogus: true }, { awsRequestId: `inv-${randomUUID()}`, getRemainingTimeInMillis: () => 60_000 }),
      // Another function under the reaper's name: it answers JSON, but not a run summary.
      'SomethingElse-Api': async () => ({ statusCode: 200, body: `hello ${'x'.repeat(2_000)}`, note: '\u009b2J' }),
      'SomethingElse-List': async () => [1, 2, 3],
    });
    // ops invoke builds its own client (one attempt); the standard endpoint setting aims it at the stand-in.
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambdaEndpoint.endpoint;
    await putRow(dynamo, tableName, { assetId: 'asset_opsI1', lockExpiresAt: minutesAgo(10) });
    await putRow(dynamo, tableName, { assetId: 'asset_opsI2', lockExpiresAt: minutesFromNow(10) });
    api.addCanvas('asset_opsI1');
  });
  afterEach(async () => {
    delete process.env.AWS_ENDPOINT_URL_LAMBDA;
    await lambdaEndpoint.close();
  });

  it('--project limits the run to some Scenario projects', async () => {
    const { code } = await ops([
      'invoke',
      '--dry-run',
      '--project',
      'proj_a',
      '--project',
      'default',
      '--function-name',
      'CanvasLockReaper-Reaper1234',
    ]);
    expect(code).toBe(EXIT.ok);
    expect(lambdaEndpoint.invocations).toEqual([
      { functionName: 'CanvasLockReaper-Reaper1234', payload: { dryRun: true, projectIds: ['proj_a', 'default'] } },
    ]);
    expect((await ops(['invoke', '--project', 'bad id', '--function-name', 'x'])).code).toBe(EXIT.usageOrConfig);
  });

  it('--override-brake asks the function to release the mass-expiry brake', async () => {
    const { code } = await ops(['invoke', '--override-brake', '--dry-run', '--function-name', 'CanvasLockReaper-Reaper1234']);
    expect(code).toBe(EXIT.ok);
    expect(lambdaEndpoint.invocations).toEqual([
      { functionName: 'CanvasLockReaper-Reaper1234', payload: { dryRun: true, overrideBrake: true } },
    ]);
  });

  it('sends the manual payload and prints the returned summary as a table', async () => {
    const { code, stdout, stderr } = await ops([
      'invoke',
      '--dry-run',
      '--asset-id',
      'asset_opsI1',
      '--function-name',
      'CanvasLockReaper-Reaper1234',
    ]);
    expect(code).toBe(EXIT.ok);
    expect(lambdaEndpoint.invocations).toEqual([
      { functionName: 'CanvasLockReaper-Reaper1234', payload: { dryRun: true, assetIds: ['asset_opsI1'] } },
    ]);
    expect(stdout).toMatch(/^function\s+CanvasLockReaper-Reaper1234$/m);
    expect(stderr.split('\n')[0]).toBe(
      `ops invoke: function CanvasLockReaper-Reaper1234 (from --function-name), region eu-west-1, endpoint ${lambdaEndpoint.endpoint}`,
    );
    expect(stdout).toMatch(/^would unlock\s+1$/m);
    expect(stdout).toContain('would unlock: asset_opsI1');
    expect(api.requests).toEqual([]);
  });

  it('finds the function in cdk-outputs.json and prints --json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ops-outputs-'));
    writeFileSync(
      path.join(dir, 'cdk-outputs.json'),
      JSON.stringify({ CanvasLockReaper: { FunctionName: 'CanvasLockReaper-Reaper1234', TableName: tableName } }),
    );
    const { code, stdout } = await ops(['invoke', '--json'], { cwd: dir });
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(stdout)).toMatchObject({ dryRun: false, examined: 2, stale: 1, unlocked: 1, unlockedAssetIds: ['asset_opsI1'] });
    expect((await getRow(dynamo, tableName, 'asset_opsI1'))?.lockExpiresAt).toBeUndefined();
  });

  it('asks whether the local world still runs when its Lambda endpoint refuses the connection', async () => {
    process.env.AWS_ENDPOINT_URL_LAMBDA = 'http://127.0.0.1:9';
    const { code, stderr } = await ops(['invoke', '--dry-run', '--function-name', 'CanvasLockReaper-Reaper1234']);
    expect(code).toBe(EXIT.failed);
    expect(stderr).toContain('could not reach Lambda; CanvasLockReaper-Reaper1234 was not invoked');
    expect(stderr).toContain('is `npm run local` still running?');
  });

  it('names the canvases the run unlocked after its summary', async () => {
    const { code, stdout } = await ops(['invoke', '--function-name', 'CanvasLockReaper-Reaper1234']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(/^unlocked: asset_opsI1$/m);
  });

  it('reports a failed run (the function threw) and an unknown function with exit 1', async () => {
    const failed = await ops(['invoke', '--function-name', 'CanvasLockReaper-Broken']);
    expect(failed.code).toBe(EXIT.failed);
    expect(failed.stderr).toContain('the run failed (Unhandled): PayloadError: invalid invoke payload: unknown field "bogus"');

    const missing = await ops(['invoke', '--function-name', 'NoSuchFunction']);
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });

  it.each([
    ['SomethingElse-Api', '{"statusCode":200,"body":"hello xxx'],
    ['SomethingElse-List', '[1,2,3]'],
  ])(
    'says so, shows the answer clipped and exits 1 when %s answers JSON that is not a run summary (issue 16 item 11)',
    async (name, start) => {
      for (const json of [false, true]) {
        const { code, stdout, stderr } = await ops(['invoke', '--function-name', name, ...(json ? ['--json'] : [])]);
        expect(code).toBe(EXIT.failed);
        expect(stdout).toBe('');
        expect(stderr).toContain(`ops invoke: ${name} answered JSON that is not a run summary`);
        expect(stderr).toContain(start);
        expect(stderr).not.toContain('TypeError');
        expect(stderr.length).toBeLessThan(800);
        expect(stderr).not.toMatch(/[\u0080-\u009f]/);
      }
    },
  );

  it('exits 2 with advice when no function name can be found, and on bad flags', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ops-empty-'));
    const noName = await ops(['invoke'], { cwd: dir });
    expect(noName.code).toBe(EXIT.usageOrConfig);
    expect(noName.stderr).toContain(
      'pass --function-name, set REAPER_FUNCTION_NAME, or deploy with: npx cdk deploy --outputs-file cdk-outputs.json',
    );
    const badId = await ops(['invoke', '--asset-id', 'nope', '--function-name', 'X']);
    expect(badId.code).toBe(EXIT.usageOrConfig);
    expect(badId.stderr).toContain('--asset-id[0] "nope"');
    expect(lambdaEndpoint.invocations).toEqual([]);
  });

  it('invokes once: when the connection drops mid-run, says the run may still be going and where to look', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ops-outputs-'));
    const outputs = { CanvasLockReaper: { FunctionName: 'CanvasLockReaper-Reaper1234', LogGroupName: 'CanvasLockReaper-ReaperLogs1234' } };
    writeFileSync(path.join(dir, 'cdk-outputs.json'), JSON.stringify(outputs));
    lambdaEndpoint.dropConnections(1);

    const { code, stderr, stdout } = await ops(['invoke', '--dry-run'], { cwd: dir });

    expect(lambdaEndpoint.invocations).toHaveLength(1);
    expect(code).toBe(EXIT.failed);
    expect(stdout).toBe('');
    expect(stderr).toContain('the connection to Lambda was lost while CanvasLockReaper-Reaper1234 was running');
    expect(stderr).toContain('The invocation may still be running, up to the function timeout: do not invoke again yet.');
    expect(stderr).toContain('the "reap run finished" line in its log group CanvasLockReaper-ReaperLogs1234');
  });

  it('lists the first would-unlock ids, then "…and N more"', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        putRow(dynamo, tableName, { assetId: `asset_opsMany${String(i).padStart(2, '0')}`, lockExpiresAt: minutesAgo(3 * 24 * 60) }),
      ),
    );
    const { code, stdout } = await ops(['invoke', '--dry-run', '--function-name', 'CanvasLockReaper-Reaper1234']);
    expect(code).toBe(EXIT.ok);
    const line = stdout.split('\n').find((l) => l.startsWith('would unlock: '));
    expect(line).toMatch(/^would unlock: (asset_\w+, ){10}…and 16 more$/);
  });
});

describe('ops itself', () => {
  it('lists its commands on --help and refuses an unknown one with exit 2', async () => {
    const help = await ops(['--help']);
    expect(help.code).toBe(EXIT.ok);
    for (const command of ['status', 'track', 'untrack', 'unlock', 'reap', 'invoke']) expect(help.stdout).toContain(`  ${command} `);
    const unknown = await ops(['frobnicate']);
    expect(unknown.code).toBe(EXIT.usageOrConfig);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('answers a usage mistake with the message, one usage line and where to read more', async () => {
    const { code, stderr } = await ops(['status', '--bogus']);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr.trimEnd().split('\n')).toEqual([
      "ops status: Unknown option '--bogus'",
      expect.stringMatching(/^Usage: npm run ops -- status \[--stale-only\]/),
      'See: npm run ops -- status --help',
    ]);
  });

  it.each([
    [['status', '--grace-seconds', '-5'], /^ops status: --grace-seconds must be a whole number from 0 to \d+, got "-5"$/],
    [
      ['invoke', '--grace-seconds', '-5', '--function-name', 'X'],
      /^ops invoke: --grace-seconds must be a whole number from 0 to \d+, got "-5"$/,
    ],
    [
      ['status', '--limit', '--json'],
      /^ops status: --limit needs a value, got the option --json \(write a value that starts with "-" as --limit=VALUE\)$/,
    ],
    [['status', '--sort'], /^ops status: --sort needs a value$/],
  ])('%j gets our own message, not parseArgs\' "ambiguous"', async (argv, message) => {
    const { code, stderr } = await ops(argv);
    expect(code).toBe(EXIT.usageOrConfig);
    expect(stderr.split('\n')[0]).toMatch(message);
    expect(stderr).not.toContain('ambiguous');
  });

  it("calls unlock a person's deliberate force-unlock, not the emergency brake", async () => {
    const overview = (await ops(['--help'])).stdout;
    const unlockHelp = (await ops(['unlock', '--help'])).stdout;
    for (const text of [overview, unlockHelp]) {
      expect(text).toMatch(/a person's deliberate force-unlock/i);
      expect(text).not.toMatch(/emergency brake/i);
    }
  });

  it.each(['status', 'track', 'untrack', 'unlock', 'invoke'])('%s --help explains the command', async (command) => {
    const { code, stdout } = await ops([command, '--help']);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain(`npm run ops -- ${command}`);
    expect(stdout).toContain('Exit codes');
  });
});
