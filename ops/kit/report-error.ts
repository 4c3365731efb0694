import { CredentialsError } from '#reaper/adapters/credentials';
import { ConfigError } from '#reaper/config';
import { errorMessage } from '#reaper/core/error-message';
import { AwsSetupError } from './aws-setup';
import { ClockSkewError } from './clock-skew';
import { EXIT } from './exit-codes';
import { terminalSafe } from './terminal-text';
import { UsageError } from './usage-error';

/** How a command names itself in its error lines. */
export interface CommandIdentity {
  /** The prefix of its lines: "reap", "ops status". */
  name: string;
  /** Its full help; only the first line (the synopsis) is repeated after a usage mistake. */
  usage: string;
  /** How to read the full help: "npm run ops -- status --help". */
  helpCommand: string;
}

/** The first line of a help text: the synopsis. */
export function usageLine(usage: string): string {
  return usage.split('\n')[0] ?? usage;
}

/**
 * The one place a command's thrown error becomes a message and an exit code: a usage mistake or a setup problem
 * (configuration, credentials, AWS region or profile) exits 2 saying what to fix; anything else exits 1.
 */
export function exitForError(error: unknown, command: CommandIdentity, stderr: (text: string) => void): number {
  if (error instanceof UsageError) {
    stderr(`${command.name}: ${terminalSafe(error.message)}\n${usageLine(command.usage)}\nSee: ${command.helpCommand}\n`);
    return EXIT.usageOrConfig;
  }
  const problem = setupProblem(error);
  if (problem !== undefined) {
    // Each line escaped on its own: a list of problems keeps its line breaks, nothing inside a line acts on the terminal.
    stderr(`${command.name}: ${problem.split('\n').map(terminalSafe).join('\n')}\n(nothing was done)\n`);
    return EXIT.usageOrConfig;
  }
  stderr(`${command.name}: unexpected error: ${terminalSafe(errorMessage(error))}\n`);
  return EXIT.failed;
}

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
