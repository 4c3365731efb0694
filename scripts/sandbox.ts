/**
 * `npm start`: one reap in a local sandbox. Starts a local DynamoDB server (dynalite), a local stand-in of the
 * Scenario API and a local Secrets Manager, seeds a mix of canvases, runs `npm run reap`'s code (the CLI, in its own
 * process, through real sockets) and shows what happened to each canvas. Everything is torn down at the end.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type DeliveredEvent, startEventBridgeStandIn } from '#local/eventbridge-stand-in';
import { startLocalDynamoDb } from '#local/local-dynamodb';
import { startScenarioStandIn } from '#local/scenario-stand-in';
import { startSecretsManagerStandIn } from '#local/secrets-manager-stand-in';
import { createTrackedCanvasTable, getRow, localDynamoClient, putRow, type SeedRow } from '#local/tracked-canvas-table';
import { eventLine } from '#ops/commands/events';
import { DEFAULT_TERMINAL_COLUMNS } from '#ops/kit/process-output';
import { clipText, wrapText } from '#ops/kit/text-table';
import { ENV } from '#reaper/settings';
import { renderSandboxReport, type SandboxCanvas } from './sandbox-report';

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

/** The seeded canvases and what a person should expect for each. */
/** Two Scenario projects besides the default one: the studio's key works, the archive's key was revoked. */
const PROJECTS = { studio: 'proj_studio', archive: 'proj_archive' } as const;

const CANVASES: (SandboxCanvas & { row: SeedRow; knownToApi: boolean; script?: 'flaky'; lockedAtScenario?: string; projectId?: string })[] =
  [
    {
      row: { assetId: 'asset_sbxStaleTenMin', lockExpiresAt: minutes(-10), lockId: 'lock_a' },
      knownToApi: true,
      expect: 'unlocked: expired 10 min ago',
    },
    {
      row: { assetId: 'asset_sbxStaleThreeDays', lockExpiresAt: minutes(-3 * 24 * 60) },
      knownToApi: true,
      expect: 'unlocked: crashed editor, 3 days ago',
    },
    {
      row: { assetId: 'asset_sbxStaleFlakyApi', lockExpiresAt: minutes(-30) },
      knownToApi: true,
      script: 'flaky',
      expect: 'unlocked after one 503 and a retry',
    },
    {
      row: { assetId: 'asset_sbxLive', lockExpiresAt: minutes(15), lockId: 'lock_b' },
      knownToApi: true,
      expect: 'skipped: lock still live',
    },
    {
      row: { assetId: 'asset_sbxRenewedAtScenario', lockExpiresAt: minutes(-8), lockId: 'lock_old' },
      knownToApi: true,
      lockedAtScenario: minutes(20),
      expect: 'skipped: re-locked at Scenario, the table lagged; row healed',
    },
    {
      row: { assetId: 'asset_sbxInGrace', lockExpiresAt: new Date(Date.now() - 20_000).toISOString() },
      knownToApi: true,
      expect: 'skipped: expired 20 s ago, within the 60 s grace',
    },
    { row: { assetId: 'asset_sbxNotLocked', extra: { title: { S: 'Moodboard' } } }, knownToApi: true, expect: 'skipped: not locked' },
    {
      row: { assetId: 'asset_sbxBadDate', lockExpiresAt: 'tomorrow-ish' },
      knownToApi: true,
      expect: 'invalid: lockExpiresAt is not a date; left untouched',
    },
    {
      row: { assetId: 'canvas-42', lockExpiresAt: minutes(-10) },
      knownToApi: false,
      expect: 'invalid: not a Scenario asset id; no request',
    },
    {
      row: { assetId: 'asset_sbxDeletedAtScenario', lockExpiresAt: minutes(-45) },
      knownToApi: false,
      expect: 'failed: 404, row kept for ops to untrack',
    },
    {
      row: { assetId: 'asset_sbxStudioStale', lockExpiresAt: minutes(-12), extra: { projectId: { S: PROJECTS.studio } } },
      knownToApi: true,
      projectId: PROJECTS.studio,
      expect: `unlocked with project ${PROJECTS.studio}'s own key`,
    },
    {
      row: { assetId: 'asset_sbxArchiveStale', lockExpiresAt: minutes(-12), extra: { projectId: { S: PROJECTS.archive } } },
      knownToApi: true,
      projectId: PROJECTS.archive,
      expect: `failed: ${PROJECTS.archive}'s key refused (401); only that project stops`,
    },
  ];

