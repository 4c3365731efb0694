import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { LOCAL_WORLD_NAMES, type LocalWorld, startLocalWorld } from '#local/local-world';
import { localDynamoClient } from '#local/tracked-canvas-table';
import type { ExplainVerdict } from '#ops/explain-verdict';
import type { OpsIo } from '#ops/io';
import { EXIT } from '#ops/kit/exit-codes';
import { STACK_OUTPUTS } from '#ops/stack-outputs';
import { loadConfig } from '#reaper/config';
import type { CanvasOutcome } from '#reaper/core/outcome';
import { ENV } from '#reaper/settings';
import { BRAKE_ROW_KEY, REAPER_ATTRIBUTES } from '#reaper/table-contract';
import { createAwsClients, createCredentialsProvider, createLockApis, reapOptions } from '#reaper/wiring';
import { runOpsCapturing, unusedSecretsClient } from '#test-support/ops-runner';
import { createReaperHarness, minutesAgo, minutesFromNow, type ReaperHarness } from '#test-support/reaper-harness';

/**
 * Issue 21, its second half: `ops explain ASSET_ID` says what a run would do with one canvas, read-only. Each case is
 * explained first, then a real run (the reap entry every integration test uses, wired with the same settings and
 * keys) does what explain said: the same outcome in the summary's words.
 */

const READ_COMMANDS = new Set(['GetItemCommand', 'ScanCommand', 'BatchGetItemCommand', 'QueryCommand']);

interface ExplainWorld {
  h: ReaperHarness;
  env: Record<string, string | undefined>;
  /** Every DynamoDB command explain's own client sent. */
  explainCommands: string[];
  explain(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string; json: any }>;
  /** The same, with what the terminal is (stderr a terminal, its width). */
  explainOn(terminal: Partial<OpsIo>, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string; json: any }>;
  /** A real run with the settings and keys explain judged with. */
  run(overrides?: { dryRun?: boolean; assetIds?: string[] }): Promise<Map<string, CanvasOutcome>>;
  items(): Promise<unknown[]>;
}

const worlds: ExplainWorld[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.h.close();
});
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/**
 * A table and a Scenario stand-in, keys in a projects file with no default key: "main" and "p_brake" use the
 * stand-in's key, "p_refused" a secret Scenario refuses, any other project has none.
 */
async function explainWorld(settings: Record<string, string> = {}): Promise<ExplainWorld> {
  const h = await createReaperHarness();
  const folder = mkdtempSync(path.join(tmpdir(), 'explain-'));
  folders.push(folder);
  const projectsFile = path.join(folder, 'projects.json');
  const good = { apiKey: h.api.apiKey, apiSecret: h.api.apiSecret };
  writeFileSync(
    projectsFile,
    JSON.stringify({ projects: { main: good, p_brake: good, p_refused: { apiKey: h.api.apiKey, apiSecret: 'not-the-secret' } } }),
    { mode: 0o600 },
  );
  const env: Record<string, string | undefined> = {
    [ENV.tableName]: h.tableName,
    [ENV.apiBaseUrl]: h.api.baseUrl,
    [ENV.projectsFile]: projectsFile,
    [ENV.maxRetries]: '0',
    [ENV.requestTimeoutMs]: '2000',
    AWS_REGION: 'local',
    ...settings,
  };
  // Explain's own client to the same local DynamoDB, with a middleware that records every command it sends.
  const explainCommands: string[] = [];
  const dynamo: DynamoDBClient = localDynamoClient(inject('dynamoEndpoint'));
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      explainCommands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordExplainCommands' },
  );
  const world: ExplainWorld = {
    h,
    env,
    explainCommands,
    explain: (...argv) => world.explainOn({}, ...argv),
    async explainOn(terminal, ...argv) {
      const result = await runOpsCapturing(['explain', ...argv], {
        env,
        cwd: '/nonexistent',
        awsClients: { dynamo, secrets: unusedSecretsClient() },
        ...terminal,
      });
      const json = argv.includes('--json') && result.code === EXIT.ok ? JSON.parse(result.stdout) : undefined;
      return { ...result, json };
    },
    async run(overrides = {}) {
      const config = loadConfig(env, 'local');
      const keys = await createCredentialsProvider(config, createAwsClients(), h.clock).get();
      const options = reapOptions(
        config,
        { dryRun: overrides.dryRun ?? false },
        { runId: `run-${randomUUID()}`, deadlineMs: Date.now() + 30_000 },
      );
      const { byAsset } = await h.run({
        ...options,
        ...(overrides.assetIds ? { assetIds: overrides.assetIds } : {}),
        lockApis: createLockApis(config, keys, h.clock),
      });
      return byAsset;
    },
    async items() {
      const answer = await h.client.send(new ScanCommand({ TableName: h.tableName, ConsistentRead: true }));
      return [...(answer.Items ?? [])].sort((a, b) => String(a.assetId?.S).localeCompare(String(b.assetId?.S)));
    },
  };
  worlds.push(world);
  return world;
}

