import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import exampleResponse from './fixtures/asset-unlock-response.example.json';
import { listenOnLoopback } from './loopback-server';

/**
 * A local stand-in for the Scenario API's lock endpoints, over real HTTP on loopback. It keeps real lock state per
 * canvas (the truth the reaper verifies against): `PUT /assets/{id}/lock` takes a lock, `GET /assets/{id}` shows it in
 * `metadata.lockExpiresAt`, `PUT /assets/{id}/unlock` frees it (with `forceUnlock`, or with the matching `lockId`).
 * It answers like the reference page (the full Asset shape, copied from its example response, with signed URLs),
 * checks method, path, Basic auth and body like a strict server would, records every request and every change of
 * lock state in order, and can be scripted to misbehave, including applying an unlock and then failing to say so.
 */

export interface StandInCanvas {
  name?: string;
  lockExpiresAt?: string;
  lockId?: string;
  /** The Scenario project it belongs to (default: "default", the project of the stand-in's own key). */
  projectId?: string;
}

/** A Scenario project's own API key, as the stand-in hands it out. */
export interface StandInProjectKey {
  apiKey: string;
  apiSecret: string;
}

/** One scripted answer for the next request about an asset. */
export type ScriptedAnswer = ScriptedAnswerShape & {
  /** Copied into the request's record (RecordedRequest.note), so a test can tell afterwards which answer a request got. */
  note?: string;
};

type ScriptedAnswerShape =
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
  /**
   * Answer as normal (the unlock applied), but the asset shown is first passed through `reshape`, which may change it
   * in place or return another value to send instead: odd shapes of a real answer (no `metadata`, an unparsable lock).
   */
  | { reshape: (asset: Record<string, any>) => unknown }
  /** Send the headers (200 by default), then one space (valid JSON whitespace) every `intervalMs`, until the client leaves. */
  | { drip: { intervalMs: number; status?: number } }
  /** Answer normally (unlock and return the asset), after `delayMs`. */
  | { ok: true; delayMs?: number }
  /**
   * Apply the request (free the lock), then fail to say so: never answer, cut the connection, or answer with this
   * status. The client cannot tell it from a request that was never applied.
   */
  | { applyThen: 'hang' | 'reset' | { status: number } }
  /**
   * Runs `action` when the request arrives, before answering (e.g. a writer renewing the lock while the unlock is in
   * flight), then answers with `then` (normally, if omitted).
   */
  | { action: (request: RecordedRequest) => Promise<void> | void; andThen?: ScriptedAnswer };

/** Which endpoint a request was for; scripts are queued per endpoint. */
export type StandInRoute = 'unlock' | 'get' | 'lock';

export interface RecordedRequest {
  method: string;
  /** The raw path as sent (still percent-encoded). */
  rawPath: string;
  /** The decoded asset id, when the path names one of the asset routes. */
  assetId?: string;
  route?: StandInRoute;
  authorized: boolean;
  body: string;
  receivedAtMs: number;
  /** The `note` of the scripted answer this request got, if it got one that had a note. */
  note?: string;
  /** The request's STAND_IN_CALLER_HEADER, if it had one: which of a test's clients sent it. */
  caller?: string;
}

/**
 * A test's client may name itself in this header, and the stand-in records the name with the request
 * (RecordedRequest.caller): every request then says who sent it, however the requests of several clients interleave.
 * Scenario knows no such header; the reaper never sends it (only a test's fetch adds it).
 */
export const STAND_IN_CALLER_HEADER = 'x-stand-in-caller';

export interface ScenarioStandInOptions {
  apiKey?: string;
  apiSecret?: string;
  /** Added before every answer (the benchmark's API latency). */
  latencyMs?: number;
  /** Called at the moment an asset is unlocked (before the answer is sent), e.g. to check a model of the writers. */
  onUnlock?: (assetId: string, atMs: number) => void;
  /**
   * More Scenario projects, each with its own key (made up when not given) and, optionally, its own latency. Keys
   * belong to one project: a key used on another project's canvas gets `crossProjectStatus`.
   */
  projects?: Record<string, { apiKey?: string; apiSecret?: string; latencyMs?: number }>;
  /** What a key gets for another project's canvas (default 403). */
  crossProjectStatus?: 403 | 404;
}

