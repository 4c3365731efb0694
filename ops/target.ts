import { errorMessage } from '#reaper/core/error-message';
import { isConnectionRefused, LOCAL_WORLD_QUESTION } from './kit/aws-setup';
import { terminalSafe } from './kit/terminal-text';
import {
  type ResolvedStackOutput,
  resolveStackOutputWithSource,
  type StackOutputName,
  type StackOutputSources,
  sourcesFromFlags,
  stackAccount,
} from './stack-outputs';

/** The AWS services the ops commands call, as their AWS_ENDPOINT_URL_<SERVICE> variables name them. */
export type TargetService = 'DYNAMODB' | 'LAMBDA' | 'SCHEDULER' | 'CLOUDWATCH_LOGS' | 'SQS';

/** What an ops command acts on, said on stderr before it acts, and named again in its errors. */
export interface Target {
  /** "table canvas-locks", "schedule reaper (group default)". */
  what: string;
  /** Where the name came from: "--table-name", "TABLE_NAME", "cdk-outputs.json (stack CanvasLockReaper)". */
  source: string;
  region: string;
  /** The endpoint the client talks to, when it is not AWS's own (a local world, a proxy). */
  endpoint?: string;
  /** Whose AWS it is, when no endpoint is set: the account from the outputs' ARNs, else the profile. */
  account?: string;
}

/** The parts of an AWS SDK client's resolved config a target reads (the region and a custom endpoint). */
export interface ClientSettings {
  config: {
    region: () => Promise<string>;
    isCustomEndpoint?: boolean;
    endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The stack value could not be found (no flag, variable or output): the command line must change; exit 2. */
export class MissingTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingTargetError';
  }
}

/** An AWS call on the target failed, with a message that names the target and the likely cause; exit 1. */
export class TargetFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetFailedError';
  }
}

/**
 * Runs one step of a command on its target; any failure becomes a TargetFailedError saying what failed, where, and
 * the likely cause (the runner prints it after the command's name and exits 1).
 */
export async function stepOn<T>(target: Target, doing: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new TargetFailedError(`${doing} failed: ${explainFailure(error, target)}`);
  }
}

/** A value of the stack found the ops way (flag, variable, cdk-outputs.json), or a MissingTargetError saying how to give it. */
export function resolveNamed(
  name: StackOutputName,
  values: Readonly<Record<string, unknown>>,
  io: { env: Env; cwd?: string },
): ResolvedStackOutput & { sources: StackOutputSources } {
  const sources = sourcesFromFlags(name, values, io);
  try {
    return { ...resolveStackOutputWithSource(name, sources), sources };
  } catch (error) {
    throw new MissingTargetError(errorMessage(error).replace(/^Error: /, ''));
  }
}

/** The same for a value a command can do without: undefined when nothing names it. */
export function resolveNamedIfGiven(
  name: StackOutputName,
  values: Readonly<Record<string, unknown>>,
  io: { env: Env; cwd?: string },
): (ResolvedStackOutput & { sources: StackOutputSources }) | undefined {
  try {
    return resolveNamed(name, values, io);
  } catch (error) {
    if (error instanceof MissingTargetError) return undefined;
    throw error;
  }
}

export async function describeTarget(
  what: string,
  source: string,
  client: ClientSettings,
  service: TargetService,
  io: { env: Env; cwd?: string },
  sources?: StackOutputSources,
): Promise<Target> {
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    region = '(none: set AWS_REGION)';
  }
  const endpoint = await endpointOf(client, service, io.env);
  if (endpoint) return { what, source, region, endpoint };
  const account = sources ? stackAccount(sources) : undefined;
  const profile = io.env.AWS_PROFILE?.trim();
  return {
    what,
    source,
    region,
    account: account ? `account ${account} (from the outputs' ARNs)` : profile ? `profile ${profile}` : 'the default AWS credentials',
  };
}

/** "ops status: table canvas-locks (from TABLE_NAME), region eu-west-1, endpoint http://127.0.0.1:8000". */
export function targetLine(command: string, target: Target): string {
  const whose = target.endpoint ? `endpoint ${target.endpoint}` : (target.account ?? '');
  // Names come from flags, variables and a file: escaped, so none can act on the terminal.
  return `${terminalSafe(`ops ${command}: ${target.what} (from ${target.source}), region ${target.region}, ${whose}`)}\n`;
}

async function endpointOf(client: ClientSettings, service: TargetService, env: Env): Promise<string | undefined> {
  if (client.config.isCustomEndpoint && client.config.endpoint) {
    const { protocol, hostname, port, path } = await client.config.endpoint();
    return `${protocol}//${hostname}${port ? `:${port}` : ''}${path === '/' ? '' : path}`;
  }
  // A client the command builds itself reads the process's environment, as the SDK does.
  const read = (name: string) => (env[name] ?? process.env[name])?.trim() || undefined;
  if (read('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS') === 'true') return undefined;
  return read(`AWS_ENDPOINT_URL_${service}`) ?? read('AWS_ENDPOINT_URL');
}

const LOOPBACK = /^https?:\/\/(127\.|localhost|\[::1\])/;

/** The question to ask when a loopback endpoint refused the connection: the local world has probably stopped. */
export function localWorldHint(error: unknown, target: Target): string {
  return isConnectionRefused(error) && target.endpoint && LOOPBACK.test(target.endpoint) ? `: ${LOCAL_WORLD_QUESTION}` : '';
}

/**
 * What a failed AWS call on the target means, in the words of the fix: a resource that does not exist is named with
 * its region and where its name came from; a refused connection to a local endpoint asks whether the local world runs.
 */
export function explainFailure(error: unknown, target: Target): string {
  return terminalSafe(explanation(error, target));
}

function explanation(error: unknown, target: Target): string {
  const detail = error as { name?: string };
  const where = target.endpoint ? `at ${target.endpoint}` : `in region ${target.region} (${target.account ?? ''})`;
  if (
    detail.name === 'ResourceNotFoundException' ||
    detail.name === 'QueueDoesNotExist' ||
    detail.name === 'AWS.SimpleQueueService.NonExistentQueue'
  ) {
    return `${target.what} was not found ${where}; its name came from ${target.source}: check the name, the region (AWS_REGION/AWS_PROFILE) and the account`;
  }
  const message = errorMessage(error);
  if (isConnectionRefused(error)) {
    return `could not connect to ${target.endpoint ?? 'AWS'} for ${target.what} (connection refused)${localWorldHint(error, target)}`;
  }
  if (detail.name === 'AccessDeniedException' || detail.name === 'AccessDenied') {
    return `access to ${target.what} ${where} was denied: ${message} (the stack's ReaperOperatorPolicyArn output grants what ops needs)`;
  }
  return `${target.what} ${where}: ${message}`;
}