async function main(): Promise<number> {
  // Node 20 is still what this machine runs; the SDK's notice about it is noise in a demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dynamo = await startLocalDynamoDb();
  const api = await startScenarioStandIn({ projects: { [PROJECTS.studio]: {}, [PROJECTS.archive]: {} } });
  const secrets = await startSecretsManagerStandIn();
  // The lock event bus: the run publishes an event per released lock, doubt, heal and brake change (docs/events.md).
  const bus = await startEventBridgeStandIn();
  const client = localDynamoClient(dynamo.endpoint);
  try {
    const tableName = 'sandbox-tracked-canvases';
    const secretId = `sandbox/scenario-${randomUUID().slice(0, 8)}`;
    await createTrackedCanvasTable(client, tableName);
    // A key per project; the archive's secret was rotated at Scenario but not here, so its key is refused.
    secrets.setSecret(
      secretId,
      JSON.stringify({
        projects: {
          [PROJECTS.studio]: api.projectKey(PROJECTS.studio),
          [PROJECTS.archive]: { apiKey: api.projectKey(PROJECTS.archive).apiKey, apiSecret: 'revoked' },
        },
        default: { apiKey: api.apiKey, apiSecret: api.apiSecret },
      }),
    );
    for (const canvas of CANVASES) {
      await putRow(client, tableName, canvas.row);
      if (canvas.knownToApi) api.addCanvas(canvas.row.assetId, canvas.projectId ? { projectId: canvas.projectId } : {});
      // The editor re-locked at Scenario; its mirror write to the table has not landed.
      if (canvas.lockedAtScenario) api.lock(canvas.row.assetId, canvas.lockedAtScenario);
      if (canvas.script === 'flaky') api.script(canvas.row.assetId, [{ status: 503, headers: { 'retry-after': '1' } }]);
    }
    const before = new Map(
      await Promise.all(CANVASES.map(async (c) => [c.row.assetId, await getRow(client, tableName, c.row.assetId)] as const)),
    );

    const width = terminalWidth(process.stdout);
    const prose = (text: string) => (width === undefined ? text : wrapText(text, width, 4));
    process.stdout.write(
      `${prose(`Sandbox up: DynamoDB ${dynamo.endpoint}, Scenario API ${api.baseUrl}, Secrets Manager ${secrets.endpoint}`)}\n` +
        `${prose(`Seeded ${CANVASES.length} tracked canvases into table "${tableName}". Running: npm run reap`)}\n\n`,
    );
    const run = await runReapCli({
      ...process.env,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      [ENV.lockEventsBus]: 'sandbox-lock-events',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [ENV.tableName]: tableName,
      [ENV.apiBaseUrl]: api.baseUrl,
      [ENV.secretId]: secretId,
      [ENV.localApiKey]: '',
      [ENV.localApiSecret]: '',
      [ENV.logLevel]: 'DEBUG',
    });
    const after = new Map(
      await Promise.all(CANVASES.map(async (c) => [c.row.assetId, await getRow(client, tableName, c.row.assetId)] as const)),
    );
    process.stdout.write(
      renderSandboxReport({
        canvases: CANVASES,
        logLines: run.logLines,
        before,
        after,
        exitCode: run.exitCode,
        cliSummaryLine: run.stderr.trim(),
        apiRequests: api.requests.length,
        unlockRequests: api.unlockRequests.length,
        secretValues: [
          api.apiSecret,
          Buffer.from(`${api.apiKey}:${api.apiSecret}`).toString('base64'),
          api.projectKey(PROJECTS.studio).apiSecret,
          ...api.issuedSignatures,
        ],
        rawOutput: run.stdout + run.stderr,
        ...(width === undefined ? {} : { width }),
      }),
    );
    process.stdout.write(`${renderPublishedEvents(bus.events(), width)}\n`);
    return 0;
  } finally {
    client.destroy();
    await Promise.all([api.close(), secrets.close(), dynamo.close(), bus.close()]);
  }
}

/** The lock events the run published, one line each (what `npm run ops -- events` shows for a deployed stack). */
export function renderPublishedEvents(events: readonly DeliveredEvent[], width?: number): string {
  const lines = [
    `Lock events published (${events.length}; docs/events.md):`,
    ...events.map((event) => `  ${eventLine({ ...event, detail: (event.detail ?? {}) as Record<string, unknown> })}`),
  ];
  return lines.map((line) => (width === undefined ? line : clipText(line, width))).join('\n');
}

/** A terminal's columns (80 when it does not say), or undefined when the output is not a terminal. */
function terminalWidth(stream: NodeJS.WriteStream): number | undefined {
  if (!stream.isTTY) return undefined;
  return stream.columns || DEFAULT_TERMINAL_COLUMNS;
}

/** The CLI runs in its own process, as `npm run reap` would; the parent hosts the servers, so spawn is async. */
function runReapCli(
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number; stdout: string; stderr: string; logLines: Record<string, any>[] }> {
  const root = path.resolve(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'ops/commands/reap.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const all = `${stdout}\n${stderr}`;
      const logLines = all
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>);
      const humanStderr = stderr
        .split('\n')
        .filter((line) => line && !line.startsWith('{'))
        .join('\n');
      resolve({ exitCode: code ?? 1, stdout, stderr: humanStderr, logLines });
    });
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sandbox failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
