/**
 * Layout of a {@link GraphPicture} with dagre (the layered layout behind dagre-d3 and mermaid):
 * box sizes come from the label text in a monospace font, so no text measuring (and no DOM) is
 * needed; the result is plain coordinates any writer can draw.
 */
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
import type { GraphPicture, PictureBox, PictureEdge } from './picture.js';

/**
 * Font metrics of the drawing (monospace, so a line's width is its length times `charWidth`).
 *
 * @group Building blocks
 */
export const FONT = { size: 11, titleSize: 12, charWidth: 6.7, lineHeight: 14 } as const;
const BOX_PADDING_X = 10;
const BOX_PADDING_Y = 6;
const EDGE_LABEL_SIZE = 9;
const EDGE_CHAR_WIDTH = 5.5;

/**
 * A box with its place: centre `x`, `y` and size.
 *
 * @group Building blocks
 */
export interface PlacedBox extends PictureBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * An edge with its route and the centre of its label.
 *
 * @group Building blocks
 */
export interface PlacedEdge extends PictureEdge {
  readonly points: readonly { x: number; y: number }[];
  readonly labelX: number;
  readonly labelY: number;
}

/**
 * A laid-out picture; coordinates start at 0,0.
 *
 * @group Building blocks
 */
export interface PlacedPicture {
  readonly title: string;
  readonly notes: readonly string[];
  readonly boxes: readonly PlacedBox[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

/**
 * Size of a box from its lines (the title is a little larger).
 *
 * @group Building blocks
 */
export function boxSize(box: PictureBox): { width: number; height: number } {
  const widest = Math.max(box.title.length * FONT.charWidth * (FONT.titleSize / FONT.size), ...box.lines.map((l) => l.length * FONT.charWidth));
  return { width: Math.ceil(widest + 2 * BOX_PADDING_X), height: (1 + box.lines.length) * FONT.lineHeight + 2 * BOX_PADDING_Y };
}

/**
 * Lays `picture` out top to bottom.
 *
 * @group Building blocks
 */
export function layoutPicture(picture: GraphPicture): PlacedPicture {
  const g = new graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 28, edgesep: 8, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const box of picture.boxes) g.setNode(box.id, boxSize(box));
  picture.edges.forEach((edge, i) => {
    g.setEdge(edge.from, edge.to, { width: edge.label.length * EDGE_CHAR_WIDTH, height: EDGE_LABEL_SIZE + 3, labelpos: 'c' }, `e${i}`);
  });
  dagreLayout(g);
  const boxes = picture.boxes.map((box) => {
    const placed = g.node(box.id) as { x: number; y: number; width: number; height: number };
    return { ...box, x: placed.x, y: placed.y, width: placed.width, height: placed.height };
  });
  const edges = picture.edges.map((edge, i) => {
    const placed = g.edge(edge.from, edge.to, `e${i}`) as { points: { x: number; y: number }[]; x: number; y: number };
    return { ...edge, points: placed.points, labelX: placed.x, labelY: placed.y };
  });
  const graphLabel = g.graph() as { width?: number; height?: number };
  return { title: picture.title, notes: picture.notes, boxes, edges, width: Math.ceil(graphLabel.width ?? 0), height: Math.ceil(graphLabel.height ?? 0) };
}
