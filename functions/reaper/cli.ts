import { Console } from 'node:console';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { asReapLogger, createLogger } from './adapters/logger';
import { redactingWriter } from './adapters/redact';
import { checkReaperAwsSetup } from './cli-kit/aws-setup';
import { assertClockAgreesWithAws } from './cli-kit/clock-skew';
import { EXIT, exitCodeFor } from './cli-kit/exit-codes';
import { whileInterruptible } from './cli-kit/interrupt';
import { parseFlags } from './cli-kit/parse-flags';
import { pipeSafeWriter } from './cli-kit/process-output';
import { exitForError } from './cli-kit/report-error';
import { renderRunSummary } from './cli-kit/run-summary-table';
import { jsonForTerminal, terminalSafe } from './cli-kit/terminal-text';
import { UsageError } from './cli-kit/usage-error';
import { loadConfig } from './config';
import { reap } from './core/reap';
import type { RunSummary } from './core/summary';
import { ENV } from './env';
import { parseAssetIds, parseGraceSecondsFlag, parseProjectIds } from './payload';
import { SETTINGS } from './settings';
import {
  type AwsClients,
  createAwsClients,
  createCanvasStore,
  createCredentialsProvider,
  createLockApis,
  lockEventsOf,
  reapOptions,
  systemClock,
} from './wiring';

/** Kept for the code that imported them from here before the CLI kit existed; new code imports the kit. */
export { EXIT, exitCodeFor };

export const USAGE = `Usage: npm run reap -- [--dry-run] [--asset-id ID]... [--project ID]... [--grace-seconds N] [--override-brake] [--json]

Runs one reap from this machine, through the same code path as the Lambda: reads the tracked canvases,
force-unlocks those whose lockExpiresAt + grace is past, updates their rows, and prints one JSON log line per
canvas acted on, then a one-line summary on stderr (and a summary table first, when stderr is a terminal).

Options:
  --dry-run            report what would be unlocked; no request to the API, no write to the table
  --asset-id ID        only these canvases (repeat the flag; at most 1000)
  --project ID         only canvases of these Scenario projects (repeat; "default": rows without projectId)
  --grace-seconds N    grace after lockExpiresAt before a lock counts as stale (default ${ENV.graceSeconds} or ${SETTINGS.graceSeconds.default})
  --override-brake     release the mass-expiry brake: unlock the stale locks it holds, and clear its state
  --json               print the run summary as one JSON object on stdout; the log lines go to stderr
  -h, --help           this text

Environment:
  ${ENV.tableName} (required)      the DynamoDB table of tracked canvases
  ${ENV.secretId}                  Secrets Manager secret with {"apiKey","apiSecret"}, or else
  ${ENV.localApiKey} + ${ENV.localApiSecret}
  ${ENV.apiBaseUrl}                default ${SETTINGS.apiBaseUrl.default}
  ${ENV.maxInFlight}, ${ENV.requestTimeoutMs}, ${ENV.maxRetries}, ${ENV.safetyMarginMs}, ${ENV.runBudgetSeconds} (default ${SETTINGS.runBudgetSeconds.default})
  AWS_REGION, AWS_PROFILE / credentials chain, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SECRETS_MANAGER

Before a run that unlocks (not --dry-run), this machine's clock is compared with the Date header of a DynamoDB answer:
more than the larger of 2 s and a quarter of the grace apart, and nothing is done (exit 2).
Ctrl-C (or SIGTERM) stops the run: no canvas starts after it, those under way finish or give their claims back, and
the summary so far is printed (stopReason "interrupted", exit 1). A second Ctrl-C quits at once.

Exit codes: 0 nothing failed; 1 a canvas failed or a row is invalid (or the run stopped early, or the brake holds locks);
2 usage or configuration error, or a clock too far from AWS's (nothing was done).`;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: a person is watching, so the run ends with a summary table. */
  stderrIsTerminal?: boolean;
  awsClients?: AwsClients;
  /** Aborted on Ctrl-C or SIGTERM: the run stops as "interrupted" and reports what it did (see cli-kit/interrupt.ts). */
  signal?: AbortSignal;
}

interface CliRequest {
  dryRun: boolean;
  overrideBrake: boolean;
  json: boolean;
  assetIds?: string[];
  projectIds?: string[];
  graceSeconds?: number;
}

const COMMAND = { name: 'reap', usage: USAGE, helpCommand: 'npm run reap -- --help' };

/** Runs the CLI and returns its exit code (the caller sets process.exitCode; tests read it). */
export async function runCli(argv: readonly string[], cliIo: CliIo): Promise<number> {
  // Every line this command prints goes through the one redaction pass (a failure quotes what the API said).
  const io: CliIo = { ...cliIo, stdout: redactingWriter(cliIo.stdout), stderr: redactingWriter(cliIo.stderr) };
  try {
    return await runReap(argv, io);
  } catch (error) {
    return exitForError(error, COMMAND, io.stderr);
  }
}

