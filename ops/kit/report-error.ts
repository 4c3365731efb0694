import { terminalSafe } from '#reaper/adapters/terminal-text';
import { errorMessage } from '#reaper/core/error-message';
import { EXIT } from './exit-codes';
import { setupProblem } from './setup-errors';
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