const main = { projectId: { S: 'main' } };

/** What the run's outcome says, in the words explain predicts (ExpectedOutcome). */
function outcomeWords(outcome: CanvasOutcome | undefined) {
  if (!outcome) return undefined;
  if (outcome.status === 'skipped') return { status: outcome.status, reason: outcome.reason };
  if (outcome.status === 'failed') return { status: outcome.status, kind: outcome.kind };
  return { status: outcome.status };
}

describe('ops explain: the verdict is what a real run then does', () => {
  it('for every case of the issue, read-only (table unchanged, only reads sent, only GETs at Scenario)', async () => {
    const w = await explainWorld();
    const { h } = w;
    await h.seed([
      { assetId: 'asset_unlock', lockExpiresAt: minutesAgo(90), lockId: 'lk-unlock', extra: main },
      { assetId: 'asset_grace', lockExpiresAt: minutesAgo(0.5), extra: main },
      { assetId: 'asset_live', lockExpiresAt: minutesFromNow(10), extra: main },
      { assetId: 'asset_free', extra: main },
      { assetId: 'asset_invalid', lockExpiresAt: 'yesterday', extra: main },
      { assetId: 'asset_nokey', lockExpiresAt: minutesAgo(90), extra: { projectId: { S: 'p_nokey' } } },
      { assetId: 'asset_refused', lockExpiresAt: minutesAgo(90), extra: { projectId: { S: 'p_refused' } } },
      { assetId: 'asset_brake', lockExpiresAt: minutesAgo(5), extra: { projectId: { S: 'p_brake' } } },
      {
        assetId: 'asset_claimed',
        lockExpiresAt: minutesAgo(90),
        extra: {
          ...main,
          [REAPER_ATTRIBUTES.claimRunId]: { S: 'run-other' },
          [REAPER_ATTRIBUTES.claimExpiresAt]: { N: String(Date.now() + 10 * 60_000) },
        },
      },
    ]);
    // The mirror says stale; Scenario holds a live lock.
    await h.seed([{ assetId: 'asset_heal', lockExpiresAt: minutesAgo(90), extra: main }], { knownToApi: false });
    h.api.addCanvas('asset_heal', { lockExpiresAt: minutesFromNow(30) });
    // Scenario's lock cannot be read (not a date): fail closed.
    await h.seed([{ assetId: 'asset_unreadable', lockExpiresAt: minutesAgo(90), extra: main }], { knownToApi: false });
    h.api.addCanvas('asset_unreadable', { lockExpiresAt: 'tomorrow at noon' });
    // Tracked, but Scenario has no such asset.
    await h.seed([{ assetId: 'asset_gone', lockExpiresAt: minutesAgo(90), extra: main }], { knownToApi: false });
    // p_brake's brake is engaged since an earlier run; it holds what went stale after its boundary.
    await h.store.engageBrake({
      p_brake: { trippedAtMs: Date.now() - 60_000, runId: 'run-tripped', heldSinceMs: Date.now() - 3600_000, newlyStale: 30, live: 2 },
    });

    const expected: Record<string, ExplainVerdict['reason']> = {
      asset_unlock: 'would-unlock',
      asset_grace: 'in-grace',
      asset_live: 'live',
      asset_free: 'not-locked',
      asset_invalid: 'invalid',
      asset_nokey: 'no-key',
      asset_refused: 'key-refused',
      asset_brake: 'held-by-brake',
      asset_claimed: 'claimed-by-other-run',
      asset_heal: 'live-at-scenario',
      asset_unreadable: 'unreadable-at-scenario',
      asset_gone: 'not-found-at-scenario',
      asset_untracked: 'not-tracked',
    };

    const before = await w.items();
    const requestsBefore = h.api.requests.length;
    const verdicts = new Map<string, ExplainVerdict>();
    for (const assetId of Object.keys(expected)) {
      const { code, json, stderr } = await w.explain(assetId, '--json');
      expect(code, stderr).toBe(EXIT.ok);
      expect(stderr).toContain(`ops explain: table ${h.tableName}`);
      verdicts.set(assetId, json.verdict);
      expect({ assetId, reason: json.verdict.reason }).toEqual({ assetId, reason: expected[assetId] });
    }
    // Read-only: the table is as it was, explain's client sent only reads, Scenario saw only GETs.
    expect(await w.items()).toEqual(before);
    expect(w.explainCommands.length).toBeGreaterThan(0);
    expect(w.explainCommands.filter((name) => !READ_COMMANDS.has(name))).toEqual([]);
    const explainRequests = h.api.requests.slice(requestsBefore);
    expect(explainRequests.length).toBeGreaterThan(0);
    expect(new Set(explainRequests.map((request) => request.method))).toEqual(new Set(['GET']));
    expect(h.api.unlockLog).toEqual([]);

    // A dry run reports what explain --dry-run says.
    const dry = await w.explain('asset_unlock', '--dry-run', '--json');
    expect(dry.json.verdict).toMatchObject({ reason: 'would-unlock', outcome: { status: 'would-unlock' } });
    expect((await w.run({ dryRun: true })).get('asset_unlock')?.status).toBe('would-unlock');

    // The real run does what explain said, canvas by canvas.
    const outcomes = await w.run();
    for (const [assetId, verdict] of verdicts) {
      if (assetId === 'asset_untracked') continue;
      expect({ assetId, outcome: outcomeWords(outcomes.get(assetId)) }).toEqual({ assetId, outcome: verdict.outcome });
    }
    // A canvas nobody tracks: a run that names it says so.
    const named = await w.run({ assetIds: ['asset_untracked'] });
    expect(outcomeWords(named.get('asset_untracked'))).toEqual(verdicts.get('asset_untracked')?.outcome);
    // "The run would heal the row": it did.
    expect((await h.row('asset_heal'))?.lockExpiresAt?.S).toBe(h.api.canvas('asset_heal')?.lockExpiresAt);
    expect(verdicts.get('asset_claimed')).toMatchObject({ runId: 'run-other' });
    expect(verdicts.get('asset_brake')).toMatchObject({ project: 'p_brake' });
    expect(verdicts.get('asset_nokey')).toMatchObject({ project: 'p_nokey' });
  });

  it('with verification off, a lock live at Scenario is freed: explain says would-unlock, and so it goes', async () => {
    const w = await explainWorld({ [ENV.verifyAtSource]: 'false' });
    await w.h.seed([{ assetId: 'asset_noverify', lockExpiresAt: minutesAgo(90), extra: main }], { knownToApi: false });
    w.h.api.addCanvas('asset_noverify', { lockExpiresAt: minutesFromNow(30) });
    const { json } = await w.explain('asset_noverify', '--json');
    expect(json.settings).toMatchObject({ source: 'local environment', verifyAtSource: false });
    expect(json.verdict).toMatchObject({ reason: 'would-unlock', unlocks: true, outcome: { status: 'unlocked' } });
    expect(json.verdict.text).toContain('VERIFY_AT_SOURCE=false');
    expect(outcomeWords((await w.run()).get('asset_noverify'))).toEqual(json.verdict.outcome);
  });

  it('--no-api is the table-only view: no request reaches Scenario', async () => {
    const w = await explainWorld();
    await w.h.seed([{ assetId: 'asset_tableonly', lockExpiresAt: minutesAgo(90), extra: main }]);
    const { json } = await w.explain('asset_tableonly', '--no-api', '--json');
    expect(json.scenario).toEqual({ read: false, why: '--no-api' });
    expect(json.verdict).toMatchObject({ reason: 'would-verify-then-unlock', unlocks: true, outcome: null });
    expect(json.verdict.text).toContain('would verify at Scenario, then unlock');
    expect(w.h.api.requests).toEqual([]);
  });

  it('shows the row, what Scenario holds and the settings, in words on a terminal-safe page', async () => {
    const w = await explainWorld({ [ENV.graceSeconds]: '120' });
    await w.h.seed([
      {
        assetId: 'asset_words',
        lockExpiresAt: minutesAgo(90),
        lockId: 'lock\u001b[31m-red',
        extra: {
          ...main,
          [REAPER_ATTRIBUTES.lastUnlockedAt]: { S: minutesAgo(600) },
          [REAPER_ATTRIBUTES.lastUnlockedRunId]: { S: 'run-earlier' },
          [REAPER_ATTRIBUTES.lastHealedAt]: { S: minutesAgo(300) },
          [REAPER_ATTRIBUTES.lastHealedRunId]: { S: 'run-healer' },
        },
      },
    ]);
    const { code, stdout, stderr } = await w.explain('asset_words');
    expect(code, stderr).toBe(EXIT.ok);
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toContain('lockId lock\\x1b[31m-red');
    expect(stdout).toMatch(/^ {2}row {7}lockExpiresAt /m);
    expect(stdout).toContain('project main');
    expect(stdout).toContain('last unlocked');
    expect(stdout).toContain('by run run-earlier');
    expect(stdout).toContain('last healed');
    expect(stdout).toMatch(/^ {2}Scenario {2}lockExpiresAt .* \(GET with the key of project main\)$/m);
    expect(stdout).toMatch(/^ {2}settings {2}local environment: grace 120 s, verification at Scenario on, brake ≥ 25 newly stale/m);
    expect(stdout).toMatch(/^ {2}verdict {3}would unlock: stale since .* \[would-unlock\]$/m);
    expect(stdout).toContain('no log group named');
  });

  it('quotes Scenario and the row clipped, escaped and redacted: no key, Authorization header or signed URL reaches the output', async () => {
    const w = await explainWorld();
    const signature = w.h.api.sign();
    await w.h.seed([
      { assetId: 'asset_hostileAnswer', lockExpiresAt: minutesAgo(90), extra: main },
      {
        assetId: 'asset_hostileRow',
        lockExpiresAt: minutesAgo(90),
        lockId: `https://cdn.example/x.png?X-Amz-Signature=${signature}`,
        extra: main,
      },
    ]);
    // Scenario's error page echoes the request's Authorization header and carries a signed URL.
    w.h.api.script('asset_hostileAnswer', [{ status: 500, echoRequest: true }], 'get');
    w.h.api.script('asset_hostileAnswer', [{ status: 500, echoRequest: true }], 'get');
    const asJson = await w.explain('asset_hostileAnswer', '--json');
    const asText = await w.explain('asset_hostileAnswer');
    const row = await w.explain('asset_hostileRow', '--json');
    expect(asJson.json.scenario).toMatchObject({ read: true, ok: false, kind: 'server-error', httpStatus: 500 });
    expect(asJson.json.verdict.reason).toBe('verify-failed');
    expect(row.json.row.lockId).toContain('cdn.example');
    const printed = [asJson, asText, row].map((r) => r.stdout + r.stderr).join('\n');
    expect(w.h.api.issuedSignatures.length).toBeGreaterThan(1);
    for (const issued of w.h.api.issuedSignatures) expect(printed).not.toContain(issued);
    expect(printed).not.toContain(w.h.api.apiSecret);
    expect(printed).not.toContain(Buffer.from(`${w.h.api.apiKey}:${w.h.api.apiSecret}`).toString('base64'));
  });

  it('refuses a malformed asset id, a missing one and a bad --since (exit 2); a table that is not there exits 1', async () => {
    const w = await explainWorld();
    expect((await w.explain('../etc')).code).toBe(EXIT.usageOrConfig);
    expect((await w.explain()).code).toBe(EXIT.usageOrConfig);
    expect((await w.explain('asset_a', '--since', 'forever')).code).toBe(EXIT.usageOrConfig);
    const missing = await runOpsCapturing(['explain', 'asset_a', '--table-name', 'no-such-table'], {
      env: w.env,
      cwd: '/nonexistent',
      awsClients: { dynamo: w.h.client, secrets: unusedSecretsClient() },
    });
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.stderr).toContain('no-such-table');
  });
});

