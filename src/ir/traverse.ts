/**
 * Walking a graph with its subgraphs (If branches, Loop and Scan bodies): the one place that
 * knows where subgraphs hide (graph-valued attributes) and how reads cross scopes.
 */
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import type { Value } from './value.js';

/**
 * Graphs held by a node's attributes (`then_branch`/`else_branch`, `body`), in attribute order.
 *
 * @example
 * ```ts
 * const ifNode = graph.nodes.find((n) => n.opType === 'If');
 * if (ifNode) subgraphsOf(ifNode).map((g) => g.name); // ['then', 'else']
 * ```
 * @group Traversal
 */
export function subgraphsOf(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const attribute of node.attributes.values()) {
    const a = attribute.value;
    if (a.kind === 'graph') out.push(a.value);
    else if (a.kind === 'graphs') out.push(...a.value);
  }
  return out;
}

/**
 * `root` and every graph nested in it at any depth: a graph comes before its subgraphs, which
 * come in node and attribute order (depth first).
 *
 * @example
 * ```ts
 * let nodes = 0;
 * for (const g of graphsWithin(model.graph)) nodes += g.nodeCount;
 * ```
 * @group Traversal
 */
export function* graphsWithin(root: Graph): Generator<Graph> {
  yield root;
  for (const node of root._nodes) {
    if (!holdsGraph(node)) continue;
    for (const sub of subgraphsOf(node)) yield* graphsWithin(sub);
  }
}

/** True when one of the node's attributes is a graph (most nodes: none, and nothing is allocated to say so). */
export function holdsGraph(node: Node): boolean {
  const attributes = node.attributes;
  if (attributes.size === 0) return false;
  for (const attribute of attributes.values()) {
    const kind = attribute.value.kind;
    if (kind === 'graph' || kind === 'graphs') return true;
  }
  return false;
}

/**
 * Values a node reads: its inputs, then every value read inside its subgraphs (at any depth), so
 * that outer-scope reads count as reads by the node that owns the subgraph.
 *
 * @example
 * ```ts
 * [...readsOf(node)].includes(value); // true if node, or its subgraphs, read `value`
 * ```
 * @group Traversal
 */
export function* readsOf(node: Node): Generator<Value> {
  for (const v of node.inputs) if (v) yield v;
  for (const sub of subgraphsOf(node)) for (const inner of sub.nodesIter()) yield* readsOf(inner);
}

/**
 * Calls `visit` on every value {@link readsOf} yields, in the same order, without a generator:
 * the whole-graph walks (toposort, liveness) make this call once per node of large models.
 *
 * @example
 * ```ts
 * forEachRead(loopNode, (v) => { if (v === weights) found = true; });
 * ```
 *
 * @internal
 */
export function forEachRead(node: Node, visit: (value: Value) => void): void {
  for (const v of node._inputs) if (v) visit(v);
  if (!holdsGraph(node)) return;
  for (const sub of subgraphsOf(node)) for (const inner of sub._nodes) forEachRead(inner, visit);
}

/**
 * Nodes that read, within `hops` steps, what the `start` nodes compute (breadth first; a start
 * node is included only if it is reached again).
 *
 * @example
 * ```ts
 * const gridSamples = graph.nodes.filter((n) => n.opType === 'GridSample');
 * downstreamNodes(gridSamples, 2); // their readers and their readers' readers
 * ```
 * @group Traversal
 */
export function downstreamNodes(start: Iterable<Node>, hops: number): Set<Node> {
  const seen = new Set<Node>();
  let frontier = [...start];
  for (let hop = 0; hop < hops && frontier.length; hop++) {
    const next: Node[] = [];
    for (const node of frontier) {
      for (const out of node.outputs) {
        for (const use of out.uses) {
          if (!seen.has(use.node)) {
            seen.add(use.node);
            next.push(use.node);
          }
        }
      }
    }
    frontier = next;
  }
  return seen;
}

/**
 * The `start` nodes and the nodes computing, within `hops` steps, what they read (breadth first).
 * Producers for which `skip` is true are not entered.
 *
 * @example
 * ```ts
 * const plugins = graph.nodes.filter((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT');
 * upstreamNodes(plugins, 4, (n) => n.opType === 'Constant'); // the plugins and their input adapters
 * ```
 * @group Traversal
 */
export function upstreamNodes(start: Iterable<Node>, hops: number, skip: (node: Node) => boolean = () => false): Set<Node> {
  const region = new Set(start);
  let frontier = [...region];
  for (let hop = 0; hop < hops && frontier.length; hop++) {
    const next: Node[] = [];
    for (const node of frontier) {
      for (const input of node.inputs) {
        const producer = input?.producer;
        if (producer && !region.has(producer) && !skip(producer)) {
          region.add(producer);
          next.push(producer);
        }
      }
    }
    frontier = next;
  }
  return region;
}
