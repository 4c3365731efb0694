import { redactText } from '#reaper/adapters/redact';

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