describe('ops explain on the brake row key', () => {
  it('refuses the reserved key as an asset id', async () => {
    const w = await explainWorld();
    expect((await w.explain(BRAKE_ROW_KEY)).code).toBe(EXIT.usageOrConfig);
  });
});

describe('ops explain against the local world (npm run local)', () => {
  let world: LocalWorld | undefined;
  let savedEnv: NodeJS.ProcessEnv | undefined;
  afterAll(async () => {
    if (savedEnv) process.env = savedEnv;
    await world?.close();
  });

  it("judges with the function's own settings (GetFunctionConfiguration) and lists the canvas's history from its log group", async () => {
    world = await startLocalWorld({ seed: true });
    savedEnv = { ...process.env };
    // A shell that evaluated --print-env, with a grace of its own: the function's settings win unless --local-settings.
    Object.assign(process.env, world.env, { [ENV.graceSeconds]: '3600' });
    const ops = (...argv: string[]) => runOpsCapturing(argv, { env: process.env, cwd: '/nonexistent' });

    const before = await ops('explain', 'asset_localStaleTenMin', '--json');
    expect(before.code, before.stderr).toBe(EXIT.ok);
    expect(before.stderr).toContain(`ops explain: function ${LOCAL_WORLD_NAMES.functionName}`);
    const judged = JSON.parse(before.stdout);
    expect(judged.settings).toMatchObject({ source: `function ${LOCAL_WORLD_NAMES.functionName}`, graceSeconds: 60 });
    expect(judged.verdict).toMatchObject({ reason: 'would-unlock', outcome: { status: 'unlocked' } });
    expect(judged.history).toMatchObject({ source: `log group ${LOCAL_WORLD_NAMES.logGroupName}`, since: '7d', entries: [] });

    // This shell's grace of an hour: the same canvas is in grace.
    const local = JSON.parse((await ops('explain', 'asset_localStaleTenMin', '--local-settings', '--json')).stdout);
    expect(local.settings).toMatchObject({ source: 'local environment', graceSeconds: 3600 });
    expect(local.verdict.reason).toBe('in-grace');

    // Explain published nothing: the bus (its log-group copy, ops events' source) holds no event yet.
    const published = await ops('events', '--since', '1h', '--json');
    expect(published.code, published.stderr).toBe(EXIT.ok);
    expect(JSON.parse(published.stdout)).toEqual([]);

    // A function that is not there: its settings cannot be read, nothing is judged (exit 1).
    const noFunction = await ops('explain', 'asset_localStaleTenMin', '--function-name', 'no-such-function');
    expect(noFunction.code).toBe(EXIT.failed);
    expect(noFunction.stderr).toContain('function no-such-function');
    expect(noFunction.stdout).toBe('');

    // Invoked outside the ops runner: its output capture would take the lines the function log keeps.
    const lambda = new LambdaClient({});
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: LOCAL_WORLD_NAMES.functionName, Payload: Buffer.from('{}') }));
    lambda.destroy();
    expect(JSON.parse(Buffer.from(invoked.Payload ?? []).toString('utf8')).unlockedAssetIds).toContain('asset_localStaleTenMin');

    // The check above can fail: the run's own Released event is there.
    const afterRun = JSON.parse((await ops('events', '--since', '1h', '--json')).stdout);
    expect(afterRun).toEqual(expect.arrayContaining([expect.objectContaining({ 'detail-type': 'Canvas Lock Released' })]));

    const after = await ops('explain', 'asset_localStaleTenMin', '--since', '1h', '--json');
    // The run's own lines are understood: nothing is reported, and explain exits 0.
    expect(after.code, after.stderr).toBe(EXIT.ok);
    const explained = JSON.parse(after.stdout);
    expect(explained.history.notUnderstood).toEqual([]);
    expect(explained.row).toMatchObject({ lockExpiresAt: null, lastForceUnlockedLockExpiresAt: judged.row.lockExpiresAt });
    expect(explained.verdict.reason).toBe('not-locked');
    expect(explained.history.entries).toEqual([
      expect.objectContaining({ kind: 'unlocked', detail: expect.stringContaining(judged.row.lockExpiresAt) }),
    ]);
    expect(explained.history.entries[0].runId).toBe(explained.row.lastForceUnlockedRunId);

    // Without the function's log group, its lock events tell the history.
    const fromEvents = await ops('explain', 'asset_localStaleTenMin', '--json', '--log-group', 'no-such-group');
    expect(fromEvents.code).toBe(EXIT.failed);
    expect(fromEvents.stderr).toContain('no-such-group');
    delete process.env[STACK_OUTPUTS.logGroupName.env];
    const fromBus = await ops('explain', 'asset_localStaleTenMin', '--json');
    expect(fromBus.code, fromBus.stderr).toBe(EXIT.ok);
    const events = JSON.parse(fromBus.stdout);
    expect(events.history.notUnderstood).toEqual([]);
    expect(events.history.source).toBe(`events log group ${LOCAL_WORLD_NAMES.lockEventsLogGroupName}`);
    expect(events.history.entries).toEqual([expect.objectContaining({ kind: 'unlocked', runId: explained.row.lastForceUnlockedRunId })]);

    const human = await ops('explain', 'asset_localStaleTenMin');
    expect(human.stdout).toMatch(/^ {2}history {3}events log group .*, last 7d$/m);
    expect(human.stdout).toMatch(/^ {12}\S+Z {2}unlocked {2}run /m);
  });
});

