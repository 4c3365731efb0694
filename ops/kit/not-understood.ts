import { parseLockExpiry } from '#reaper/core/lock-expiry';
import { terminalSafe } from './terminal-text';

/*
 * How a command says what it read but did not understand (an answer or a log line that is not what it claims to be):
 * the field and what it holds, and the text's start, clipped and escaped. The runner's writer redacts what is printed.
 */

/** How much of a wrong field's value a problem quotes. */
const VALUE_SHOWN = 40;

/** "examined is \"40\"", "brake is missing": a wrong field and what it holds, clipped and escaped. */
export function wrongField(name: string, value: unknown): string {
  if (value === undefined) return `${name} is missing`;
  const json = JSON.stringify(value);
  return `${name} is ${terminalSafe(json.length > VALUE_SHOWN ? `${json.slice(0, VALUE_SHOWN)}…` : json)}`;
}

/** How much of a text that is not understood is shown: enough to recognise it. */
const SHOWN_CHARACTERS = 200;

/** Text that is not understood, clipped to a recognisable start and escaped for a terminal. */
export function clippedForReport(text: string): string {
  const shown = text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}… (${text.length} characters in all)` : text;
  return terminalSafe(shown);
}

/**
 * "not understood: <what> (log group G, stream S, logged at T) is not <a thing>: <why>": a log line a command read but
 * could not take for what it claims to be, where it is and why, escaped. The wording of every read command.
 */
export function notUnderstoodLine(
  what: string,
  line: { logGroupName: string; logStreamName: string; loggedAt: string; problem: string },
  isNot: string,
): string {
  const where = `log group ${line.logGroupName}, stream ${line.logStreamName}, logged at ${line.loggedAt}`;
  return `not understood: ${what} (${terminalSafe(where)}) is not ${isNot}: ${terminalSafe(line.problem)}`;
}

/**
 * A time as the logger and EventBridge write it: an ISO-8601 date-time with a zone, a real one. Read as strictly as the
 * table's lock expiry: Date.parse alone takes "1" for 2001 and rolls February 30th over to March.
 */
export function isIsoDateTime(value: unknown): value is string {
  return typeof value === 'string' && parseLockExpiry({ kind: 'string', value }).kind === 'valid';
}
