import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '#reaper/settings';
import { AwsSetupError, isConnectionRefused, LOCAL_WORLD_QUESTION } from './aws-setup';
import { brakeRowKeyRead } from './clock-skew';
import { terminalSafe } from './terminal-text';

type Env = Readonly<Record<string, string | undefined>>;

/** The variables that point the SDK's DynamoDB client at another endpoint (the local world sets the first). */
const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL'] as const;

/**
 * Runs the command's first read of the table (the clock check's, or a GetItem of the brake's row: a read every run does
 * anyway, so no extra permission), so that a wrong TABLE_NAME, region or stopped local world stops the command with
 * its cause (exit 2, nothing done) instead of a run cut short "reading the brake's state" with the SDK's words. Any
 * other error is left to the caller.
 */
export async function firstTableRead<T>(
  read: () => Promise<T>,
  target: { dynamo: DynamoDBClient; tableName: string; env: Env },
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const problem = await tableProblem(error, target.dynamo, target.tableName, target.env);
    if (problem === undefined) throw error;
    throw new AwsSetupError(problem);
  }
}

/** The table answers (see firstTableRead), for a command that has no read of its own to make first. */
export async function assertTableReachable(dynamo: DynamoDBClient, tableName: string, env: Env): Promise<void> {
  await firstTableRead(() => dynamo.send(brakeRowKeyRead(tableName)), { dynamo, tableName, env });
}

async function tableProblem(error: unknown, dynamo: DynamoDBClient, tableName: string, env: Env): Promise<string | undefined> {
  const endpointVariable = ENDPOINT_VARIABLES.find((name) => env[name]);
  const at = endpointVariable ? ` at ${terminalSafe(env[endpointVariable] ?? '')} (${endpointVariable})` : '';
  if (error instanceof Error && error.name === 'ResourceNotFoundException') {
    const region = await dynamo.config.region().catch(() => '?');
    return (
      `table \`${terminalSafe(tableName)}\` was not found in region ${terminalSafe(region)} (${ENV.tableName})${at}: ` +
      'check the name (the stack output TableName), AWS_REGION and AWS_PROFILE'
    );
  }
  if (isConnectionRefused(error) && endpointVariable) {
    return `nothing answers at ${terminalSafe(env[endpointVariable] ?? '')} (${endpointVariable}): connection refused; ${LOCAL_WORLD_QUESTION}`;
  }
  return undefined;
}
