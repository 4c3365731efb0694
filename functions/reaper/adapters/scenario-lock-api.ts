import ky, { HTTPError, type KyInstance } from 'ky';
import { assetIdProblem, clip, preview } from '../core/asset-id';
import { parseLockExpiry } from '../core/lock-expiry';
import type { ApiFailure, ApiStep, Clock, LockApi, RetryDecision, RetryHalt, SourceLockResult, UnlockResult } from '../core/ports';
import { ABSENT, type AttributeReading } from '../core/tracked-canvas';
import { assetLogRecord } from './asset-log-record';
import type { ApiCredentials } from './credentials';
import { BodyTimeout, type BufferedBody, createNodeHttpTransport, fetchTransport, type HttpAnswer, TOO_LARGE } from './node-http-transport';
import { looksLikeUrl, redactText } from './redact';
import { isTimeout, mayHaveBeenApplied, planRetry, RETRY_STATUSES } from './retry-policy';
import { jsonForTerminal } from './terminal-json';

export { BACKOFF_LIMIT_MS } from './retry-policy';

const USER_AGENT = 'canvas-lock-reaper/0.1';
const MAX_ERROR_MESSAGE_CHARS = 200;
/** Of an error answer's `message`, only this much is looked at. */
const MAX_ERROR_MESSAGE_READ_CHARS = 1_000;
/** An asset is a few KB; a larger answer is not one, and reading it whole could exhaust the function's memory. */
export const MAX_RESPONSE_BYTES = 1_000_000;

export interface ScenarioLockApiOptions {
  /** e.g. https://api.cloud.scenario.com/v1 (validated by the config). */
  baseUrl: string;
  credentials: ApiCredentials;
  /** Per attempt. */
  requestTimeoutMs: number;
  /** Attempts after the first, on 408/429/5xx, timeouts and network errors. */
  maxRetries: number;
  clock: Clock;
  /**
   * Replaces the transport (tests observe requests with it). By default requests go over node:http / node:https with
   * one keep-alive Agent per client (node-http-transport.ts), not through a fetch.
   */
  fetch?: typeof fetch;
}

/** Thrown from ky's afterResponse hook: Scenario answered 3xx, or the answer came from another origin. Never followed. */
class UnexpectedRedirect extends Error {
  constructor(
    readonly status: number,
    readonly location: string | null,
  ) {
    super(`HTTP ${status} redirect`);
    this.name = 'UnexpectedRedirect';
  }
}

/** ky's retry lists, made once (ky reads them, never changes them). */
const RETRY_STATUS_CODES = [...RETRY_STATUSES];
const RETRY_METHODS = ['get', 'put'];

/** The unlock's body, sent by the transport (ky's Request carries none: reading it back would cost a WebStream). */
const UNLOCK_BODY = JSON.stringify({ forceUnlock: true });

/** Thrown from ky's beforeRetry hook when the run's check says the lock is no longer stale. */
class RetryHalted extends Error {
  constructor(readonly halt: RetryHalt) {
    super(halt.reason);
    this.name = 'RetryHalted';
  }
}

/** Thrown from ky's beforeRetry hook when the retry rules say the attempt's failure is final; carries that failure. */
class GaveUp extends Error {
  constructor(readonly attemptError: unknown) {
    super('no further attempt');
    this.name = 'GaveUp';
  }
}

/** The key of a send's state in ky's `context` (ky copies the context object, not what it holds). */
const SEND_STATE = 'scenarioSend';

/** One send's state, shared by its attempts (ky's hooks reach it through the call's `context`). */
interface SendState {
  readonly step: ApiStep;
  readonly remainingMs: () => number;
  readonly mayRetry: (() => Promise<RetryDecision>) | undefined;
  attempts: number;
  /** Every answer's body, read inside its attempt; ky hands on the body-less copies that key this map. */
  readonly bodies: Map<Response, BufferedBody>;
  /** Errors of a 2xx answer's body (its status known): a PUT that got that far is not sent again. */
  readonly bodyFailures: Set<unknown>;
  /** The current attempt got a 2xx status: whatever ends it now (its deadline, a broken body), a PUT is not sent again. */
  attemptAnswered2xx: boolean;
  possiblyApplied: boolean;
  lastError: unknown;
  giveUpReason: string | undefined;
  noteAttemptFailed(error: unknown): void;
}

/** The send's state ky's hook was handed; a call without one is not ours and is refused (nothing is sent). */
function sendStateOf(context: Record<string, unknown>): SendState {
  const state = context[SEND_STATE];
  if (typeof state !== 'object' || state === null) throw new TypeError('the Scenario client was called without its send state');
  return state as SendState;
}

