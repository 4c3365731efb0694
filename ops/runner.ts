import type { OpsCommand, OpsIo } from './io';
import { EXIT } from './kit/exit-codes';
import { flagsNpmTookMessage, type NpmScript } from './kit/npm-run-guard';
import { parseFlags } from './kit/parse-flags';
import { proseWriter, redactingWriter, terminalWidth } from './kit/process-output';
import { type CommandIdentity, exitForError } from './kit/report-error';
import { terminalSafe } from './kit/terminal-text';
import { wrapText } from './kit/text-table';
import { MissingTargetError, TargetFailedError } from './target';

/**
 * The one runner of every command (each ops command, and the reap bin): refuses the flags npm took (`npmScript`),
 * parses the command's flags, answers --help, runs it, and turns what it throws into a message and an exit code. Every
 * line it prints goes through the one redaction pass; on a terminal, the help and the error messages fit its width.
 */
export async function runCommand(
  command: OpsCommand,
  argv: readonly string[],
  given: OpsIo,
  identity: CommandIdentity,
  npmScript?: NpmScript,
): Promise<number> {
  const io: OpsIo = { ...given, stdout: redactingWriter(given.stdout), stderr: redactingWriter(given.stderr) };
  const npmTook = npmScript && flagsNpmTookMessage(io.env, argv, npmScript);
  if (npmTook) {
    proseWriter(io)(`${identity.name}: ${npmTook}\n`);
    return EXIT.usageOrConfig;
  }
  try {
    const { values, positionals, help } = parseFlags(argv, command.flags, command.positionals ?? { min: 0, max: 0 });
    if (!help) return await command.run(values, positionals, io);
    io.stdout(`${io.stdoutIsTerminal ? wrapText(command.usage, terminalWidth(io), 2) : command.usage}\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof MissingTargetError || error instanceof TargetFailedError) {
      io.stderr(`${identity.name}: ${terminalSafe(error.message)}\n`);
      return error instanceof MissingTargetError ? EXIT.usageOrConfig : EXIT.failed;
    }
    return exitForError(error, identity, proseWriter(io));
  }
}
