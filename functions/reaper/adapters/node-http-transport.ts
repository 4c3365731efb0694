import * as http from 'node:http';
import * as https from 'node:https';

/**
 * How the Scenario client's requests reach the network. ky builds each attempt (its Request, retries) and hands it to
 * the client's beforeRequest hook, which sends it through one of these transports and reads the answer's body whole,
 * capped and bounded in time, before ky sees the answer (the hook's Response stands in for ky's fetch).
 *
 * The default transport speaks node:http / node:https directly, with one keep-alive Agent per transport: Node's fetch
 * (undici: its Request/Response WebStreams, its wasm parser, its dispatcher) was the largest CPU cost of a verified
 * canvas. `fetchTransport` keeps any fetch usable instead (tests pass one to watch requests).
 */

/** The body of an answer that was larger than the cap (reading stopped there). */
export const TOO_LARGE = Symbol('too large');
export type BufferedBody = string | typeof TOO_LARGE;

/** No answer's head arrived by the end of the attempt. Named like ky's timeout, read as one by the retry policy. */
export class HeadTimeout extends Error {
  constructor() {
    super('no answer within the request timeout');
    this.name = 'TimeoutError';
  }
}

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
  /**
   * The body as text, or TOO_LARGE past `maxBytes`; rejects with BodyTimeout when not in full by the attempt's end
   * (`endsAtMs` of the request).
   */
  readBody(limits: { maxBytes: number }): Promise<BufferedBody>;
  /** The body is not wanted (e.g. a refused redirect): the connection is cut, never read to its end. */
  discard(): void;
}

export interface HttpRequestInit {
  /** Sent besides the request's own headers. */
  headers: Readonly<Record<string, string>>;
  /** The body to send (the request's own is not read). */
  body?: string;
  /**
   * The attempt ends then (wall clock), body included: a head not arrived rejects with HeadTimeout, a body not read
   * in full with BodyTimeout, and the connection is cut.
   */
  endsAtMs: number;
}

/**
 * Sends `request` (method, URL, headers; its `signal` aborts it as fetch would: rejecting with the signal's reason)
 * with what `init` adds, within `init.endsAtMs`.
 */
