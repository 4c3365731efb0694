import { randomUUID } from 'node:crypto';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { attributeReading } from '#reaper/adapters/dynamo-canvas-store';
import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import { loadConfig, type ReaperConfig } from '#reaper/config';
import { assetIdProblem } from '#reaper/core/asset-id';
import type { CanvasOutcome } from '#reaper/core/outcome';
import type { CanvasStore, Clock, LockApis, ReapLogger, SourceLockResult } from '#reaper/core/ports';
import { keyOf, projectOf } from '#reaper/core/project';
import { reap } from '#reaper/core/reap';
import type { RunSummary } from '#reaper/core/summary';
import { readingText, type TrackedCanvas } from '#reaper/core/tracked-canvas';
import { judgeCanvas, judgeSourceLock, type SourceJudgement } from '#reaper/core/verdict';
import { ENV } from '#reaper/settings';
import { CANVAS_ATTRIBUTES, REAPER_ATTRIBUTES } from '#reaper/table-contract';
import { createCanvasStore, createCredentialsProvider, createLockApis, reapOptions, systemClock } from '#reaper/wiring';
import { type CanvasHistory, NO_HISTORY, readCanvasHistory } from '../canvas-history';
import { type ExplainVerdict, explainVerdict, inWords } from '../explain-verdict';
import type { OpsCommand, OpsIo } from '../io';
import { checkAwsSetup, checkReaperAwsSetup } from '../kit/aws-setup';
import { EXIT } from '../kit/exit-codes';
import { notUnderstoodLine } from '../kit/not-understood';
import { terminalWidth } from '../kit/process-output';
import { terminalSafe } from '../kit/terminal-text';
import { clipText } from '../kit/text-table';
import { UsageError } from '../kit/usage-error';
import { logsClient } from '../operator-clients';
import { parseDuration } from '../run-log';
import { DEFAULT_OUTPUTS_FILE, STACK_OUTPUTS } from '../stack-outputs';
import { onTable, resolveTableTarget, TABLE_TARGET_HELP, TABLE_TARGET_OPTIONS } from '../table-target';
import { describeTarget, explainFailure, resolveNamedIfGiven, stepOn, TargetFailedError, targetLine } from '../target';
import { canvasOf, claimOf, type RawRow, readRow, shownClaim } from '../tracked-rows';

const DEFAULT_SINCE = '7d';
/** History lines not understood said one by one on stderr; the rest are counted (--json lists every one). */
const NOT_UNDERSTOOD_SHOWN = 20;
/** The GET at Scenario gives up after this (its own timeout and retries come from the settings). */
const SCENARIO_READ_BUDGET_MS = 60_000;

export const EXPLAIN_USAGE = `Usage: npm run ops -- explain <assetId> [--no-api] [--since DURATION] [--dry-run] [--json] [--local-settings] [--function-name NAME]

Why this canvas was or was not freed, and what the reaper would do with it now. Read-only: it claims, heals,
unlocks, writes and publishes nothing. It shows:
  row       the tracked row: lock, expiry, project, claim, last unlock, last heal, last 404 at Scenario
  Scenario  the lock as Scenario holds it (one GET with the key of the row's project; --no-api skips it)
  settings  the deployed settings: the function's environment (lambda:GetFunctionConfiguration) when the function is
            found (--function-name, ${'$'}${STACK_OUTPUTS.functionName.env}, the ${STACK_OUTPUTS.functionName.output} output), else this shell's environment
  verdict   what a scheduled run would do with the canvas now, in words, judged by the run's own code (a dry run of
            the reaper over the table for the brake and the keys, then its claim and Scenario rules); one reason word:
            would-unlock, would-verify-then-unlock (--no-api), in-grace, live, not-locked, not-tracked, invalid,
            held-by-brake, no-key, claimed-by-other-run, live-at-scenario, unreadable-at-scenario, key-refused,
            not-found-at-scenario, verify-failed, undetermined (docs/operations.md)
  history   its unlocked, healed, doubted and failed lines of the window, from the function's log group (else its
            lock events, from the events log group); a line of the canvas it cannot read (a field missing or of
            the wrong type, an unknown status or detail-type, cut off) is never listed: stderr says where it is and
            what it did not understand

Options:
  --no-api            do not call Scenario: the table-only view (a stale lock "would verify at Scenario, then unlock")
  --since DURATION    how far back the history looks: 30m, 6h, 7d (default ${DEFAULT_SINCE})
  --dry-run           the verdict of a dry run (no claim, no GET: a stale canvas is reported as would-unlock)
  --json              one JSON object on stdout (assetId, table, settings, row, scenario, verdict, history)
  --local-settings    judge with this shell's environment even when the function is found
  --function-name NAME  the function whose settings are used
                      (default: ${'$'}${STACK_OUTPUTS.functionName.env}, else the ${STACK_OUTPUTS.functionName.output} output)
  --log-group NAME    the function's log group, for the history
                      (default: ${'$'}${STACK_OUTPUTS.logGroupName.env}, else the ${STACK_OUTPUTS.logGroupName.output} output)
  --events-log-group NAME  the lock events' log group, read when the function's is not named
                      (default: ${'$'}${STACK_OUTPUTS.lockEventsLogGroupName.env}, else the ${STACK_OUTPUTS.lockEventsLogGroupName.output} output)
${TABLE_TARGET_HELP}

Needs the reaper's configuration for the key (SCENARIO_SECRET_ID or SCENARIO_SDK_API_KEY/SECRET, …; the function's
own when its settings are used). Needs dynamodb:GetItem/Scan/BatchGetItem, secretsmanager:GetSecretValue,
lambda:GetFunctionConfiguration and logs:FilterLogEvents (ReaperOperatorPolicy has them). It says its targets on
stderr first; with the brake on it reads the whole table, and on a terminal stderr shows the rows read meanwhile. Outputs from ${DEFAULT_OUTPUTS_FILE} (--outputs-file, --stack-name) as every ops command.
Exit codes: 0 it ran (whatever the verdict); 1 an AWS call failed (the table, the function's settings, the log
group), or a line of the canvas's history was not understood (all else is printed); 2 usage or configuration error.`;

