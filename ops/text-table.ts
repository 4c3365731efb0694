/** A plain aligned text table: what a person scans in a terminal, and what stays readable when pasted in a ticket. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], maxCellWidth = 60): string {
  const clipped = rows.map((row) => row.map((cell) => (cell.length > maxCellWidth ? `${cell.slice(0, maxCellWidth - 3)}...` : cell)));
  const widths = header.map((title, i) => Math.max(title.length, ...clipped.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...clipped.map(line)].join('\n');
}

/** "in 4m 10s", "12m ago", "3d 2h ago": how far a lock's expiry is from now. */
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
