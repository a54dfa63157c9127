import { Graph as GraphlibGraph, alg as graphAlgorithms } from '@dagrejs/graphlib';
import { OnnxSurgeonError } from '../errors.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import type { Value } from './value.js';
import { forEachRead, readsOf } from './traverse.js';

/**
 * Stable topological order of a graph's nodes: Kahn's algorithm that always emits the earliest
 * ready node in current order, so an already sorted graph keeps its exact order (byte-identical
 * round trips). Reads from inside subgraphs count as reads by the node that owns the subgraph.
 * @group Traversal
 */
export function topologicalOrder(graph: Graph): Node[] {
  const { order, stuck } = kahnOrder(graph);
  if (stuck.length) throw cycleError(graph, stuck);
  return order;
}

/**
 * {@link topologicalOrder}, or undefined when the graph has a cycle (a cyclic graph has no such
 * order: the saver then keeps the order the model has, so a broken model is written back as read).
 * @group Traversal
 */
export function topologicalOrderIfAcyclic(graph: Graph): Node[] | undefined {
  const { order, stuck } = kahnOrder(graph);
  return stuck.length ? undefined : order;
}

/**
 * Puts `graph` in topological order when it has one (a cyclic graph keeps its order); returns
 * false for a cycle. An already sorted graph is only checked, not rebuilt.
 *
 * @internal
 */
export function sortIfAcyclic(graph: Graph): boolean {
  const { order, stuck, unchanged } = kahnOrder(graph);
  if (stuck.length) return false;
  if (!unchanged) graph._setOrder(order);
  return true;
}

/**
 * The cycles of `graph` (reads inside subgraphs count as reads by their owner), each as the nodes
 * on it (a strongly connected component) in graph order; empty for an acyclic graph. At most
 * `limit` cycles.
 * @group Traversal
 */
export function findCycles(graph: Graph, limit = 10): Node[][] {
  const { stuck } = kahnOrder(graph);
  if (!stuck.length) return [];
  return cyclesAmong(graph, stuck).slice(0, limit);
}

/**
 * Kahn's algorithm (stable); `stuck` holds the nodes on or behind a cycle, `unchanged` says the
 * order is the current one. Nodes are numbered by position in `_order` (scratch of this module),
 * so the walk needs no maps: a large model is sorted in a few tens of milliseconds.
 */
function kahnOrder(graph: Graph): { order: Node[]; stuck: Node[]; unchanged: boolean } {
  const nodes = graph.nodes;
  for (let i = 0; i < nodes.length; i++) nodes[i]!._order = i;
  // Exported and re-saved models are almost always in order already: one linear check then
  // returns exactly what the heap below would (it always emits the earliest ready node).
  if (isSorted(graph, nodes)) return { order: nodes, stuck: [], unchanged: true };
  const n = nodes.length;
  const pending = new Int32Array(n);
  const lastReader = new Int32Array(n).fill(-1);
  const dependents: (number[] | undefined)[] = new Array<number[] | undefined>(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    forEachRead(node, (value) => {
      // A read of the node's own output is a cycle (it never becomes ready); reads of values
      // made inside its own subgraphs (owner === node, producer !== node) are not.
      if (value._producer === node) {
        pending[i]!++;
        return;
      }
      const producer = ownerInGraph(value._producer, graph);
      if (!producer || producer === node) return;
      const p = producer._order;
      if (lastReader[p] === i) return;
      lastReader[p] = i;
      pending[i]!++;
      (dependents[p] ??= []).push(i);
    });
  }
  // A binary heap on original position keeps the order stable in O(n log n).
  const heap = new IndexHeap();
  for (let i = 0; i < n; i++) if (pending[i] === 0) heap.push(i);
  const order: Node[] = [];
  while (heap.size) {
    const i = heap.pop();
    order.push(nodes[i]!);
    for (const d of dependents[i] ?? []) if (--pending[d]! === 0) heap.push(d);
  }
  const stuck = order.length === n ? [] : nodes.filter((_, i) => pending[i]! > 0);
  return { order, stuck, unchanged: false };
}

/** True when every node reads only values produced earlier in `nodes` (numbered in `_order`), or outside the graph. */
function isSorted(graph: Graph, nodes: readonly Node[]): boolean {
  let sorted = true;
  let node: Node;
  let i = 0;
  const check = (value: Value): void => {
    if (value._producer === node) sorted = false;
    const producer = value._producer && ownerInGraph(value._producer, graph);
    if (producer && producer !== node && producer._order >= i) sorted = false;
  };
  for (; i < nodes.length && sorted; i++) {
    node = nodes[i]!;
    forEachRead(node, check);
  }
  return sorted;
}

/** The node of `graph` that is `node` or (for subgraph nodes) contains it. */
function ownerInGraph(node: Node | undefined, graph: Graph): Node | undefined {
  let n = node;
  while (n && n.graph !== graph) {
    const g = n.graph;
    if (!g || !g.parent) return undefined;
    n = findOwner(g);
  }
  return n;
}

function findOwner(sub: Graph): Node | undefined {
  const parent = sub.parent;
  if (!parent) return undefined;
  for (const { node, graph } of parent.subgraphs()) if (graph === sub) return node;
  return undefined;
}

function cycleError(graph: Graph, stuck: Node[]): OnnxSurgeonError {
  const cycle = (cyclesAmong(graph, stuck)[0] ?? []).map((n) => n.label);
  return new OnnxSurgeonError('graph', `graph '${graph.name}' has a cycle through ${cycle.length ? cycle.map((c: string) => `'${c}'`).join(' -> ') : `${stuck.length} nodes`}`, {
    node: cycle[0] ?? stuck[0]?.label, expected: 'an acyclic graph',
  });
}

/** The actual cycles among the stuck nodes (graphlib's Tarjan: strongly connected components). */
function cyclesAmong(graph: Graph, stuck: Node[]): Node[][] {
  const g = new GraphlibGraph();
  const ids = new Map<Node, string>();
  stuck.forEach((n, i) => { ids.set(n, String(i)); g.setNode(String(i)); });
  for (const n of stuck) {
    for (const v of readsOf(n)) {
      const p = ownerInGraph(v.producer, graph);
      if (p && ids.has(p)) g.setEdge(ids.get(p)!, ids.get(n)!);
    }
  }
  // Each cycle's nodes in graph order, cycles by their first node: the same model, the same report.
  const cycles = graphAlgorithms.findCycles(g).map((cycle: string[]) => cycle.map(Number).sort((a, b) => a - b));
  return cycles.sort((a, b) => a[0]! - b[0]!).map((cycle) => cycle.map((i) => stuck[i]!));
}

/** A binary min-heap of node positions. */
class IndexHeap {
  private readonly items: number[] = [];
  get size(): number { return this.items.length; }
  push(item: number): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= item) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = item;
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const m = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l;
        if (a[m]! >= last) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}
