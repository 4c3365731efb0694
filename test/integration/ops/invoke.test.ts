import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LambdaStandIn, startLambdaStandIn } from '#local/lambda-stand-in';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from '#local/secrets-manager-stand-in';
import { getRow, putRow } from '#local/tracked-canvas-table';
import { EXIT } from '#ops/kit/exit-codes';
import { createHandler } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { useLocalAwsEnvironment } from '#test-support/local-aws-environment';
import { useOpsWorld } from '#test-support/ops-world';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

/**
 * ops invoke: the manual payload it sends (--dry-run, --asset-id, --project, --override-brake), where it finds the
 * function, how it shows the returned summary, and what it says when the function fails, answers something else, or
 * the connection drops.
 */

const world = useOpsWorld('ops-invoke');
/** The deployed reaper's function name, as CDK would make it. */
const REAPER = 'CanvasLockReaper-Reaper1234';

describe('ops invoke (against a local Lambda Invoke endpoint running the real handler)', () => {
  const ops = world.ops;
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
    secrets.setSecret(secretId, JSON.stringify({ apiKey: world.api.apiKey, apiSecret: world.api.apiSecret }));
    const deployed = createHandler({
      env: { ...process.env, [ENV.tableName]: world.tableName, [ENV.apiBaseUrl]: world.api.baseUrl, [ENV.secretId]: secretId },
    });
    lambdaEndpoint = await startLambdaStandIn({
      [REAPER]: (payload) => deployed(payload, { awsRequestId: `inv-${randomUUID()}`, getRemainingTimeInMillis: () => 60_000 }),
      // A deployment whose every run fails: shows how a function error reaches ops.
      'CanvasLockReaper-Broken': (payload) =>
        deployed({ ...(payload as object), bogus: true }, { awsRequestId: `inv-${randomUUID()}`, getRemainingTimeInMillis: () => 60_000 }),
      // Another function under the reaper's name: it answers JSON, but not a run summary.
      'SomethingElse-Api': async () => ({ statusCode: 200, body: `hello ${'x'.repeat(2_000)}`, note: '\u009b2J' }),
      'SomethingElse-List': async () => [1, 2, 3],
    });
    // ops invoke builds its own client (one attempt); the standard endpoint setting aims it at the stand-in.
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambdaEndpoint.endpoint;
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsI1', lockExpiresAt: minutesAgo(10) });
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_opsI2', lockExpiresAt: minutesFromNow(10) });
    world.api.addCanvas('asset_opsI1');
  });
  afterEach(async () => {
    delete process.env.AWS_ENDPOINT_URL_LAMBDA;
    await lambdaEndpoint.close();
  });

  it('--project limits the run to some Scenario projects', async () => {
    const { code } = await ops(['invoke', '--dry-run', '--project', 'proj_a', '--project', 'default', '--function-name', REAPER]);
    expect(code).toBe(EXIT.ok);
    expect(lambdaEndpoint.invocations).toEqual([{ functionName: REAPER, payload: { dryRun: true, projectIds: ['proj_a', 'default'] } }]);
    expect((await ops(['invoke', '--project', 'bad id', '--function-name', 'x'])).code).toBe(EXIT.usageOrConfig);
  });

  it('--override-brake asks the function to release the mass-expiry brake', async () => {
    const { code } = await ops(['invoke', '--override-brake', '--dry-run', '--function-name', REAPER]);
    expect(code).toBe(EXIT.ok);
    expect(lambdaEndpoint.invocations).toEqual([{ functionName: REAPER, payload: { dryRun: true, overrideBrake: true } }]);
  });

  it('sends the manual payload and prints the returned summary as a table', async () => {
    const { code, stdout, stderr } = await ops(['invoke', '--dry-run', '--asset-id', 'asset_opsI1', '--function-name', REAPER]);
    expect(code).toBe(EXIT.ok);
    expect(lambdaEndpoint.invocations).toEqual([{ functionName: REAPER, payload: { dryRun: true, assetIds: ['asset_opsI1'] } }]);
    expect(stdout).toMatch(/^function\s+CanvasLockReaper-Reaper1234$/m);
    expect(stderr.split('\n')[0]).toBe(
      `ops invoke: function CanvasLockReaper-Reaper1234 (from --function-name), region eu-west-1, endpoint ${lambdaEndpoint.endpoint}`,
    );
    expect(stdout).toMatch(/^would unlock\s+1$/m);
    expect(stdout).toContain('would unlock: asset_opsI1');
    expect(world.api.requests).toEqual([]);
  });

  it('finds the function in cdk-outputs.json and prints --json', async () => {
    const dir = world.cwd;
    writeFileSync(
      path.join(dir, 'cdk-outputs.json'),
      JSON.stringify({ CanvasLockReaper: { FunctionName: REAPER, TableName: world.tableName } }),
    );
    const { code, stdout } = await ops(['invoke', '--json'], { cwd: dir });
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(stdout)).toMatchObject({ dryRun: false, examined: 2, stale: 1, unlocked: 1, unlockedAssetIds: ['asset_opsI1'] });
    expect((await getRow(world.dynamo, world.tableName, 'asset_opsI1'))?.lockExpiresAt).toBeUndefined();
  });

  it('asks whether the local world still runs when its Lambda endpoint refuses the connection', async () => {
    process.env.AWS_ENDPOINT_URL_LAMBDA = 'http://127.0.0.1:9';
    const { code, stderr } = await ops(['invoke', '--dry-run', '--function-name', REAPER]);
    expect(code).toBe(EXIT.failed);
    expect(stderr).toContain('could not reach Lambda; CanvasLockReaper-Reaper1234 was not invoked');
    expect(stderr).toContain('is `npm run local` still running?');
  });

  it('names the canvases the run unlocked after its summary', async () => {
    const { code, stdout } = await ops(['invoke', '--function-name', REAPER]);
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
    const dir = world.cwd;
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
    const dir = world.cwd;
    const outputs = { CanvasLockReaper: { FunctionName: REAPER, LogGroupName: 'CanvasLockReaper-ReaperLogs1234' } };
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
        putRow(world.dynamo, world.tableName, {
          assetId: `asset_opsMany${String(i).padStart(2, '0')}`,
          lockExpiresAt: minutesAgo(3 * 24 * 60),
        }),
      ),
    );
    const { code, stdout } = await ops(['invoke', '--dry-run', '--function-name', REAPER]);
    expect(code).toBe(EXIT.ok);
    const line = stdout.split('\n').find((l) => l.startsWith('would unlock: '));
    expect(line).toMatch(/^would unlock: (asset_\w+, ){10}…and 16 more$/);
  });
});
