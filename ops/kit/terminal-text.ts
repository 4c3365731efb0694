/**
 * Characters a terminal acts on instead of printing: C0 controls (ESC starts every ANSI sequence, CR rewrites the
 * line), DEL, C1 controls (U+009B is a one-character CSI) and the Unicode bidi controls that reorder what is shown.
 * A value read from the table that carried them could repaint or disguise a confirmation prompt.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

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

export type Colour = 'red' | 'green' | 'yellow' | 'magenta' | 'dim';

const SGR: Record<Colour, string> = { red: '31', green: '32', yellow: '33', magenta: '35', dim: '2' };

/** Colour only on a terminal, and never when NO_COLOR is set to anything but the empty string (no-color.org). */
export function colourWanted(env: Readonly<Record<string, string | undefined>>, isTerminal: boolean | undefined): boolean {
  return isTerminal === true && !env.NO_COLOR;
}

/** Wraps already-safe text in one colour. */
export function paint(colour: Colour, text: string): string {
  return `\x1b[${SGR[colour]}m${text}\x1b[0m`;
}