describe('ops explain and a brake that would trip on this run', () => {
  it('judges the whole table as the scheduled run does: a mass expiry holds the canvas, and the run holds it', async () => {
    const w = await explainWorld({ [ENV.brakeMinLocks]: '3' });
    await w.h.seed([
      { assetId: 'asset_mass1', lockExpiresAt: minutesAgo(5), extra: main },
      { assetId: 'asset_mass2', lockExpiresAt: minutesAgo(5), extra: main },
      { assetId: 'asset_mass3', lockExpiresAt: minutesAgo(5), extra: main },
      { assetId: 'asset_stillLive', lockExpiresAt: minutesFromNow(30), extra: main },
    ]);
    const { json } = await w.explain('asset_mass2', '--json');
    expect(json.verdict).toMatchObject({
      reason: 'held-by-brake',
      project: 'main',
      outcome: { status: 'skipped', reason: 'held-by-brake' },
    });
    expect(json.verdict.text).toContain('would trip on this run (3 newly stale vs 1 live');
    // Nothing was saved: the brake is not engaged by explain.
    expect(await w.h.store.readBrake()).toEqual(expect.objectContaining({ projects: {} }));
    expect(outcomeWords((await w.run()).get('asset_mass2'))).toEqual(json.verdict.outcome);
  });
});

