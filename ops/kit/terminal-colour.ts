/** Colour for the command-line tools; the text it wraps is already terminal-safe (#reaper/adapters/terminal-text). */
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
