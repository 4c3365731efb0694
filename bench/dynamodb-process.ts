import { startLocalDynamoDb } from '#local/local-dynamodb';
import { ENDPOINT_PREFIX } from './dynamodb-server';

/**
 * dynalite in a process of its own: its request handling (a Scan page of thousands of items is tens of
 * milliseconds of JavaScript) then neither runs on the reaper's thread nor delays the API stand-in's timers.
 * Prints its endpoint once, then serves until its parent ends it.
 */
async function main(): Promise<void> {
  const server = await startLocalDynamoDb();
  process.stdout.write(`${ENDPOINT_PREFIX}${server.endpoint}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent closes our stdin when it goes, even if it could not signal us.
  process.stdin.on('end', stop).resume();
}

void main();
