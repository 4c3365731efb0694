import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startLambdaStandIn } from '#local/lambda-stand-in';
import { worldStatePath } from '#local/world-state-file';
import { runOps } from '#ops/cli';
import { runCli } from '#ops/commands/reap';
import { ConfigError } from '#reaper/config';
import type { RunSummary, StopReason } from '#reaper/core/summary';
import { createHandler, ReapRunError } from '#reaper/handler';
import { ENV } from '#reaper/settings';
import { REAPER_ATTRIBUTES } from '#reaper/table-contract';
import { createDynamoClient } from '#reaper/wiring';
import { isolatedProcessEnv } from '#test-support/child-env';
import { captureOutput } from '#test-support/output-capture';
import { minutesAgo } from '#test-support/reaper-harness';
import type { Observed } from './expectations';
import { deployedHandler, harness, logLine, logOf, proxiedStore, type Resources, rowChange, summaryEntryOf, verdictOf } from './fault-kit';

/**
 * The hostile inputs of issue 11, each through the real parts: signed URLs in odd spellings (the secrets test looks
 * for every signature the stand-in handed out), a wrong base URL, a skewed laptop, a Ctrl-C, a hung DynamoDB.
 */

const ROOT = path.resolve(__dirname, '../..');
const CDN = 'cdn.scenario.example';
const unusedSecrets = () =>
  new SecretsManagerClient({ region: 'local', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const count = (text: string, part: string) => text.split(part).length - 1;

type Harness = Awaited<ReturnType<typeof harness>>;

/** The environment of a local run against a harness's table and API. */
const localEnv = (h: Harness, extra: Record<string, string> = {}) => ({
  [ENV.tableName]: h.tableName,
  [ENV.apiBaseUrl]: h.api.baseUrl,
  [ENV.localApiKey]: h.api.apiKey,
  [ENV.localApiSecret]: h.api.apiSecret,
  [ENV.requestTimeoutMs]: '300',
  [ENV.maxRetries]: '2',
  ...extra,
});

/** npm run reap in process, at a terminal (so the failure table is printed); everything it wrote is kept in r.texts. */
async function reapCli(r: Resources, h: Harness, argv: string[], env: Record<string, string> = localEnv(h)) {
  let stdout = '';
  let stderr = '';
  const secrets = unusedSecrets();
  r.add(() => secrets.destroy());
  const {
    result: code,
    output,
    lines,
  } = await captureOutput(() =>
    runCli(argv, {
      env,
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      stderrIsTerminal: true,
      awsClients: { dynamo: h.client, secrets },
    }),
  );
  r.texts.push(stdout, stderr, output);
  return { code, stdout, stderr, lines };
}

/** A 400 whose message quotes signed URLs in four spellings and a lowercase basic credential, through npm run reap. */
async function errorMessageSpellings(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_secret400';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30) }]);
  const before = await h.row(assetId);
  // Short enough that all of it fits in the 200 characters of the message the failure keeps.
  const message =
    `authorization: basic ${h.api.sign()} #token=${h.api.sign()} next=https%3A%2F%2F${CDN}%2Fp%3FX-Amz-Signature%3D${h.api.sign()} ` +
    `{"retry":"https:\\/\\/${CDN}\\/r?X-Amz-Signature=${h.api.sign()}"}`;
  h.api.script(assetId, [{ status: 400, body: { message } }]);
  const { code, stdout, stderr, lines } = await reapCli(r, h, ['--json', '--log-format', 'json']);
  let summary: RunSummary | undefined;
  try {
    summary = JSON.parse(stdout) as RunSummary;
  } catch {
    summary = undefined;
  }
  const failure = summary?.failures.find((f) => f.assetId === assetId);
  return {
    outcome: {
      canvas: failure
        ? { status: 'failed', kind: failure.kind, ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }) }
        : { status: 'none' },
      unlockRequests: h.api.unlockRequests.length,
    },
    summary: summary
      ? { ...summaryEntryOf(summary, assetId), ...(failure ? { failureRedactions: count(failure.error, '[redacted') } : {}) }
      : { invocationFails: true },
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { exitCode: code, summaryOnStdout: summary !== undefined, failureTableOnStderr: stderr.includes(assetId) },
    log: logOf({ lines }, assetId),
  };
}

