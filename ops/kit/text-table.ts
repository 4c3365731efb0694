import { terminalSafe } from '#reaper/adapters/terminal-text';
import { type Colour, paint } from './terminal-colour';

/** A table cell: plain text, or text with a colour the caller wants only on a terminal. */
export type Cell = string | { text: string; colour?: Colour };

const textOf = (cell: Cell) => (typeof cell === 'string' ? cell : cell.text);
const colourOf = (cell: Cell) => (typeof cell === 'string' ? undefined : cell.colour);

/** What a clipped cell or line ends with. */
export const ELLIPSIS = '…';

/** `text` cut to `width` characters, the last one an ellipsis when anything was cut. */
export function clipText(text: string, width: number): string {
  const characters = [...text];
  if (characters.length <= width) return text;
  return width <= 0 ? '' : `${characters.slice(0, width - 1).join('')}${ELLIPSIS}`;
}

/**
 * Prose wrapped to `width` columns: broken at spaces, a word longer than a line split across lines; following lines
 * indented by `indent` spaces. Line breaks already in the text are kept.
 */
export function wrapText(text: string, width: number, indent = 0): string {
  return text
    .split('\n')
    .map((paragraph) => {
      // A paragraph's own leading spaces (a list's indentation) stay, and its following lines keep them too.
      const lead = /^ */.exec(paragraph)?.[0] ?? '';
      const wrapped = wrapParagraph(paragraph.slice(lead.length), width - lead.length, indent);
      return wrapped
        .split('\n')
        .map((line) => (line === '' ? line : `${lead}${line}`))
        .join('\n');
    })
    .join('\n');
}

function wrapParagraph(paragraph: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  const length = (text: string) => [...text].length;
  const limit = () => Math.max(1, lines.length === 0 ? width : width - indent);
  for (const word of paragraph.split(' ')) {
    let rest = [...word];
    if (line !== '' && length(line) + 1 + rest.length > limit()) {
      lines.push(line);
      line = '';
    } else if (line !== '') line += ' ';
    // A word longer than a whole line (a URL, a long id) is split across lines.
    while (rest.length > limit() - length(line)) {
      const fits = Math.max(1, limit() - length(line));
      lines.push(line + rest.slice(0, fits).join(''));
      line = '';
      rest = rest.slice(fits);
    }
    line += rest.join('');
  }
  lines.push(line);
  const pad = ' '.repeat(indent);
  return lines.map((l, i) => (i === 0 ? l : `${pad}${l}`).trimEnd()).join('\n');
}

/** The narrowest a column is squeezed to when a table must fit a terminal. */
const MIN_COLUMN_WIDTH = 8;

/** How a table fits a terminal. */
export interface TableFit {
  /** The terminal's columns: each line fits them. */
  lineWidth?: number;
  /** Columns (by index) that give way first, in this order, down to MIN_COLUMN_WIDTH, before the widest do. */
  squeezeFirst?: readonly number[];
  /** Columns (by index) never clipped to fit (an id a person must read whole); the others give way. */
  keepWhole?: readonly number[];
}

/**
 * Column widths that fit `lineWidth` (two spaces between columns): the `squeezeFirst` columns give way first, then
 * always the widest that is not kept whole, none below MIN_COLUMN_WIDTH (or its own width, if smaller).
 */
function fitWidths(natural: readonly number[], lineWidth: number, fit: TableFit): number[] {
  const { squeezeFirst = [], keepWhole = [] } = fit;
  const widths = [...natural];
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  for (const i of squeezeFirst) {
    const excess = total() - lineWidth;
    if (excess <= 0) break;
    if (widths[i] !== undefined && widths[i] > MIN_COLUMN_WIDTH) widths[i] = Math.max(MIN_COLUMN_WIDTH, widths[i] - excess);
  }
  // Then one column at a time, always the widest, so the columns end up as even as the text allows.
  while (total() > lineWidth) {
    const shrinkable = widths.map((w, i) => (keepWhole.includes(i) ? 0 : w));
    const widest = Math.max(...shrinkable);
    if (widest <= MIN_COLUMN_WIDTH) break;
    widths[shrinkable.lastIndexOf(widest)] = widest - 1;
  }
  return widths;
}

/**
 * A plain aligned text table: what a person scans in a terminal, and what stays readable when pasted in a ticket.
 * Every cell is escaped for the terminal (values come from the table and from other people's systems) and clipped
 * with an ellipsis; with `lineWidth` (a terminal's columns), the widest columns are clipped further until each line
 * fits. Colours are applied after padding, so they never shift the columns, and only when `colour` is true.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  maxCellWidth = 60,
  colour = false,
  fit: TableFit = {},
): string {
  const { lineWidth } = fit;
  const clipped = rows.map((row) =>
    row.map((cell) => ({ text: clipText(terminalSafe(textOf(cell)), maxCellWidth), colour: colourOf(cell) })),
  );
  const natural = header.map((title, i) => Math.max([...title].length, ...clipped.map((row) => [...(row[i]?.text ?? '')].length)));
  const widths = lineWidth === undefined ? natural : fitWidths(natural, lineWidth, fit);
  const line = (cells: readonly { text: string; colour?: Colour | undefined }[]) =>
    cells
      .map((cell, i) => {
        const text = clipText(cell.text, widths[i]!);
        const padded = i === cells.length - 1 ? text : text + ' '.repeat(Math.max(0, widths[i]! - [...text].length));
        return colour && cell.colour && text !== '' ? paint(cell.colour, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const plain = (texts: readonly string[]) => texts.map((text) => ({ text }));
  const lines = [line(plain(header)), line(plain(widths.map((w) => '-'.repeat(w)))), ...clipped.map(line)];
  // Columns squeezed to their minimum can still add up to more than the line: then each line is cut (colour-free only).
  return lines.map((l) => (lineWidth !== undefined && !colour ? clipText(l, lineWidth) : l)).join('\n');
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