/**
 * The Scenario lock endpoints over ky, with Basic auth: `GET /assets/{assetId}` (the lock as Scenario holds it) and
 * `PUT /assets/{assetId}/unlock` with `{"forceUnlock": true}`. Every failure becomes an ApiFailure whose message is
 * safe to log (no header, no credentials, no body URL), and says whether the request may have been applied.
 */
export function createScenarioLockApi(options: ScenarioLockApiOptions): LockApi {
  const basic = Buffer.from(`${options.credentials.apiKey}:${options.credentials.apiSecret}`).toString('base64');
  // An error message that echoes the request must not carry the credentials into a log.
  const scrub = (text: string) => redactText(text, [`Basic ${basic}`, basic, options.credentials.apiSecret]);
  const base = new URL(options.baseUrl);
  const transport = options.fetch ? fetchTransport(options.fetch) : createNodeHttpTransport().send;
  const readHeaders = { authorization: `Basic ${basic}`, accept: 'application/json', 'user-agent': USER_AGENT };
  const unlockRequest = { headers: { ...readHeaders, 'content-type': 'application/json' }, body: UNLOCK_BODY };
  const readRequest = { headers: readHeaders };
  /**
   * One attempt (so ky's retry rules see its failures): send within the attempt's end, refuse redirects, and read the
   * body whole before that end. Run as ky's beforeRequest hook, whose Response ky takes as the attempt's answer without
   * calling a fetch: the hook is the only per-attempt callback that is handed the call's `context` (this send's state),
   * and it spares ky a clone of the Request per attempt. Not done in an afterResponse hook: ky hands a hook a clone of
   * the answer (a tee of its body), which cost more CPU than the rest of a request.
   */
  async function attempt(request: Request, send: SendState): Promise<Response> {
    send.attempts += 1;
    send.attemptAnswered2xx = false;
    const leftMs = send.remainingMs();
    // Past the run's deadline (e.g. after a slow check before a retry) nothing is sent: as an aborted fetch.
    if (leftMs <= 0) throw new DOMException('the run deadline passed before the attempt', 'AbortError');
    const endsAtMs = Date.now() + Math.min(options.requestTimeoutMs, leftMs);
    const answer = await transport(request, { ...(send.step === 'unlock' ? unlockRequest : readRequest), endsAtMs });
    if (isRedirect(answer) || !fromOrigin(answer, base.origin)) {
      answer.discard();
      throw new UnexpectedRedirect(answer.status, locationOf(answer));
    }
    const answeredOk = answer.status >= 200 && answer.status <= 299;
    if (answeredOk) send.attemptAnswered2xx = true;
    let body: BufferedBody;
    try {
      body = await answer.readBody({ maxBytes: MAX_RESPONSE_BYTES });
    } catch (error) {
      // An error answer's status is known without its body (only its message is lost); a 2xx is not.
      if (!answeredOk) body = '';
      else {
        send.bodyFailures.add(error);
        throw error;
      }
    }
    // A 2xx answer's headers are read by no one past here; an error's are (Retry-After and the like: planRetry).
    const copy = new Response(null, {
      status: answer.status,
      statusText: answer.statusText,
      ...(answeredOk ? {} : { headers: answer.headers }),
    });
    send.bodies.set(copy, body);
    return copy;
  }

  /**
   * Whether a failed attempt is tried again, after which wait, and whether the run's check allows it. Run as ky's
   * beforeRetry hook (handed the call's `context`), after ky's own wait, which is none: ky's `retry.shouldRetry` and
   * `retry.delay` are handed no context, so ky is told to retry every failure up to the limit and the decision, the
   * wait and the check are all made here. Giving up throws GaveUp, which send() unwraps to the attempt's error.
   */
  async function beforeRetry(error: unknown, retryCount: number, send: SendState): Promise<void> {
    send.noteAttemptFailed(error);
    // Scenario answered 2xx to the unlock: it applied it. Another attempt could only free a newcomer's lock.
    if (send.step === 'unlock' && (send.bodyFailures.has(error) || send.attemptAnswered2xx)) throw new GaveUp(error);
    const plan = planRetry(error, retryCount, options.clock.now(), send.remainingMs());
    if (!plan.retry) {
      send.giveUpReason = plan.reason;
      throw new GaveUp(error);
    }
    if (plan.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, plan.waitMs));
    const decision = send.mayRetry ? await send.mayRetry() : { retry: true as const };
    if (!decision.retry) throw new RetryHalted(decision);
  }

  // Every option is given here, once: per call ky is handed only the method and this send's state (`context`), so it
  // merges no per-request retry options, hooks or fetch (closures made per request cost CPU in ky's option merging).
  const client: KyInstance = ky.create({
    // Origin and path only: whatever else the configured URL carried never reaches a request.
    prefixUrl: `${base.origin}${base.pathname}`,
    // No headers here: the transport sends the fixed ones (see below). Given to ky, they were merged into new Headers
    // objects several times over for every request (instance, call, Request, clone), a CPU cost of their own.
    // Each attempt's end (the request timeout, or the run's deadline if sooner) is the transport's, head and body: one
    // timer per attempt. ky's would add a timer, a promise, and the run's signal combined with its own per request.
    timeout: false,
    // Never followed: a redirect would carry the request to a host that is not Scenario (and without the key).
    redirect: 'manual',
    throwHttpErrors: true,
    retry: {
      limit: options.maxRetries,
      methods: RETRY_METHODS,
      statusCodes: RETRY_STATUS_CODES,
      // The decision and the wait are beforeRetry's (above): ky's own are handed no context.
      shouldRetry: () => true,
      delay: () => 0,
    },
    hooks: {
      beforeRequest: [(request, hookOptions) => attempt(request, sendStateOf(hookOptions.context))],
      beforeRetry: [({ error, retryCount, options: hookOptions }) => beforeRetry(error, retryCount, sendStateOf(hookOptions.context))],
    },
  });

  /** One request with the retry rules shared by both steps; the body is read here, capped. */
  async function send(
    step: ApiStep,
    assetId: string,
    deadlineMs: number,
    mayRetry?: () => Promise<RetryDecision>,
  ): Promise<{ ok: true; body: string; attempts: number } | { ok: false; failure: ApiFailure }> {
    // encodeURIComponent leaves "." and ".." alone, and the URL parser resolves them: ".." would PUT /v1/unlock.
    // Only a real asset id may become a path segment, whoever the caller is.
    const idProblem = assetIdProblem(assetId);
    if (idProblem) return failure('request-rejected', `not sent: ${idProblem} (${preview(assetId, 40)})`, { attempts: 0 });
    const remainingMs = () => deadlineMs - options.clock.now();
    if (remainingMs() <= 0) return failure('out-of-time', 'the run deadline passed before the request started', { attempts: 0 });
    const state: SendState = {
      step,
      remainingMs,
      mayRetry,
      attempts: 0,
      bodies: new Map(),
      bodyFailures: new Set(),
      attemptAnswered2xx: false,
      possiblyApplied: false,
      lastError: undefined,
      giveUpReason: undefined,
      noteAttemptFailed(error: unknown) {
        state.lastError = error;
        if (step === 'unlock' && mayHaveBeenApplied(error)) state.possiblyApplied = true;
      },
    };
    const path = step === 'unlock' ? `assets/${encodeURIComponent(assetId)}/unlock` : `assets/${encodeURIComponent(assetId)}`;
    try {
      const response = await client(path, { method: step === 'unlock' ? 'put' : 'get', context: { [SEND_STATE]: state } });
      const body = state.bodies.get(response) ?? TOO_LARGE;
      if (body === TOO_LARGE) {
        if (step === 'unlock') state.possiblyApplied = true;
        return failure('bad-response', `200 answer is larger than ${MAX_RESPONSE_BYTES} bytes; ${unknownOutcome(step)}`, {
          attempts: state.attempts,
          status: 200,
          possiblyApplied: state.possiblyApplied,
        });
      }
      return { ok: true, body, attempts: state.attempts };
    } catch (thrown) {
      const { attempts, bodies, giveUpReason } = state;
      if (thrown instanceof RetryHalted) {
        const last = describeFailure(state.lastError, { step, attempts, giveUpReason, deadlinePassed: false, scrub, bodies });
        // A check that read something it did not understand fails the canvas with that kind, not the attempt's.
        const kind = thrown.halt.failureKind ?? last.kind;
        return { ok: false, failure: { ...last, kind, possiblyApplied: state.possiblyApplied, halted: thrown.halt } };
      }
      const error = thrown instanceof GaveUp ? thrown.attemptError : thrown;
      if (error !== state.lastError) state.noteAttemptFailed(error);
      const deadlinePassed = remainingMs() <= 0;
      const described = describeFailure(error, { step, attempts, giveUpReason, deadlinePassed, scrub, bodies });
      return { ok: false, failure: { ...described, possiblyApplied: state.possiblyApplied } };
    }
  }

  return {
    async readSourceLock(assetId, { deadlineMs }): Promise<SourceLockResult> {
      const answer = await send('verify', assetId, deadlineMs);
      if (!answer.ok) return answer;
      const asset = assetOf(answer.body, assetId);
      if (!asset.ok) return failure('bad-response', asset.problem, { attempts: answer.attempts, status: 200 });
      const lock = sourceLockOf(asset.value);
      if (!lock.ok) return failure('bad-response', lock.problem, { attempts: answer.attempts, status: 200 });
      return { ok: true, lockExpiresAt: lock.reading, attempts: answer.attempts };
    },

    async forceUnlock(assetId, { deadlineMs, mayRetry }): Promise<UnlockResult> {
      const answer = await send('unlock', assetId, deadlineMs, mayRetry);
      if (!answer.ok) return answer;
      const asset = assetOf(answer.body, assetId);
      if (!asset.ok) {
        return failure('bad-response', `${asset.problem}; ${unknownOutcome('unlock')}`, {
          attempts: answer.attempts,
          status: 200,
          possiblyApplied: true,
        });
      }
      return { ok: true, asset: assetLogRecord(asset.value), attempts: answer.attempts };
    },
  };
}

