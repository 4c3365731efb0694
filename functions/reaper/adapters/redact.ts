/**
 * The one redaction pass every text runs through before it leaves the process: log lines (the logger's JSON
 * replacer), run summaries, the handler's thrown errors (they reach the failure queue) and every CLI line.
 * Signed URLs and credentials turn up in any escaping (a JSON body quoted in a message, a percent-encoded link, a
 * fragment), so the rules look for what makes a value secret (a signature-like parameter, a query string after a
 * host, an Authorization value) rather than for one spelling of a URL. Pure and dependency-free.
 */

export const REDACTED = '[redacted]';

/** A value already redacted is left as it is, so running the pass twice changes nothing. */
const ALREADY = String.raw`\[redacted\]`;

/** `%`, or `%25` once or more (a percent-encoded URL inside another one). */
const PCT = '%(?:25)*';

/**
 * Names of query (or fragment) parameters that carry a signature or a credential: X-Amz-Signature, X-Amz-Credential,
 * X-Amz-Security-Token, X-Goog-Signature, Signature, sig, token, access_token, api_key…, and CloudFront's
 * Expires/Key-Pair-Id/Policy that go with its Signature.
 */
const SECRET_NAME = '[A-Za-z0-9_.-]*?(?:signature|token|secret|passw(?:or)?d|credential|api[_-]?key|sig)|key-pair-id|policy|expires';
/** What may precede such a name: anything but a name character, or an encoded `?`, `&`, `#`, `;` (`%3F`, `\u0026`…). */
const NAME_START = String.raw`(?<=^|[^A-Za-z0-9_.-]|${PCT}(?:3F|26|23|3B)|\\u0026)`;
/** `=` as written raw, percent-encoded or JSON-unicode-escaped. */
const EQUALS = String.raw`(?:=|${PCT}3D|\\u003d)`;
/** A parameter value: up to the next separator; a JSON-escaped slash (`\/`) does not end it. */
const VALUE = String.raw`(?:${ALREADY}|(?:\\\/|[^\s&"'\\<>#,;)}\]])+)`;

const SECRET_PARAMETER = new RegExp(String.raw`${NAME_START}(${SECRET_NAME})(\s*${EQUALS}\s*)${VALUE}`, 'gi');
/** The same names as JSON keys: `"X-Amz-Signature": "…"` (a body quoted inside a message). */
const SECRET_JSON_MEMBER = new RegExp(String.raw`((\\?["'])(?:${SECRET_NAME})\2\s*:\s*(\\?"))(?:${ALREADY}|(?:\\[^"]|[^"\\])*?)(\3)`, 'gi');

/**
 * `//` as written raw or JSON-escaped (`\/\/`), with an optional scheme before it (none: protocol-relative). The
 * scheme must start a word and is at most 32 characters, so a long run of letters is not re-scanned from each one.
 */
const SCHEME = '(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:';
const URL_START = String.raw`(?:${SCHEME})?(?:\/\/|\\\/\\\/)`;
/** `%2F%2F` (or `%252F%252F`, double-encoded), the start of a percent-encoded URL. */
const ENCODED_SLASHES = `${PCT}2F${PCT}2F`;

/**
 * The fail-closed URL pass. Text is cut into words (at whitespace, quotes, angle brackets and backticks) and each
 * word into segments at JSON escapes that end a string or a line (`\"`, `\n`, `\u0022`…). In a segment, once
 * something says "URL" (a slash in any spelling, a backslash pair, `:\`, or a host name such as `cdn.x.com`), the
 * first `?`, `#` or `;` after it (raw, percent-encoded or `\u003f`-escaped) starts the query, fragment or path
 * parameters, and everything after it in the segment is redacted, whatever the parameter names. This does not try
 * to recognise one spelling of a URL: `https:\\h\p?…`, `https:/\/h/p?…`, `cdn.x.com/a.png?…` and
 * `https:\u002f\u002fh\u002fp?…` all lose their query.
 */
