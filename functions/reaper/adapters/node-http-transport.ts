import * as http from 'node:http';
import * as https from 'node:https';

/**
 * How the Scenario client's requests reach the network. ky builds each attempt (its Request, retries, timer) and hands
 * it to the fetch the client gives it; that fetch sends it through one of these transports and reads the answer's body
 * whole, capped and bounded in time, before ky sees the answer.
 *
 * The default transport speaks node:http / node:https directly, with one keep-alive Agent per transport: Node's fetch
 * (undici: its Request/Response WebStreams, its wasm parser, its dispatcher) was the largest CPU cost of a verified
 * canvas. `fetchTransport` keeps any fetch usable instead (tests pass one to watch requests).
 */

/** The body of an answer that was larger than the cap (reading stopped there). */
export const TOO_LARGE = Symbol('too large');
export type BufferedBody = string | typeof TOO_LARGE;

/**
 * The answer's body has not arrived in full by the end of the attempt. Named like a timeout, so it is retried (GET) or
 * counted as possibly applied (PUT) exactly as a timeout before the headers is.
 */
export class BodyTimeout extends Error {
  constructor() {
    super("the answer's body did not arrive in full within the request timeout");
    this.name = 'TimeoutError';
  }
}

/** An answer whose head has arrived. Its body is then either read once (readBody) or discarded. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  /** As a Response's init takes them. */
  headers: Headers | [string, string][];
  /** The URL the answer came from ('' when unknown: the caller then refuses it). */
  url: string;
  /** Whether the answer came after a redirect was followed (a fetch may follow; node:http never does). */
  redirected: boolean;
  /** The body as text, or TOO_LARGE past `maxBytes`; rejects with BodyTimeout when not in full by `endsAtMs`. */
  readBody(limits: { endsAtMs: number; maxBytes: number }): Promise<BufferedBody>;
  /** The body is not wanted (e.g. a refused redirect): the connection is cut, never read to its end. */
  discard(): void;
}

/**
 * Sends `request` (method, URL, headers, and `signal`, which aborts it as fetch would: rejecting with the signal's
 * reason). The request's own body is not read: the body to send, if any, is `init.body`.
 */
export type HttpTransport = (request: Request, init: { body?: string }) => Promise<HttpAnswer>;

export interface NodeHttpTransport {
  send: HttpTransport;
  /** Closes the idle keep-alive connections (those in use end with their request). */
  close(): void;
}

/**
 * Idle keep-alive connections close after this long: as undici's default keep-alive timeout, under the 5 s of
 * Node's and many servers' own, so a connection is not reused just as the server closes it. A server's shorter
 * `Keep-Alive: timeout=N` hint wins (Node's Agent reads it).
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/**
 * The transport over node:http and node:https, one keep-alive Agent each, made when first needed. HTTPS trusts Node's
 * default CAs; `ca` replaces them (tests only: a local server's self-signed certificate).
 */
