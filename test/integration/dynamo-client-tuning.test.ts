import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTrackedCanvasTable, deleteTable, localDynamoClient, localEndpointSettings } from '#local/tracked-canvas-table';
import { brakeRowKeyRead, readAwsClock } from '#ops/kit/clock-skew';
import { createDynamoClient, DYNAMODB_CONNECTION_TIMEOUT_MS, DYNAMODB_REQUEST_TIMEOUT_MS } from '#reaper/wiring';
import { benchDynamoClient } from '../../bench/reaper-clients';

/**
 * What production's DynamoDB client skips per call (issue 20), seen from outside: the middleware stack of a command
 * class is resolved once, not per send; the SigV4 signer is built once, yet still asks the credentials at each
 * signing. And the bench's reaper process measures that client, not a plain one.
 */

/**
 * Counts how often the client's middleware stack is resolved: the SDK calls each middleware's factory with
 * (next, context) once per resolution, then the handler it returned once per request.
 */
function countResolutions(client: DynamoDBClient): { resolved: number; requests: number } {
  const counts = { resolved: 0, requests: 0 };
  client.middlewareStack.add(
    (next) => {
      counts.resolved += 1;
      return (args) => {
        counts.requests += 1;
        return next(args);
      };
    },
    { step: 'initialize', name: 'countResolutions' },
  );
  return counts;
}

async function twoListTables(client: DynamoDBClient): Promise<void> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    await client.send(new ListTablesCommand({ Limit: 2 }));
  } finally {
    client.destroy();
  }
}

describe('createDynamoClient', () => {
  it('resolves the middleware of a command class once for two sends (the SDK handler cache is on)', async () => {
    const client = createDynamoClient(localEndpointSettings(inject('dynamoEndpoint')));
    const counts = countResolutions(client);
    await twoListTables(client);
    expect(counts).toEqual({ resolved: 1, requests: 2 });
  });

  it('a plain SDK client resolves it at every send (what the cache saves)', async () => {
    const client = localDynamoClient(inject('dynamoEndpoint'));
    const counts = countResolutions(client);
    await twoListTables(client);
    expect(counts).toEqual({ resolved: 2, requests: 2 });
  });

  it("runs a command's own middleware though a command of its class was sent before (the clock check after the table's first read)", async () => {
    const endpoint = inject('dynamoEndpoint');
    const tableName = `tuning-${process.pid}-${Date.now()}`;
    const setUp = localDynamoClient(endpoint);
    await createTrackedCanvasTable(setUp, tableName);
    const client = createDynamoClient(localEndpointSettings(endpoint));
    try {
      // The ops commands read the brake row first (is the table there?), then the clock check sends a GetItem of its
      // own whose middleware reads the answer's Date header.
      await client.send(brakeRowKeyRead(tableName));
      const clock = await readAwsClock(client, tableName, { now: () => Date.now() });
      expect(Number.isFinite(clock.dateHeaderMs)).toBe(true);
      expect(clock.sentAtMs).toBeGreaterThan(0);
    } finally {
      client.destroy();
      await deleteTable(setUp, tableName);
      setUp.destroy();
    }
  });

  it('signs every request with one signer, built once (a plain SDK client builds one per request)', async () => {
    const signersOf = async (client: DynamoDBClient) => {
      const built = client.config.signer;
      const signers: unknown[] = [];
      client.config.signer = async (authScheme) => {
        const signer = await built(authScheme);
        signers.push(signer);
        return signer;
      };
      await twoListTables(client);
      return signers;
    };
    const ours = await signersOf(createDynamoClient(localEndpointSettings(inject('dynamoEndpoint'))));
    expect(ours).toHaveLength(2);
    expect(ours[1]).toBe(ours[0]);
    const plain = await signersOf(localDynamoClient(inject('dynamoEndpoint')));
    expect(plain).toHaveLength(2);
    expect(plain[1]).not.toBe(plain[0]);
  });
});

describe('createDynamoClient signs every request as the SDK does', () => {
  let server: Server;
  let endpoint: string;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers);
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{"TableNames":[]}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('with the credentials current at each request (a refreshed key signs the next request) and the same scope', async () => {
    let issued = 0;
    // Expired on arrival: the SDK asks the provider again before each request, as it would for expiring role keys.
    const credentials = async () => {
      issued += 1;
      return { accessKeyId: `key-${issued}`, secretAccessKey: 'secret', expiration: new Date(0) };
    };
    seen.length = 0;
    await twoListTables(createDynamoClient({ endpoint, region: 'eu-west-1', credentials }));
    const oursSeen = seen.splice(0);
    issued = 0;
    await twoListTables(new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials }));

    const scopes = (headers: IncomingHttpHeaders[]) =>
      headers.map((h) => /Credential=([^,]+), SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(h.authorization ?? '')?.slice(1));
    const ours = scopes(oursSeen);
    // The key changed between the two requests: the reused signer asked the credentials again.
    const keys = ours.map((scope) => scope?.[0]?.split('/')[0]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^key-\d+$/);
    expect(keys[1]).toMatch(/^key-\d+$/);
    expect(keys[1]).not.toBe(keys[0]);
    expect(ours.map((scope) => scope?.[0]?.split('/').slice(2).join('/'))).toEqual([
      'eu-west-1/dynamodb/aws4_request',
      'eu-west-1/dynamodb/aws4_request',
    ]);
    // The same keys, credential scope and signed headers as a plain SDK client's.
    expect(ours).toEqual(scopes(seen));
  });
});

describe("the bench's reaper process", () => {
  it("uses production's client: handler cache on and production's attempt bounds; the naive reaper keeps a plain client", async () => {
    const dynamoEndpoint = inject('dynamoEndpoint');
    const reaperClient = benchDynamoClient({ mode: 'reaper', dynamoEndpoint });
    const reaperCounts = countResolutions(reaperClient);
    const handler = reaperClient.config.requestHandler as unknown as { httpHandlerConfigs(): Record<string, unknown> };
    await twoListTables(reaperClient);
    expect(reaperCounts.resolved).toBe(1);
    expect(handler.httpHandlerConfigs()).toMatchObject({
      requestTimeout: DYNAMODB_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      connectionTimeout: DYNAMODB_CONNECTION_TIMEOUT_MS,
    });

    const naiveClient = benchDynamoClient({ mode: 'naive', dynamoEndpoint });
    const naiveCounts = countResolutions(naiveClient);
    await twoListTables(naiveClient);
    expect(naiveCounts.resolved).toBe(2);
  });
});
