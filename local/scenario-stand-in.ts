import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server';
import exampleResponse from './fixtures/asset-unlock-response.example.json';

/**
 * A local stand-in for the Scenario API's unlock endpoint, over real HTTP on loopback. It answers like the
 * reference page (the full Asset shape, copied from its example response, with signed URLs), checks method, path,
 * Basic auth and body like a strict server would, records every request, and can be scripted to misbehave.
 */

export interface StandInCanvas {
  name?: string;
  lockExpiresAt?: string;
  lockId?: string;
}

/** One scripted answer for the next request about an asset. */
export type ScriptedAnswer =
  | {
      status: number;
      headers?: Record<string, string>;
      body?: string | object;
      /**
       * A hostile server: the body echoes the request's Authorization header and carries a signed URL (recorded in
       * issuedSignatures), as some error pages do. `body` is ignored.
       */
      echoRequest?: boolean;
    }
  /** Accept the request and never answer (until the client gives up). */
  | { hang: true }
  /** Start a 200 answer, then cut the connection mid-body. */
  | { reset: true }
  /** Cut the connection before any answer (a reset the client sees as a network error). */
  | { destroy: true }
  /** Answer normally (unlock and return the asset), after `delayMs`. */
  | { ok: true; delayMs?: number }
  /**
   * Runs `action` when the request arrives, before answering (e.g. a writer renewing the lock while the unlock is in
   * flight), then answers with `then` (normally, if omitted).
   */
  | { action: (request: RecordedRequest) => Promise<void> | void; then?: ScriptedAnswer };

export interface RecordedRequest {
  method: string;
  /** The raw path as sent (still percent-encoded). */
  rawPath: string;
  /** The decoded asset id, when the path is /v1/assets/{id}/unlock. */
  assetId?: string;
  authorized: boolean;
  body: string;
  receivedAtMs: number;
}

export interface ScenarioStandInOptions {
  apiKey?: string;
  apiSecret?: string;
  /** Added before every answer (the benchmark's API latency). */
  latencyMs?: number;
  /** Called at the moment an asset is unlocked (before the answer is sent), e.g. to check a model of the writers. */
  onUnlock?: (assetId: string, atMs: number) => void;
}

/** One lock freed by this server. */
export interface UnlockEvent {
  assetId: string;
  atMs: number;
}

export interface ScenarioStandIn {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  readonly requests: RecordedRequest[];
  /** Every URL signature this server handed out, so a test can look for them in captured output. */
  readonly issuedSignatures: string[];
  /** Every unlock this server performed, in order. */
  readonly unlockLog: UnlockEvent[];
  addCanvas(assetId: string, canvas?: StandInCanvas): void;
  canvas(assetId: string): StandInCanvas | undefined;
  /** Queue answers for the next requests about `assetId`; after they are used up, the normal behaviour resumes. */
  script(assetId: string, answers: ScriptedAnswer[]): void;
  /** Drops the answers still queued for `assetId`. */
  clearScript(assetId: string): void;
  /** Unlock requests per asset id. */
  unlockCount(assetId: string): number;
  setLatencyMs(ms: number): void;
  close(): Promise<void>;
}

