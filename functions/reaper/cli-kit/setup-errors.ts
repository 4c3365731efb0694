import { CredentialsError } from '../adapters/credentials';
import { ConfigError } from '../config';
import { AwsSetupError } from './aws-setup';

/**
 * The message for an error the person running a command must fix before anything can be done (exit 2), or
 * undefined for any other error. The one place that knows which errors those are.
 */
export function setupProblem(error: unknown): string | undefined {
  if (error instanceof ConfigError) return `configuration error: ${error.message}`;
  if (error instanceof CredentialsError) return `credentials error: ${error.message}`;
  if (error instanceof AwsSetupError) return error.message;
  return undefined;
}