/** A 200 unlock answer whose asset hides signed URLs as keys of non-string fields and in odd spellings. */
async function assetUrlsInOddPlaces(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_secretAsset';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30) }]);
  const before = await h.row(assetId);
  const sig = () => h.api.sign();
  h.api.script(assetId, [
    {
      status: 200,
      body: {
        asset: {
          id: assetId,
          status: 'success',
          kind: { [`https://${CDN}/k.png?X-Amz-Signature=${sig()}`]: true },
          privacy: [`//${CDN}/p.png?sig=${sig()}`],
          url: `https://${CDN}/u.png?Expires=1700000000&Signature=${sig()}&Key-Pair-Id=K2JCJMDEHXQW5F`,
          metadata: {
            name: `see //${CDN}/n.png?sig=${sig()}`,
            type: { [`https%3A%2F%2F${CDN}%2Ft%3FX-Amz-Signature%3D${sig()}`]: 1 },
            description: `https:\\/\\/${CDN}\\/d.png?X-Amz-Signature=${sig()}`,
            lockExpiresAt: `#token=${sig()}`,
          },
        },
      },
    },
  ]);
  const result = await h.run();
  const line = result.lines.find((l) => l.assetId === assetId && l.message === 'canvas unlocked');
  const asset = (line?.asset ?? {}) as Record<string, unknown>;
  const fields = Object.keys(asset)
    .filter((key) => key !== 'redactedUrls')
    .sort();
  return {
    outcome: { verdict: verdictOf(result.byAsset.get(assetId)) },
    summary: summaryEntryOf(result.summary, assetId),
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { assetRecord: Object.fromEntries(fields.map((key) => [key, asset[key]])) },
    log: { lines: line ? [{ ...logLine(line), redactedUrls: asset.redactedUrls as string[] }] : [] },
  };
}

/** Refused credentials whose 401 message carries a percent-encoded signed URL and a fragment: the handler's thrown error. */
async function thrownErrorSpellings(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_secret401';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30) }]);
  const before = await h.row(assetId);
  h.api.script(assetId, [
    {
      status: 401,
      body: { message: `expired: https%3A%2F%2Fauth.example%2Fcb%3Faccess_token%3D${h.api.sign()} then #token=${h.api.sign()}` },
    },
  ]);
  const { handler } = await deployedHandler(r, h, { [ENV.logLevel]: 'INFO' });
  const {
    result: error,
    lines,
    output,
  } = await captureOutput(() =>
    handler({}, { awsRequestId: 'req-secret401', getRemainingTimeInMillis: () => 20_000 }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    ),
  );
  r.texts.push(output);
  if (error instanceof Error) r.texts.push(error.message, error.stack ?? '');
  if (error instanceof ReapRunError) r.texts.push(JSON.stringify(error.summary));
  return {
    outcome: { thrown: error instanceof Error ? error.name : String(error) },
    summary: error instanceof ReapRunError && error.summary ? summaryEntryOf(error.summary, assetId) : null,
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { thrownRedactions: error instanceof Error ? count(error.message, '[redacted') : 0 },
    log: logOf({ lines }, assetId),
  };
}

/** A row whose lockId is a signed URL, shown by the ops CLI (status, status --json, untrack). */
async function opsOutputOfASignedUrl(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_secretOps';
  const lockId = `https://${CDN}/l.png?X-Amz-Signature=${h.api.sign()}`;
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30), lockId }]);
  const secrets = unusedSecrets();
  r.add(() => secrets.destroy());
  const codes: number[] = [];
  let shown = '';
  for (const argv of [['status'], ['status', '--json'], ['untrack', assetId, '--yes']]) {
    const { result: code, output } = await captureOutput(() =>
      runOps(argv, {
        env: { [ENV.tableName]: h.tableName },
        stdout: (t) => {
          shown += t;
        },
        stderr: (t) => {
          shown += t;
        },
        interactive: false,
        confirm: async () => false,
        cwd: ROOT,
        awsClients: { dynamo: h.client, secrets },
      }),
    );
    codes.push(code);
    r.texts.push(output);
  }
  r.texts.push(shown);
  return {
    outcome: { redactedLockIdShown: count(shown, `https://${CDN}/l.png?[redacted]`) },
    summary: null,
    row: { row: (await h.row(assetId)) === undefined ? 'untracked' : 'kept' },
    run: { exitCodes: codes },
    log: null,
  };
}

