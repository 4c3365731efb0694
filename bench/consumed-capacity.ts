import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Capacity the local DynamoDB server reported for the requests one client sent, and how long they took. */
export interface CapacityTally {
  /** Read capacity units (Scan, Query, GetItem, BatchGetItem). */
  readUnits: number;
  /** Write capacity units (UpdateItem and the other writes). */
  writeUnits: number;
  /** Read units of Scan requests alone: the cost of finding stale locks. */
  scanReadUnits: number;
  scanPages: number;
  scannedItems: number;
  /** Requests per command name, e.g. { ScanCommand: 34, UpdateItemCommand: 4000 }. */
  requests: Record<string, number>;
  /** Milliseconds spent in client.send per command name, summed (serialising, signing, the round trip, parsing). */
  requestMs: Record<string, number>;
}

const READS = new Set(['ScanCommand', 'QueryCommand', 'GetItemCommand', 'BatchGetItemCommand']);
const WRITES = new Set(['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/**
 * Asks the server for ConsumedCapacity on every read and write this client sends, and adds it up. The production
 * store never asks for it; the bench adds the parameter in SDK middleware so the code under test stays unchanged.
 * (dynalite answers it as DynamoDB bills: a Scan page costs its scanned items' full sizes, rounded up to 4 KB,
 * halved for an eventually consistent read; a projection does not lower it.)
 */
export function meterConsumedCapacity(client: DynamoDBClient): CapacityTally {
  const tally: CapacityTally = {
    readUnits: 0,
    writeUnits: 0,
    scanReadUnits: 0,
    scanPages: 0,
    scannedItems: 0,
    requests: {},
    requestMs: {},
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      tally.requests[command] = (tally.requests[command] ?? 0) + 1;
      const metered = READS.has(command) || WRITES.has(command);
      const started = performance.now();
      const result = await next(
        metered ? { ...args, input: { ...(args.input as object), ReturnConsumedCapacity: 'TOTAL' } } : args,
      ).finally(() => {
        tally.requestMs[command] = (tally.requestMs[command] ?? 0) + performance.now() - started;
      });
      if (!metered) return result;
      const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[]; ScannedCount?: number };
      const reported = output.ConsumedCapacity;
      const units = (Array.isArray(reported) ? reported : reported ? [reported] : []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      if (READS.has(command)) tally.readUnits += units;
      else tally.writeUnits += units;
      if (command === 'ScanCommand') {
        tally.scanReadUnits += units;
        tally.scanPages += 1;
        tally.scannedItems += output.ScannedCount ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity', override: true },
  );
  return tally;
}
