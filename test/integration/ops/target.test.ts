import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { startSecretsManagerStandIn } from '#local/secrets-manager-stand-in';
import { getRow, localDynamoClient, putRow } from '#local/tracked-canvas-table';
import { EXIT } from '#ops/kit/exit-codes';
import { describeTarget, explainFailure, targetLine } from '#ops/target';
import { ENV } from '#reaper/settings';
import { unusedSecretsClient } from '#test-support/ops-runner';
import { type OpsOptions, useOpsWorld } from '#test-support/ops-world';
import { minutesAgo, minutesFromNow } from '#test-support/reaper-harness';

/**
 * Every ops command finds its target the same way (flag, then variable, then cdk-outputs.json, the stack chosen by
 * --stack-name), says it on stderr before acting, and names it, its region and where its name came from when a call fails.
 */

const world = useOpsWorld('ops-target');
const unusedSecrets = unusedSecretsClient();

/** Scenario's key only: each test names the table its own way (flag, variable, cdk-outputs.json) or not at all. */
const ops = (argv: string[], options: OpsOptions = {}) => world.ops(argv, { env: world.apiEnv(), ...options });

function writeOutputs(outputs: Record<string, Record<string, string>>) {
  writeFileSync(path.join(world.cwd, 'cdk-outputs.json'), JSON.stringify(outputs));
}

describe('the table commands read cdk-outputs.json like the others', () => {
  beforeEach(async () => {
    await putRow(world.dynamo, world.tableName, { assetId: 'asset_tgStale', lockExpiresAt: minutesAgo(30) });
    world.api.addCanvas('asset_tgStale');
  });

  it('status, track, untrack, unlock and reap find the table in cdk-outputs.json without TABLE_NAME', async () => {
    writeOutputs({ CanvasLockReaper: { TableName: world.tableName, FunctionName: 'f' } });

    const status = await ops(['status', '--json']);
    expect(status.code).toBe(EXIT.ok);
    expect(JSON.parse(status.stdout).table).toBe(world.tableName);

    expect((await ops(['track', 'asset_tgNew', '--lock-expires-at', minutesFromNow(30)])).code).toBe(EXIT.ok);
    expect(await getRow(world.dynamo, world.tableName, 'asset_tgNew')).toBeDefined();
    expect((await ops(['untrack', 'asset_tgNew', '--yes'])).code).toBe(EXIT.ok);
    expect(await getRow(world.dynamo, world.tableName, 'asset_tgNew')).toBeUndefined();

    const reap = await ops(['reap', '--dry-run']);
    expect(reap.code).toBe(EXIT.ok);
    expect(reap.stderr).toMatch(/1 examined, 1 stale, 1 would be unlocked \(dry run\)/);

    const unlock = await ops(['unlock', 'asset_tgStale', '--yes']);
    expect(unlock.code).toBe(EXIT.ok);
    expect((await getRow(world.dynamo, world.tableName, 'asset_tgStale'))?.lockExpiresAt).toBeUndefined();
  });

  it('an empty target flag is refused, not read as "not given" (a --table-name=$UNSET must not reach the stack in cdk-outputs.json)', async () => {
    writeOutputs({ CanvasLockReaper: { TableName: world.tableName, FunctionName: 'f' } });
    for (const argv of [
      ['reap', '--dry-run', '--table-name='],
      ['status', '--table-name', ' '],
      ['unlock', 'asset_tgStale', '--yes', '--table-name='],
      ['status', '--stack-name='],
      ['status', '--outputs-file='],
      ['invoke', '--dry-run', '--function-name='],
    ]) {
      const result = await ops(argv);
      expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(EXIT.usageOrConfig);
      expect(result.stderr, argv.join(' ')).toMatch(/--(table-name|stack-name|outputs-file|function-name) is empty/);
    }
    expect((await getRow(world.dynamo, world.tableName, 'asset_tgStale'))?.lockExpiresAt).toBeDefined();
  });

  it('the flag beats the variable, which beats the file; --stack-name chooses among stacks', async () => {
    writeOutputs({ Prod: { TableName: 'prod-table' }, Dev: { TableName: world.tableName } });
    const several = await ops(['status']);
    expect(several.code).toBe(EXIT.usageOrConfig);
    expect(several.stderr).toContain('several stacks in');
    expect(several.stderr).toContain('choose one with --stack-name');

    const dev = await ops(['status', '--stack-name', 'Dev', '--json']);
    expect(dev.code).toBe(EXIT.ok);
    expect(dev.stderr).toContain(`ops status: table ${world.tableName} (from cdk-outputs.json (stack Dev))`);

    const fromEnv = await ops(['status', '--json'], { env: { ...world.apiEnv(), [ENV.tableName]: world.tableName } });
    expect(fromEnv.code).toBe(EXIT.ok);
    expect(fromEnv.stderr).toContain(`table ${world.tableName} (from TABLE_NAME)`);

    const fromFlag = await ops(['status', '--json', '--table-name', world.tableName], {
      env: { ...world.apiEnv(), [ENV.tableName]: 'other' },
    });
    expect(fromFlag.code).toBe(EXIT.ok);
    expect(JSON.parse(fromFlag.stdout).table).toBe(world.tableName);
    expect(fromFlag.stderr).toContain(`table ${world.tableName} (from --table-name)`);
  });

  it('says how to name the table when nothing names it (exit 2)', async () => {
    for (const argv of [['status'], ['track', 'asset_x', '--lock-expires-at', minutesFromNow(5)], ['untrack', 'asset_x'], ['reap']]) {
      const { code, stderr } = await ops(argv);
      expect(code).toBe(EXIT.usageOrConfig);
      expect(stderr).toContain('no table name');
      expect(stderr).toContain('pass --table-name, set TABLE_NAME, or deploy with: npx cdk deploy --outputs-file cdk-outputs.json');
    }
  });

  it('prints the target (table, region, endpoint) on stderr before acting, for each command', async () => {
    const env = { ...world.apiEnv(), [ENV.tableName]: world.tableName };
    for (const argv of [
      ['status'],
      ['track', 'asset_tgT', '--lock-expires-at', minutesFromNow(30)],
      ['untrack', 'asset_tgT'],
      ['unlock', 'asset_tgNothing', '--yes'],
      ['reap', '--dry-run'],
    ]) {
      const { stderr } = await ops(argv, { env });
      const first = stderr.split('\n')[0];
      expect(first).toBe(`ops ${argv[0]}: table ${world.tableName} (from TABLE_NAME), region local, endpoint ${inject('dynamoEndpoint')}`);
    }
  });
});

