import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../core/ports';

export interface ApiCredentials {
  apiKey: string;
  apiSecret: string;
}

export interface CredentialsProvider {
  get(): Promise<ApiCredentials>;
  /** Forget the cached value (after the API refused it: the secret may have been rotated). */
  invalidate(): void;
}

/** A credentials problem; the message names the source and what is wrong, never the value. */
export class CredentialsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialsError';
  }
}

export function staticCredentials(credentials: ApiCredentials): CredentialsProvider {
  return { get: async () => credentials, invalidate: () => undefined };
}

/**
 * Reads {"apiKey","apiSecret"} from Secrets Manager and keeps it for `cacheSeconds`, so a warm Lambda does not
 * call Secrets Manager every five minutes, yet picks up a rotated secret within that time.
 */
export function secretsManagerCredentials(options: {
  client: SecretsManagerClient;
  secretId: string;
  cacheSeconds: number;
  clock: Clock;
}): CredentialsProvider {
  let cached: { value: ApiCredentials; fetchedAtMs: number } | undefined;
  return {
    async get() {
      const now = options.clock.now();
      if (cached && now - cached.fetchedAtMs < options.cacheSeconds * 1000) return cached.value;
      let secretString: string | undefined;
      try {
        const answer = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
        secretString = answer.SecretString;
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new CredentialsError(`reading secret ${options.secretId} failed: ${reason}`);
      }
      const value = parseSecretValue(secretString, options.secretId);
      cached = { value, fetchedAtMs: now };
      return value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** Validates the secret's shape; the messages say what is missing and never echo any part of the value. */
export function parseSecretValue(secretString: string | undefined, secretId: string): ApiCredentials {
  const where = `secret ${secretId}`;
  if (secretString === undefined || secretString.trim() === '') {
    throw new CredentialsError(`${where} has no string value; set it to {"apiKey":"…","apiSecret":"…"}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new CredentialsError(`${where} is not JSON; expected {"apiKey":"…","apiSecret":"…"}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CredentialsError(`${where} is JSON but not an object; expected {"apiKey":"…","apiSecret":"…"}`);
  }
  const { apiKey, apiSecret } = parsed as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof apiKey !== 'string' || apiKey.trim() === '') problems.push('"apiKey" is missing or not a non-empty string');
  if (typeof apiSecret !== 'string' || apiSecret.trim() === '') problems.push('"apiSecret" is missing or not a non-empty string');
  if (problems.length > 0) throw new CredentialsError(`${where}: ${problems.join('; ')}`);
  return { apiKey: (apiKey as string).trim(), apiSecret: (apiSecret as string).trim() };
}
