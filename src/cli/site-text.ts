/** How MSDA sites' sizes read in terminal output (fuse-msda's table, inspect --site). */

/** Columns of a terminal summary: tables and wrapped reasons stay within it. */
export const SUMMARY_WIDTH = 160;

/** `12x16 6x8` for plain sizes, `4*h32 x 4*w32, 2*h32 x 2*w32` when a size is an expression. */
export function formatSpatialShapes(shapes: readonly (readonly [string, string])[]): string {
  const plain = shapes.every(([h, w]) => /^[\w.]+$/.test(h) && /^[\w.]+$/.test(w));
  return plain ? shapes.map(([h, w]) => `${h}x${w}`).join(' ') : shapes.map(([h, w]) => `${h} x ${w}`).join(', ');
}

/** The `where ...` lines under a table that uses readable size names, a long list wrapped after its commas. */
export function legendLines(legend: readonly string[] | undefined): string[] {
  const room = SUMMARY_WIDTH - 8;
  const lines: string[] = [];
  for (const entry of legend ?? []) {
    let current = '';
    for (const item of splitTopLevel(entry)) {
      if (current && current.length + 2 + item.length > room) {
        lines.push(`${current},`);
        current = item;
      } else current = current ? `${current}, ${item}` : item;
    }
    lines.push(current);
  }
  return lines.map((line, i) => `  ${i === 0 ? 'where' : '     '} ${line}`);
}

/** `a, f(b, c), d` → `a`, `f(b, c)`, `d`: split at the commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0 && text[i + 1] === ' ') {
      items.push(text.slice(start, i));
      start = i + 2;
    }
  }
  items.push(text.slice(start));
  return items;
}
