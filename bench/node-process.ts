import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeProcessOutput {
  code: number | null;
  /** Lines of stdout that start with `keepPrefix` (everything else, e.g. log lines, is read and dropped). */
  kept: string[];
  /** The end of stderr, for an error message. */
  stderrTail: string;
}

const STDERR_TAIL_CHARS = 4_000;

/**
 * Runs `node <args>` (or `command <args>`, e.g. a wrapper script that execs node) without blocking this process: the
 * local servers the child talks to may live here, and a synchronous spawn would stop them from answering.
 */
export function runNode(
  args: readonly string[],
  options: { keepPrefix: string; env?: NodeJS.ProcessEnv; command?: string },
): Promise<NodeProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command ?? process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    });
    const kept: string[] = [];
    let stderrTail = '';
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(options.keepPrefix)) kept.push(line.slice(options.keepPrefix.length));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, kept, stderrTail }));
  });
}

/** Runs a node process that must print exactly one `prefix{json}` line, and returns the parsed JSON. */
export async function runNodeForResult<T>(args: readonly string[], prefix: string, env?: NodeJS.ProcessEnv, command?: string): Promise<T> {
  const output = await runNode(args, { keepPrefix: prefix, ...(env ? { env } : {}), ...(command ? { command } : {}) });
  const line = output.kept.at(-1);
  if (output.code !== 0 || line === undefined) {
    throw new Error(`node ${args[0] ?? ''} exited with ${String(output.code)} and no result:\n${output.stderrTail}`);
  }
  return JSON.parse(line) as T;
}
