/** How MSDA sites' sizes read in terminal output (fuse-msda's table, inspect --site). */

/** Columns of a terminal summary: tables and wrapped reasons stay within it. */
export const SUMMARY_WIDTH = 160;

/** `12x16 6x8` for plain sizes, `4*h32 x 4*w32, 2*h32 x 2*w32` when a size is an expression. */
export function formatSpatialShapes(shapes: readonly (readonly [string, string])[]): string {
  const plain = shapes.every(([h, w]) => /^[\w.]+$/.test(h) && /^[\w.]+$/.test(w));
  return plain ? shapes.map(([h, w]) => `${h}x${w}`).join(' ') : shapes.map(([h, w]) => `${h} x ${w}`).join(', ');
}

/** The `where ...` lines under a table that uses readable size names. */
export function legendLines(legend: readonly string[] | undefined): string[] {
  return (legend ?? []).map((line, i) => `  ${i === 0 ? 'where' : '     '} ${line}`);
}
