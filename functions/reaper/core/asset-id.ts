/** Scenario asset ids look like `asset_GTrL3mq4SXWyMxkOHRxlpw`. */
const SCENARIO_ASSET_ID = /^asset_[A-Za-z0-9_-]+$/;
/** Real ids are ~30 characters; the cap keeps a 10 KB junk key out of URLs and logs. */
export const MAX_ASSET_ID_LENGTH = 128;

/** Why `value` is not a Scenario asset id, or undefined when it is one. */
export function assetIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `assetId must be a string, got ${typeof value}`;
  if (value.length === 0) return 'assetId is empty';
  if (value.length > MAX_ASSET_ID_LENGTH) return `assetId is ${value.length} characters long (at most ${MAX_ASSET_ID_LENGTH})`;
  if (!SCENARIO_ASSET_ID.test(value)) return 'assetId is not "asset_" followed by letters, digits, "_" or "-"';
  return undefined;
}

/** A short, log-safe rendering of an untrusted value (a 10 KB id must not become a 10 KB log line). */
export function preview(value: unknown, max = 80): string {
  return clip(typeof value === 'string' ? JSON.stringify(value) : String(value), max);
}

/** Cuts a long text for a log line, keeping it readable (no quoting). */
export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}
