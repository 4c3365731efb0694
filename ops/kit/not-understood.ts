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