function unknownOutcome(step: ApiStep): string {
  return step === 'unlock' ? 'the lock may or may not be freed' : 'the lock could not be verified';
}

/** The `asset` object of a 200 answer, checked to be the asset asked for. */
function assetOf(body: string, assetId: string): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, problem: `200 answer is not JSON (${body.length} bytes)` };
  }
  const asset = (parsed as { asset?: unknown } | null)?.asset;
  if (typeof asset !== 'object' || asset === null || Array.isArray(asset))
    return { ok: false, problem: '200 answer has no "asset" object' };
  const returnedId = (asset as { id?: unknown }).id;
  if (returnedId !== assetId) return { ok: false, problem: `200 answer is for asset ${preview(returnedId, 60)}, not the one requested` };
  return { ok: true, value: asset as Record<string, unknown> };
}

/**
 * Scenario's lock, read strictly: "no lock" is exactly a JSON object `metadata` whose `lockExpiresAt` is absent or
 * null; a lock is a timestamp in the form the table contract accepts (parseLockExpiry). Anything else is not
 * understood, and says what was read: reading it as "no lock" would free a lock that may be live.
 */
function sourceLockOf(asset: Record<string, unknown>): { ok: true; reading: AttributeReading } | { ok: false; problem: string } {
  const unreadable = (problem: string) => ({ ok: false as const, problem: `Scenario's lock could not be read: ${problem}` });
  if (!Object.hasOwn(asset, 'metadata')) return unreadable('metadata is absent');
  const metadata = asset.metadata;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    return unreadable(`metadata is ${jsonTypeOf(metadata)} ${shownValue(metadata)}, not an object`);
  }
  const value = Object.hasOwn(metadata, 'lockExpiresAt') ? (metadata as Record<string, unknown>).lockExpiresAt : undefined;
  if (value === undefined || value === null) return { ok: true, reading: ABSENT };
  if (typeof value !== 'string') {
    return unreadable(`metadata.lockExpiresAt is ${jsonTypeOf(value)} ${shownValue(value)}, not an ISO-8601 date-time string`);
  }
  const reading: AttributeReading = { kind: 'string', value };
  const expiry = parseLockExpiry(reading);
  if (expiry.kind === 'invalid') {
    return unreadable(
      `metadata.lockExpiresAt ${shownValue(value)} is not an ISO-8601 date-time with a time zone (as the table contract requires)`,
    );
  }
  return { ok: true, reading };
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const MAX_SHOWN_CHARS = 120;