/** The row as explain shows it: every attribute the reaper reads or writes, as text (a non-string by its type). */
export interface ExplainedRow {
  lockExpiresAt: string | null;
  lockId: string | null;
  projectId: string | null;
  claim: { runId: string; expiresAt: string } | null;
  lastForceUnlockedAt: string | null;
  lastForceUnlockedRunId: string | null;
  lastForceUnlockedLockExpiresAt: string | null;
  lastHealedAt: string | null;
  lastHealedRunId: string | null;
  lastNotFoundAt: string | null;
}

/** Scenario's reading: not read (and why), read, or the GET failed. */
export type ScenarioReading =
  | { read: false; why: string }
  | { read: true; ok: true; lockExpiresAt: string | null; project: string }
  | { read: true; ok: false; kind: string; httpStatus?: number; message: string; project: string };

export interface ExplainSettings {
  /** "function NAME" or "local environment". */
  source: string;
  graceSeconds: number;
  verifyAtSource: boolean;
  brake: { windowSeconds: number; minLocks: number; share: number };
  dryRun: boolean;
}

/**
 * The store, with each page of the whole table's scan counted as it is read. Everything else is the store's own (its
 * prototype), so the dry run reads exactly as it would.
 */
function countingScan(store: CanvasStore, rowsRead: (rows: number) => void): CanvasStore {
  const counted = Object.create(store) as CanvasStore;
  counted.pages = async function* () {
    for await (const page of store.pages()) {
      rowsRead(page.length);
      yield page;
    }
  };
  return counted;
}

/** One line on a terminal's stderr (clipped to its width), rewritten with the rows read so far, cleared at the end. */
function scanProgress(io: OpsIo): { rowsRead(rows: number): void; done(): void } {
  let total = 0;
  const width = Math.max(20, terminalWidth(io) - 1);
  return {
    rowsRead: (rows) => {
      total += rows;
      io.stderr(`\r${clipText(`ops explain: reading the whole table for the brake: ${total.toLocaleString('en-US')} rows read…`, width)}`);
    },
    done: () => io.stderr('\r\x1b[K'),
  };
}

