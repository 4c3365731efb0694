import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';

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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
