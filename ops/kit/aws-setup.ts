import { terminalSafe } from '#reaper/adapters/terminal-text';
import type { ReaperConfig } from '#reaper/config';
import type { AwsClients } from '#reaper/wiring';

type Env = Readonly<Record<string, string | undefined>>;

/** The AWS SDK's own settings (region, credentials) cannot be used: the person must fix their shell or profile. */
export class AwsSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsSetupError';
  }
}

/** What to ask when a local endpoint refuses the connection: the local world has probably stopped. */
export const LOCAL_WORLD_QUESTION =
  'is `npm run local` still running? (start it, then in this shell: eval "$(npm run -s local -- --print-env)")';

/** The connection was refused (by the error or any of its causes): nothing listens at the endpoint. */
export function isConnectionRefused(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = (cause as Error & { cause?: unknown }).cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(cause.message)) return true;
  }
  return (error as { code?: unknown } | null)?.code === 'ECONNREFUSED';
}

/** What an AWS SDK client exposes of its resolved settings; both are resolved lazily, at the first request. */
export interface AwsClientSettings {
  config: { region: () => Promise<string>; credentials: () => Promise<unknown> };
}

/**
 * Resolves each client's region and credentials before anything is read or written, so a missing region or a
 * profile that does not exist stops the command with the fix (exit 2) instead of surfacing as a failed read
 * (exit 1) with the SDK's text.
 */
export async function checkAwsSetup(clients: readonly AwsClientSettings[], env: Env): Promise<void> {
  for (const client of clients) {
    try {
      await client.config.region();
    } catch {
      throw new AwsSetupError(
        `no AWS region: set AWS_REGION (for example: export AWS_REGION=eu-west-1)${env.AWS_PROFILE ? `, or a region for profile "${terminalSafe(env.AWS_PROFILE)}" in ~/.aws/config` : ''}`,
      );
    }
    try {
      await client.config.credentials();
    } catch (error) {
      throw new AwsSetupError(credentialsAdvice(env, error));
    }
  }
}

function credentialsAdvice(env: Env, error: unknown): string {
  const reason = error instanceof Error ? ` (${terminalSafe(error.message.split('\n')[0] ?? '')})` : '';
  const profile = env.AWS_PROFILE;
  if (profile) {
    const name = terminalSafe(profile);
    return `AWS credentials could not be loaded for profile "${name}" (AWS_PROFILE)${reason}: check the name (aws configure list-profiles), or sign in (aws sso login --profile ${name})`;
  }
  return `AWS credentials could not be loaded${reason}: set AWS_PROFILE to a profile in ~/.aws/config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
}

/** The clients a reap (or ops unlock) will call: the table always, Secrets Manager when the credentials live there. */
export function checkReaperAwsSetup(config: Pick<ReaperConfig, 'credentials'>, clients: AwsClients, env: Env): Promise<void> {
  return checkAwsSetup(config.credentials.kind === 'secrets-manager' ? [clients.dynamo, clients.secrets] : [clients.dynamo], env);
}
