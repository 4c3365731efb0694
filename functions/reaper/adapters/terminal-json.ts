/**
 * Characters a terminal acts on that JSON.stringify leaves as they are: DEL, C1 controls (U+009B is a one-character
 * CSI) and the Unicode bidi controls that reorder what is shown (it escapes the C0 controls itself).
 */
const UNPRINTABLE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

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