describe("the stack's secret", () => {
  it('unlock and reap take SecretArn from cdk-outputs.json when no variable names credentials and the table came from there', async () => {
    const secrets = await startSecretsManagerStandIn();
    const secretsClient = new SecretsManagerClient({
      region: 'local',
      endpoint: secrets.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const secretArn = 'arn:aws:secretsmanager:local:000000000000:secret:reaper-creds';
      secrets.setSecret(secretArn, JSON.stringify({ apiKey: world.api.apiKey, apiSecret: world.api.apiSecret }));
      writeOutputs({ CanvasLockReaper: { TableName: world.tableName, SecretArn: secretArn } });
      await putRow(world.dynamo, world.tableName, { assetId: 'asset_tgSecret', lockExpiresAt: minutesAgo(30) });
      world.api.addCanvas('asset_tgSecret');
      const clients = { awsClients: { dynamo: world.dynamo, secrets: secretsClient } };

      const fromOutputs = await ops(['reap', '--dry-run'], { env: { [ENV.apiBaseUrl]: world.api.baseUrl }, ...clients });
      expect(fromOutputs.code).toBe(EXIT.ok);
      expect(fromOutputs.stderr).toMatch(/1 would be unlocked \(dry run\)/);

      // The table from TABLE_NAME and a secret from the file could be two worlds: the secret is not taken then.
      const mixed = await ops(['reap', '--dry-run'], {
        env: { [ENV.apiBaseUrl]: world.api.baseUrl, [ENV.tableName]: world.tableName },
        ...clients,
      });
      expect(mixed.code).toBe(EXIT.usageOrConfig);
      expect(mixed.stderr).toContain('SCENARIO_SDK_API_KEY');
    } finally {
      secretsClient.destroy();
      await secrets.close();
    }
  });
});

describe('the target line without an endpoint names whose AWS it is', () => {
  it("the account from the outputs' ARNs, else the profile", async () => {
    const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    writeOutputs({ CanvasLockReaper: { TableName: 't', TableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/t' } });
    const sources = { flag: undefined, env: {}, cwd: world.cwd, outputsFile: undefined, stackName: undefined };
    const fromArns = await describeTarget(
      'table t',
      'cdk-outputs.json (stack CanvasLockReaper)',
      client,
      'DYNAMODB',
      { env: {}, cwd: world.cwd },
      sources,
    );
    expect(targetLine('status', fromArns)).toBe(
      "ops status: table t (from cdk-outputs.json (stack CanvasLockReaper)), region eu-west-1, account 123456789012 (from the outputs' ARNs)\n",
    );
    rmSync(path.join(world.cwd, 'cdk-outputs.json'));
    const fromProfile = await describeTarget(
      'table t',
      'TABLE_NAME',
      client,
      'DYNAMODB',
      { env: { AWS_PROFILE: 'prod' }, cwd: world.cwd },
      sources,
    );
    expect(targetLine('status', fromProfile)).toBe('ops status: table t (from TABLE_NAME), region eu-west-1, profile prod\n');
    expect(
      explainFailure(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }), fromProfile),
    ).toBe(
      'table t was not found in region eu-west-1 (profile prod); its name came from TABLE_NAME: check the name, the region (AWS_REGION/AWS_PROFILE) and the account',
    );
    const hostile = await describeTarget('table t\x1b[2J', 'TABLE_NAME', client, 'DYNAMODB', { env: {}, cwd: world.cwd }, sources);
    expect(targetLine('status', hostile)).toContain('table t\\x1b[2J');
    client.destroy();
  });
});

describe('errors point at the cause', () => {
  it('a table that does not exist: named, with its region and where the name came from (exit 1)', async () => {
    for (const argv of [
      ['status'],
      ['track', 'asset_x', '--lock-expires-at', minutesFromNow(5)],
      ['untrack', 'asset_x'],
      ['unlock', 'asset_x', '--yes'],
    ]) {
      const { code, stderr } = await ops(argv, { env: { ...world.apiEnv(), [ENV.tableName]: 'nope' } });
      expect(code).toBe(EXIT.failed);
      expect(stderr).toMatch(
        new RegExp(`^ops ${argv[0]}: .*table nope was not found at ${inject('dynamoEndpoint')}; its name came from TABLE_NAME`, 'm'),
      );
      expect(stderr).not.toContain('unexpected error');
    }
  });

  it('a local endpoint that refuses the connection asks whether npm run local still runs', async () => {
    const stopped = localDynamoClient('http://127.0.0.1:9');
    const { code, stderr } = await ops(['status'], {
      env: { ...world.apiEnv(), [ENV.tableName]: world.tableName },
      awsClients: { dynamo: stopped, secrets: unusedSecrets },
    });
    stopped.destroy();
    expect(code).toBe(EXIT.failed);
    expect(stderr).toContain('could not connect to http://127.0.0.1:9');
    expect(stderr).toContain('is `npm run local` still running?');
  });
});
