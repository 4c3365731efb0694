import { ConfigError, type ConfigProblem, type ReaperConfig, readSettings } from '#reaper/config';
import { ENV } from '#reaper/settings';
import { type AwsClients, createAwsClients } from '#reaper/wiring';
import type { OpsIo } from './io';
import { checkAwsSetup, isConnectionRefused } from './kit/aws-setup';
import { DEFAULT_OUTPUTS_FILE, findStackOutput, STACK_OUTPUTS, STACK_OUTPUTS_FLAGS } from './stack-outputs';
import { describeTarget, explainFailure, resolveNamed, type Target, TargetFailedError, targetLine } from './target';

/** The flags every command on the table takes to name it (besides TABLE_NAME and cdk-outputs.json). */
export const TABLE_TARGET_OPTIONS = {
  'table-name': { type: 'string' },
  ...STACK_OUTPUTS_FLAGS,
} as const;

export const TABLE_TARGET_HELP = `  --table-name NAME    the table (default: ${'$'}${STACK_OUTPUTS.tableName.env}, else the ${STACK_OUTPUTS.tableName.output} output in ${DEFAULT_OUTPUTS_FILE})
  --outputs-file FILE  where to read stack outputs (default ${DEFAULT_OUTPUTS_FILE}, from: npx cdk deploy --outputs-file ${DEFAULT_OUTPUTS_FILE})
  --stack-name NAME    the stack in that file, when it holds several`;

const TABLE_COMMAND_SETTINGS = ['tableName', 'graceSeconds', 'logLevel', 'serviceName'] as const;

/** What commands that only read or write the table need (ops status/track/untrack): no API credentials. */
export function loadTableConfig(
  env: Readonly<Record<string, string | undefined>>,
): Pick<ReaperConfig, (typeof TABLE_COMMAND_SETTINGS)[number]> {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, detail: string) => problems.push({ variable, detail });
  const values = readSettings(TABLE_COMMAND_SETTINGS, 'env', (name) => env[name], problem);
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

/** The table a command works on, the environment the reaper's config is read from, and the clients to reach it. */
export interface TableTarget {
  tableName: string;
  /** io.env with TABLE_NAME set to the table found (and the stack's secret, when asked for and nothing else names one). */
  env: Readonly<Record<string, string | undefined>>;
  clients: AwsClients;
  target: Target;
}

/**
 * Finds the table the way every ops command finds the stack (flag, then variable, then cdk-outputs.json), checks
 * the AWS settings, and says the target on stderr before anything is read or written. With `credentials`, a command
 * that calls Scenario and names no credentials takes the stack's secret (SecretArn) from the same outputs file, and
 * only when the table came from there too: a table and a secret from two different places would mix two worlds.
 */
export async function resolveTableTarget(
  command: string,
  values: Readonly<Record<string, unknown>>,
  io: OpsIo,
  options: { credentials?: boolean } = {},
): Promise<TableTarget> {
  const { sources, ...found } = resolveNamed(STACK_OUTPUTS.tableName, values, io);
  const env: Record<string, string | undefined> = { ...io.env, [ENV.tableName]: found.value };
  const credentialsNamed = [ENV.secretId, ENV.localApiKey, ENV.localApiSecret, ENV.projectsFile].some((name) => io.env[name]?.trim());
  if (options.credentials && !credentialsNamed && found.source.startsWith(sources.outputsFile ?? DEFAULT_OUTPUTS_FILE)) {
    const secret = findStackOutput(STACK_OUTPUTS.secretArn, { ...sources, flag: undefined, env: {} });
    if (secret) env[ENV.secretId] = secret;
  }
  const clients = io.awsClients ?? createAwsClients();
  await checkAwsSetup([clients.dynamo], io.env);
  const target = await describeTarget(`table ${found.value}`, found.source, clients.dynamo, 'DYNAMODB', io, sources);
  io.stderr(targetLine(command, target));
  return { tableName: found.value, env, clients, target };
}

/** Runs an AWS step on the table; its failure becomes one message naming the table, its region and the likely cause. */
export async function onTable<T>(target: Target, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if ((error as { $metadata?: unknown }).$metadata !== undefined || isConnectionRefused(error))
      throw new TargetFailedError(explainFailure(error, target));
    throw error;
  }
}