/** The handler's cold start with each base URL that URL parsing would have made harmless-looking. */
const HIDDEN_PART_BASE_URLS = [
  'https://api.cloud.scenario.com/v1?',
  'https://api.cloud.scenario.com/v1#',
  'https://api.cloud.scenario.com/v1/../admin',
  'https://api.cloud.scenario.com/v1/%2e%2e/admin',
  'https://api.cloud.scenario.com\\v1',
];

async function hostileBaseUrls(r: Resources, values: readonly string[] = HIDDEN_PART_BASE_URLS): Promise<Observed> {
  const h = await harness(r);
  const secrets = unusedSecrets();
  r.add(() => secrets.destroy());
  let refused = 0;
  for (const value of values) {
    try {
      createHandler({
        env: { [ENV.tableName]: h.tableName, [ENV.secretId]: 'reaper/x', [ENV.apiBaseUrl]: value },
        awsClients: { dynamo: h.client, secrets },
      });
    } catch (error) {
      if (error instanceof ConfigError && error.problems.every((p) => p.variable === ENV.apiBaseUrl)) refused += 1;
    }
  }
  return {
    outcome: { refusedAtStart: refused, of: values.length, variable: ENV.apiBaseUrl },
    // No handler, so no invocation can run.
    summary: refused === values.length ? { invocationFails: true } : null,
    row: null,
    run: { nothingDone: { apiRequests: h.api.requests.length } },
    log: null,
  };
}

/** npm run reap from a laptop whose clock is 2 minutes fast (the fault proxy moves DynamoDB's Date header back). */
async function skewedLaptop(r: Resources, argv: string[] = []): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_clockSkew';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(1.5) }]);
  const before = await h.row(assetId);
  const { proxy, client } = await proxiedStore(r, h);
  proxy.inject({ operation: 'GetItem', times: Number.POSITIVE_INFINITY, fault: { kind: 'shift-date', offsetMs: -120_000 } });
  let stderr = '';
  const secrets = unusedSecrets();
  r.add(() => secrets.destroy());
  const { result: code, output } = await captureOutput(() =>
    runCli(argv, {
      env: localEnv(h),
      stdout: () => undefined,
      stderr: (t) => {
        stderr += t;
      },
      awsClients: { dynamo: client, secrets },
    }),
  );
  r.texts.push(stderr, output);
  const ahead = /at least (\d+\.\d) s ahead/.exec(stderr);
  const allowed = /allows (\d+\.\d) s \(the larger of \d+ s and a quarter of the (\d+) s grace, at most \d+ s\)/.exec(stderr);
  return {
    outcome: {
      exitCode: code,
      clockAheadMinutes: ahead ? Math.round(Number(ahead[1]) / 60) : null,
      allowedSeconds: allowed ? Number(allowed[1]) : null,
      graceSeconds: allowed ? Number(allowed[2]) : null,
    },
    summary: null,
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { nothingDone: { apiRequests: h.api.requests.length, dynamoOperations: proxy.log.map((entry) => entry.operation) } },
    log: {
      stderr: stderr.includes('reap: clock error') && stderr.includes('nothing was done') ? 'clock error, nothing done' : 'something else',
    },
  };
}

