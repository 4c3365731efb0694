import { Console } from 'node:console';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { asReapLogger, createLogger } from '#reaper/adapters/logger';
import { jsonForTerminal } from '#reaper/adapters/terminal-json';
import { loadConfig } from '#reaper/config';
import type { ReapLogger } from '#reaper/core/ports';
import type { RunSummary } from '#reaper/core/summary';
import { ENV, SETTINGS } from '#reaper/settings';
import { createAwsClients, createCanvasStore, createCredentialsProvider, runReap, systemClock } from '#reaper/wiring';
import type { OpsCommand, OpsIo } from '../io';
import { checkReaperAwsSetup } from '../kit/aws-setup';
import { assertClockAgreesWithAws } from '../kit/clock-skew';
import { EXIT, exitCodeFor } from '../kit/exit-codes';
import { humanReapLogger } from '../kit/human-reap-log';
import { whileInterruptible } from '../kit/interrupt';
import type { NpmScript } from '../kit/npm-run-guard';
import { proseWriter, runProcess, terminalWidth } from '../kit/process-output';
import { RUN_FLAGS, runFlagsRequest } from '../kit/run-flags';
import { renderRunSummary } from '../kit/run-summary-table';
import { assertTableReachable, firstTableRead } from '../kit/table-preflight';
import { terminalSafe } from '../kit/terminal-text';
import { wrapText } from '../kit/text-table';
import { UsageError } from '../kit/usage-error';
import { versionLine } from '../kit/version';
import { runCommand } from '../runner';
import { resolveTableTarget, TABLE_TARGET_OPTIONS } from '../table-target';

export const REAP_USAGE = `Usage: npm run reap -- [--dry-run] [--asset-id ID]... [--project ID]... [--grace-seconds N] [--override-brake] [--json] [--log-format human|json]
       npx canvas-reaper [same options]      (the package's bin: no \`--\` needed)

Runs one reap from this machine, through the same code path as the Lambda:
reads the tracked canvases, force-unlocks those whose lockExpiresAt + grace is
past, updates their rows, and prints one line per canvas acted on (a human line
on a terminal, a JSON log line in a pipe), then a one-line summary on stderr
(and a summary table first, when stderr is a terminal). Under npm run, a flag
written before \`--\` is taken by npm: the command refuses to run (exit 2).

Options:
  --dry-run          report what would be unlocked; no request to the API, no
                     write to the table
  --asset-id ID      only these canvases (repeat the flag; at most 1000)
  --project ID       only canvases of these Scenario projects (repeat;
                     "default": rows without projectId)
  --grace-seconds N  grace after lockExpiresAt before a lock counts as stale
                     (default ${ENV.graceSeconds} or ${SETTINGS.graceSeconds.default})
  --override-brake   release the mass-expiry brake for the projects the run
                     covers (all, or --project): unlock the stale locks held
                     there and record the release
  --json             print the run summary as one JSON object on stdout; the
                     log lines go to stderr
  --log-format F     human (one line per canvas; the default on a terminal) or
                     json (the Lambda's log lines; the default in a pipe)
  --version          print the package's name and version
  -h, --help         this text

Environment:
  ${ENV.tableName} (required)   the DynamoDB table of tracked canvases
  ${ENV.secretId}               Secrets Manager secret with {"apiKey","apiSecret"},
                                or else ${ENV.localApiKey} + ${ENV.localApiSecret}
  ${ENV.apiBaseUrl}             default ${SETTINGS.apiBaseUrl.default}
  ${ENV.maxInFlight}, ${ENV.requestTimeoutMs}, ${ENV.maxRetries}, ${ENV.safetyMarginMs},
  ${ENV.runBudgetSeconds} (default ${SETTINGS.runBudgetSeconds.default})
  AWS_REGION, AWS_PROFILE / credentials chain, AWS_ENDPOINT_URL_DYNAMODB,
  AWS_ENDPOINT_URL_SECRETS_MANAGER

Before a run that unlocks (not --dry-run), this machine's clock is compared with
the Date header of a DynamoDB answer: more than the larger of 2 s and a quarter
of the grace (at most 60 s) apart, and nothing is done (exit 2).

Ctrl-C (or SIGTERM) stops the run: no canvas starts after it, those under way
finish or give their claims back, and the summary so far is printed (stopReason
"interrupted", exit 1). Copies of the signal within 1 s (the terminal and npm
both send one) count as the same Ctrl-C; a second Ctrl-C after that quits at once.

Exit codes: 0 nothing failed; 1 a canvas failed or a row is invalid (or the run
stopped early, or the brake holds locks); 2 usage or configuration error, or a
clock too far from AWS's (nothing was done).`;

