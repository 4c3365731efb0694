import { terminalSafe } from '#reaper/cli-kit/terminal-text';
import type { Cell } from '#reaper/cli-kit/text-table';

/** formatTable's own cap, when the cells were already fitted here: high enough to never clip again. */
export const NO_CELL_CAP = 100_000;
/** A column is never shrunk below this, so a clipped cell still says something. */
const MIN_COLUMN_WIDTH = 8;
const GAP = 2;

const textOf = (cell: Cell) => (typeof cell === 'string' ? cell : cell.text);
const withText = (cell: Cell, text: string): Cell => (typeof cell === 'string' ? text : { ...cell, text });

/**
 * The header and rows with their cells clipped ("…") so that a table of them, as formatTable lays it out (two spaces
 * between columns), fits `columns`: the widest column gives way first, down to 8 characters; the columns in `keep`
 * (an id a person must read whole) never do. Cells come back escaped for the terminal (escaping first, so a clip never
 * counts an escape as one character).
 */
export function fitRows(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  columns: number,
  keep: readonly number[] = [],
): { header: string[]; rows: Cell[][] } {
  const safe = rows.map((row) => row.map((cell) => withText(cell, terminalSafe(textOf(cell)))));
  const widths = header.map((title, i) => Math.max(title.length, ...safe.map((row) => textOf(row[i] ?? '').length)));
  const floor = widths.map((width, i) => (keep.includes(i) ? width : Math.min(width, MIN_COLUMN_WIDTH)));
  let total = widths.reduce((sum, width) => sum + width, 0) + GAP * Math.max(0, widths.length - 1);
  while (total > columns) {
    let widest = -1;
    widths.forEach((width, i) => {
      if (width > floor[i]! && (widest < 0 || width > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    const cut = Math.min(total - columns, widths[widest]! - floor[widest]!, Math.max(1, widths[widest]! - secondWidest(widths, widest)));
    widths[widest]! -= cut;
    total -= cut;
  }
  const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
  return {
    header: header.map((title, i) => clip(title, widths[i]!)),
    rows: safe.map((row) => row.map((cell, i) => withText(cell, clip(textOf(cell), widths[i]!)))),
  };
}

function secondWidest(widths: readonly number[], except: number): number {
  return Math.max(0, ...widths.filter((_, i) => i !== except));
}

/** Prose wrapped at spaces to `columns` (a word longer than a line is cut with "…"), escaped for the terminal. */
export function wrapProse(text: string, columns: number): string {
  return text
    .split('\n')
    .map((paragraph) => {
      const lines: string[] = [];
      let line = '';
      for (const word of terminalSafe(paragraph).split(' ')) {
        const fitted = word.length > columns ? `${word.slice(0, columns - 1)}…` : word;
        if (line !== '' && line.length + 1 + fitted.length > columns) {
          lines.push(line);
          line = fitted;
        } else {
          line = line === '' ? fitted : `${line} ${fitted}`;
        }
      }
      lines.push(line);
      return lines.join('\n');
    })
    .join('\n');
}

/** One line clipped to `columns` with "…" (for list lines that must stay one line each). */
export function clipLine(text: string, columns: number | undefined): string {
  const safe = terminalSafe(text);
  return columns !== undefined && safe.length > columns ? `${safe.slice(0, Math.max(1, columns - 1))}…` : safe;
}
