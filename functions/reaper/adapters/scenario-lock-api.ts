import ky, { HTTPError, type KyInstance } from 'ky';
import { jsonForTerminal } from '../cli-kit/terminal-text';
import { assetIdProblem, clip, preview } from '../core/asset-id';
import { parseLockExpiry } from '../core/lock-expiry';
import type { ApiFailure, ApiStep, Clock, LockApi, RetryDecision, RetryHalt, SourceLockResult, UnlockResult } from '../core/ports';
import { ABSENT, type AttributeReading } from '../core/tracked-canvas';
import { assetLogRecord } from './asset-log-record';
import type { ApiCredentials } from './credentials';
import { looksLikeUrl, redactText } from './redact';
import { isTimeout, mayHaveBeenApplied, planRetry, RETRY_STATUSES } from './retry-policy';

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
  /** Replaced in tests to observe requests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Thrown from ky's beforeRetry hook when the run's check says the lock is no longer stale. */
class RetryHalted extends Error {
  constructor(readonly halt: RetryHalt) {
    super(halt.reason);
    this.name = 'RetryHalted';
  }
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
  const client: KyInstance = ky.create({
    // Origin and path only: whatever else the configured URL carried never reaches a request.
    prefixUrl: `${base.origin}${base.pathname}`,
    headers: { authorization: `Basic ${basic}`, accept: 'application/json', 'user-agent': USER_AGENT },
    timeout: options.requestTimeoutMs,
    throwHttpErrors: true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
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
    let attempts = 0;
    let possiblyApplied = false;
    let lastError: unknown;
    let plannedWaitMs = 0;
    let giveUpReason: string | undefined;
    const path = step === 'unlock' ? `assets/${encodeURIComponent(assetId)}/unlock` : `assets/${encodeURIComponent(assetId)}`;
    const noteAttemptFailed = (error: unknown) => {
      lastError = error;
      if (step === 'unlock' && mayHaveBeenApplied(error)) possiblyApplied = true;
    };
    try {
      const response = await client(path, {
        method: step === 'unlock' ? 'put' : 'get',
        ...(step === 'unlock' ? { json: { forceUnlock: true } } : {}),
        signal: AbortSignal.timeout(Math.max(1, remainingMs())),
        retry: {
          limit: options.maxRetries,
          methods: ['get', 'put'],
          statusCodes: [...RETRY_STATUSES],
          delay: () => plannedWaitMs,
          shouldRetry: ({ error, retryCount }) => {
            noteAttemptFailed(error);
            const plan = planRetry(error, retryCount, options.clock.now(), remainingMs());
            if (!plan.retry) {
              giveUpReason = plan.reason;
              return false;
            }
            plannedWaitMs = plan.waitMs;
            return true;
          },
        },
        hooks: {
          beforeRequest: [
            () => {
              attempts += 1;
            },
          ],
          beforeRetry: [
            async () => {
              const decision = mayRetry ? await mayRetry() : { retry: true as const };
              if (!decision.retry) throw new RetryHalted(decision);
            },
          ],
        },
      });
      const body = await readCapped(response);
      if (body === undefined) {
        if (step === 'unlock') possiblyApplied = true;
        return failure('bad-response', `200 answer is larger than ${MAX_RESPONSE_BYTES} bytes; ${unknownOutcome(step)}`, {
          attempts,
          status: 200,
          possiblyApplied,
        });
      }
      return { ok: true, body, attempts };
    } catch (error) {
      if (error instanceof RetryHalted) {
        const last = await describeFailure(lastError, { attempts, giveUpReason, deadlinePassed: false, scrub });
        // A check that read something it did not understand fails the canvas with that kind, not the attempt's.
        const kind = error.halt.failureKind ?? last.kind;
        return { ok: false, failure: { ...last, kind, possiblyApplied, halted: error.halt } };
      }
      if (error !== lastError) noteAttemptFailed(error);
      const described = await describeFailure(error, { attempts, giveUpReason, deadlinePassed: remainingMs() <= 0, scrub });
      return { ok: false, failure: { ...described, possiblyApplied } };
    }
  }

  return {
    async readSourceLock(assetId, { deadlineMs }): Promise<SourceLockResult> {
      const answer = await send('verify', assetId, deadlineMs);
      if (!answer.ok) return answer;
      const asset = assetOf(answer.body, assetId);
      if (!asset.ok) return failure('bad-response', asset.problem, { attempts: answer.attempts, status: 200 });
      const lock = sourceLockOf(asset.value);
      if (!lock.ok)
        return failure('bad-response', `${lock.problem}; ${unknownOutcome('verify')}`, { attempts: answer.attempts, status: 200 });
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
  return clip(jsonForTerminal(value) ?? String(value), MAX_SHOWN_CHARS);
}

/** The body as text, or undefined when it is larger than MAX_RESPONSE_BYTES (reading stops there). */
async function readCapped(response: Response): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function describeFailure(
  error: unknown,
  context: { attempts: number; giveUpReason: string | undefined; deadlinePassed: boolean; scrub: (text: string) => string },
): Promise<ApiFailure> {
  const { attempts } = context;
  const tries = `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  const options = { attempts };
  if (error instanceof HTTPError) {
    const status = error.response.status;
    const detail = await errorMessageOf(error.response, context.scrub);
    const withStatus = { ...options, status };
    if (status === 401 || status === 403) {
      return failure('credentials-rejected', `HTTP ${status}: the API refused the credentials; the run stops${detail}`, withStatus).failure;
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
  if (isTimeout(error)) return failure('timeout', `no answer within the request timeout ${tries}`, options).failure;
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const name = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return failure('network-error', `${context.scrub(`${name}${cause}`)} ${tries}`, options).failure;
}

/**
 * What an error answer says, for ops: only a short scalar `message` field, redacted. The body itself is never copied
 * (it may echo the request, or carry signed URLs in any escaping).
 */
async function errorMessageOf(response: Response, scrub: (text: string) => string): Promise<string> {
  let message: unknown;
  try {
    const text = await readCapped(response);
    message = text === undefined ? undefined : (JSON.parse(text) as { message?: unknown } | null)?.message;
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