const SILENT_LOGGER: ReapLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export const explainCommand: OpsCommand = {
  usage: EXPLAIN_USAGE,
  flags: {
    'no-api': { type: 'boolean' },
    since: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    'local-settings': { type: 'boolean' },
    'function-name': { type: 'string' },
    'log-group': { type: 'string' },
    'events-log-group': { type: 'string' },
    ...TABLE_TARGET_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  run: async (values, positionals, io) => {
    const assetId = positionals[0] ?? '';
    const idProblem = assetIdProblem(assetId);
    if (idProblem) throw new UsageError(idProblem);
    const since = (values.since as string | undefined) ?? DEFAULT_SINCE;
    const sinceMs = parseDuration(since);
    const noApi = values['no-api'] === true;
    const dryRun = values['dry-run'] === true;

    const deployed = values['local-settings'] ? undefined : await functionSettings(values, io);
    const { tableName, env, clients, target } = await resolveTableTarget('explain', values, io, { credentials: true });
    const config: ReaperConfig = deployed
      ? loadConfig({ ...deployed.env, [ENV.tableName]: tableName }, 'lambda')
      : loadConfig(env, 'local');
    const clock = systemClock;
    await checkReaperAwsSetup(config, clients, io.env);

    const item = await onTable(target, () => readRow(clients.dynamo, config.tableName, assetId));
    const keys = await createCredentialsProvider(config, clients, clock).get();
    const lockApis = createLockApis(config, keys, clock);
    const settings: ExplainSettings = {
      source: deployed ? `function ${deployed.functionName}` : 'local environment',
      graceSeconds: config.graceSeconds,
      verifyAtSource: config.verifyAtSource,
      brake: { windowSeconds: config.brakeWindowSeconds, minLocks: config.brakeMinLocks, share: config.brakeShare },
      dryRun,
    };
    const notes: string[] = [];
    const functionTable = deployed?.env[ENV.tableName]?.trim();
    if (functionTable && functionTable !== config.tableName)
      notes.push(`the function works on table ${functionTable}, not ${config.tableName}: the verdict is for ${config.tableName}`);

    // The table's side of the verdict (valid, stale, the brake, the key) from the run itself: a dry run, which writes
    // and publishes nothing. The brake judges the whole table, so the dry run scans it when the brake is on.
    let tableOutcome: CanvasOutcome | undefined;
    let dryRunSummary: RunSummary | undefined;
    if (item) {
      const brakeOn = config.brakeMinLocks > 0;
      // Scanning a large table takes a while: on a terminal, say how far it got (stdout, and --json, stay as they are).
      const progress = brakeOn && io.stderrIsTerminal ? scanProgress(io) : undefined;
      const store = createCanvasStore(config, clients);
      try {
        dryRunSummary = await reap(
          {
            clock,
            store: progress ? countingScan(store, progress.rowsRead) : store,
            logger: SILENT_LOGGER,
            lockApis,
            onOutcome: (outcome) => {
              if (outcome.assetId === assetId) tableOutcome ??= outcome;
            },
          },
          {
            ...reapOptions(
              config,
              { dryRun: true },
              { runId: `explain-${randomUUID()}`, deadlineMs: clock.now() + SCENARIO_READ_BUDGET_MS },
            ),
            ...(brakeOn ? {} : { assetIds: [assetId] }),
          },
        );
      } finally {
        progress?.done();
      }
      if (dryRunSummary.stopReason === 'store-error')
        throw new TargetFailedError(explainFailure(new Error(dryRunSummary.stopDetail ?? 'reading the table failed'), target));
    }

    const canvas = item ? canvasOf(item) : undefined;
    const scenario = await readAtScenario(canvas, lockApis, config, noApi, clock);
    const verdict = explainVerdict({
      assetId,
      tableName: config.tableName,
      item,
      canvas,
      tableOutcome,
      dryRunSummary,
      scenario: scenario.judgement,
      config,
      dryRun,
      noApi,
      nowMs: clock.now(),
    });

    const history = await historyOf(values, io, assetId, clock.now() - sinceMs, clock.now());
    const explained = {
      assetId,
      table: config.tableName,
      generatedAt: new Date(clock.now()).toISOString(),
      settings,
      row: item ? rowOf(item) : null,
      scenario: scenario.reading,
      verdict,
      history: { since, ...(history.failed ? { ...history.history, error: history.failed } : history.history) },
      ...(notes.length > 0 ? { notes } : {}),
    };
    if (values.json) io.stdout(`${jsonForTerminal(explained, 2)}\n`);
    else io.stdout(`${humanText(explained, clock.now())}\n`);
    if (history.failed) {
      io.stderr(`ops explain: reading the history failed: ${history.failed}\n`);
      return EXIT.failed;
    }
    const notUnderstood = history.history.notUnderstood;
    const isNot = history.kind === 'events' ? 'a lock event' : 'a canvas outcome';
    for (const line of notUnderstood.slice(0, NOT_UNDERSTOOD_SHOWN))
      io.stderr(
        `ops explain: ${notUnderstoodLine(`a line of ${assetId}`, { logGroupName: history.logGroupName ?? '', ...line }, isNot)}\n`,
      );
    if (notUnderstood.length > NOT_UNDERSTOOD_SHOWN)
      io.stderr(
        `ops explain: …and ${notUnderstood.length - NOT_UNDERSTOOD_SHOWN} more lines of this canvas not understood (--json lists every one)\n`,
      );
    // A line of the canvas it could not read may be what happened to it: a failed read, as for ops runs and events.
    return notUnderstood.length > 0 ? EXIT.failed : EXIT.ok;
  },
};

/**
 * The function's environment when the function is found (flag, variable, outputs), said on stderr; undefined when
 * none is named (the local environment is used then).
 */
async function functionSettings(
  values: Readonly<Record<string, unknown>>,
  io: OpsIo,
): Promise<{ functionName: string; env: Record<string, string | undefined> } | undefined> {
  const found = resolveNamedIfGiven(STACK_OUTPUTS.functionName, values, io);
  if (!found) return undefined;
  const lambda = io.lambda ?? new LambdaClient({});
  await checkAwsSetup([lambda], io.env);
  const target = await describeTarget(`function ${found.value}`, found.source, lambda, 'LAMBDA', io, found.sources);
  io.stderr(targetLine('explain', target));
  const answer = await stepOn(target, `reading the settings of ${target.what}`, () =>
    lambda.send(new GetFunctionConfigurationCommand({ FunctionName: found.value })),
  );
  return { functionName: found.value, env: { ...(answer.Environment?.Variables ?? {}) } };
}

/** One GET with the key of the row's project, unless --no-api, or the row is invalid, or its project has no key. */
async function readAtScenario(
  canvas: TrackedCanvas | undefined,
  lockApis: LockApis,
  config: ReaperConfig,
  noApi: boolean,
  clock: Clock,
): Promise<{ reading: ScenarioReading; judgement?: SourceJudgement }> {
  if (!canvas) return { reading: { read: false, why: 'not tracked' } };
  if (noApi) return { reading: { read: false, why: '--no-api' } };
  // An invalid row names no usable project (and the run never calls Scenario for it).
  if (judgeCanvas(canvas, clock.now(), 0).kind === 'invalid') return { reading: { read: false, why: 'invalid row' } };
  const project = projectOf(canvas);
  const lockApi = keyOf(lockApis, project);
  if (!lockApi) return { reading: { read: false, why: `no key for project ${project}` } };
  const source: SourceLockResult = await lockApi.readSourceLock(canvas.assetId, { deadlineMs: clock.now() + SCENARIO_READ_BUDGET_MS });
  // The same judgement the run's verify step makes (an unreadable lock is a failure: fail closed).
  const judgement = judgeSourceLock(source, clock.now(), config.graceSeconds * 1000);
  const reading: ScenarioReading = source.ok
    ? { read: true, ok: true, lockExpiresAt: readingText(source.lockExpiresAt) ?? null, project }
    : {
        read: true,
        ok: false,
        kind: source.failure.kind,
        ...(source.failure.status === undefined ? {} : { httpStatus: source.failure.status }),
        message: source.failure.message,
        project,
      };
  return { reading, judgement };
}

export function rowOf(item: RawRow): ExplainedRow {
  const text = (name: string) => readingText(attributeReading(item[name])) ?? null;
  const claim = claimOf(item);
  return {
    lockExpiresAt: text(CANVAS_ATTRIBUTES.lockExpiresAt),
    lockId: text(CANVAS_ATTRIBUTES.lockId),
    projectId: text(CANVAS_ATTRIBUTES.projectId),
    claim: claim ? shownClaim(claim) : null,
    lastForceUnlockedAt: text(REAPER_ATTRIBUTES.lastUnlockedAt),
    lastForceUnlockedRunId: text(REAPER_ATTRIBUTES.lastUnlockedRunId),
    lastForceUnlockedLockExpiresAt: text(REAPER_ATTRIBUTES.lastUnlockedLockExpiresAt),
    lastHealedAt: text(REAPER_ATTRIBUTES.lastHealedAt),
    lastHealedRunId: text(REAPER_ATTRIBUTES.lastHealedRunId),
    lastNotFoundAt: text(REAPER_ATTRIBUTES.lastNotFoundAt),
  };
}

/** The history from the function's log group when it is named, else from the lock events' log group, else none. */
async function historyOf(
  values: Readonly<Record<string, unknown>>,
  io: OpsIo,
  assetId: string,
  startTime: number,
  endTime: number,
): Promise<{ history: CanvasHistory; failed?: string; kind?: 'log' | 'events'; logGroupName?: string }> {
  for (const [name, kind] of [
    [STACK_OUTPUTS.logGroupName, 'log'],
    [STACK_OUTPUTS.lockEventsLogGroupName, 'events'],
  ] as const) {
    const found = resolveNamedIfGiven(name, values, io);
    if (!found) continue;
    const logs = logsClient(io);
    const target = await describeTarget(`log group ${found.value}`, found.source, logs, 'CLOUDWATCH_LOGS', io, found.sources);
    io.stderr(targetLine('explain', target));
    try {
      const history = await readCanvasHistory(logs, { kind, logGroupName: found.value, assetId, startTime, endTime });
      return { history, kind, logGroupName: found.value };
    } catch (error) {
      return {
        history: { ...NO_HISTORY, source: `${kind === 'log' ? 'log group' : 'events log group'} ${found.value}` },
        failed: explainFailure(error, target),
      };
    }
  }
  return { history: NO_HISTORY };
}

type Explained = {
  assetId: string;
  table: string;
  settings: ExplainSettings;
  row: ExplainedRow | null;
  scenario: ScenarioReading;
  verdict: ExplainVerdict;
  history: CanvasHistory & { since: string; error?: string };
  notes?: string[];
};

/** The human view: one labelled line per fact, every quoted value escaped for the terminal. */
function humanText(explained: Explained, nowMs: number): string {
  const lines: string[] = [`${explained.assetId} in table ${explained.table}`];
  const add = (label: string, text: string) => lines.push(`  ${label.padEnd(10)}${text}`);
  const more = (text: string) => lines.push(`  ${''.padEnd(10)}${text}`);
  const when = (at: string | null) => {
    const ms = at === null ? Number.NaN : Date.parse(at);
    return Number.isNaN(ms) ? '' : ` (${inWords(ms, nowMs)})`;
  };
  const row = explained.row;
  if (!row) add('row', 'none: not tracked');
  else {
    add(
      'row',
      row.lockExpiresAt === null ? 'not locked (no lockExpiresAt)' : `lockExpiresAt ${row.lockExpiresAt}${when(row.lockExpiresAt)}`,
    );
    if (row.lockId !== null) more(`lockId ${row.lockId}`);
    more(`project ${row.projectId ?? 'default (no projectId)'}`);
    more(row.claim ? `claimed by run ${row.claim.runId} until ${row.claim.expiresAt}${when(row.claim.expiresAt)}` : 'no claim');
    if (row.lastForceUnlockedAt !== null)
      more(
        `last unlocked ${row.lastForceUnlockedAt}${when(row.lastForceUnlockedAt)} by run ${row.lastForceUnlockedRunId ?? '?'} (lock until ${row.lastForceUnlockedLockExpiresAt ?? '?'})`,
      );
    if (row.lastHealedAt !== null) more(`last healed ${row.lastHealedAt}${when(row.lastHealedAt)} by run ${row.lastHealedRunId ?? '?'}`);
    if (row.lastNotFoundAt !== null) more(`Scenario answered 404 at ${row.lastNotFoundAt}${when(row.lastNotFoundAt)} (lastNotFoundAt)`);
  }
  const scenario = explained.scenario;
  add(
    'Scenario',
    !scenario.read
      ? `not read (${scenario.why})`
      : scenario.ok
        ? `${scenario.lockExpiresAt === null ? 'no lock' : `lockExpiresAt ${scenario.lockExpiresAt}${when(scenario.lockExpiresAt)}`} (GET with the key of project ${scenario.project})`
        : `GET failed: ${scenario.kind}${scenario.httpStatus === undefined ? '' : ` (HTTP ${scenario.httpStatus})`}: ${scenario.message}`,
  );
  const s = explained.settings;
  add(
    'settings',
    `${s.source}: grace ${s.graceSeconds} s, verification at Scenario ${s.verifyAtSource ? 'on' : 'off'}, brake ${
      s.brake.minLocks === 0 ? 'off' : `≥ ${s.brake.minLocks} newly stale in ${s.brake.windowSeconds} s and a share ≥ ${s.brake.share}`
    }${s.dryRun ? ', dry run' : ''}`,
  );
  add('verdict', `${explained.verdict.text} [${explained.verdict.reason}]`);
  const history = explained.history;
  add(
    'history',
    `${history.source === 'none' ? 'no log group named (--log-group or --events-log-group)' : history.source}, last ${history.since}`,
  );
  if (history.error) more(`could not be read: ${history.error}`);
  else if (history.source !== 'none' && history.entries.length === 0) more('nothing unlocked, healed, doubted or failed');
  for (const entry of history.entries)
    more(`${entry.at}  ${entry.kind}${entry.runId ? `  run ${entry.runId}` : ''}${entry.detail ? `  ${entry.detail}` : ''}`);
  if (history.notUnderstood.length > 0)
    more(
      `${history.notUnderstood.length} ${history.notUnderstood.length === 1 ? 'line' : 'lines'} of this canvas not understood (see stderr)`,
    );
  if (!history.complete) more('(stopped reading: narrow --since)');
  for (const note of explained.notes ?? []) add('note', note);
  return lines.map((line) => terminalSafe(line)).join('\n');
}
