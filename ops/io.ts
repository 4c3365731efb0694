import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../functions/reaper/wiring';

/** Exit codes shared with `npm run reap`: ops scripts rely on them. */
export { EXIT } from '../functions/reaper/cli';

/** Everything a command touches outside itself, so tests can run it in process. */
export interface OpsIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** A person at a terminal: only then show progress and ask for confirmation. */
  interactive: boolean;
  /** Asks a yes/no question on the terminal; resolves true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
  /** Directory where cdk-outputs.json is looked for. */
  cwd: string;
  awsClients?: AwsClients;
  lambda?: LambdaClient;
}

export type OpsCommand = (argv: readonly string[], io: OpsIo) => Promise<number>;

/** A mistake in the command line; the command prints its usage with it and exits 2. */
export class UsageError extends Error {}

/** node:util parseArgs, strict, with its errors turned into UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: T,
  positionals: { min: number; max: number },
) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, unknown>;
  if (!values.help && (parsed.positionals.length < positionals.min || parsed.positionals.length > positionals.max)) {
    throw new UsageError(
      positionals.max === 0
        ? `unexpected argument ${JSON.stringify(parsed.positionals[0])}`
        : `expected ${positionals.min === positionals.max ? positionals.min : `${positionals.min} to ${positionals.max}`} argument(s), got ${parsed.positionals.length}`,
    );
  }
  return { values, positionals: parsed.positionals, help: values.help === true };
}

/** Runs a validator whose error is a usage mistake. */
export function asUsage<T>(validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
