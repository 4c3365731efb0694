import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoopbackServer, listenOnLoopback } from '#local/loopback-server';
import { BodyTimeout, createNodeHttpTransport, HeadTimeout, TOO_LARGE } from '#reaper/adapters/node-http-transport';
import { createScenarioLockApi, MAX_RESPONSE_BYTES } from '#reaper/adapters/scenario-lock-api';
import type { Clock, LockApi } from '#reaper/core/ports';

/**
 * The Scenario client's transport (issue 20 part 3: ky over node:http instead of Node's fetch), pinned against a real
 * local HTTP server whose every answer a test scripts: what it sends, what each network failure becomes for the retry
 * policy (kind, attempts, possibly applied), the socket cut on every early end, keep-alive reuse, redirects refused.
 * Each case holds with the client's default transport; none depends on how fast the machine is.
 */

const API_KEY = 'key-transport';
const API_SECRET = 'secret-transport';
const clock: Clock = { now: () => Date.now() };

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socketId: number;
}

/** A local server: `answer` decides each request's fate; every request and every socket's end is recorded. */
async function startServer(answer: (request: Seen, response: ServerResponse, socket: Socket) => void) {
  const seen: Seen[] = [];
  const socketIds = new Map<Socket, number>();
  const closedSockets: number[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const socket = request.socket;
      const entry: Seen = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socketId: socketIds.get(socket) ?? -1,
      };
      seen.push(entry);
      answer(entry, response, socket);
    });
  });
  server.on('connection', (socket: Socket) => {
    const id = socketIds.size + 1;
    socketIds.set(socket, id);
    socket.on('close', () => closedSockets.push(id));
  });
  const listening = await listenOnLoopback(server);
  return Object.assign(listening, { seen, closedSockets, connections: () => socketIds.size });
}

const assetAnswer = (id: string) => JSON.stringify({ asset: { id, metadata: { lockExpiresAt: null } } });
const answerAsset = (request: Seen, response: ServerResponse) => {
  const id = decodeURIComponent(/\/assets\/([^/]+)/.exec(request.url)?.[1] ?? '');
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(assetAnswer(id));
};

function lockApiAt(origin: string, overrides: { requestTimeoutMs?: number; maxRetries?: number } = {}): LockApi {
  return createScenarioLockApi({
    baseUrl: `${origin}/v1`,
    credentials: { apiKey: API_KEY, apiSecret: API_SECRET },
    requestTimeoutMs: overrides.requestTimeoutMs ?? 5_000,
    maxRetries: overrides.maxRetries ?? 0,
    clock,
  });
}

