/**
 * SVG text of laid-out pictures, side by side (before | after), written by hand: no DOM, no
 * Graphviz, no Node API, so the same function runs in a browser page. Boxes carry classes
 * (`os-op`, `os-input`, `os-output`, `os-highlight`, `os-edge`) and `<title>` tooltips with full
 * names, so a page can restyle and hover them.
 */
import { wrapText } from '../text.js';
import { FONT, type PlacedBox, type PlacedEdge, type PlacedPicture } from './layout.js';

/**
 * Options of {@link renderPicturesSvg}.
 *
 * @group Building blocks
 */
export interface SvgOptions {
  /** Prefix of the ids inside the SVG (the arrowhead marker), so several SVGs can share a page (default `os`). */
  idPrefix?: string;
}

const PANEL_GAP = 40;
const TITLE_CHAR_WIDTH = 7.3;
const TITLE_LINE = 17;
const TITLE_WRAP = 70;

/**
 * The SVG document of `pictures`, left to right, each under its title.
 *
 * @group Building blocks
 */
export function renderPicturesSvg(pictures: readonly PlacedPicture[], options: SvgOptions = {}): string {
  const prefix = options.idPrefix ?? 'os';
  const panels = pictures.map((p) => {
    const title = wrapText(p.title, TITLE_WRAP);
    const notes = p.notes.flatMap((n) => wrapText(n, TITLE_WRAP));
    const width = Math.max(p.width, ...[...title, ...notes].map((l) => Math.ceil(l.length * TITLE_CHAR_WIDTH) + 16));
    return { picture: p, title, notes, width, top: (title.length + notes.length) * TITLE_LINE + 10 };
  });
  const width = panels.reduce((n, p) => n + p.width, 0) + PANEL_GAP * Math.max(0, panels.length - 1);
  const height = Math.max(0, ...panels.map((p) => p.top + p.picture.height));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="${FONT.size}">`,
    `<defs><marker id="${prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#666"/></marker></defs>`,
    `<style>.os-box rect{fill:#f6f7f9;stroke:#8a8f98}.os-highlight rect{fill:#ffd27f;stroke:#b07800}.os-input rect,.os-output rect{fill:#fff;stroke-dasharray:4 3}` +
      `.os-edge path{fill:none;stroke:#666;stroke-width:1.1}.os-edge text{fill:#555;font-size:9px;paint-order:stroke;stroke:#fff;stroke-width:3px}.os-title{font-weight:bold;font-size:${FONT.titleSize}px}` +
      `.os-caption{font-size:13px;font-weight:bold;fill:#222}.os-note{font-size:11px;fill:#444}</style>`,
  ];
  let x = 0;
  for (const panel of panels) {
    out.push(`<g transform="translate(${x},0)">`);
    panel.title.forEach((line, i) => out.push(`<text class="os-caption" x="8" y="${(i + 1) * TITLE_LINE}">${escapeXml(line)}</text>`));
    panel.notes.forEach((line, i) => out.push(`<text class="os-note" x="8" y="${(panel.title.length + i + 1) * TITLE_LINE}">${escapeXml(line)}</text>`));
    out.push(`<g transform="translate(${Math.round((panel.width - panel.picture.width) / 2)},${panel.top})">`);
    for (const edge of panel.picture.edges) out.push(edgeSvg(edge, prefix));
    for (const box of panel.picture.boxes) out.push(boxSvg(box));
    out.push('</g></g>');
    x += panel.width + PANEL_GAP;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function boxSvg(box: PlacedBox): string {
  const left = box.x - box.width / 2;
  const top = box.y - box.height / 2;
  const classes = ['os-box', `os-${box.kind}`, ...(box.highlight ? ['os-highlight'] : [])].join(' ');
  const radius = box.kind === 'op' ? 4 : 10;
  const lines = [`<tspan class="os-title" x="${r(box.x)}" dy="0">${escapeXml(box.title)}</tspan>`,
    ...box.lines.map((l) => `<tspan x="${r(box.x)}" dy="${FONT.lineHeight}">${escapeXml(l)}</tspan>`)];
  const firstBaseline = top + 6 + FONT.lineHeight - 3;
  return `<g class="${classes}"><title>${escapeXml(box.tooltip)}</title>` +
    `<rect x="${r(left)}" y="${r(top)}" width="${r(box.width)}" height="${r(box.height)}" rx="${radius}"/>` +
    `<text text-anchor="middle" y="${r(firstBaseline)}">${lines.join('')}</text></g>`;
}

function edgeSvg(edge: PlacedEdge, prefix: string): string {
  return `<g class="os-edge"><title>${escapeXml(edge.tooltip)}</title><path d="${pathData(edge.points)}" marker-end="url(#${prefix}-arrow)"/>` +
    `<text text-anchor="middle" x="${r(edge.labelX)}" y="${r(edge.labelY + 3)}">${escapeXml(edge.label)}</text></g>`;
}

/** A smooth path through dagre's points: quadratic curves with the inner points as controls. */
function pathData(points: readonly { x: number; y: number }[]): string {
  if (!points.length) return '';
  const [first, ...rest] = points;
  let d = `M${r(first!.x)},${r(first!.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += `Q${r(p.x)},${r(p.y)} ${r((p.x + q.x) / 2)},${r((p.y + q.y) / 2)}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += `L${r(last.x)},${r(last.y)}`;
  return d;
}

function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * Text safe inside SVG elements and attribute values.
 *
 * @group Building blocks
 */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