const UNLOCK_PATH = /^\/v1\/assets\/([^/?#]+)\/unlock$/;

export async function startScenarioStandIn(options: ScenarioStandInOptions = {}): Promise<ScenarioStandIn> {
  const apiKey = options.apiKey ?? `key_${randomBytes(6).toString('hex')}`;
  const apiSecret = options.apiSecret ?? `secret_${randomBytes(12).toString('hex')}`;
  const expectedAuthorization = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
  const canvases = new Map<string, StandInCanvas>();
  const scripts = new Map<string, ScriptedAnswer[]>();
  const unlocks = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const issuedSignatures: string[] = [];
  const unlockLog: UnlockEvent[] = [];
  let latencyMs = options.latencyMs ?? 0;

  const signedUrl = (path: string) => {
    const signature = randomBytes(16).toString('hex');
    issuedSignatures.push(signature);
    return `https://cdn.scenario.example/${path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=${signature}`;
  };

  const assetBody = (assetId: string, canvas: StandInCanvas) => {
    const asset = structuredClone(exampleResponse.asset) as Record<string, any>;
    const now = new Date().toISOString();
    Object.assign(asset, {
      id: assetId,
      authorId: 'dcf121faaa1a0a0bbbd9ca1b73d62aea',
      collectionIds: [],
      createdAt: '2026-01-05T09:30:00.000Z',
      updatedAt: now,
      kind: 'image',
      mimeType: 'image/png',
      ownerId: 'proj_sandbox',
      source: 'canvas',
      status: 'success',
      tags: ['canvas'],
      url: signedUrl(`assets/${assetId}.png`),
      originalFileUrl: signedUrl(`assets/${assetId}/original.png`),
      firstFrame: { assetId: `${assetId}_ff`, url: signedUrl(`assets/${assetId}/first.png`) },
      lastFrame: { assetId: `${assetId}_lf`, url: signedUrl(`assets/${assetId}/last.png`) },
      preview: { assetId: `${assetId}_pv`, url: signedUrl(`assets/${assetId}/preview.png`) },
      thumbnail: { assetId: `${assetId}_th`, url: signedUrl(`assets/${assetId}/thumb.png`) },
    });
    asset.metadata = {
      ...asset.metadata,
      kind: 'image',
      type: 'canvas',
      name: canvas.name ?? `Canvas ${assetId}`,
      thumbnail: { assetId: `${assetId}_th`, url: signedUrl(`assets/${assetId}/meta-thumb.png`) },
    };
    // After an unlock the asset carries no lock any more.
    delete asset.metadata.lockExpiresAt;
    return { asset };
  };

  const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const answerUnlock = (response: ServerResponse, assetId: string) => {
    const canvas = canvases.get(assetId);
    if (!canvas) return sendJson(response, 404, { message: `Asset ${assetId} not found` });
    delete canvas.lockExpiresAt;
    delete canvas.lockId;
    unlocks.set(assetId, (unlocks.get(assetId) ?? 0) + 1);
    const atMs = Date.now();
    unlockLog.push({ assetId, atMs });
    options.onUnlock?.(assetId, atMs);
    sendJson(response, 200, assetBody(assetId, canvas));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const rawPath = request.url ?? '';
    const match = UNLOCK_PATH.exec(rawPath);
    let assetId: string | undefined;
    try {
      assetId = match ? decodeURIComponent(match[1]!) : undefined;
    } catch {
      assetId = undefined;
    }
    const authorized = request.headers.authorization === expectedAuthorization;
    const recorded: RecordedRequest = { method: request.method ?? '', rawPath, ...(assetId ? { assetId } : {}), authorized, body, receivedAtMs: Date.now() };
    requests.push(recorded);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));

    if (request.method !== 'PUT' || assetId === undefined) {
      return sendJson(response, 404, { message: `No route for ${request.method} ${rawPath}` });
    }
    let scripted = scripts.get(assetId)?.shift();
    if (scripted && 'action' in scripted) {
      await scripted.action(recorded);
      scripted = scripted.then;
    }
    if (scripted && 'hang' in scripted) return; // the client's timeout decides
    if (scripted && 'destroy' in scripted) {
      request.socket.destroy();
      return;
    }
    if (scripted && 'reset' in scripted) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      response.write('{"asset":{"id":');
      setTimeout(() => request.socket.destroy(), 5);
      return;
    }
    if (scripted && 'status' in scripted && scripted.echoRequest) {
      return sendJson(
        response,
        scripted.status,
        { message: `scripted ${scripted.status}`, authorization: request.headers.authorization ?? '', retryAt: signedUrl(`errors/${assetId}`) },
        scripted.headers,
      );
    }
    if (scripted && 'status' in scripted) {
      return sendJson(response, scripted.status, scripted.body ?? { message: `scripted ${scripted.status}` }, scripted.headers);
    }
    if (!authorized) return sendJson(response, 401, { message: 'Unauthorized' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return sendJson(response, 400, { message: 'Body must be JSON' });
    }
    if (request.headers['content-type']?.split(';')[0] !== 'application/json') {
      return sendJson(response, 400, { message: 'Content-Type must be application/json' });
    }
    if ((parsed as { forceUnlock?: unknown }).forceUnlock !== true) {
      return sendJson(response, 400, { message: 'Missing lockId (or forceUnlock: true)' });
    }
    if (scripted && 'ok' in scripted && scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    answerUnlock(response, assetId);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { message: String(error) });
    });
  });
  const listening = await listenOnLoopback(server);

  return {
    baseUrl: `${listening.origin}/v1`,
    apiKey,
    apiSecret,
    requests,
    issuedSignatures,
    unlockLog,
    addCanvas: (assetId, canvas = {}) => void canvases.set(assetId, { ...canvas }),
    canvas: (assetId) => canvases.get(assetId),
    script: (assetId, answers) => void scripts.set(assetId, [...(scripts.get(assetId) ?? []), ...answers]),
    clearScript: (assetId) => void scripts.delete(assetId),
    unlockCount: (assetId) => unlocks.get(assetId) ?? 0,
    setLatencyMs: (ms) => {
      latencyMs = ms;
    },
    close: listening.close,
  };
}