/** SIGINT to npm run reap (a real process) while the first of 4 stale canvases is at the API. */
async function ctrlC(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const ids = ['asset_sigA', 'asset_sigB', 'asset_sigC', 'asset_sigD'];
  await h.seed(ids.map((assetId) => ({ assetId, lockExpiresAt: minutesAgo(30) })));
  let release = () => {};
  const signalTaken = new Promise<void>((resolve) => (release = resolve));
  r.add(() => release());
  for (const assetId of ids) h.api.script(assetId, [{ action: () => signalTaken }], 'get');
  const home = mkdtempSync(path.join(tmpdir(), 'reap-sigint-'));
  const env = isolatedProcessEnv(home, localEnv(h, { [ENV.maxInFlight]: '1' }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'ops/commands/reap.ts', '--json'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.includes('SIGINT: stopping')) release();
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  let exited = false;
  void closed.then(() => (exited = true));
  while (h.api.requests.length === 0 && !exited) await new Promise((resolve) => setTimeout(resolve, 10));
  child.kill('SIGINT');
  const code = await closed;
  r.texts.push(stdout, stderr);
  let summary: { unlocked: number; skipped: { runStopped: number }; cutShort: boolean; stopReason: string | null } | undefined;
  try {
    summary = JSON.parse(stdout);
  } catch {
    summary = undefined;
  }
  const rows = await Promise.all(ids.map((assetId) => h.row(assetId)));
  const freed = rows.filter((row) => row && row.lockExpiresAt === undefined).length;
  const claims = rows.filter((row) => row?.[REAPER_ATTRIBUTES.claimRunId] !== undefined).length;
  return {
    outcome: { unlocked: summary?.unlocked ?? -1, runStopped: summary?.skipped.runStopped ?? -1 },
    summary: summary?.cutShort && summary.stopReason ? { cutShort: summary.stopReason as StopReason } : {},
    row: { rows: { freed, unchanged: rows.length - freed, claimsLeft: claims } },
    run: { exitCode: code ?? -1, summaryOnStdout: summary !== undefined, apiRequests: h.api.requests.length },
    log: {
      stderr: stderr.includes('SIGINT: stopping; no canvas starts from now on') ? 'SIGINT: stopping, no canvas starts' : 'something else',
    },
  };
}

/** Every Scan hangs; the handler's DynamoDB client has request and connection timeouts (shortened for the test). */
async function hungScan(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_hungScan';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30) }]);
  const before = await h.row(assetId);
  const { proxy } = await proxiedStore(r, h);
  const dynamo = createDynamoClient(
    { endpoint: proxy.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } },
    { requestTimeoutMs: 300, connectionTimeoutMs: 300 },
  );
  proxy.inject({ operation: 'Scan', times: Number.POSITIVE_INFINITY, fault: { kind: 'hang' } });
  const { handler } = await deployedHandler(r, h, { [ENV.logLevel]: 'INFO' }, { dynamo });
  const {
    result: error,
    lines,
    output,
  } = await captureOutput(() =>
    handler({}, { awsRequestId: 'req-hung-scan', getRemainingTimeInMillis: () => 60_000 }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    ),
  );
  r.texts.push(output);
  const finished = lines.find((line) => line.message === 'reap run finished' && line.function_request_id === 'req-hung-scan');
  const summary = finished?.summary as { examined: number; cutShort: boolean; stopReason: string; stopDetail?: string } | undefined;
  const scans = proxy.log.filter((entry) => entry.operation === 'Scan');
  const namesTimeout = /timeout|timed out/i.test(summary?.stopDetail ?? '');
  return {
    outcome: { apiRequests: h.api.requests.length },
    summary: summary
      ? {
          counts: {
            examined: summary.examined,
            ...(summary.cutShort ? { cutShort: summary.stopReason as StopReason } : {}),
            ...(namesTimeout ? { stopDetailNames: 'timeout' as const } : {}),
          },
        }
      : null,
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { stopsAfterAttempts: scans.length, operation: 'Scan', thrown: error instanceof Error ? error.name : 'nothing' },
    log: { lines: finished ? [logLine(finished)] : [] },
  };
}

/** A 200 unlock answer whose asset's text fields carry URLs in the spellings issue 16 found leaking (item 6). */
async function assetUrlSpellings(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_urlSpellings';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30) }]);
  const before = await h.row(assetId);
  const sig = () => h.api.sign();
  h.api.script(assetId, [
    {
      status: 200,
      body: {
        asset: {
          id: assetId,
          status: `https:/\\/${CDN}/s.png?hmac=${sig()}`,
          ownerId: `${CDN}/o.png?hmac=${sig()}`,
          authorId: `https:\\u002f\\u002f${CDN}\\u002fa.png?hmac=${sig()}`,
          mimeType: `https://${CDN}/m.png;jsessionid=${sig()}`,
          metadata: { name: `https:\\\\${CDN}\\n.png?hmac=${sig()}` },
        },
      },
    },
  ]);
  const result = await h.run();
  const line = result.lines.find((l) => l.assetId === assetId && l.message === 'canvas unlocked');
  const asset = (line?.asset ?? {}) as Record<string, unknown>;
  const fields = Object.keys(asset)
    .filter((key) => key !== 'redactedUrls')
    .sort();
  return {
    outcome: { verdict: verdictOf(result.byAsset.get(assetId)) },
    summary: summaryEntryOf(result.summary, assetId),
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { assetRecord: Object.fromEntries(fields.map((key) => [key, asset[key]])) },
    log: { lines: line ? [{ ...logLine(line), redactedUrls: asset.redactedUrls as string[] }] : [] },
  };
}

