/**
 * Graphviz DOT pictures of an MSDA site, for people who would rather look than read: the
 * GridSample region PyTorch exported (before fusion) and the plugin node with the small adapter
 * nodes fuse-msda put in front of it (after fusion). Edges are labelled with tensor name, dtype and
 * inferred shape. Render with `dot -Tsvg site.dot -o site.svg`.
 */
import type { Graph, Node, Value } from '../../ir/index.js';
import { downstreamNodes, dtypeName, upstreamNodes } from '../../ir/index.js';
import { type ShapeFacts, inferShapes } from '../../shape/index.js';

/** One picture: a set of nodes drawn as a cluster. */
export interface DotRegion {
  /** Cluster caption. */
  title: string;
  /** Nodes to draw; edges between them are drawn, other inputs become small boundary ovals. */
  nodes: Node[];
  /** Nodes drawn filled (the GridSamples, or the plugin). */
  highlight: ReadonlySet<Node>;
  /** Graph the nodes live in, for shape labels. */
  graph: Graph;
}

/** How far to walk from the site's core. */
export interface RegionOptions {
  /** Producer hops walked back from the core (default 4). */
  depthBefore?: number;
  /** Consumer hops walked forward from the core's output (default 2). */
  depthAfter?: number;
}

/** Ops that only carry constants: walked through silently (they would crowd the picture). */
const CONSTANT_OPS = new Set(['Constant', 'ConstantOfShape']);
const isConstantOp = (node: Node): boolean => CONSTANT_OPS.has(node.opType);
const FORWARD_SEARCH_LIMIT = 60;

/**
 * The GridSample region of one unfused site: every node on a path from the site's GridSamples to
 * the first node they all feed (where the levels are joined), plus `depthBefore` producer hops
 * (the value split, the sampling-location arithmetic, the attention-weight softmax) and
 * `depthAfter` consumer hops after the join.
 */
export function msdaRegionBefore(graph: Graph, gridSamples: readonly Node[], options: RegionOptions = {}): Node[] {
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
  const region = upstreamNodes(core, options.depthBefore ?? 4, isConstantOp);
  const sinks = join ? [join] : [...gridSamples];
  for (const n of downstreamNodes(sinks, options.depthAfter ?? 2)) region.add(n);
  return sortByGraphOrder(region, order);
}

/** A plugin node with `depthBefore` producer hops (its input adapters) and `depthAfter` consumer hops. */
export function pluginRegion(graph: Graph, plugin: Node, options: RegionOptions = {}): Node[] {
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const region = upstreamNodes([plugin], options.depthBefore ?? 4, isConstantOp);
  for (const n of downstreamNodes([plugin], options.depthAfter ?? 2)) region.add(n);
  return sortByGraphOrder(region, order);
}

/** Renders regions as one DOT digraph, one cluster per region. */
export function renderDot(regions: readonly DotRegion[], graphName = 'msda'): string {
  const lines = [
    `digraph ${quote(graphName)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8, color="#555555"];',
  ];
  regions.forEach((region, r) => {
    const facts = inferShapes(region.graph);
    const prefix = `r${r}_`;
    const ids = new Map(region.nodes.map((n, i) => [n, `${prefix}n${i}`]));
    const boundary = new Map<Value, string>();
    lines.push(`  subgraph cluster_${r} {`, `    label=${quote(region.title)};`, '    fontname="Helvetica"; fontsize=12; color="#999999";');
    for (const node of region.nodes) {
      const text = node.name && node.name !== node.opType ? `${node.opType}\n${node.name}` : node.opType;
      const fill = region.highlight.has(node) ? ', style="rounded,filled", fillcolor="#ffd27f"' : '';
      lines.push(`    ${ids.get(node)} [label=${quote(text)}${fill}];`);
    }
    const edges: string[] = [];
    for (const node of region.nodes) {
      node.inputs.forEach((input) => {
        if (!input) return;
        const from = input.producer && ids.get(input.producer);
        let source = from;
        if (!source) {
          if (!boundary.has(input)) {
            const id = `${prefix}v${boundary.size}`;
            boundary.set(input, id);
            const kind = input.initializer ? 'initializer' : input.isGraphInput ? 'graph input' : 'from outside';
            lines.push(`    ${id} [shape=ellipse, style="dashed", fontsize=8, label=${quote(`${input.name}\n${kind}`)}];`);
          }
          source = boundary.get(input)!;
        }
        edges.push(`    ${source} -> ${ids.get(node)} [label=${quote(edgeLabel(input, facts))}];`);
      });
    }
    lines.push(...edges, '  }');
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function edgeLabel(value: Value, facts: ShapeFacts): string {
  const dtype = facts.dtype(value) ?? value.type?.dtype;
  const shape = facts.shape(value)?.map(String) ?? value.type?.shape?.map((d) => (d === null ? '?' : String(d)));
  const type = `${dtype !== undefined ? dtypeName(dtype) : '?'}${shape ? `[${shape.join(',')}]` : ''}`;
  return `${value.name}\n${type}`;
}

function sortByGraphOrder(nodes: ReadonlySet<Node>, order: ReadonlyMap<Node, number>): Node[] {
  return [...nodes].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

/** A DOT double-quoted string; newlines become DOT's centred line breaks. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