describe('ops explain reading the whole table for the brake', () => {
  const seedFour = (w: ExplainWorld) =>
    w.h.seed([
      { assetId: 'asset_p1', lockExpiresAt: minutesAgo(90), extra: main },
      { assetId: 'asset_p2', lockExpiresAt: minutesFromNow(30), extra: main },
      { assetId: 'asset_p3', extra: main },
      { assetId: 'asset_p4', lockExpiresAt: minutesAgo(5), extra: main },
    ]);
  const withoutTime = (json: Record<string, unknown>) => ({ ...json, generatedAt: undefined });

  it('shows the rows read on stderr when stderr is a terminal, then clears the line; stdout is the same', async () => {
    const w = await explainWorld();
    await seedFour(w);
    const onTerminal = await w.explainOn({ stderrIsTerminal: true, terminalColumns: 100 }, 'asset_p1', '--no-api', '--json');
    expect(onTerminal.code).toBe(EXIT.ok);
    expect(onTerminal.stderr).toContain('\rops explain: reading the whole table for the brake: 4 rows read…');
    expect(onTerminal.stderr).toContain('\r\x1b[K');
    expect(onTerminal.stderr.lastIndexOf('\r\x1b[K')).toBeGreaterThan(onTerminal.stderr.lastIndexOf('rows read…'));
    const inPipe = await w.explain('asset_p1', '--no-api', '--json');
    expect(inPipe.stderr).not.toContain('rows read');
    expect(inPipe.stderr).not.toContain('\r');
    expect(withoutTime(onTerminal.json)).toEqual(withoutTime(inPipe.json));

    const human = await w.explainOn({ stderrIsTerminal: true, terminalColumns: 100 }, 'asset_p1', '--no-api');
    const humanInPipe = await w.explain('asset_p1', '--no-api');
    expect(human.stdout.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T')).toBe(humanInPipe.stdout.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T'));
  });

  it('shows no progress when the brake is off: only the canvas is read', async () => {
    const w = await explainWorld({ [ENV.brakeMinLocks]: '0' });
    await seedFour(w);
    const { code, stderr } = await w.explainOn({ stderrIsTerminal: true, terminalColumns: 100 }, 'asset_p1', '--no-api');
    expect(code).toBe(EXIT.ok);
    expect(stderr).not.toContain('rows read');
  });
});
