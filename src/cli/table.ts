/**
 * Plain-text tables for terminal summaries: left-aligned columns separated by two spaces, numbers
 * right-aligned, no box drawing (so the output is greppable and pastes cleanly into issues).
 */
import { wrapText } from '../text.js';

/** A table column. */
export interface Column {
  /** Header text. */
  header: string;
  /** Right-align (numbers). */
  right?: boolean;
}

/**
 * Renders rows under headers; returns the lines without a trailing newline.
 *
 * @example
 * ```ts
 * renderTable([{ header: 'op' }, { header: 'count', right: true }], [['Conv', '3']]);
 * // ['op    count', 'Conv      3']
 * ```
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], indent = '', maxWidth?: number): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const last = columns.length - 1;
  const before = indent.length + widths.slice(0, last).reduce((n, w) => n + w + 2, 0);
  // Past maxWidth the last column (a reason, a message) wraps at spaces under itself.
  const room = maxWidth !== undefined ? Math.max(20, maxWidth - before) : Infinity;
  if (widths[last]! > room) widths[last] = Math.max(columns[last]!.header.length, room);
  const line = (cells: readonly string[]): string =>
    indent + columns.map((c, i) => {
      const cell = cells[i] ?? '';
      return c.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
    }).join('  ').trimEnd();
  const lines = [line(columns.map((c) => c.header))];
  for (const row of rows) {
    const [first, ...rest] = wrapText(row[last] ?? '', room);
    lines.push(line([...row.slice(0, last), first ?? '']));
    for (const more of rest) lines.push(`${' '.repeat(before)}${more}`.trimEnd());
  }
  return lines;
}

/** `1.5 MiB` style byte counts. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