/** Characters a terminal acts on that JSON.stringify leaves raw: C1 controls and bidi overrides. */
const RAW_TERMINAL_CONTROLS = /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** npm run reap over a row whose id carries a C1 CSI and bidi overrides: its JSON log lines (item 7). */
async function terminalControlsInLogLines(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_c1\u009b2J\u202eFAKE\u2066x\u2069';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30) }]);
  const before = await h.row(assetId);
  // JSON log lines even at a terminal (a person at one gets human lines, escaped by terminalSafe).
  const { code, stdout, lines } = await reapCli(r, h, ['--json', '--log-format', 'json']);
  let summary: RunSummary | undefined;
  try {
    summary = JSON.parse(stdout) as RunSummary;
  } catch {
    summary = undefined;
  }
  const problem = summary?.invalidRows.find((row) => row.assetId === assetId)?.problem;
  return {
    outcome: { verdict: problem === undefined ? { status: 'none' } : { status: 'invalid', problem } },
    summary: summary ? summaryEntryOf(summary, assetId) : { invocationFails: true },
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { exitCode: code, summaryOnStdout: summary !== undefined },
    log: {
      jsonLines: lines.filter((line) => line.assetId === assetId).length,
      rawTerminalControls: (r.texts.join('\n').match(RAW_TERMINAL_CONTROLS) ?? []).length,
    },
  };
}

/** npm run reap with SCENARIO_PROJECTS_FILE open to the group, and as a link to a private file (item 10). */
async function openProjectsFile(r: Resources): Promise<Observed> {
  const h = await harness(r);
  const assetId = 'asset_projectsFile';
  await h.seed([{ assetId, lockExpiresAt: minutesAgo(30) }]);
  const before = await h.row(assetId);
  const dir = mkdtempSync(path.join(tmpdir(), 'projects-file-'));
  r.add(() => rmSync(dir, { recursive: true, force: true }));
  const pairs = JSON.stringify({ default: { apiKey: h.api.apiKey, apiSecret: h.api.apiSecret } });
  const groupReadable = path.join(dir, 'group.json');
  writeFileSync(groupReadable, pairs);
  chmodSync(groupReadable, 0o640);
  const privateFile = path.join(dir, 'private.json');
  writeFileSync(privateFile, pairs, { mode: 0o600 });
  const link = path.join(dir, 'link.json');
  symlinkSync(privateFile, link);
  const SAID = 'reap: credentials error: projects file';
  const runs = [];
  for (const file of [groupReadable, link]) {
    const { [ENV.localApiKey]: _key, [ENV.localApiSecret]: _secret, ...env } = localEnv(h);
    runs.push(await reapCli(r, h, [], { ...env, [ENV.projectsFile]: file }));
  }
  // The CLI names its target on stderr first; the refusal follows.
  const refused = runs.filter((run) => run.code === 2 && run.stderr.includes(SAID));
  return {
    outcome: {
      cli: 'npm run reap',
      refused: refused.length,
      of: runs.length,
      exitCode: runs[0]!.code,
      said: refused.length === runs.length ? SAID : 'something else',
    },
    summary: null,
    row: { row: rowChange(before, await h.row(assetId)) },
    run: { nothingDone: { apiRequests: h.api.requests.length } },
    log: null,
  };
}

