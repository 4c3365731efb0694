import { HTTPError, TimeoutError } from 'ky';

/**
 * When to try an API request again, and how long to wait first. ky runs the attempts, but the decision and the wait
 * are ours (the Scenario client's beforeRetry hook asks planRetry and waits; ky's own wait is none): the run's deadline
 * must see every wait before it is taken, and a wait ky computed from headers itself could not be checked against it.
 */

/** Statuses worth another attempt: throttling, and the server's own trouble. */
export const RETRY_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504];
/** Statuses whose rate-limit headers we honour. */
const RATE_LIMIT_STATUSES: readonly number[] = [429, 503];
/** Rate-limit headers, in the order read (the common spellings of "wait this long"). */
const RATE_LIMIT_HEADERS = ['Retry-After', 'RateLimit-Reset', 'X-RateLimit-Retry-After', 'X-RateLimit-Reset', 'X-Rate-Limit-Reset'];
/** A number this large is an epoch timestamp in seconds, not a delay. */
const EPOCH_SECONDS_THRESHOLD_MS = Date.parse('2024-01-01');
/** Exponential backoff: 300 ms, 600 ms, 1.2 s… never longer than this. */
const BACKOFF_FIRST_MS = 300;
export const BACKOFF_LIMIT_MS = 5_000;

/** Errors that prove no connection was made: the request cannot have reached the API. */
const NEVER_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export type RetryPlan = { retry: true; waitMs: number } | { retry: false; reason?: string };

/** Whether to retry after `error` (the `retryCount`-th retry, from 1), and the wait, given the time left. */
export function planRetry(error: unknown, retryCount: number, nowMs: number, remainingMs: number): RetryPlan {
  let waitMs = Math.min(BACKOFF_LIMIT_MS, BACKOFF_FIRST_MS * 2 ** (retryCount - 1));
  if (error instanceof HTTPError) {
    const status = error.response.status;
    if (!RETRY_STATUSES.includes(status)) return { retry: false };
    const asked = RATE_LIMIT_STATUSES.includes(status) ? rateLimitWait(error.response.headers, nowMs) : undefined;
    // An unreadable header: back off as without one.
    if (asked && !Number.isNaN(asked.ms)) {
      if (asked.ms >= remainingMs) {
        return {
          retry: false,
          reason: `the API asked to wait ${Math.ceil(asked.ms / 1000)} s (${asked.header}), past the run's time budget`,
        };
      }
      waitMs = Math.max(0, asked.ms);
    }
  } else if (!isTimeout(error) && !isNetworkError(error)) {
    return { retry: false };
  }
  if (waitMs >= remainingMs) return { retry: false, reason: 'no time left in the run for another attempt' };
  return { retry: true, waitMs };
}

/** May a failed attempt have been applied by the API although no success came back? */
export function mayHaveBeenApplied(error: unknown): boolean {
  if (error instanceof HTTPError) return error.response.status >= 500;
  if (isNetworkError(error)) return !NEVER_CONNECTED_CODES.has(causeCode(error) ?? '');
  return isTimeout(error);
}

export function isTimeout(error: unknown): boolean {
  return error instanceof TimeoutError || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
}

export function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError && !(error instanceof HTTPError);
}

function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function rateLimitWait(headers: Headers, nowMs: number): { header: string; ms: number } | undefined {
  const header = RATE_LIMIT_HEADERS.find((name) => headers.get(name));
  if (header === undefined) return undefined;
  const value = headers.get(header) ?? '';
  let ms = Number(value) * 1000;
  if (Number.isNaN(ms)) ms = Date.parse(value) - nowMs;
  else if (ms >= EPOCH_SECONDS_THRESHOLD_MS) ms -= nowMs;
  return { header, ms };
}
