import type { AssetLogRecord } from '../core/ports';
import { looksLikeUrl, REDACTED, redactText } from './redact';

export { REDACTED } from './redact';

/** Long free text (prompts, captions) is user content: cap it so one asset cannot flood the log. */
const MAX_TEXT_LENGTH = 200;
const MAX_WALK_NODES = 5_000;
/** `redactedUrls` lists at most this many paths (the rest are counted in `redactedUrlsOmitted`), each at most so long. */
export const MAX_REDACTED_URL_PATHS = 50;
const MAX_PATH_LENGTH = 200;
/** A key that is not a plain name (it may itself be a signed URL) appears in a path as this. */
export const REDACTED_KEY = '[key]';
const PLAIN_KEY = /^[A-Za-z0-9_$-]{1,64}$/;
/** A key naming a URL ("url", "originalFileUrl"): its string value is listed whatever it holds. */
const URL_NAMED = /url$/i;

type Json = Record<string, unknown>;

/**
 * Turns an Asset returned by the unlock endpoint into one log-safe record: the fields ops look for, each kept only
 * when it is a scalar (a string, number or boolean; an object in an odd place may carry a signed URL as a key), and
 * the paths of every URL the asset carried, never the URLs themselves (they are signed: a URL in a log is a working
 * download link).
 */
export function assetLogRecord(asset: Json): AssetLogRecord {
  const metadata = asObject(asset.metadata);
  const thumbnail = asObject(metadata?.thumbnail);
  const record: Record<string, unknown> = {
    assetId: asset.id,
    name: metadata?.name,
    kind: asset.kind,
    type: metadata?.type,
    status: asset.status,
    ownerId: asset.ownerId,
    authorId: asset.authorId,
    privacy: asset.privacy,
    mimeType: asset.mimeType,
    source: asset.source,
    createdAt: asset.createdAt,
    updatedAt: asset.updatedAt,
    lockExpiresAt: metadata?.lockExpiresAt,
    parentId: metadata?.parentId,
    thumbnailAssetId: thumbnail?.assetId,
    collectionIds: Array.isArray(asset.collectionIds) ? asset.collectionIds.length : undefined,
  };
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string') safe[key] = safeText(value);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') safe[key] = value;
  }
  const { paths, omitted } = urlPaths(asset);
  safe.redactedUrls = paths;
  if (omitted > 0) safe.redactedUrlsOmitted = omitted;
  return safe;
}

/** Any string that looks like a URL, in any spelling, is dropped wherever it sits: signed links turn up in odd fields. */
function safeText(value: string): string {
  if (looksLikeUrl(value)) return REDACTED;
  const text = redactText(value);
  return text.length > MAX_TEXT_LENGTH ? `${text.slice(0, MAX_TEXT_LENGTH)}…` : text;
}

/**
 * Dotted paths of every URL-looking string in the asset ("url", "thumbnail.url", "metadata.thumbnail.url", …), and
 * of every key that is itself URL-like. Keys that are not plain names are written as "[key]" in a path.
 */
function urlPaths(asset: Json): { paths: string[]; omitted: number } {
  const paths: string[] = [];
  let omitted = 0;
  let visited = 0;
  const note = (path: string) => {
    if (paths.length < MAX_REDACTED_URL_PATHS) paths.push(path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}…` : path);
    else omitted += 1;
  };
  // `namedUrl`: the value sits under a plain key ending in "url" (as /url$/i on its path said; the key is tested rather
  // than the path, which would make the engine flatten every concatenated path string it tests).
  const walk = (value: unknown, path: string, namedUrl: boolean) => {
    if (++visited > MAX_WALK_NODES) return;
    if (typeof value === 'string') {
      if (namedUrl || looksLikeUrl(value)) note(path);
      return;
    }
    if (Array.isArray(value)) {
      // Arrays of numbers (embeddings, bboxes) hold no URLs; stepping into each would only cost time.
      const items = Math.min(value.length, 50);
      for (let index = 0; index < items; index += 1) {
        const item: unknown = value[index];
        if (typeof item === 'object' || typeof item === 'string') walk(item, `${path}[${index}]`, false);
      }
      return;
    }
    const object = asObject(value);
    if (!object) return;
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      const plain = PLAIN_KEY.test(key);
      const segment = plain ? key : REDACTED_KEY;
      const innerPath = path ? `${path}.${segment}` : segment;
      if (!plain && looksLikeUrl(key)) note(innerPath);
      walk(object[key], innerPath, plain && URL_NAMED.test(key));
    }
  };
  walk(asset, '', false);
  return { paths, omitted };
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
