import { CredentialsError } from '#reaper/adapters/credentials';
import { ConfigError } from '#reaper/config';
import { AwsSetupError } from './aws-setup';
import { ClockSkewError } from './clock-skew';

/**
 * The message for an error the person running a command must fix before anything can be done (exit 2: a
 * configuration, credentials, AWS setup or clock problem), or
 * undefined for any other error. The one place that knows which errors those are.
 */
export function setupProblem(error: unknown): string | undefined {
  if (error instanceof ConfigError) {
    // Every mistake at once, one variable a line, so a person fixes them in one go.
    if (error.problems.length <= 1) return `configuration error: ${error.message}`;
    return `${error.problems.length} configuration errors:\n${error.problems.map((p) => `  ${p.variable}: ${p.detail}`).join('\n')}`;
  }
  if (error instanceof CredentialsError) return `credentials error: ${error.message}`;
  if (error instanceof AwsSetupError) return error.message;
  if (error instanceof ClockSkewError) return `clock error: ${error.message}`;
  return undefined;
}
