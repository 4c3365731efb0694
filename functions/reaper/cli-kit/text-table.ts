import { type Colour, paint, terminalSafe } from './terminal-text';

/** A table cell: plain text, or text with a colour the caller wants only on a terminal. */
export type Cell = string | { text: string; colour?: Colour };

const textOf = (cell: Cell) => (typeof cell === 'string' ? cell : cell.text);
const colourOf = (cell: Cell) => (typeof cell === 'string' ? undefined : cell.colour);

/**
 * A plain aligned text table: what a person scans in a terminal, and what stays readable when pasted in a ticket.
 * Every cell is escaped for the terminal (values come from the table and from other people's systems) and clipped;
 * colours are applied after padding, so they never shift the columns, and only when `colour` is true.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[], maxCellWidth = 60, colour = false): string {
  const clip = (text: string) => {
    const safe = terminalSafe(text);
    return safe.length > maxCellWidth ? `${safe.slice(0, maxCellWidth - 3)}...` : safe;
  };
  const clipped = rows.map((row) => row.map((cell) => ({ text: clip(textOf(cell)), colour: colourOf(cell) })));
  const widths = header.map((title, i) => Math.max(title.length, ...clipped.map((row) => row[i]?.text.length ?? 0)));
  const line = (cells: readonly { text: string; colour?: Colour | undefined }[]) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell.text : cell.text.padEnd(widths[i]!);
        return colour && cell.colour && cell.text !== '' ? paint(cell.colour, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const plain = (texts: readonly string[]) => texts.map((text) => ({ text }));
  return [line(plain(header)), line(plain(widths.map((w) => '-'.repeat(w)))), ...clipped.map(line)].join('\n');
}

/** "in 4m 10s", "12m ago", "3d 2h ago": how far a moment is from now. */
export function relativeTime(seconds: number): string {
  const magnitude = Math.abs(Math.round(seconds));
  const parts: string[] = [];
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = magnitude;
  for (const [size, unit] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) break;
  }
  const text = parts.join(' ') || '0s';
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}
