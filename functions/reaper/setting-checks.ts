/**
 * Checks of text settings, written once for the Lambda's variables and the stack's context keys alike.
 * Each returns the problem (a phrase that follows the variable or key name) or undefined when the value is fine.
 * Pure: the Lambda bundle imports this module, so no aws-cdk-lib here.
 */

// DynamoDB accepts a name (3-255 of [A-Za-z0-9_.-]) or, in its APIs, the table's ARN.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;

/** Which forms of a table reference a setting takes. */
export type TableReferenceForm = 'name' | 'arn' | 'name-or-arn';

/** The one table-name/ARN check: TABLE_NAME takes either form, the stack's existing-table keys one each. */
export function tableReferenceProblem(value: string, form: TableReferenceForm): string | undefined {
  const isName = TABLE_NAME.test(value);
  const isArn = TABLE_ARN.test(value);
  if (form === 'name') return isName ? undefined : `"${value}" is not a DynamoDB table name`;
  if (form === 'arn') return isArn ? undefined : `"${value}" is not a DynamoDB table ARN`;
  return isName || isArn ? undefined : `"${value}" is neither a DynamoDB table name nor a table ARN`;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === '[::1]';
}

/**
 * The Scenario API base URL: https (plain http to a loopback host only), no credentials, no query or fragment, no
 * dot segment, no backslash. The raw text is checked, not only what URL makes of it: a bare "?" leaves url.search
 * empty, and URL resolves "..", "%2e%2e" and "\\" away, so such a value would pass and every request go elsewhere.
 */
export function apiBaseUrlProblem(value: string): string | undefined {
  if (value.includes('?') || value.includes('#')) return 'must not carry a query string or fragment ("?" or "#")';
  if (value.includes('\\')) return 'must not contain a backslash';
  const path = value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  if (path.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment)))
    return 'must not contain a dot segment ("." or "..", also as %2e)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.username || url.password) return 'must not carry credentials; they come from the secret';
  if (url.search || url.hash) return 'must not carry a query string or fragment';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return `plain http is refused for ${url.hostname}: use https (http is allowed for loopback hosts only)`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `protocol ${url.protocol} is not supported; use https`;
  return undefined;
}

/** The base URL as requests are built from it: normalized by URL, without trailing slashes. */
export function normalizeApiBaseUrl(value: string): string {
  return new URL(value).toString().replace(/\/+$/, '');
}

/** An IANA time zone name (e.g. "Europe/Paris"), checked against the runtime's time zone database. */
export function timeZoneProblem(value: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return undefined;
  } catch {
    return `"${value}" is not an IANA time zone name (e.g. UTC, Europe/Paris)`;
  }
}

/** A check that the whole value matches `pattern`, described as `expected` in the problem. */
export function matching(pattern: RegExp, expected: string): (value: string) => string | undefined {
  return (value) => (pattern.test(value) ? undefined : `"${value}" is not ${expected}`);
}

export const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
export const SECRET_COMPLETE_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
export const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An EventBridge bus: its name (1-256 of letters, digits, `.`, `-`, `_`, `/`) or its ARN; empty means none. */
const EVENT_BUS = /^(?:[A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256})$/;

export function lockEventBusProblem(value: string): string | undefined {
  return value === '' || EVENT_BUS.test(value) ? undefined : 'is not an EventBridge event bus name or ARN';
}