async function runReap(argv: readonly string[], io: CliIo): Promise<number> {
  const request = parseCliArgs(argv);
  if (request === 'help') {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const config = loadConfig(io.env, 'local');
  const clock = systemClock;
  const clients = io.awsClients ?? createAwsClients();
  await checkReaperAwsSetup(config, clients, io.env);
  const graceSeconds = request.graceSeconds ?? config.graceSeconds;
  // A run that unlocks judges staleness and claims by this machine's clock: it must agree with AWS's.
  if (!request.dryRun) await assertClockAgreesWithAws({ dynamo: clients.dynamo, tableName: config.tableName, clock, graceSeconds });
  const powertools = createLogger(config);
  // With --json, stdout carries the summary alone (so `> run.json` keeps it whole) and the log lines go to stderr.
  if (request.json) writeLogLinesToStderr(powertools);
  const logger = asReapLogger(powertools);
  const credentials = await createCredentialsProvider(config, clients, clock).get();
  const startedAt = clock.now();
  const deadlineMs = startedAt + config.runBudgetMs;
  const lockEvents = lockEventsOf(config, clients, { clock, logger, deadlineMs, trigger: 'cli', dryRun: request.dryRun });
  const summary = await reap(
    {
      clock,
      store: createCanvasStore(config, clients),
      lockApis: createLockApis(config, credentials, clock),
      logger,
      ...(lockEvents ? { lockEvents } : {}),
    },
    reapOptions(config, request, { runId: `cli-${randomUUID()}`, deadlineMs, signal: io.signal }),
  );
  if (request.json) io.stdout(`${jsonForTerminal(summary, 2)}\n`);
  if (io.stderrIsTerminal) io.stderr(`\n${renderRunSummary(summary)}\n\n`);
  io.stderr(`${oneLineSummary(summary)}\n`);
  return exitCodeFor(summary);
}

/**
 * Powertools Logger writes through a console it builds on process.stdout and offers no option to change that;
 * its `console` field is private to TypeScript only. The --json test fails if an upgrade moves it.
 */
function writeLogLinesToStderr(logger: Logger): void {
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  (logger as unknown as { console: Console }).console = toStderr;
}

/** The run in one line, escaped for the terminal (its detail can quote an error about a row). */
export function oneLineSummary(s: RunSummary): string {
  const verb = s.dryRun ? `${s.stale} would be unlocked (dry run)` : `${s.unlocked} unlocked, ${s.failed} failed`;
  const stop = s.cutShort ? `; run cut short: ${s.stopReason} (${s.stopDetail ?? ''})` : '';
  const doubts = s.possibleLiveLockUnlocks > 0 ? `, ${s.possibleLiveLockUnlocks} POSSIBLE LIVE-LOCK UNLOCK(S) (see warnings)` : '';
  const renewed = `${s.skipped.renewed} renewed, ${s.skipped.renewedAtSource} renewed at Scenario`;
  return terminalSafe(
    `reap ${s.runId}: ${s.examined} examined, ${s.stale} stale, ${verb}, ${s.skipped.invalid} invalid, ${renewed}${doubts}${stop}`,
  );
}

function parseCliArgs(argv: readonly string[]): CliRequest | 'help' {
  const { values, help } = parseFlags(
    argv,
    {
      'dry-run': { type: 'boolean' },
      'override-brake': { type: 'boolean' },
      'asset-id': { type: 'string', multiple: true },
      project: { type: 'string', multiple: true },
      'grace-seconds': { type: 'string' },
      json: { type: 'boolean' },
    },
    { min: 0, max: 0 },
  );
  if (help) return 'help';
  const request: CliRequest = {
    dryRun: values['dry-run'] === true,
    overrideBrake: values['override-brake'] === true,
    json: values.json === true,
  };
  const problems: string[] = [];
  const assetIds = values['asset-id'] as string[] | undefined;
  if (assetIds) {
    const ids = parseAssetIds(assetIds, problems);
    if (ids) request.assetIds = ids;
  }
  const projects = values.project as string[] | undefined;
  if (projects) {
    const ids = parseProjectIds(projects, problems);
    if (ids) request.projectIds = ids;
  }
  const grace = values['grace-seconds'] as string | undefined;
  if (grace !== undefined) {
    try {
      request.graceSeconds = parseGraceSecondsFlag(grace);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0)
    throw new UsageError(problems.join('; ').replaceAll('assetIds', '--asset-id').replaceAll('projectIds', '--project'));
  return request;
}

// Run only when executed directly (npm run reap), not when imported by tests.
if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stderr = pipeSafeWriter(process.stderr);
  whileInterruptible(stderr, (signal) =>
    runCli(process.argv.slice(2), {
      env: process.env,
      stdout: pipeSafeWriter(process.stdout),
      stderr,
      stderrIsTerminal: process.stderr.isTTY === true,
      signal,
    }),
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = exitForError(error, COMMAND, stderr);
    },
  );
}
