import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import { createNodeHttpTransport } from '#reaper/adapters/node-http-transport';
import { createScenarioLockApi } from '#reaper/adapters/scenario-lock-api';
import type { LockApi } from '#reaper/core/ports';
import { median } from './stats';

/**
 * CPU per canvas (a GET and a PUT, as a verified unlock sends them) of the Scenario client alone, against a server in
 * a process of its own (its CPU is not counted), 8 canvases in flight: the client over its default transport, over
 * Node's fetch (the `fetch` option), and bare node:http requests with a keep-alive Agent (the floor under ky).
 * `npx tsx bench/micro-scenario-client.ts [--canvases=2000] [--repeats=5]`
 */
const SERVER = `
const http = require('node:http');
const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const id = decodeURIComponent(/\\/assets\\/([^/]+)/.exec(request.url)[1]);
    const body = JSON.stringify({ asset: { id, name: 'canvas', metadata: { lockExpiresAt: '2026-01-01T00:00:00.000Z', lockId: 'l1' } } });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startServer(): Promise<{ origin: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout?.once('data', (data: Buffer) => resolve(data.toString().trim())));
  return { origin: `http://127.0.0.1:${port}`, child };
}

async function inFlight(count: number, limit: number, one: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await one(next++);
    }),
  );
}

async function main(): Promise<void> {
  const args = new Map(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
  const canvases = Number(args.get('canvases') ?? 2000);
  const repeats = Number(args.get('repeats') ?? 5);
  const { origin, child } = await startServer();
  const clock = { now: () => Date.now() };
  const client = (fetchOption?: typeof fetch): LockApi =>
    createScenarioLockApi({
      baseUrl: `${origin}/v1`,
      credentials: { apiKey: 'key', apiSecret: 'secret' },
      requestTimeoutMs: 10_000,
      maxRetries: 2,
      clock,
      ...(fetchOption ? { fetch: fetchOption } : {}),
    });
  const viaClient = (api: LockApi) => async (index: number) => {
    const id = `asset_C${index}`;
    const deadlineMs = Date.now() + 60_000;
    const read = await api.readSourceLock(id, { deadlineMs });
    const freed = await api.forceUnlock(id, { deadlineMs });
    if (!read.ok || !freed.ok) throw new Error(`canvas ${id} failed`);
  };
  const agent = new http.Agent({ keepAlive: true });
  const transport = createNodeHttpTransport();
  const bare = (method: string, path: string, body?: string) =>
    new Promise<string>((resolve, reject) => {
      const request = http.request(`${origin}${path}`, { method, agent, headers: { accept: 'application/json' } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve(text));
      });
      request.on('error', reject);
      request.end(body);
    });
  const variants: [string, (index: number) => Promise<void>][] = [
    ['client (default transport)', viaClient(client())],
    ['client over fetch', viaClient(client(globalThis.fetch))],
    [
      'the transport alone (no ky)',
      async (index) => {
        const headers = { accept: 'application/json' };
        for (const [method, path, body] of [
          ['GET', `/v1/assets/asset_C${index}`, undefined],
          ['PUT', `/v1/assets/asset_C${index}/unlock`, '{"forceUnlock":true}'],
        ] as const) {
          const answer = await transport.send(new Request(`${origin}${path}`, { method }), {
            headers,
            endsAtMs: Date.now() + 10_000,
            ...(body ? { body } : {}),
          });
          JSON.parse((await answer.readBody({ maxBytes: 1_000_000 })) as string);
        }
      },
    ],
    [
      'bare node:http',
      async (index) => {
        JSON.parse(await bare('GET', `/v1/assets/asset_C${index}`));
        JSON.parse(await bare('PUT', `/v1/assets/asset_C${index}/unlock`, '{"forceUnlock":true}'));
      },
    ],
  ];
  // --only=N: that variant alone (e.g. under --cpu-prof).
  if (args.has('only')) variants.splice(0, variants.length, ...variants.filter((_, index) => index === Number(args.get('only'))));
  const results = variants.map(() => [] as number[]);
  try {
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      for (const [index, [, one]] of variants.entries()) {
        await inFlight(200, 8, one); // warm-up
        const before = process.cpuUsage();
        await inFlight(canvases, 8, one);
        const used = process.cpuUsage(before);
        results[index]?.push((used.user + used.system) / 1000 / canvases);
      }
    }
  } finally {
    agent.destroy();
    transport.close();
    child.kill();
  }
  for (const [index, [name]] of variants.entries()) {
    const values = results[index] ?? [];
    process.stdout.write(
      `${name}: median ${median(values).toFixed(3)} ms CPU per canvas [${values.map((v) => v.toFixed(3)).join(', ')}]\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`micro-scenario-client failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
