import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './kit/usage-error';

/** Where `npx cdk deploy --outputs-file cdk-outputs.json` leaves the stack's outputs. */
export const DEFAULT_OUTPUTS_FILE = 'cdk-outputs.json';

/** One value an ops command needs from the deployed stack: its output, and the flag and variable that override it. */
export interface StackOutputName {
  /** The CfnOutput id in infra/reaper-stack.ts. */
  output: string;
  env: string;
  flag: string;
  /** What the value is, in the error when none is found. */
  what: string;
}

/** The stack outputs the ops commands read. The env names are a contract (`npm run local` prints them): extend, never rename. */
export const STACK_OUTPUTS = {
  /** The table of tracked canvases; its variable is the reaper's own setting. */
  tableName: { output: 'TableName', env: 'TABLE_NAME', flag: '--table-name', what: 'table name' },
  /** Read only to fill SCENARIO_SECRET_ID for unlock and reap when the table came from the same outputs file. */
  secretArn: { output: 'SecretArn', env: 'SCENARIO_SECRET_ID', flag: '--secret-id', what: 'Scenario credentials secret' },
  functionName: { output: 'FunctionName', env: 'REAPER_FUNCTION_NAME', flag: '--function-name', what: 'function name' },
  scheduleName: { output: 'ScheduleName', env: 'REAPER_SCHEDULE_NAME', flag: '--schedule-name', what: 'schedule name' },
  logGroupName: { output: 'LogGroupName', env: 'REAPER_LOG_GROUP_NAME', flag: '--log-group', what: 'log group' },
  /** The readable copy of every lock event (ops events). */
  lockEventsLogGroupName: {
    output: 'LockEventsLogGroupName',
    env: 'REAPER_LOCK_EVENTS_LOG_GROUP',
    flag: '--events-log-group',
    what: 'lock events log group',
  },
  failedInvocationsQueueUrl: {
    output: 'FailedInvocationsQueueUrl',
    env: 'REAPER_FAILED_INVOCATIONS_QUEUE_URL',
    flag: '--failed-invocations-queue-url',
    what: 'failed-invocations queue URL',
  },
  undeliveredTicksQueueUrl: {
    output: 'UndeliveredTicksQueueUrl',
    env: 'REAPER_UNDELIVERED_TICKS_QUEUE_URL',
    flag: '--undelivered-ticks-queue-url',
    what: 'undelivered-ticks queue URL',
  },
} as const satisfies Record<string, StackOutputName>;

/** The flags of every command that reads the stack's outputs: which file, and which stack in it. */
export const STACK_OUTPUTS_FLAGS = { 'outputs-file': { type: 'string' }, 'stack-name': { type: 'string' } } as const;

export interface StackOutputSources {
  /** The command-line flag's value, if given. */
  flag: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  outputsFile: string | undefined;
  stackName: string | undefined;
}

/**
 * Where a command finds a value of the stack: its own flag for it (`name.flag`, when given), its --outputs-file and
 * --stack-name flags, its environment and its folder.
 */
export function sourcesFromFlags(
  name: StackOutputName | undefined,
  values: Readonly<Record<string, unknown>>,
  io: { env: Readonly<Record<string, string | undefined>>; cwd?: string },
): StackOutputSources {
  return {
    flag: name ? givenFlag(values, name.flag) : undefined,
    env: io.env,
    cwd: io.cwd ?? process.cwd(),
    outputsFile: givenFlag(values, '--outputs-file'),
    stackName: givenFlag(values, '--stack-name'),
  };
}

/**
 * A target flag's value. An empty one is refused rather than read as "not given": `--table-name=$UNSET` would
 * otherwise act on whatever TABLE_NAME or cdk-outputs.json names, which is not what the operator typed.
 */
function givenFlag(values: Readonly<Record<string, unknown>>, flag: string): string | undefined {
  const value = values[flag.slice(2)] as string | undefined;
  if (value !== undefined && value.trim() === '') throw new UsageError(`${flag} is empty: give a value or leave the flag out`);
  return value;
}

/** A value of the stack and where it came from: "--table-name", "TABLE_NAME", "cdk-outputs.json (stack X)". */
export interface ResolvedStackOutput {
  value: string;
  source: string;
}

/**
 * A value of the deployed stack: the flag, else the variable, else the output of the stack in cdk-outputs.json.
 * Throws a message that says how to provide it.
 */
export function resolveStackOutput(name: StackOutputName, sources: StackOutputSources): string {
  return resolveStackOutputWithSource(name, sources).value;
}

/** The same, saying where the value came from (a target line and an error name it). */
export function resolveStackOutputWithSource(name: StackOutputName, sources: StackOutputSources): ResolvedStackOutput {
  if (sources.flag) return { value: sources.flag, source: name.flag };
  const fromEnv = sources.env[name.env]?.trim();
  if (fromEnv) return { value: fromEnv, source: name.env };
  const file = outputsFilePath(sources);
  const howTo = `pass ${name.flag}, set ${name.env}, or deploy with: npx cdk deploy --outputs-file ${DEFAULT_OUTPUTS_FILE}`;
  if (!existsSync(file)) throw new Error(`no ${name.what}: ${file} does not exist; ${howTo}`);
  const outputs = readOutputsFile(file);
  if (!outputs) throw new Error(`no ${name.what}: ${file} is not JSON; ${howTo}`);
  const stacks = Object.entries(outputs).filter(
    ([stack, values]) => (!sources.stackName || stack === sources.stackName) && typeof values?.[name.output] === 'string',
  );
  if (stacks.length === 1) {
    const [stack, values] = stacks[0]!;
    return { value: values[name.output] as string, source: `${sources.outputsFile ?? DEFAULT_OUTPUTS_FILE} (stack ${stack})` };
  }
  if (stacks.length === 0) {
    throw new Error(
      `no ${name.what}: ${file} has no ${sources.stackName ? `stack ${sources.stackName} with a ` : ''}${name.output} output; ${howTo}`,
    );
  }
  throw new Error(
    `several stacks in ${file} have a ${name.output} output (${stacks.map(([stack]) => stack).join(', ')}); choose one with --stack-name`,
  );
}

function outputsFilePath(sources: StackOutputSources): string {
  return path.resolve(sources.cwd, sources.outputsFile ?? DEFAULT_OUTPUTS_FILE);
}

function readOutputsFile(file: string): Record<string, Record<string, unknown>> | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, Record<string, unknown>>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The AWS account of the stack in the outputs file, read from its outputs' ARNs (arn:partition:service:region:ACCOUNT:…),
 * or undefined when there is no file, no single stack, or no ARN with an account.
 */
export function stackAccount(sources: StackOutputSources): string | undefined {
  const file = outputsFilePath(sources);
  if (!existsSync(file)) return undefined;
  const stacks = Object.entries(readOutputsFile(file) ?? {}).filter(([stack]) => !sources.stackName || stack === sources.stackName);
  if (stacks.length !== 1) return undefined;
  for (const value of Object.values(stacks[0]![1] ?? {})) {
    const account = typeof value === 'string' ? /^arn:[^:]+:[^:]+:[^:]*:(\d{12}):/.exec(value)?.[1] : undefined;
    if (account) return account;
  }
  return undefined;
}

/** The same value when it can be found, or undefined (for a hint in a message, never for an action). */
export function findStackOutput(name: StackOutputName, sources: StackOutputSources): string | undefined {
  try {
    return resolveStackOutput(name, sources);
  } catch {
    return undefined;
  }
}
