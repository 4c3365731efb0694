/**
 * Characters a terminal acts on instead of printing: C0 controls (ESC starts every ANSI sequence, CR rewrites the
 * line), DEL, C1 controls (U+009B is a one-character CSI) and the Unicode bidi controls that reorder what is shown.
 * A value read from the table that carried them could repaint or disguise a confirmation prompt.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** What JSON.stringify leaves as it is: everything above, except the C0 controls it escapes itself. */
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeCharacter(character: string): string {
  const named = NAMED[character];
  if (named) return named;
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every character a terminal would act on written out as an escape (`\x1b`, `\n`, `\u202e`). */
export function terminalSafe(text: string): string {
  return text.replace(UNPRINTABLE, escapeCharacter);
}

/**
 * JSON for output that may reach a terminal. JSON.stringify already escapes C0 controls inside strings; this also
 * escapes DEL, C1 and bidi controls (as \uXXXX), so the text stays valid JSON with the same values.
 */
export function jsonForTerminal(value: unknown, indent?: number): string {
  return escapeTerminalControlsInJson(JSON.stringify(value, null, indent));
}

/**
 * JSON text (from JSON.stringify) with DEL, C1 and bidi controls written as \uXXXX: the same JSON value, safe on a
 * terminal. Outside strings JSON has no such characters, so every one found is inside a string.
 */
export function escapeTerminalControlsInJson(json: string): string {
  return json.replace(UNPRINTABLE_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