/** A value Scenario sent, as a failure shows it: JSON with terminal controls escaped, clipped (failure() redacts). */
function shownValue(value: unknown): string {
  return clip(value === undefined ? 'undefined' : jsonForTerminal(value), MAX_SHOWN_CHARS);
}

/** A 3xx, or a fetch's opaque redirect (status 0). */
function isRedirect(answer: HttpAnswer): boolean {
  return answer.status === 0 || (answer.status >= 300 && answer.status <= 399);
}

function locationOf(answer: HttpAnswer): string | null {
  if (answer.headers instanceof Headers) return answer.headers.get('location');
  return answer.headers.find(([name]) => name.toLowerCase() === 'location')?.[1] ?? null;
}

/** Only an answer from the configured origin is Scenario's (an answer not from the network has no url: refused). */
function fromOrigin(answer: HttpAnswer, origin: string): boolean {
  if (answer.redirected || answer.url === '') return false;
  try {
    return new URL(answer.url).origin === origin;
  } catch {
    return false;
  }
}

function describeFailure(
  error: unknown,
  context: {
    step: ApiStep;
    attempts: number;
    giveUpReason: string | undefined;
    deadlinePassed: boolean;
    scrub: (text: string) => string;
    bodies: ReadonlyMap<Response, BufferedBody>;
  },
): ApiFailure {
  const { attempts } = context;
  const tries = `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  const options = { attempts };
  if (error instanceof UnexpectedRedirect) {
    const to = redirectTarget(error.location);
    const what = context.step === 'unlock' ? 'the unlock was not sent on' : 'no unlock was sent';
    return failure(
      'unexpected-redirect',
      `HTTP ${error.status}: Scenario answered with a redirect${to}; redirects are never followed (${what})`,
      { ...options, status: error.status },
    ).failure;
  }
  if (error instanceof HTTPError) {
    const status = error.response.status;
    const detail = errorMessageOf(context.bodies.get(error.response), context.scrub);
    const withStatus = { ...options, status };
    if (status === 401) {
      return failure(
        'credentials-rejected',
        `HTTP 401: the API refused the key; its canvases are skipped (the run stops once every key is refused)${detail}`,
        withStatus,
      ).failure;
    }
    if (status === 403) {
      return failure(
        'forbidden',
        `HTTP 403: the API refused this asset to the key; only this canvas fails (the key is refused after 403s on two assets with no success)${detail}`,
        withStatus,
      ).failure;
    }
    if (status === 404)
      return failure(
        'asset-not-found',
        `HTTP 404: Scenario does not know this asset (deleted?); untrack it once you are sure SCENARIO_API_BASE_URL is right${detail}`,
        withStatus,
      ).failure;
    const why = context.giveUpReason ? `: ${context.giveUpReason}` : '';
    if (status === 429) return failure('rate-limited', `HTTP 429 ${tries}${why}${detail}`, withStatus).failure;
    if (status >= 500) return failure('server-error', `HTTP ${status} ${tries}${why}${detail}`, withStatus).failure;
    return failure('request-rejected', `HTTP ${status}: the API rejected the request${detail}`, withStatus).failure;
  }
  if (context.deadlinePassed) return failure('out-of-time', `the run's time budget ran out ${tries}`, options).failure;
  if (error instanceof BodyTimeout) return failure('timeout', `${error.message} ${tries}`, options).failure;
  if (isTimeout(error)) return failure('timeout', `no answer within the request timeout ${tries}`, options).failure;
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const name = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return failure('network-error', `${context.scrub(`${name}${cause}`)} ${tries}`, options).failure;
}

