import dynalite from 'dynalite';
import { listenOnLoopback } from './loopback-server';

export interface LocalDynamoDb {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_DYNAMODB or a client's `endpoint`. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite, a DynamoDB server held in memory, on a loopback port chosen by the OS.
 * The unchanged AWS SDK client talks to it over a real socket.
 */
export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const listening = await listenOnLoopback(server);
  return { endpoint: listening.origin, close: listening.close };
}
