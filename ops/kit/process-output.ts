import { createInterface } from 'node:readline/promises';
import { redactText } from '#reaper/adapters/redact';
import type { OpsIo } from '../io';
import { type CommandIdentity, exitForError } from './report-error';
import { wrapText } from './text-table';

/** Errors a write gets once the reader has gone (`| head -30` read its lines and closed the pipe). */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * A writer for process.stdout or process.stderr that ends quietly when the reader closes the pipe: the first
 * EPIPE marks the stream closed and later output is dropped, instead of an unhandled 'error' event printing a stack
 * trace. The command itself carries on (a reap finishes and releases its claims) and exits with its own code.
 * The listener also covers other writers of the same stream (the logger's console). What it writes goes through
 * the one redaction pass first (adapters/redact.ts), like every log line.
 */
export function pipeSafeWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let readerGone = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== undefined && READER_GONE.has(error.code)) {
      readerGone = true;
      return;
    }
    throw error;
  });
  return (text) => {
    if (!readerGone) stream.write(redactText(text));
  };
}

/** A line writer that redacts what it is given first: every command's stdout and stderr go through one. */
export function redactingWriter(write: (text: string) => void): (text: string) => void {
  return (text) => write(redactText(text));
}

/** A terminal's width when it does not say (a pseudo-terminal of size 0, a terminal that reports none). */
export const DEFAULT_TERMINAL_COLUMNS = 80;

/** The terminal's width, when it says one (80 when it does not). */
export function terminalWidth(io: Pick<OpsIo, 'terminalColumns'>): number {
  return io.terminalColumns !== undefined && io.terminalColumns > 0 ? io.terminalColumns : DEFAULT_TERMINAL_COLUMNS;
}

/** stderr for a message: on a terminal, wrapped to its width. */
export function proseWriter(io: OpsIo): (text: string) => void {
  if (!io.stderrIsTerminal) return io.stderr;
  const width = terminalWidth(io);
  return (text) => io.stderr(wrapText(text, width, 2));
}

async function confirmOnTerminal(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question}\nType "yes" to go on: `);
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    prompt.close();
  }
}

/**
 * The process entry of both bins (canvas-reaper, canvas-reaper-ops): runs `main` on this process's arguments,
 * streams and terminal, and sets the exit code it returns (or the one `command`'s error report gives).
 */
export function runProcess(
  main: (argv: readonly string[], io: OpsIo) => Promise<number>,
  command: CommandIdentity,
  stderrFor: (io: OpsIo) => (text: string) => void = (io) => io.stderr,
): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const io: OpsIo = {
    env: process.env,
    stdout: pipeSafeWriter(process.stdout),
    stderr: pipeSafeWriter(process.stderr),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    confirm: confirmOnTerminal,
    cwd: process.cwd(),
    stdoutIsTerminal: process.stdout.isTTY === true,
    stderrIsTerminal: process.stderr.isTTY === true,
    // The width of the terminal (stdout's, else stderr's); a pseudo-terminal of unknown size says 0.
    terminalColumns: process.stdout.columns || process.stderr.columns || DEFAULT_TERMINAL_COLUMNS,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = exitForError(error, command, stderrFor(io));
    },
  );
}