/** Polls until `condition` holds (a socket close is seen by the server a moment after the client cuts it). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

const farDeadline = () => Date.now() + 60_000;

describe('the Scenario client over node:http (issue 20 part 3)', () => {
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const start = async (answer: Parameters<typeof startServer>[0]) => {
    const server = await startServer(answer);
    servers.push(server);
    return server;
  };

  it('sends what Scenario expects: method, path, Basic auth, accept, user-agent, and the unlock JSON with its content type', async () => {
    const server = await start(answerAsset);
    const api = lockApiAt(server.origin);

    expect(await api.readSourceLock('asset_sends', { deadlineMs: farDeadline() })).toMatchObject({ ok: true, attempts: 1 });
    expect(await api.forceUnlock('asset_sends', { deadlineMs: farDeadline() })).toMatchObject({ ok: true, attempts: 1 });

    const basic = `Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`;
    const [get, put] = server.seen;
    expect(get).toMatchObject({ method: 'GET', url: '/v1/assets/asset_sends', body: '' });
    expect(get?.headers).toMatchObject({ authorization: basic, accept: 'application/json', 'user-agent': 'canvas-lock-reaper/0.1' });
    expect(put).toMatchObject({ method: 'PUT', url: '/v1/assets/asset_sends/unlock', body: '{"forceUnlock":true}' });
    expect(put?.headers).toMatchObject({
      authorization: basic,
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': '20',
    });
  });

  it('keep-alive: requests one after another share one connection', async () => {
    const server = await start(answerAsset);
    const api = lockApiAt(server.origin);

    for (const id of ['asset_ka1', 'asset_ka2', 'asset_ka3']) {
      expect(await api.readSourceLock(id, { deadlineMs: farDeadline() })).toMatchObject({ ok: true });
      expect(await api.forceUnlock(id, { deadlineMs: farDeadline() })).toMatchObject({ ok: true });
    }

    expect(server.seen).toHaveLength(6);
    expect(server.connections()).toBe(1);
    expect(new Set(server.seen.map((request) => request.socketId))).toEqual(new Set([1]));
  });

  it('the run deadline aborts a request mid-flight: out-of-time, the PUT possibly applied, its connection cut', async () => {
    const server = await start(() => undefined); // accepts, never answers
    const api = lockApiAt(server.origin, { requestTimeoutMs: 30_000 });

    const result = await api.forceUnlock('asset_abortMid', { deadlineMs: Date.now() + 300 });

    expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'out-of-time', attempts: 1, possiblyApplied: true }) });
    expect(server.seen).toHaveLength(1);
    await eventually(() => server.closedSockets.includes(1), 'the aborted request’s connection closed');
  });

  it('a deadline that passes during the check before a retry: the retry is never sent (out-of-time)', async () => {
    const server = await start((_request, response) => {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end('{"message":"busy"}');
    });
    const api = lockApiAt(server.origin, { maxRetries: 2 });
    const deadlineMs = Date.now() + 1_000;
    const slowCheck = async () => {
      while (Date.now() <= deadlineMs) await new Promise((resolve) => setTimeout(resolve, 50));
      return { retry: true as const };
    };

    const result = await api.forceUnlock('asset_lateRetry', { deadlineMs, mayRetry: slowCheck });

    expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'out-of-time', possiblyApplied: true }) });
    expect(server.seen).toHaveLength(1);
  });

  it('the request timeout before any header: timeout, retried on a new connection (the old one cut), the GET never possibly applied', async () => {
    const server = await start(() => undefined);
    const api = lockApiAt(server.origin, { requestTimeoutMs: 200, maxRetries: 1 });

    const result = await api.readSourceLock('asset_noHeaders', { deadlineMs: farDeadline() });

    expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'timeout', attempts: 2, possiblyApplied: false }) });
    expect(server.seen.map((request) => request.socketId)).toEqual([1, 2]);
    await eventually(() => server.closedSockets.includes(1) && server.closedSockets.includes(2), 'both connections closed');
  });

  it('a body larger than the cap: reading stops there and the connection is cut; a GET fails, a PUT is possibly applied', async () => {
    const big = Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0x20);
    const server = await start((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(big);
    });
    const api = lockApiAt(server.origin);

    const get = await api.readSourceLock('asset_bigGet', { deadlineMs: farDeadline() });
    const put = await api.forceUnlock('asset_bigPut', { deadlineMs: farDeadline() });

    const tooLarge = `200 answer is larger than ${MAX_RESPONSE_BYTES} bytes`;
    expect(get).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'bad-response', status: 200, possiblyApplied: false }) });
    expect(get.ok ? '' : get.failure.message).toContain(tooLarge);
    expect(put).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'bad-response', status: 200, possiblyApplied: true }) });
    expect(server.seen.map((request) => request.socketId)).toEqual([1, 2]);
    await eventually(() => server.closedSockets.includes(1), 'the connection of the too large answer closed');
  });

  it('a reset after the PUT was written: network-error, possibly applied', async () => {
    const server = await start((_request, _response, socket) => socket.destroy());
    const api = lockApiAt(server.origin, { maxRetries: 0 });

    const result = await api.forceUnlock('asset_resetPut', { deadlineMs: farDeadline() });

    expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'network-error', attempts: 1, possiblyApplied: true }) });
    expect(server.seen).toHaveLength(1);
  });

  it('a reset before any answer is a network error the GET retries (and a reset mid-body too)', async () => {
    let calls = 0;
    const server = await start((request, response, socket) => {
      calls += 1;
      if (calls === 1) socket.destroy();
      else if (calls === 2) {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        response.write('{"asset":');
        setTimeout(() => socket.destroy(), 20);
      } else answerAsset(request, response);
    });
    const api = lockApiAt(server.origin, { maxRetries: 2 });

    const result = await api.readSourceLock('asset_resetGet', { deadlineMs: farDeadline() });

    expect(result).toMatchObject({ ok: true, attempts: 3 });
  });

  it('a refused connection: network-error naming ECONNREFUSED, never possibly applied, retried', async () => {
    const server = await start(answerAsset);
    const origin = server.origin;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const api = lockApiAt(origin, { maxRetries: 1 });

    const result = await api.forceUnlock('asset_refused', { deadlineMs: farDeadline() });

    expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'network-error', attempts: 2, possiblyApplied: false }) });
    expect(result.ok ? '' : result.failure.message).toContain('ECONNREFUSED');
  });

  it('a 3xx is not followed: unexpected-redirect, nothing reaches the Location, the connection cut', async () => {
    const elsewhere = await start(answerAsset);
    const server = await start((_request, response) => {
      response.writeHead(307, { location: `${elsewhere.origin}/v1/assets/asset_moved/unlock` });
      response.end('{"message":"moved"}');
    });
    const api = lockApiAt(server.origin, { maxRetries: 2 });

    const result = await api.forceUnlock('asset_moved', { deadlineMs: farDeadline() });

    expect(result).toEqual({
      ok: false,
      failure: expect.objectContaining({ kind: 'unexpected-redirect', status: 307, attempts: 1, possiblyApplied: false }),
    });
    expect(result.ok ? '' : result.failure.message).toContain(`to ${elsewhere.origin}`);
    expect(elsewhere.seen).toEqual([]);
    await eventually(() => server.closedSockets.includes(1), 'the redirect’s connection closed');
  });
});

describe('the node:http transport itself', () => {
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('an abort before the answer rejects with the signal’s reason, as fetch does', async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    const transport = createNodeHttpTransport();
    const controller = new AbortController();
    const reason = new Error('stop here');
    const sent = transport.send(new Request(`${server.origin}/v1/assets/x`, { signal: controller.signal }), {
      headers: {},
      endsAtMs: Date.now() + 60_000,
    });
    await eventually(() => server.seen.length === 1, 'the request arrived');
    controller.abort(reason);

    await expect(sent).rejects.toBe(reason);
    await eventually(() => server.closedSockets.includes(1), 'the connection closed');
    transport.close();
  });

  it('an abort while the body is read rejects the read with the signal’s reason (DOMException AbortError by default)', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{');
    });
    servers.push(server);
    const transport = createNodeHttpTransport();
    const controller = new AbortController();
    const answer = await transport.send(new Request(`${server.origin}/v1/assets/x`, { signal: controller.signal }), {
      headers: {},
      endsAtMs: Date.now() + 60_000,
    });
    const read = answer.readBody({ maxBytes: 10 });
    controller.abort();

    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
    await eventually(() => server.closedSockets.includes(1), 'the connection closed');
    transport.close();
  });

  it('the attempt’s end: before the head a HeadTimeout, during the body a BodyTimeout (both read as timeouts); each cuts its connection', async () => {
    let calls = 0;
    const server = await startServer((_request, response) => {
      calls += 1;
      if (calls === 2) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{');
      }
    });
    servers.push(server);
    const transport = createNodeHttpTransport();
    const noHead = transport.send(new Request(`${server.origin}/v1/assets/x`), { headers: {}, endsAtMs: Date.now() + 200 });
    await expect(noHead).rejects.toBeInstanceOf(HeadTimeout);
    await expect(noHead).rejects.toMatchObject({ name: 'TimeoutError' });

    const headOnly = await transport.send(new Request(`${server.origin}/v1/assets/y`), { headers: {}, endsAtMs: Date.now() + 300 });
    const body = headOnly.readBody({ maxBytes: 1_000 });
    await expect(body).rejects.toBeInstanceOf(BodyTimeout);
    await expect(body).rejects.toMatchObject({ name: 'TimeoutError' });
    await eventually(() => server.closedSockets.includes(1) && server.closedSockets.includes(2), 'both connections closed');
    transport.close();
  });

  it('reads the body whole and hands back a free connection; close() cuts the idle ones', async () => {
    const server = await startServer(answerAsset);
    servers.push(server);
    const transport = createNodeHttpTransport();
    const answer = await transport.send(new Request(`${server.origin}/v1/assets/asset_x`), { headers: {}, endsAtMs: Date.now() + 60_000 });

    expect(answer).toMatchObject({ status: 200, url: `${server.origin}/v1/assets/asset_x`, redirected: false });
    expect(new Headers(answer.headers).get('content-type')).toBe('application/json');
    expect(await answer.readBody({ maxBytes: 1_000 })).toBe(assetAnswer('asset_x'));
    const small = await transport.send(new Request(`${server.origin}/v1/assets/asset_y`), { headers: {}, endsAtMs: Date.now() + 60_000 });
    expect(await small.readBody({ maxBytes: 10 })).toBe(TOO_LARGE);
    expect(server.seen.map((request) => request.socketId)).toEqual([1, 1]);

    const third = await transport.send(new Request(`${server.origin}/v1/assets/asset_z`), { headers: {}, endsAtMs: Date.now() + 60_000 });
    await third.readBody({ maxBytes: 1_000 });
    expect(server.connections()).toBe(2);
    transport.close();
    await eventually(() => server.closedSockets.includes(2), 'the idle connection closed');
  });
});

/** A self-signed certificate for 127.0.0.1, made with openssl (skipped where there is none). */
async function selfSignedCertificate(): Promise<{ key: string; cert: string } | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'transport-tls-'));
  try {
    await promisify(execFile)('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
    ]);
    return { key: await readFile(path.join(dir, 'key.pem'), 'utf8'), cert: await readFile(path.join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('HTTPS', () => {
  it('speaks TLS to a server it trusts (here by a CA given to the transport; the client trusts the default CAs)', async (context) => {
    const tls = await selfSignedCertificate();
    if (!tls) return context.skip('openssl is not available to make a certificate');
    const server = createHttpsServer(tls, (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(assetAnswer(request.url ?? ''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = createNodeHttpTransport({ ca: tls.cert });
    try {
      const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const answer = await transport.send(new Request(`${origin}/v1/assets/asset_tls`), { headers: {}, endsAtMs: Date.now() + 60_000 });

      expect(answer).toMatchObject({ status: 200, url: `${origin}/v1/assets/asset_tls` });
      expect(await answer.readBody({ maxBytes: 1_000 })).toBe(assetAnswer('/v1/assets/asset_tls'));
    } finally {
      transport.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('verifies the server against the default CAs: a self-signed server is refused as a network error, nothing reaches it', async (context) => {
    const tls = await selfSignedCertificate();
    if (!tls) return context.skip('openssl is not available to make a certificate');
    let requests = 0;
    const server = createHttpsServer(tls, (_request, response) => {
      requests += 1;
      response.end(assetAnswer('asset_tls'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await lockApiAt(origin).readSourceLock('asset_tls', { deadlineMs: farDeadline() });

      expect(result).toEqual({ ok: false, failure: expect.objectContaining({ kind: 'network-error', attempts: 1 }) });
      expect(result.ok ? '' : result.failure.message).toMatch(/self[- ]signed/i);
      expect(requests).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