/** One lock freed by this server, and the lock it freed (none when the canvas was not locked). */
export interface UnlockEvent {
  assetId: string;
  atMs: number;
  freed?: { lockExpiresAt?: string; lockId?: string };
  /** The index in `requests` of the request that performed it: who sent it (forceUnlock or lockId), and when. */
  requestIndex: number;
}

/** One change of a canvas's lock at this server, in the order it happened: the truth a test checks against. */
export interface LockEvent {
  seq: number;
  assetId: string;
  atMs: number;
  kind: 'locked' | 'unlocked';
  lockExpiresAt?: string;
  lockId?: string;
  /** For unlocks: the lock that was freed. */
  freed?: { lockExpiresAt?: string; lockId?: string };
  /** For unlocks: the index in `requests` of the request that performed it (orders this log against that one). */
  requestIndex?: number;
}

export interface ScenarioStandIn {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** The key of one of the `projects` given at start ("default": the stand-in's own key). */
  projectKey(projectId: string): StandInProjectKey;
  /** Every request, in arrival order (GET verifications, locks and unlocks alike). */
  readonly requests: RecordedRequest[];
  /** Only the unlock requests (PUT …/unlock), the ones that can free a lock. */
  readonly unlockRequests: RecordedRequest[];
  /** Every URL signature this server handed out, so a test can look for them in captured output. */
  readonly issuedSignatures: string[];
  /** A new signature, recorded in issuedSignatures, for a hostile answer a test builds (signed URLs in odd spellings). */
  sign(): string;
  /** Every unlock this server performed, in order. */
  readonly unlockLog: UnlockEvent[];
  /** Every lock and unlock, in order. */
  readonly lockLog: LockEvent[];
  addCanvas(assetId: string, canvas?: StandInCanvas): void;
  canvas(assetId: string): StandInCanvas | undefined;
  /** Takes (or renews) a lock directly, as an editor's PUT /lock would; returns the new lockId. */
  lock(assetId: string, lockExpiresAt: string): string;
  /**
   * Queue answers for the next requests about `assetId` on one route (the unlock by default); after they are used
   * up, the normal behaviour resumes.
   */
  script(assetId: string, answers: ScriptedAnswer[], route?: StandInRoute): void;
  /** Drops the answers still queued for `assetId` (every route). */
  clearScript(assetId: string): void;
  /** Unlock requests per asset id. */
  unlockCount(assetId: string): number;
  setLatencyMs(ms: number): void;
  close(): Promise<void>;
}

/** A drip stops after this many bytes, so a client that never gives up cannot keep the stand-in busy forever. */
const MAX_DRIP_BYTES = 240;

const ASSET_PATH = /^\/v1\/assets\/([^/?#]+)(\/unlock|\/lock)?$/;

function routeOf(method: string | undefined, suffix: string | undefined): StandInRoute | undefined {
  if (method === 'PUT' && suffix === '/unlock') return 'unlock';
  if (method === 'PUT' && suffix === '/lock') return 'lock';
  if (method === 'GET' && suffix === undefined) return 'get';
  return undefined;
}

export async function startScenarioStandIn(options: ScenarioStandInOptions = {}): Promise<ScenarioStandIn> {
  const apiKey = options.apiKey ?? `key_${randomBytes(6).toString('hex')}`;
  const apiSecret = options.apiSecret ?? `secret_${randomBytes(12).toString('hex')}`;
  const basicOf = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  const projectKeys = new Map<string, StandInProjectKey & { latencyMs?: number }>([['default', { apiKey, apiSecret }]]);
  for (const [projectId, key] of Object.entries(options.projects ?? {})) {
    projectKeys.set(projectId, {
      apiKey: key.apiKey ?? `key_${projectId}_${randomBytes(4).toString('hex')}`,
      apiSecret: key.apiSecret ?? `secret_${projectId}_${randomBytes(10).toString('hex')}`,
      ...(key.latencyMs === undefined ? {} : { latencyMs: key.latencyMs }),
    });
  }
  const projectByAuthorization = new Map([...projectKeys].map(([projectId, key]) => [basicOf(key.apiKey, key.apiSecret), projectId]));
  const canvases = new Map<string, StandInCanvas>();
  const scripts = new Map<string, ScriptedAnswer[]>();
  const scriptKey = (assetId: string, route: StandInRoute) => `${route} ${assetId}`;
  const unlocks = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const issuedSignatures: string[] = [];
  const unlockLog: UnlockEvent[] = [];
  const lockLog: LockEvent[] = [];
  let lockCounter = 0;
  let latencyMs = options.latencyMs ?? 0;

  const sign = () => {
    const signature = randomBytes(16).toString('hex');
    issuedSignatures.push(signature);
    return signature;
  };
  const signedUrl = (path: string) => {
    const signature = sign();
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
    // The asset shows its lock while it is locked, and none after an unlock.
    delete asset.metadata.lockExpiresAt;
    if (canvas.lockExpiresAt !== undefined) asset.metadata.lockExpiresAt = canvas.lockExpiresAt;
    return { asset };
  };

  const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const takeLock = (assetId: string, canvas: StandInCanvas, lockExpiresAt: string) => {
    canvas.lockExpiresAt = lockExpiresAt;
    lockCounter += 1;
    canvas.lockId = `lk_${lockCounter}_${randomBytes(3).toString('hex')}`;
    lockLog.push({ seq: lockLog.length, assetId, atMs: Date.now(), kind: 'locked', lockExpiresAt, lockId: canvas.lockId });
    return canvas.lockId;
  };

  /** Frees the lock (whatever it is) and records it; the caller decides what to answer. */
  const applyUnlock = (assetId: string, canvas: StandInCanvas, requestIndex: number) => {
    const freed =
      canvas.lockExpiresAt === undefined
        ? undefined
        : { lockExpiresAt: canvas.lockExpiresAt, ...(canvas.lockId ? { lockId: canvas.lockId } : {}) };
    delete canvas.lockExpiresAt;
    delete canvas.lockId;
    unlocks.set(assetId, (unlocks.get(assetId) ?? 0) + 1);
    const atMs = Date.now();
    unlockLog.push({ assetId, atMs, ...(freed ? { freed } : {}), requestIndex });
    lockLog.push({ seq: lockLog.length, assetId, atMs, kind: 'unlocked', ...(freed ? { freed } : {}), requestIndex });
    options.onUnlock?.(assetId, atMs);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const rawPath = request.url ?? '';
    const match = ASSET_PATH.exec(rawPath);
    let assetId: string | undefined;
    try {
      assetId = match ? decodeURIComponent(match[1]!) : undefined;
    } catch {
      assetId = undefined;
    }
    const route = match ? routeOf(request.method, match[2]) : undefined;
    const keyProject = projectByAuthorization.get(request.headers.authorization ?? '');
    const authorized = keyProject !== undefined;
    const caller = request.headers[STAND_IN_CALLER_HEADER];
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      rawPath,
      ...(assetId ? { assetId } : {}),
      ...(route ? { route } : {}),
      authorized,
      body,
      receivedAtMs: Date.now(),
      ...(typeof caller === 'string' ? { caller } : {}),
    };
    requests.push(recorded);
    const delayMs = (keyProject === undefined ? undefined : projectKeys.get(keyProject)?.latencyMs) ?? latencyMs;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));

    if (route === undefined || assetId === undefined) {
      return sendJson(response, 404, { message: `No route for ${request.method} ${rawPath}` });
    }
    let scripted = scripts.get(scriptKey(assetId, route))?.shift();
    if (scripted?.note !== undefined) recorded.note = scripted.note;
    if (scripted && 'action' in scripted) {
      await scripted.action(recorded);
      scripted = scripted.andThen;
      if (scripted?.note !== undefined) recorded.note = scripted.note;
    }
    if (scripted && 'hang' in scripted) return; // the client's timeout decides
    if (scripted && 'drip' in scripted) return drip(request, response, scripted.drip);
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
        {
          message: `scripted ${scripted.status}`,
          authorization: request.headers.authorization ?? '',
          retryAt: signedUrl(`errors/${assetId}`),
        },
        scripted.headers,
      );
    }
    if (scripted && 'status' in scripted) {
      return sendJson(response, scripted.status, scripted.body ?? { message: `scripted ${scripted.status}` }, scripted.headers);
    }
    if (!authorized) return sendJson(response, 401, { message: 'Unauthorized' });
    const canvas = canvases.get(assetId);
    if (!canvas) return sendJson(response, 404, { message: `Asset ${assetId} not found` });
    if ((canvas.projectId ?? 'default') !== keyProject) {
      const status = options.crossProjectStatus ?? 403;
      return sendJson(response, status, {
        message: status === 403 ? 'This API key does not belong to the project of this asset' : `Asset ${assetId} not found`,
      });
    }
    const shown = (body: { asset: Record<string, any> }) => {
      if (!scripted || !('reshape' in scripted)) return body;
      const replaced = scripted.reshape(body.asset);
      return replaced === undefined ? body : replaced;
    };
    if (route === 'get') return sendJson(response, 200, shown(assetBody(assetId, canvas)));

    let parsed: Record<string, unknown>;
    try {
      const value: unknown = JSON.parse(body);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      parsed = value as Record<string, unknown>;
    } catch {
      return sendJson(response, 400, { message: 'Body must be a JSON object' });
    }
    if (request.headers['content-type']?.split(';')[0] !== 'application/json') {
      return sendJson(response, 400, { message: 'Content-Type must be application/json' });
    }
    if (route === 'lock') {
      const wanted = parsed.lockExpiresAt;
      if (typeof wanted !== 'string' || Number.isNaN(Date.parse(wanted)))
        return sendJson(response, 400, { message: 'lockExpiresAt must be an ISO date' });
      const heldByOther =
        canvas.lockExpiresAt !== undefined && Date.parse(canvas.lockExpiresAt) > Date.now() && parsed.lockId !== canvas.lockId;
      if (heldByOther) return sendJson(response, 409, { message: 'The canvas is locked by another editor' });
      const lockId = takeLock(assetId, canvas, wanted);
      return sendJson(response, 200, { ...assetBody(assetId, canvas), lockId });
    }
    if (parsed.forceUnlock !== true) {
      if (typeof parsed.lockId !== 'string') return sendJson(response, 400, { message: 'Missing lockId (or forceUnlock: true)' });
      if (parsed.lockId !== canvas.lockId) return sendJson(response, 409, { message: 'lockId does not match the lock on this canvas' });
    }
    if (scripted && 'ok' in scripted && scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    applyUnlock(assetId, canvas, requests.lastIndexOf(recorded));
    if (scripted && 'applyThen' in scripted) {
      const failure = scripted.applyThen;
      if (failure === 'hang') return;
      if (failure === 'reset') {
        request.socket.destroy();
        return;
      }
      return sendJson(response, failure.status, { message: `scripted ${failure.status} after applying the unlock` });
    }
    sendJson(response, 200, shown(assetBody(assetId, canvas)));
  };

  /** A body that never ends: one byte at a time, until the client gives up (or a bound far past any test's timeout). */
  const drip = (
    request: IncomingMessage,
    response: ServerResponse,
    { intervalMs, status = 200 }: { intervalMs: number; status?: number },
  ) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    // The headers go now (Node would hold them until the first byte): the body, not the headers, is what drips.
    response.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      sent += 1;
      if (sent > MAX_DRIP_BYTES || response.destroyed) {
        clearInterval(timer);
        request.socket.destroy();
        return;
      }
      response.write(' ');
    }, intervalMs);
    response.on('close', () => clearInterval(timer));
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
    projectKey: (projectId) => {
      const key = projectKeys.get(projectId);
      if (!key) throw new Error(`the stand-in has no project ${projectId}`);
      return { apiKey: key.apiKey, apiSecret: key.apiSecret };
    },
    requests,
    get unlockRequests() {
      return requests.filter((request) => request.route === 'unlock');
    },
    issuedSignatures,
    sign,
    unlockLog,
    lockLog,
    addCanvas: (assetId, canvas = {}) => void canvases.set(assetId, { ...canvas }),
    canvas: (assetId) => canvases.get(assetId),
    lock: (assetId, lockExpiresAt) => {
      let canvas = canvases.get(assetId);
      if (!canvas) {
        canvas = {};
        canvases.set(assetId, canvas);
      }
      return takeLock(assetId, canvas, lockExpiresAt);
    },
    script: (assetId, answers, route = 'unlock') => {
      const key = scriptKey(assetId, route);
      scripts.set(key, [...(scripts.get(key) ?? []), ...answers]);
    },
    clearScript: (assetId) => {
      for (const route of ['unlock', 'get', 'lock'] as const) scripts.delete(scriptKey(assetId, route));
    },
    unlockCount: (assetId) => unlocks.get(assetId) ?? 0,
    setLatencyMs: (ms) => {
      latencyMs = ms;
    },
    close: listening.close,
  };
}
