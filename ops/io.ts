import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '#reaper/wiring';
import type { FlagOptions } from './kit/parse-flags';

/**
 * The clients of the schedule, log, queue and function commands (pause, resume, last-run, runs, dead-letters, events,
 * explain). Tests pass their own; the CLI builds them from the usual AWS settings (AWS_PROFILE, AWS_REGION,
 * AWS_ENDPOINT_URL_SCHEDULER/_CLOUDWATCH_LOGS/_SQS/_LAMBDA).
 */
export interface OperatorClients {
  scheduler?: SchedulerClient;
  logs?: CloudWatchLogsClient;
  sqs?: SQSClient;
  lambda?: LambdaClient;
}

/** Everything a command of either bin (canvas-reaper, canvas-reaper-ops) touches outside itself, so tests can run it in process. */
export interface OpsIo extends OperatorClients {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** A person at a terminal: only then show progress and ask for confirmation. */
  interactive?: boolean;
  /** Asks a yes/no question on the terminal; resolves true only for an explicit yes (asked only when interactive). */
  confirm?(question: string): Promise<boolean>;
  /** Directory where cdk-outputs.json is looked for (default: this process's). */
  cwd?: string;
  /** stdout / stderr is a terminal: only then colour, the human log and the summary table. */
  stdoutIsTerminal?: boolean;
  stderrIsTerminal?: boolean;
  /** The terminal's width: every line written to a terminal fits it. */
  terminalColumns?: number;
  awsClients?: AwsClients;
  /** Aborted on Ctrl-C or SIGTERM: a reap stops as "interrupted" and reports what it did (see kit/interrupt.ts). */
  signal?: AbortSignal;
}

/**
 * The dangerous changes (ops unlock, track, untrack) go ahead only with --yes or a "yes" typed at the terminal.
 * Refusing is exit 2: the command line must change (add --yes) before anything is done.
 */
export async function confirmed(io: OpsIo, command: string, yes: boolean, question: string): Promise<boolean> {
  if (yes) return true;
  if (!io.interactive) {
    io.stderr(`ops ${command}: ${question}\nops ${command}: refusing without confirmation; nothing was done (pass --yes)\n`);
    return false;
  }
  if (await io.confirm?.(question)) return true;
  io.stderr(`ops ${command}: not confirmed; nothing was done\n`);
  return false;
}

/**
 * One ops command, declared once: its help, its flags and how many positional arguments it takes (none unless
 * said). The runner (cli.ts) parses them, answers --help, and turns its errors into messages and exit codes.
 */
export interface OpsCommand {
  usage: string;
  flags: FlagOptions;
  positionals?: { min: number; max: number };
  run(values: Record<string, unknown>, positionals: string[], io: OpsIo): Promise<number>;
}