const WORD = /[^\s"'<>`]+/g;
// Each starts at the first backslash of a run only, so a long run of backslashes is scanned once, not from each one.
const SEGMENT_END = /((?<!\\)\\+(?:["'nrt]|u00(?:22|27|0a|0d|09|20|3c|3e)))/i;
const URL_EVIDENCE = new RegExp(String.raw`\/|${PCT}(?:2f|5c)|\\u00(?:2f|5c)|\\\\|:\\|[a-z0-9-]\.[a-z]{2}`, 'i');
const URL_DELIMITER = new RegExp(String.raw`[?#;]|${PCT}(?:3f|23|3b)|\\u00(?:3f|23|3b)`, 'gi');

function redactUrlParts(text: string): string {
  return text.replace(WORD, (word) => (URL_EVIDENCE.test(word) ? word.split(SEGMENT_END).map(redactSegmentTail).join('') : word));
}

function redactSegmentTail(segment: string): string {
  const evidence = URL_EVIDENCE.exec(segment);
  if (!evidence) return segment;
  URL_DELIMITER.lastIndex = evidence.index + evidence[0].length;
  const delimiter = URL_DELIMITER.exec(segment);
  if (!delimiter) return segment;
  const start = delimiter.index + delimiter[0].length;
  // Backslashes that end the segment belong to the escape that follows it (`\"`), not to the query.
  let end = segment.length;
  while (end > start && segment[end - 1] === '\\') end -= 1;
  const tail = segment.slice(start, end);
  if (tail === '' || tail === REDACTED) return segment;
  return `${segment.slice(0, start)}${REDACTED}${segment.slice(end)}`;
}

/** Credentials inside a URL: `https://user:password@host`. */
const URL_USERINFO = new RegExp(String.raw`(${URL_START})[^\s"'<>/@\\]{1,256}@`, 'gi');

/** An Authorization value: `Basic <base64>`, `bearer <token>`… in any case. */
const AUTHORIZATION = /\b(basic|bearer|digest|negotiate)(\s+)([A-Za-z0-9+/=._~-]{8,})/gi;

/**
 * Whether the word after "basic"/"bearer" is a credential rather than prose ("basic configuration"): a credential
 * has a digit, a base64 sign, or a capital letter after its first character.
 */
function looksLikeCredential(word: string): boolean {
  return /[0-9+/=._~-]/.test(word) || /[A-Z]/.test(word.slice(1));
}

/**
 * A text with none of these characters is left as it is by every rule of redactText: an Authorization value needs
 * whitespace after its scheme; credentials in a URL need `//`; the URL pass needs URL_EVIDENCE (`/`, `%`, `\\` or a
 * `.` between letters); a secret JSON member needs a quote; a secret parameter needs `=` (raw, `%3D` or `\u003d`).
 */
const MAY_NEED_REDACTION = /[\s/%\\.="']/;
/** Likewise, nothing URL_LIKE or the URL pass would see is in a text without one of these. */
const MAY_BE_URL = /[/%\\.]/;

/** Minimum length of a literal secret to look for: shorter ones would redact ordinary text. */
const MIN_LITERAL_SECRET_LENGTH = 6;

/**
 * The text with every secret-looking part replaced by `[redacted]`: Authorization values, credentials in URLs,
 * URL query strings and fragments (raw, protocol-relative, JSON-escaped or percent-encoded), signature-like
 * parameters wherever they appear, and the given literal secrets (an API secret the caller knows).
 */
export function redactText(text: string, literalSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of literalSecrets) {
    if (secret.length >= MIN_LITERAL_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  }
  // Most texts of a log line (ids, statuses, kinds) hold none of the characters every rule below needs: skip them.
  if (!MAY_NEED_REDACTION.test(out)) return out;
  out = out
    .replace(AUTHORIZATION, (match, scheme: string, space: string, word: string) =>
      looksLikeCredential(word) ? `${scheme}${space}${REDACTED}` : match,
    )
    .replace(URL_USERINFO, `$1${REDACTED}@`);
  return redactUrlParts(out).replace(SECRET_JSON_MEMBER, `$1${REDACTED}$4`).replace(SECRET_PARAMETER, `$1$2${REDACTED}`);
}

/** Two slashes in any spelling (`/`, `\/`, `\u002f`, `%2F`; after a scheme also `\`), or a host name and a slash. */
const ANY_SLASH = String.raw`(?:\/|\\\/|\\u002f|\\u005c|\\|${PCT}2f|${PCT}5c)`;
const URL_LIKE = new RegExp(
  String.raw`${SCHEME}${ANY_SLASH}{2}[^\s/\\]|${URL_START}[^\s/]|(?:\\u002f|\/|\\\/){2}[^\s/\\]|${ENCODED_SLASHES}|[a-z0-9-]\.[a-z]{2,}[a-z0-9-]*(?:\/|\\\/|\\u002f|${PCT}2f)`,
  'i',
);

/**
 * Whether a text carries something URL-like: two slashes in any spelling after an optional scheme (raw,
 * JSON-escaped, unicode-escaped, percent-encoded, backslashes after a scheme), a host name followed by a path, or a
 * part the fail-closed URL pass would redact.
 */
export function looksLikeUrl(text: string): boolean {
  if (!MAY_BE_URL.test(text)) return false;
  return URL_LIKE.test(text) || redactUrlParts(text) !== text;
}

/** Depth past which a value is not copied (a summary is 3 deep; this only bounds hostile input). */
const MAX_DEPTH = 32;

/** A deep copy of a JSON-like value with every string and every object key redacted (a summary, an error's fields). */
export function redactValue<T>(value: T): T {
  return copyRedacted(value, 0) as T;
}

function copyRedacted(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => copyRedacted(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) setOwn(out, redactText(key), copyRedacted(inner, depth + 1));
  return out;
}

/** Keys are data: a key named `__proto__` becomes an own property, never the object's prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A JSON.stringify replacer (the logger's): strings are redacted, and an object with a secret in a key name is
 * replaced by a copy with its keys redacted (its values are then visited by the replacer in turn). Each replacer
 * keeps its own copies, so a structure seen twice maps to one copy and the logger's cycle check still works.
 */
export function jsonRedactor(): (key: string, value: unknown) => unknown {
  const keyRedactedCopies = new WeakMap<object, object>();
  return (_key, value) => {
    if (typeof value === 'string') return redactText(value);
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Error) return value;
    const cached = keyRedactedCopies.get(value);
    if (cached) return cached;
    const keys = Object.keys(value);
    if (keys.every((key) => redactText(key) === key)) return value;
    const copy: Record<string, unknown> = {};
    for (const key of keys) setOwn(copy, redactText(key), (value as Record<string, unknown>)[key]);
    keyRedactedCopies.set(value, copy);
    return copy;
  };
}

/**
 * The error with its message and stack redacted in place (and returned): what the Lambda runtime sends to the
 * failure queue, and what a CLI prints, are its message and stack.
 */
export function redactError<T>(error: T): T {
  if (error instanceof Error) {
    error.message = redactText(error.message);
    if (error.stack) error.stack = redactText(error.stack);
  }
  return error;
}
