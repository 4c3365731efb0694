import { randomBytes } from 'node:crypto';
import type { StandInLogEvent } from './cloudwatch-logs-stand-in';

export interface FunctionLog {
  /** The log stream of this "execution environment", named the way Lambda names them. */
  readonly logStreamName: string;
  /**
   * Runs one invocation and keeps, as log events, every line written to stdout and stderr meanwhile (where
   * Powertools Logger and Metrics write), framed by Lambda's START/END/REPORT lines. The lines still reach the terminal.
   */
  invocation<T>(requestId: string, run: () => Promise<T>): Promise<T>;
  /** Puts process.stdout/stderr back as they were. */
  restore(): void;
}

type Write = typeof process.stdout.write;

/**
 * Keeps what a function run in this process writes, the way Lambda ships a function's stdout/stderr to its log
 * group. Meant for a process that hosts the function and writes nothing else while an invocation runs (the local
 * world); lines written by anything else during an invocation would be kept too.
 */
export function keepFunctionLog(put: (event: StandInLogEvent) => void): FunctionLog {
  const logStreamName = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
  const keep = (message: string) => put({ logStreamName, timestamp: Date.now(), message });
  let active = 0;
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  const pending = streams.map(() => '');

  streams.forEach((stream, index) => {
    const original = originals[index]!;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      if (active > 0) {
        pending[index] += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        const lines = pending[index]!.split('\n');
        pending[index] = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) keep(line);
      }
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as Write;
  });

  const flushPending = () => {
    pending.forEach((text, index) => {
      if (text.trim()) keep(text);
      pending[index] = '';
    });
  };

  return {
    logStreamName,
    async invocation(requestId, run) {
      const startedAt = performance.now();
      keep(`START RequestId: ${requestId} Version: $LATEST`);
      active += 1;
      try {
        return await run();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        keep(
          `${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify({ errorType: failure.name, errorMessage: failure.message })}`,
        );
        throw error;
      } finally {
        active -= 1;
        if (active === 0) flushPending();
        const durationMs = performance.now() - startedAt;
        keep(`END RequestId: ${requestId}`);
        keep(`REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms`);
      }
    },
    restore() {
      streams.forEach((stream, index) => {
        stream.write = originals[index]!;
      });
    },
  };
}
