import ky, { HTTPError, TimeoutError, type KyInstance } from 'ky';
import { assetIdProblem, preview } from '../core/asset-id';
import type { Clock, LockApi, UnlockFailure, UnlockResult } from '../core/ports';
import type { ApiCredentials } from './credentials';
import { assetLogRecord } from './asset-log-record';

/** Statuses worth another attempt: throttling, and the server's own trouble. */
const RETRY_STATUSES = [408, 429, 500, 502, 503, 504];
/** Statuses whose Retry-After header we honour. */
const RETRY_AFTER_STATUSES = [429, 503];
/** Exponential backoff between attempts is never longer than this (ky's own default is unbounded). */
export const BACKOFF_LIMIT_MS = 5_000;
const USER_AGENT = 'canvas-lock-reaper/0.1';
const MAX_ERROR_BODY_CHARS = 200;

export interface ScenarioLockApiOptions {
  /** e.g. https://api.cloud.scenario.com/v1 (validated by the config). */
  baseUrl: string;
  credentials: ApiCredentials;
  /** Per attempt. */
  requestTimeoutMs: number;
  /** Attempts after the first, on 429, 5xx, timeouts and network errors. */
  maxRetries: number;
  clock: Clock;
  /** Replaced in tests to observe requests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * The Scenario unlock endpoint over ky: `PUT /assets/{assetId}/unlock` with `{"forceUnlock": true}` and Basic auth.
 * Every failure is turned into an UnlockFailure whose message is safe to log (no header, no credentials, no body URL).
 */
export function createScenarioLockApi(options: ScenarioLockApiOptions): LockApi {
  const basic = Buffer.from(`${options.credentials.apiKey}:${options.credentials.apiSecret}`).toString('base64');
  // An error body that echoes the request must not carry the credentials into a log.
  const scrub = (text: string) => [basic, options.credentials.apiSecret].reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  const client: KyInstance = ky.create({
    prefixUrl: options.baseUrl,
    headers: { authorization: `Basic ${basic}`, accept: 'application/json', 'user-agent': USER_AGENT },
    timeout: options.requestTimeoutMs,
    throwHttpErrors: true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  return {
    async forceUnlock(assetId, { deadlineMs }) {
      // encodeURIComponent leaves "." and ".." alone, and the URL parser resolves them: ".." would PUT /v1/unlock.
      // Only a real asset id may become a path segment, whoever the caller is.
      const idProblem = assetIdProblem(assetId);
      if (idProblem) return failure('request-rejected', `not sent: ${idProblem} (${preview(assetId, 40)})`, 0);
      const path = `assets/${encodeURIComponent(assetId)}/unlock`;
      const remainingMs = () => deadlineMs - options.clock.now();
      let attempts = 0;
      let giveUpReason: string | undefined;
      if (remainingMs() <= 0) return failure('out-of-time', 'the run deadline passed before the request started', 0);
      try {
        const response = await client.put(path, {
          json: { forceUnlock: true },
          signal: AbortSignal.timeout(Math.max(1, remainingMs())),
          retry: {
            limit: options.maxRetries,
            methods: ['put'],
            statusCodes: RETRY_STATUSES,
            afterStatusCodes: RETRY_AFTER_STATUSES,
            backoffLimit: BACKOFF_LIMIT_MS,
            maxRetryAfter: Math.max(0, remainingMs()),
            retryOnTimeout: true,
            shouldRetry: ({ error }) => {
              const asked = retryAfterMs(error, options.clock.now());
              if (asked === undefined) return undefined;
              // Unreadable: ky would wait maxRetryAfter, i.e. the whole budget; back off as without the header instead.
              if (Number.isNaN(asked.ms)) return true;
              if (asked.ms >= remainingMs()) {
                giveUpReason = `the API asked to wait ${Math.ceil(asked.ms / 1000)} s (${asked.header}), past the run's time budget`;
                return false;
              }
              return undefined;
            },
          },
          hooks: {
            beforeRequest: [() => void (attempts += 1)],
          },
        });
        return parseUnlockResponse(assetId, await response.text(), attempts);
      } catch (error) {
        return describeFailure(error, { attempts, giveUpReason, deadlinePassed: remainingMs() <= 0, scrub });
      }
    },
  };
}

/** The rate-limit headers ky reads, in ky's order (ky 1.x), for the statuses in RETRY_AFTER_STATUSES. */
const RETRY_AFTER_HEADERS = ['Retry-After', 'RateLimit-Reset', 'X-RateLimit-Retry-After', 'X-RateLimit-Reset', 'X-Rate-Limit-Reset'];
/** ky reads a number this large as an epoch timestamp in seconds, not a delay. */
const TIMESTAMP_THRESHOLD_MS = Date.parse('2024-01-01');

/**
 * The wait ky itself will take from a rate-limit answer (same headers, same reading), so the budget check sees
 * every wait ky may take, not only Retry-After; `ms` is NaN when the header cannot be read.
 */
function retryAfterMs(error: Error, nowMs: number): { header: string; ms: number } | undefined {
  if (!(error instanceof HTTPError) || !RETRY_AFTER_STATUSES.includes(error.response.status)) return undefined;
  const header = RETRY_AFTER_HEADERS.find((name) => error.response.headers.get(name));
  if (header === undefined) return undefined;
  const value = error.response.headers.get(header)!;
  let ms = Number(value) * 1000;
  if (Number.isNaN(ms)) ms = Date.parse(value) - nowMs;
  else if (ms >= TIMESTAMP_THRESHOLD_MS) ms -= nowMs;
  return { header, ms };
}

function parseUnlockResponse(assetId: string, body: string, attempts: number): UnlockResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return failure('bad-response', `200 answer is not JSON (${body.length} bytes); the lock may or may not be freed`, attempts, 200);
  }
  const asset = (parsed as { asset?: unknown } | null)?.asset;
  if (typeof asset !== 'object' || asset === null || Array.isArray(asset)) {
    return failure('bad-response', '200 answer has no "asset" object', attempts, 200);
  }
  const returnedId = (asset as { id?: unknown }).id;
  if (returnedId !== assetId) {
    return failure('bad-response', `200 answer is for asset ${preview(returnedId, 60)}, not the one requested`, attempts, 200);
  }
  return { ok: true, asset: assetLogRecord(asset as Record<string, unknown>), attempts };
}

async function describeFailure(
  error: unknown,
  context: { attempts: number; giveUpReason: string | undefined; deadlinePassed: boolean; scrub: (text: string) => string },
): Promise<UnlockResult> {
  const { attempts } = context;
  const tries = `after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (error instanceof HTTPError) {
    const status = error.response.status;
    const detail = await errorBodyExcerpt(error.response, context.scrub);
    if (status === 401 || status === 403) {
      return failure('credentials-rejected', `HTTP ${status}: the API refused the credentials; the run stops${detail}`, attempts, status);
    }
    if (status === 404) {
      return failure('asset-not-found', `HTTP 404: the asset no longer exists at Scenario; untrack it${detail}`, attempts, status);
    }
    if (status === 429) {
      return failure('rate-limited', `HTTP 429 ${tries}${context.giveUpReason ? `: ${context.giveUpReason}` : ''}${detail}`, attempts, status);
    }
    if (status >= 500) {
      return failure('server-error', `HTTP ${status} ${tries}${context.giveUpReason ? `: ${context.giveUpReason}` : ''}${detail}`, attempts, status);
    }
    return failure('request-rejected', `HTTP ${status}: the API rejected the request${detail}`, attempts, status);
  }
  if (context.deadlinePassed) {
    return failure('out-of-time', `the run's time budget ran out ${tries}`, attempts);
  }
  if (error instanceof TimeoutError || (error instanceof Error && error.name === 'TimeoutError')) {
    return failure('timeout', `no answer within the request timeout ${tries}`, attempts);
  }
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const name = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return failure('network-error', `${name}${cause} ${tries}`, attempts);
}

/** A short excerpt of an error body helps ops; URLs in it are cut out since they may be signed. */
async function errorBodyExcerpt(response: Response, scrub: (text: string) => string): Promise<string> {
  try {
    const text = scrub(await response.text()).replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[redacted-url]').replace(/\s+/g, ' ').trim();
    if (!text) return '';
    return ` (body: ${text.length > MAX_ERROR_BODY_CHARS ? `${text.slice(0, MAX_ERROR_BODY_CHARS)}…` : text})`;
  } catch {
    return '';
  }
}

function failure(kind: UnlockFailure['kind'], message: string, attempts: number, status?: number): UnlockResult {
  return { ok: false, failure: { kind, message, attempts, ...(status === undefined ? {} : { status }) } };
}