interface CliRequest {
  dryRun: boolean;
  overrideBrake: boolean;
  json: boolean;
  logFormat?: LogFormat;
  assetIds?: string[];
  projectIds?: string[];
  graceSeconds?: number;
}

const COMMAND = { name: 'reap', usage: REAP_USAGE, helpCommand: 'npm run reap -- --help' };

/** The flags `reap` takes (the npm run guard checks npm did not take one of them). */
const REAP_FLAGS = {
  ...RUN_FLAGS,
  json: { type: 'boolean' },
  'log-format': { type: 'string' },
  version: { type: 'boolean' },
} as const;

const LOG_FORMATS = ['human', 'json'] as const;
type LogFormat = (typeof LOG_FORMATS)[number];

/** `npm run reap`, the alias of the `canvas-reaper` bin. */
export const REAP_NPM_SCRIPT: NpmScript = { script: 'reap', bin: 'canvas-reaper', flags: Object.keys(REAP_FLAGS) };

/** The reap bin (`npm run reap`, `npx canvas-reaper`): TABLE_NAME names the table. */
const reapBin: OpsCommand = { usage: REAP_USAGE, flags: REAP_FLAGS, run: (values, _, io) => reapWith(values, io) };

/** Runs the reap bin's command line and returns its exit code (the caller sets process.exitCode; tests read it). */
export const runCli = (argv: readonly string[], io: OpsIo): Promise<number> => runCommand(reapBin, argv, io, COMMAND, REAP_NPM_SCRIPT);

async function reapWith(values: Record<string, unknown>, io: OpsIo): Promise<number> {
  if (values.version === true) {
    io.stdout(`${versionLine()}\n`);
    return EXIT.ok;
  }
  const request = reapRequest(values);
  const config = loadConfig(io.env, 'local');
  const clock = systemClock;
  const clients = io.awsClients ?? createAwsClients();
  await checkReaperAwsSetup(config, clients, io.env);
  const graceSeconds = request.graceSeconds ?? config.graceSeconds;
  const target = { dynamo: clients.dynamo, tableName: config.tableName, env: io.env };
  // One read of the table before the run: a run that unlocks judges staleness and claims by this machine's clock, so
  // that read checks the clock against AWS's; a dry run only checks that the table answers.
  if (request.dryRun) await assertTableReachable(target.dynamo, target.tableName, target.env);
  else await firstTableRead(() => assertClockAgreesWithAws({ ...target, clock, graceSeconds }), target);
  const logger = reapLogger(request, config, io);
  const credentials = await createCredentialsProvider(config, clients, clock).get();
  const startedAt = clock.now();
  const deadlineMs = startedAt + config.runBudgetMs;
  const summary = await runReap(config, clients, request, {
    runId: `cli-${randomUUID()}`,
    deadlineMs,
    trigger: 'cli',
    signal: io.signal,
    clock,
    logger,
    store: createCanvasStore(config, clients),
    keys: credentials,
  });
  if (request.json) io.stdout(`${jsonForTerminal(summary, 2)}\n`);
  const width = io.stderrIsTerminal ? terminalWidth(io) : undefined;
  if (io.stderrIsTerminal) io.stderr(`\n${renderRunSummary(summary, [], { width })}\n\n`);
  // On a terminal the line leaves out zero counters and wraps; in a pipe it stays one whole line, as scripts read it.
  io.stderr(`${width === undefined ? oneLineSummary(summary) : wrapText(oneLineSummary(summary, { hideZeroCounters: true }), width, 2)}\n`);
  return exitCodeFor(summary);
}

/**
 * Where the run's per-canvas log goes and in which form: one human line per canvas on a terminal, JSON lines
 * (Powertools, as the Lambda writes them) in a pipe or with --log-format json. With --json, stdout carries the summary
 * alone (so `> run.json` keeps it whole) and the log goes to stderr.
 */