/** A child process of this checkout's scripts, with its own environment; what it printed and its exit code. */
function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm run local -- --print-env` where another user could have planted the state: a folder open to all, a link (item 10). */
async function plantedWorldState(r: Resources): Promise<Observed> {
  const shared = mkdtempSync(path.join(tmpdir(), 'planted-world-'));
  r.add(() => rmSync(shared, { recursive: true, force: true }));
  const plant = (base: string, folderMode: number, fileAsLink: boolean) => {
    const file = worldStatePath({ checkout: ROOT, base });
    mkdirSync(path.dirname(file), { recursive: true });
    chmodSync(path.dirname(file), folderMode);
    const state = JSON.stringify({ pid: process.pid, startedAt: '', checkout: ROOT, env: { TABLE_NAME: 'planted' } });
    if (fileAsLink) {
      const target = path.join(base, 'elsewhere.json');
      writeFileSync(target, state, { mode: 0o600 });
      symlinkSync(target, file);
    } else {
      writeFileSync(file, state, { mode: 0o600 });
    }
  };
  const openFolder = mkdtempSync(path.join(shared, 'open-'));
  plant(openFolder, 0o777, false);
  const linkedFile = mkdtempSync(path.join(shared, 'link-'));
  plant(linkedFile, 0o700, true);
  const runs = await Promise.all(
    [openFolder, linkedFile].map((base) =>
      runScript('scripts/local-world.ts', ['--print-env'], isolatedProcessEnv(base, { TMPDIR: base })),
    ),
  );
  const SAID = 'is not trusted';
  const refused = runs.filter((run) => run.code === 2 && run.stdout === '' && run.stderr.includes(SAID));
  return {
    outcome: {
      cli: 'npm run local -- --print-env',
      refused: refused.length,
      of: runs.length,
      exitCode: runs[0]!.code ?? -1,
      said: refused.length === runs.length ? `local: <the folder or file> ${SAID}` : 'something else',
    },
    summary: null,
    row: null,
    run: null,
    log: null,
  };
}

/** `ops invoke` against a function that answers JSON that is not a run summary (item 11), as a real process. */
async function invokeNotASummary(r: Resources): Promise<Observed> {
  const lambda = await startLambdaStandIn({ 'SomethingElse-Api': async () => ({ statusCode: 200, body: 'x'.repeat(5_000) }) });
  r.add(() => lambda.close());
  const home = mkdtempSync(path.join(tmpdir(), 'ops-invoke-'));
  r.add(() => rmSync(home, { recursive: true, force: true }));
  const env = isolatedProcessEnv(home, { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint });
  const run = await runScript('ops/cli.ts', ['invoke', '--function-name', 'SomethingElse-Api'], env);
  r.texts.push(run.stdout, run.stderr);
  const SAID = 'ops invoke: SomethingElse-Api answered JSON that is not a run summary';
  const ok = run.stdout === '' && run.stderr.includes(SAID) && run.stderr.length < 1_000 && !run.stderr.includes('TypeError');
  return {
    outcome: { cli: 'ops invoke', refused: ok ? 1 : 0, of: 1, exitCode: run.code ?? -1, said: ok ? SAID : 'something else' },
    summary: null,
    row: null,
    run: { adapterRequests: lambda.invocations.length },
    log: null,
  };
}

export const HOSTILE_EDGE_SCENARIOS = {
  'secret-asset-url-spellings': assetUrlSpellings,
  'config-base-url-encoded': (r: Resources) =>
    hostileBaseUrls(r, [
      'https://api.cloud.scenario.com/v1%3F',
      'https://api.cloud.scenario.com/v1%3fx=1',
      'https://api.cloud.scenario.com/v1%23top',
    ]),
  'local-run-clock-ahead-long-grace': (r: Resources) => skewedLaptop(r, ['--grace-seconds', '604800']),
  'local-run-terminal-controls': terminalControlsInLogLines,
  'local-projects-file-open': openProjectsFile,
  'local-world-state-planted': plantedWorldState,
  'ops-invoke-not-a-summary': invokeNotASummary,
  'secret-error-message-spellings': errorMessageSpellings,
  'secret-asset-odd-places': assetUrlsInOddPlaces,
  'secret-thrown-error': thrownErrorSpellings,
  'secret-ops-output': opsOutputOfASignedUrl,
  'config-base-url-hidden-parts': hostileBaseUrls,
  'local-run-clock-ahead': skewedLaptop,
  'local-run-interrupted': ctrlC,
  'db-scan-hangs': hungScan,
} as const;
