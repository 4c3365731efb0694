import { type SpawnOptions, spawn } from 'node:child_process';

/** What a command run as its own process left behind: its exit code (null when a signal ended it) and what it printed. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command as its own process to its end and keeps what it printed. Asynchronous on purpose: the vitest main
 * process hosts the local DynamoDB, which a blocking call would starve. A program that cannot start rejects.
 */
export function runToEnd(command: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): Promise<Ran> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
