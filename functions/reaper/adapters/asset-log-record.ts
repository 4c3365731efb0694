import type { AssetLogRecord } from '../core/ports';

export const REDACTED = '[redacted]';
/** Long free text (prompts, captions) is user content: cap it so one asset cannot flood the log. */
const MAX_TEXT_LENGTH = 200;
const MAX_WALK_NODES = 5_000;

type Json = Record<string, unknown>;

/**
 * Turns an Asset returned by the unlock endpoint into one log-safe record: the fields ops look for,
 * and the paths of every URL the asset carried, never the URLs themselves (they are signed: a URL in a log
 * is a working download link).
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
    redactedUrls: urlPaths(asset),
  };
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    safe[key] = typeof value === 'string' ? safeText(value) : value;
  }
  return safe;
}

/** Any string that carries a scheme is treated as a URL, wherever it sits: signed links turn up in odd fields. */
function safeText(value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) || /https?:\/\//i.test(value)) return REDACTED;
  return value.length > MAX_TEXT_LENGTH ? `${value.slice(0, MAX_TEXT_LENGTH)}…` : value;
}

/** Dotted paths of every URL-looking string in the asset ("url", "thumbnail.url", "metadata.thumbnail.url", …). */
function urlPaths(asset: Json): string[] {
  const paths: string[] = [];
  let visited = 0;
  const walk = (value: unknown, path: string) => {
    if (++visited > MAX_WALK_NODES) return;
    if (typeof value === 'string') {
      if (/^https?:\/\//i.test(value) || /url$/i.test(path)) paths.push(path);
      return;
    }
    if (Array.isArray(value)) {
      // Arrays of numbers (embeddings, bboxes) hold no URLs; stepping into each would only cost time.
      value.slice(0, 50).forEach((item, index) => typeof item === 'object' || typeof item === 'string' ? walk(item, `${path}[${index}]`) : undefined);
      return;
    }
    const object = asObject(value);
    if (object) for (const [key, inner] of Object.entries(object)) walk(inner, path ? `${path}.${key}` : key);
  };
  walk(asset, '');
  return paths;
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
