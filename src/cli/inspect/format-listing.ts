/**
 * The terminal text of `inspect --show`: per node a header line (`#12 GridSample '/.../GridSample'`)
 * and its inputs and outputs one per line, names aligned within the node; weights and shapes as
 * tables. Sizes use the readable names, with their legend at the end.
 */
import { wrapText } from '../../text.js';
import { SUMMARY_WIDTH, legendLines } from '../site-text.js';
import { formatBytes, renderTable } from '../table.js';
import type { ListedLayer, ListedValue, ModelListing } from './listing.js';

/** Names past this width are not padded to: one long name must not push every line right. */
const MAX_NAME_COLUMN = 64;

/** The text of `listing`, sections in the order layers, weights, shapes. */
export function formatListing(listing: ModelListing): string {
  const sections: string[][] = [];
  if (listing.layers) sections.push(layerLines(listing.layers));
  if (listing.weights) {
    const bytes = listing.weights.reduce((n, w) => n + w.bytes, 0);
    sections.push([`weights: ${listing.weights.length} initializers, ${formatBytes(bytes)}`, ...renderTable(
      [{ header: 'name' }, { header: 'dtype' }, { header: 'shape' }, { header: 'elements', right: true }, { header: 'size', right: true }, { header: 'storage' }],
      listing.weights.map((w) => [w.name, w.dtype, `[${w.shape.join(',')}]`, String(w.elements), formatBytes(w.bytes), w.storage]), '  ')]);
  }
  if (listing.shapes) {
    sections.push([`shapes: ${listing.shapes.length} values (graph inputs and node outputs, as inferred)`, ...renderTable(
      [{ header: 'name' }, { header: 'from' }, { header: 'dtype' }, { header: 'shape' }],
      listing.shapes.map((v) => [v.name, v.producer, v.dtype, v.shapeText]), '  ')]);
  }
  const tail: string[] = [];
  if (listing.subgraphNodesNotListed) tail.push(`(${listing.subgraphNodesNotListed} nodes in subgraphs (If/Loop/Scan bodies) are not listed)`);
  tail.push(...legendLines(listing.dimLegend));
  if (tail.length) sections.push(tail);
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function layerLines(layers: readonly ListedLayer[]): string[] {
  const lines = [`layers: ${layers.length} nodes (inputs and outputs with their type and shape, as inferred)`];
  const indexWidth = String(Math.max(0, layers.length - 1)).length + 1;
  for (const layer of layers) {
    lines.push(`  ${`#${layer.index}`.padEnd(indexWidth)} ${layer.op} '${layer.name}'`);
    const pad = ' '.repeat(indexWidth + 3);
    const present = [...layer.inputs, ...layer.outputs].filter((v): v is ListedValue => v !== null);
    const width = Math.min(MAX_NAME_COLUMN, Math.max(0, ...present.map((v) => v.name.length)));
    const value = (v: ListedValue & { weight?: true }): string => `${v.name.padEnd(width)}  ${v.dtype} ${v.shapeText}${v.weight ? ' (weight)' : ''}`;
    layer.inputs.forEach((v, i) => lines.push(`${pad}${i === 0 ? 'in ' : '   '}  ${v ? value(v) : '(omitted)'}`));
    layer.outputs.forEach((v, i) => lines.push(`${pad}${i === 0 ? 'out' : '   '}  ${value(v)}`));
    const attributes = Object.entries(layer.attributes).map(([k, v]) => `${k}=${v}`);
    wrapText(attributes.join(' '), SUMMARY_WIDTH - pad.length - 6).forEach((text, i) => {
      if (text) lines.push(`${pad}${i === 0 ? 'attrs' : '     '} ${text}`);
    });
  }
  return lines;
}
