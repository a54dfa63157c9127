/**
 * Which nodes a picture of an MSDA site shows: the GridSample region PyTorch exported (before
 * fusion) or the plugin node with the adapters fuse-msda put in front of it (after). Constants
 * and shape arithmetic are not walked into: the picture shows them as annotations of the node
 * that reads them (see `picture.ts`), which is what keeps a real site a few dozen boxes.
 */
import type { Graph, Node } from '../ir/index.js';
import { downstreamNodes, upstreamNodes } from '../ir/index.js';
import type { ShapeFacts } from '../shape/index.js';

/**
 * One picture: a set of nodes of one graph.
 *
 * @group Building blocks
 */
export interface GraphRegion {
  /** Caption of the picture. */
  title: string;
  /** Nodes to draw; edges between them are drawn, other inputs become annotations or boundary boxes. */
  nodes: Node[];
  /** Nodes drawn filled (the GridSamples, or the plugin). */
  highlight: ReadonlySet<Node>;
  /** Graph the nodes live in. */
  graph: Graph;
}

/**
 * How far a picture reaches from the site's core.
 *
 * @group Building blocks
 */
export interface RegionOptions {
  /** Producer hops walked back from the core (default {@link DEFAULT_DEPTH_BEFORE}). */
  depthBefore?: number;
  /** Consumer hops walked forward from the core's output (default {@link DEFAULT_DEPTH_AFTER}). */
  depthAfter?: number;
}

/**
 * Default producer hops: enough for a level's value Slice/Reshape/Transpose chain and the
 * sampling-location arithmetic (`2*loc - 1`), without the projections' MatMuls' inputs.
 * @group Building blocks
 */
export const DEFAULT_DEPTH_BEFORE = 3;
/**
 * Default consumer hops after the site's output: its reader and the reader's reader.
 *
 * @group Building blocks
 */
export const DEFAULT_DEPTH_AFTER = 1;
const FORWARD_SEARCH_LIMIT = 60;

/**
 * True for nodes a picture folds into their readers: Constant nodes and shape arithmetic (every
 * output a small tensor whose elements inference knows, e.g. the target of a Reshape).
 * @group Building blocks
 */
export function isFoldedIntoReaders(node: Node, facts: ShapeFacts): boolean {
  if (node.opType === 'Constant' || node.opType === 'ConstantOfShape') return true;
  return node.outputs.length > 0 && node.outputs.every((v) => facts.values(v) !== undefined);
}

/**
 * The GridSample region of one unfused site: every node on a path from the site's GridSamples to
 * the first node they all feed (where the levels are joined) and the `siteNodes` a proof found
 * (up to the weighted sum and the output layout), plus `depthBefore` producer hops and
 * `depthAfter` consumer hops after the last of them.
 * @group Building blocks
 */
export function msdaRegionBefore(graph: Graph, gridSamples: readonly Node[], facts: ShapeFacts, options: RegionOptions = {}, siteNodes: readonly Node[] = []): Node[] {
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const reach = gridSamples.map((g) => downstreamNodes([g], FORWARD_SEARCH_LIMIT));
  const common = [...reach[0] ?? []].filter((n) => reach.every((r) => r.has(n)));
  common.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const join = common[0];
  const core = new Set<Node>(gridSamples);
  if (join) {
    const between = new Set<Node>();
    for (const r of reach) for (const n of r) between.add(n);
    // Back from the join, staying inside what the GridSamples reach: the paths between them.
    const stack = [join];
    while (stack.length) {
      const node = stack.pop()!;
      if (core.has(node)) continue;
      core.add(node);
      for (const input of node.inputs) if (input?.producer && between.has(input.producer)) stack.push(input.producer);
    }
  }
  for (const n of siteNodes) core.add(n);
  const region = upstreamNodes(core, options.depthBefore ?? DEFAULT_DEPTH_BEFORE, (n) => isFoldedIntoReaders(n, facts));
  // After the last node of the site (its output Reshape/Transpose when proved, else the join).
  const last = [...core].reduce<Node | undefined>((a, n) => (a === undefined || (order.get(n) ?? 0) > (order.get(a) ?? 0) ? n : a), undefined);
  const sinks = siteNodes.length && last ? [last] : join ? [join] : [...gridSamples];
  for (const n of downstreamNodes(sinks, options.depthAfter ?? DEFAULT_DEPTH_AFTER)) region.add(n);
  return sortByGraphOrder(region, order);
}

/**
 * A plugin node with `depthBefore` producer hops (its input adapters) and `depthAfter` consumer hops.
 *
 * @group Building blocks
 */
export function pluginRegion(graph: Graph, plugin: Node, facts: ShapeFacts, options: RegionOptions = {}): Node[] {
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const region = upstreamNodes([plugin], options.depthBefore ?? DEFAULT_DEPTH_BEFORE, (n) => isFoldedIntoReaders(n, facts));
  for (const n of downstreamNodes([plugin], options.depthAfter ?? DEFAULT_DEPTH_AFTER)) region.add(n);
  return sortByGraphOrder(region, order);
}

function sortByGraphOrder(nodes: ReadonlySet<Node>, order: ReadonlyMap<Node, number>): Node[] {
  return [...nodes].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}