function reapLogger(request: CliRequest, config: ReturnType<typeof loadConfig>, io: OpsIo): ReapLogger {
  const logOnTerminal = request.json ? io.stderrIsTerminal === true : io.stdoutIsTerminal === true;
  const format = request.logFormat ?? (logOnTerminal ? 'human' : 'json');
  if (format === 'human') {
    return humanReapLogger({
      write: request.json ? io.stderr : io.stdout,
      width: logOnTerminal ? terminalWidth(io) : Number.POSITIVE_INFINITY,
      level: config.logLevel,
      now: () => systemClock.now(),
    });
  }
  const powertools = createLogger(config);
  if (request.json) writeLogLinesToStderr(powertools);
  return asReapLogger(powertools);
}

/**
 * Powertools Logger writes through a console it builds on process.stdout and offers no option to change that;
 * its `console` field is private to TypeScript only. The --json test fails if an upgrade moves it.
 */
function writeLogLinesToStderr(logger: Logger): void {
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  (logger as unknown as { console: Console }).console = toStderr;
}

/**
 * The run in one line, escaped for the terminal (its detail can quote an error about a row). A dry run says it was
 * not verified at Scenario. `hideZeroCounters` (a person at a terminal) leaves out the invalid and renewed counts when 0.
 */
export function oneLineSummary(s: RunSummary, options: { hideZeroCounters?: boolean } = {}): string {
  const verb = s.dryRun ? `${s.stale} would be unlocked (dry run), NOT verified at Scenario` : `${s.unlocked} unlocked, ${s.failed} failed`;
  const stop = s.cutShort ? `; run cut short: ${s.stopReason} (${s.stopDetail ?? ''})` : '';
  const doubts = s.possibleLiveLockUnlocks > 0 ? `, ${s.possibleLiveLockUnlocks} POSSIBLE LIVE-LOCK UNLOCK(S) (see warnings)` : '';
  const counters = [
    [s.skipped.invalid, 'invalid'],
    [s.skipped.renewed, 'renewed'],
    [s.skipped.renewedAtSource, 'renewed at Scenario'],
  ] as const;
  const more = counters
    .filter(([count]) => count > 0 || !options.hideZeroCounters)
    .map(([count, label]) => `, ${count} ${label}`)
    .join('');
  return terminalSafe(`reap ${s.runId}: ${s.examined} examined, ${s.stale} stale, ${verb}${more}${doubts}${stop}`);
}

function reapRequest(values: Record<string, unknown>): CliRequest {
  const problems: string[] = [];
  const logFormat = values['log-format'] as string | undefined;
  if (logFormat !== undefined && !(LOG_FORMATS as readonly string[]).includes(logFormat))
    problems.push(`--log-format must be ${LOG_FORMATS.join(' or ')}, got ${JSON.stringify(logFormat.slice(0, 40))}`);
  const run = runFlagsRequest(values, problems);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return {
    ...run,
    dryRun: run.dryRun === true,
    overrideBrake: run.overrideBrake === true,
    json: values.json === true,
    ...(logFormat !== undefined ? { logFormat: logFormat as LogFormat } : {}),
  };
}

/**
 * ops reap: npm run reap on the table found the ops way (--table-name, TABLE_NAME, cdk-outputs.json), with
 * Ctrl-C/SIGTERM stopping the run as "interrupted" while it lasts.
 */
export const reapCommand: OpsCommand = {
  usage: REAP_USAGE,
  flags: { ...REAP_FLAGS, ...TABLE_TARGET_OPTIONS },
  run: async (values, _, io) => {
    const { env, clients } = await resolveTableTarget('reap', values, io, { credentials: true });
    return whileInterruptible(io.stderr, (signal) => reapWith(values, { ...io, env, awsClients: clients, signal }));
  },
};

/** The `canvas-reaper` bin (bin/canvas-reaper.js, and `npm run reap`): Ctrl-C/SIGTERM stop the run while it lasts. */
export const runReapProcess = (): void =>
  runProcess((argv, io) => whileInterruptible(proseWriter(io), (signal) => runCli(argv, { ...io, signal })), COMMAND, proseWriter);

// Run when executed directly (`tsx ops/commands/reap.ts`), not when imported by the bin or by tests.
if (require.main === module) runReapProcess();