/** Where a redirect pointed, as a failure may show it: the origin only (a path or query may carry a signature). */
function redirectTarget(location: string | null): string {
  if (location === null) return ' without a Location';
  try {
    return ` to ${new URL(location).origin}`;
  } catch {
    return ' to a relative Location';
  }
}

/**
 * What an error answer says, for ops: only a short scalar `message` field, redacted. The body itself is never copied
 * (it may echo the request, or carry signed URLs in any escaping).
 */
function errorMessageOf(body: BufferedBody | undefined, scrub: (text: string) => string): string {
  let message: unknown;
  try {
    message = typeof body === 'string' ? (JSON.parse(body) as { message?: unknown } | null)?.message : undefined;
  } catch {
    return '';
  }
  if (typeof message !== 'string' || message.trim() === '') return '';
  // Cut first (the redaction then works on a bounded text), then redact, then drop every URL-like word whole.
  const words = scrub(message.slice(0, MAX_ERROR_MESSAGE_READ_CHARS))
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => (looksLikeUrl(word) ? '[redacted-url]' : word));
  const safe = words.join(' ');
  return ` (message: ${safe.length > MAX_ERROR_MESSAGE_CHARS ? `${safe.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : safe})`;
}

function failure(
  kind: ApiFailure['kind'],
  message: string,
  details: { attempts: number; status?: number; possiblyApplied?: boolean },
): { ok: false; failure: ApiFailure } {
  return {
    ok: false,
    failure: {
      kind,
      // Messages quote what the API sent back (an asset id, an error message): one more redaction pass at the source.
      message: redactText(message),
      attempts: details.attempts,
      possiblyApplied: details.possiblyApplied ?? false,
      ...(details.status === undefined ? {} : { status: details.status }),
    },
  };
}
