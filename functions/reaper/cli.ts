import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import { asReapLogger, createLogger } from './adapters/logger';
import { CredentialsError } from './adapters/credentials';
import { reap } from './core/reap';
import type { RunSummary } from './core/summary';
import { ENV } from './env';
import { parseAssetIds, parseGraceSecondsFlag } from './payload';
import { SETTINGS } from './settings';
import { createAwsClients, createCanvasStore, createCredentialsProvider, createLockApi, runSafetyOptions, systemClock, type AwsClients } from './wiring';

/** Exit codes are a contract with ops scripts. */
export const EXIT = { ok: 0, canvasFailedOrInvalid: 1, usageOrConfig: 2 } as const;

export const USAGE = `Usage: npm run reap -- [--dry-run] [--asset-id ID]... [--grace-seconds N] [--override-brake]

Runs one reap from this machine, through the same code path as the Lambda: reads the tracked canvases,
force-unlocks those whose lockExpiresAt + grace is past, updates their rows, and prints one JSON log line per
canvas acted on and a run summary.

Options:
  --dry-run            report what would be unlocked; no request to the API, no write to the table
  --asset-id ID        only these canvases (repeat the flag; at most 1000)
  --grace-seconds N    grace after lockExpiresAt before a lock counts as stale (default ${ENV.graceSeconds} or ${SETTINGS.graceSeconds.default})
  --override-brake     release the mass-expiry brake: unlock the stale locks it holds, and clear its state
  -h, --help           this text

Environment:
  ${ENV.tableName} (required)      the DynamoDB table of tracked canvases
  ${ENV.secretId}                  Secrets Manager secret with {"apiKey","apiSecret"}, or else
  ${ENV.localApiKey} + ${ENV.localApiSecret}
  ${ENV.apiBaseUrl}                default ${SETTINGS.apiBaseUrl.default}
  ${ENV.maxInFlight}, ${ENV.requestTimeoutMs}, ${ENV.maxRetries}, ${ENV.safetyMarginMs}, ${ENV.runBudgetSeconds} (default ${SETTINGS.runBudgetSeconds.default})
  AWS_REGION, AWS_PROFILE / credentials chain, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SECRETS_MANAGER

Exit codes: 0 nothing failed; 1 a canvas failed or a row is invalid (or the run stopped early, or the brake holds locks);
2 usage or configuration error (nothing was done).`;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  awsClients?: AwsClients;
}

interface CliRequest {
  dryRun: boolean;
  overrideBrake: boolean;
  assetIds?: string[];
  graceSeconds?: number;
}

class UsageError extends Error {}

/** Runs the CLI and returns its exit code (the caller sets process.exitCode; tests read it). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let request: CliRequest | 'help';
  try {
    request = parseCliArgs(argv);
  } catch (error) {
    io.stderr(`reap: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return EXIT.usageOrConfig;
  }
  if (request === 'help') {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  let config;
  try {
    config = loadConfig(io.env, 'local');
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${configErrorText(error)}\n(nothing was done; see --help)\n`);
      return EXIT.usageOrConfig;
    }
    throw error;
  }
  const clock = systemClock;
  const clients = io.awsClients ?? createAwsClients();
  const logger = asReapLogger(createLogger(config));
  let credentials;
  try {
    credentials = await createCredentialsProvider(config, clients, clock).get();
  } catch (error) {
    if (error instanceof CredentialsError) {
      io.stderr(`reap: credentials error: ${error.message}\n(nothing was done)\n`);
      return EXIT.usageOrConfig;
    }
    throw error;
  }
  const startedAt = clock.now();
  const summary = await reap(
    { clock, store: createCanvasStore(config, clients), lockApi: createLockApi(config, credentials, clock), logger },
    {
      runId: `cli-${randomUUID()}`,
      dryRun: request.dryRun,
      graceSeconds: request.graceSeconds ?? config.graceSeconds,
      ...(request.assetIds ? { assetIds: request.assetIds } : {}),
      maxInFlight: config.maxInFlight,
      deadlineMs: startedAt + config.runBudgetMs,
      safetyMarginMs: config.safetyMarginMs,
      ...runSafetyOptions(config, request.overrideBrake),
    },
  );
  io.stderr(`${oneLineSummary(summary)}\n`);
  return exitCodeFor(summary);
}

/** One mistake on one line; several as a list, one variable a line. */
function configErrorText(error: ConfigError): string {
  if (error.problems.length <= 1) return `reap: configuration error: ${error.message}`;
  return `reap: ${error.problems.length} configuration errors:\n${error.problems.map((p) => `  ${p.variable}: ${p.detail}`).join('\n')}`;
}

export function exitCodeFor(summary: RunSummary): number {
  const needsALook = summary.failed > 0 || summary.skipped.invalid > 0 || summary.cutShort || summary.possibleLiveLockUnlocks > 0;
  return needsALook ? EXIT.canvasFailedOrInvalid : EXIT.ok;
}

export function oneLineSummary(s: RunSummary): string {
  const verb = s.dryRun ? `${s.stale} would be unlocked (dry run)` : `${s.unlocked} unlocked, ${s.failed} failed`;
  const stop = s.cutShort ? `; run cut short: ${s.stopReason} (${s.stopDetail ?? ''})` : '';
  const doubts = s.possibleLiveLockUnlocks > 0 ? `, ${s.possibleLiveLockUnlocks} POSSIBLE LIVE-LOCK UNLOCK(S) (see warnings)` : '';
  const renewed = `${s.skipped.renewed} renewed, ${s.skipped.renewedAtSource} renewed at Scenario`;
  return `reap ${s.runId}: ${s.examined} examined, ${s.stale} stale, ${verb}, ${s.skipped.invalid} invalid, ${renewed}${doubts}${stop}`;
}

function parseCliArgs(argv: readonly string[]): CliRequest | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        'dry-run': { type: 'boolean', default: false },
        'override-brake': { type: 'boolean', default: false },
        'asset-id': { type: 'string', multiple: true },
        'grace-seconds': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const request: CliRequest = { dryRun: values['dry-run'] ?? false, overrideBrake: values['override-brake'] ?? false };
  const problems: string[] = [];
  if (values['asset-id']) {
    const ids = parseAssetIds(values['asset-id'], problems);
    if (ids) request.assetIds = ids;
  }
  const grace = values['grace-seconds'];
  if (grace !== undefined) {
    try {
      request.graceSeconds = parseGraceSecondsFlag(grace);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('; ').replaceAll('assetIds', '--asset-id'));
  return request;
}

// Run only when executed directly (npm run reap), not when imported by tests.
if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runCli(process.argv.slice(2), {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`reap: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.canvasFailedOrInvalid;
    },
  );
}