export type HttpTransport = (request: Request, init: HttpRequestInit) => Promise<HttpAnswer>;

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
/** setTimeout fires at once past this (2^31 - 1 ms, about 24 days). */
const MAX_TIMER_MS = 2_147_483_647;
/** The delay of a timer that fires at `endsAtMs`. */
const msUntil = (endsAtMs: number) => Math.min(MAX_TIMER_MS, Math.max(0, endsAtMs - Date.now()));

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
    const headers: Record<string, string> = { ...init.headers };
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
      /** One per attempt, head and body: what ends the attempt while the body is read is the body reader's. */
      const exchange = new Exchange(outgoing, signal, reject);
      signal.addEventListener('abort', exchange.onAbort, { once: true });
      exchange.timer = setTimeout(exchange.onTimeout, msUntil(init.endsAtMs));
      // As fetch does: a failure before the answer is a TypeError whose cause is the socket's error (its code tells
      // a connection never made from one cut after the request went out: see retry-policy.ts).
      outgoing.on('error', (error) => exchange.fail(new TypeError('fetch failed', { cause: error })));
      outgoing.on('response', (incoming) => {
        if (exchange.ended) return;
        // An error of the body before it is read is seen by readBody (incoming.errored / complete); never unhandled.
        incoming.on('error', () => undefined);
        const raw = incoming.rawHeaders;
        const headerPairs: [string, string][] = [];
        for (let index = 0; index + 1 < raw.length; index += 2) headerPairs.push([raw[index] as string, raw[index + 1] as string]);
        exchange.headArrived = true;
        resolve({
          status: incoming.statusCode ?? 0,
          statusText: incoming.statusMessage ?? '',
          headers: headerPairs,
          url: request.url,
          redirected: false,
          readBody: (limits) => exchange.readBody(incoming, limits.maxBytes),
          discard: () => exchange.end(undefined),
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
 * One request and its answer, until the body is read or the attempt ends. Whatever ends it early (the deadline, the
 * abort, the cap, a broken connection, a discard) cuts the connection, so it never goes back to the Agent half read.
 */
class Exchange {
  timer: ReturnType<typeof setTimeout> | undefined;
  headArrived = false;
  ended = false;
  /** Where the end goes: the request's promise until the head arrives, then the body reader's. */
  private settle: (error: unknown) => void;
  /** Why the attempt ended before the body was asked for (readBody then rejects with it). */
  private endedBy: unknown;

  constructor(
    private readonly outgoing: http.ClientRequest,
    private readonly signal: AbortSignal,
    reject: (error: unknown) => void,
  ) {
    this.settle = reject;
  }

  readonly onAbort = () => this.end(this.signal.reason);
  readonly onTimeout = () => this.end(this.headArrived ? new BodyTimeout() : new HeadTimeout());

  /** A failure of the request (before the head; after it the body's own events tell). */
  fail(error: unknown): void {
    if (!this.headArrived) this.end(error);
  }

  /** Ends the exchange: `error` undefined when it ended well (the body read whole) or was discarded. */
  end(error: unknown, cut = true): void {
    if (this.ended) return;
    this.ended = true;
    this.endedBy = error;
    clearTimeout(this.timer);
    this.signal.removeEventListener('abort', this.onAbort);
    if (cut) this.outgoing.destroy();
    if (error !== undefined) this.settle(error);
  }

  /** Reads the IncomingMessage whole, with no WebStream: the text, or TOO_LARGE past `maxBytes`. */
  readBody(incoming: http.IncomingMessage, maxBytes: number): Promise<BufferedBody> {
    return new Promise<BufferedBody>((resolve, reject) => {
      if (this.ended) return reject(this.endedBy ?? new Error('the body was already read or discarded'));
      const chunks: Buffer[] = [];
      let size = 0;
      const stopListening = () => {
        incoming.off('data', onData);
        incoming.off('end', onEnd);
        incoming.off('close', onClose);
      };
      this.settle = (error) => {
        stopListening();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) return void chunks.push(chunk);
        stopListening();
        this.end(undefined);
        resolve(TOO_LARGE);
      };
      const onEnd = () => {
        stopListening();
        this.end(undefined, false);
        resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
      };
      // As fetch's body does when the connection breaks mid-body: a TypeError (a network error to the retry policy).
      const onClose = () =>
        this.end(new TypeError('terminated', { cause: incoming.errored ?? new Error('the connection closed before the body ended') }));
      if (incoming.readableEnded) return onEnd();
      if (incoming.destroyed) return onClose();
      incoming.on('data', onData);
      incoming.on('end', onEnd);
      incoming.on('close', onClose);
    });
  }
}

/**
 * A transport over any fetch: the attempt's end aborts it (a head timeout) or bounds the read of its body, from the
 * Response's stream, with the same cap.
 */
export function fetchTransport(fetchFn: typeof fetch): HttpTransport {
  return async (request, init) => {
    for (const [name, value] of Object.entries(init.headers)) request.headers.set(name, value);
    const attempt = new AbortController();
    const onAbort = () => attempt.abort(request.signal.reason);
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => attempt.abort(new HeadTimeout()), msUntil(init.endsAtMs));
    let answer: Response;
    try {
      answer = await fetchFn(request, { signal: attempt.signal, ...(init.body === undefined ? {} : { body: init.body }) });
    } catch (error) {
      throw attempt.signal.aborted ? attempt.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
    return {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
      url: answer.type === 'opaqueredirect' ? '' : answer.url,
      redirected: answer.redirected,
      readBody: ({ maxBytes }) => readBefore(answer, init.endsAtMs, maxBytes),
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
    timer = setTimeout(() => reject(new BodyTimeout()), msUntil(endsAtMs));
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
    // Not awaited: a stalled stream may never settle its cancel.
    void reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
