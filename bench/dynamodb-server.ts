import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** The line bench/dynamodb-process.ts prints once it listens. */
export const ENDPOINT_PREFIX = 'DYNAMODB_ENDPOINT ';

export interface DynamoDbServerProcess {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** Starts bench/dynamodb-process.ts (dynalite) in a child process and waits for its endpoint. */
export function startDynamoDbServerProcess(): Promise<DynamoDbServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'dynamodb-process.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the local DynamoDB process did not start')), START_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the local DynamoDB process exited early (${String(code)})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith(ENDPOINT_PREFIX)) return;
      clearTimeout(timer);
      resolve({
        endpoint: line.slice(ENDPOINT_PREFIX.length),
        pid: child.pid!,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