export function createNodeHttpTransport(options: { ca?: string } = {}): NodeHttpTransport {
  let httpAgent: http.Agent | undefined;
  let httpsAgent: https.Agent | undefined;
  const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS };

  const send: HttpTransport = (request, init) => {
    const signal = request.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const url = new URL(request.url);
    let requestOptions: http.RequestOptions;
    let sendRequest: typeof http.request;
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name] = value;
    if (url.protocol === 'https:') {
      httpsAgent ??= new https.Agent(options.ca === undefined ? agentOptions : { ...agentOptions, ca: options.ca });
      requestOptions = { agent: httpsAgent };
      sendRequest = https.request;
    } else if (url.protocol === 'http:') {
      httpAgent ??= new http.Agent(agentOptions);
      requestOptions = { agent: httpAgent };
      sendRequest = http.request;
    } else {
      return Promise.reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) }));
    }
    return new Promise<HttpAnswer>((resolve, reject) => {
      const outgoing = sendRequest(url, { ...requestOptions, method: request.method, headers });
      /** Set once the head has arrived: from then on the body's reader owns errors and the abort. */
      let answered = false;
      const onAbort = () => {
        outgoing.destroy();
        if (!answered) reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // As fetch does: a failure before the answer is a TypeError whose cause is the socket's error (its code tells
      // a connection never made from one cut after the request went out: see retry-policy.ts).
      outgoing.on('error', (error) => {
        if (answered) return;
        signal.removeEventListener('abort', onAbort);
        reject(new TypeError('fetch failed', { cause: error }));
      });
      outgoing.on('response', (incoming) => {
        answered = true;
        signal.removeEventListener('abort', onAbort);
        // An error of the body before it is read is seen by readBody (incoming.errored / complete); never unhandled.
        incoming.on('error', () => undefined);
        const raw = incoming.rawHeaders;
        const headerPairs: [string, string][] = [];
        for (let index = 0; index + 1 < raw.length; index += 2) headerPairs.push([raw[index] as string, raw[index + 1] as string]);
        resolve({
          status: incoming.statusCode ?? 0,
          statusText: incoming.statusMessage ?? '',
          headers: headerPairs,
          url: request.url,
          redirected: false,
          readBody: (limits) => readIncoming(incoming, outgoing, signal, limits),
          discard: () => outgoing.destroy(),
        });
      });
      outgoing.end(init.body);
    });
  };

  return {
    send,
    close: () => {
      httpAgent?.destroy();
      httpsAgent?.destroy();
    },
  };
}

/**
 * Reads an IncomingMessage whole, with no WebStream. Everything that ends the read early (the cap, the deadline,
 * the abort, a broken connection) cuts the connection, so it is never handed back to the Agent half read.
 */
function readIncoming(
  incoming: http.IncomingMessage,
  outgoing: http.ClientRequest,
  signal: AbortSignal,
  limits: { endsAtMs: number; maxBytes: number },
): Promise<BufferedBody> {
  return new Promise<BufferedBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void, cut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('close', onClose);
      if (cut) outgoing.destroy();
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) settle(() => resolve(TOO_LARGE), true);
      else chunks.push(chunk);
    };
    const onEnd = () =>
      settle(
        () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8')),
        false,
      );
    // As fetch's body does when the connection breaks mid-body: a TypeError (a network error to the retry policy).
    const onClose = () =>
      settle(
        () => reject(new TypeError('terminated', { cause: incoming.errored ?? new Error('the connection closed before the body ended') })),
        true,
      );
    const onAbort = () => settle(() => reject(signal.reason), true);
    const timer = setTimeout(() => settle(() => reject(new BodyTimeout()), true), Math.max(0, limits.endsAtMs - Date.now()));
    if (signal.aborted) return onAbort();
    if (incoming.complete && incoming.readableEnded) return onEnd();
    if (incoming.destroyed) return onClose();
    signal.addEventListener('abort', onAbort, { once: true });
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('close', onClose);
  });
}

/** A transport over any fetch: its body read from the Response's stream, with the same cap and deadline. */
export function fetchTransport(fetchFn: typeof fetch): HttpTransport {
  return async (request, init) => {
    const answer = await fetchFn(request, init.body === undefined ? undefined : { body: init.body });
    return {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
      url: answer.type === 'opaqueredirect' ? '' : answer.url,
      redirected: answer.redirected,
      readBody: ({ endsAtMs, maxBytes }) => readBefore(answer, endsAtMs, maxBytes),
      discard: () => void answer.body?.cancel().catch(() => undefined),
    };
  };
}

/**
 * The body as text, or TOO_LARGE past `maxBytes` (reading stops there); throws BodyTimeout when it has not arrived in
 * full by `endsAtMs`. The timer is held here and cleared on every path.
 */
async function readBefore(response: Response, endsAtMs: number, maxBytes: number): Promise<BufferedBody> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeout()), Math.max(0, endsAtMs - Date.now()));
  });
  timedOut.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        void reader.cancel().catch(() => undefined);
        return TOO_LARGE;
      }
      chunks.push(value);
    }
  } catch (error) {
    // Not awaited: a stalled stream may never settle its cancel; ky cancels the response it read from as well.
    void reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
