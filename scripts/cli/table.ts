/** Readable output for a terminal: aligned columns, UTC times. */

/** Float seconds → `2026-12-01 23:40:01` (UTC). */
export function utcTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Columns padded to their widest cell, two spaces apart; the last column is not padded, so no line
 * ends in spaces. `none` is printed instead when there are no rows.
 */
export function table(headers: string[], rows: string[][], none: string): string {
  if (rows.length === 0) return none;
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
