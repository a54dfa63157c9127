import { Graph as GraphlibGraph, alg as graphAlgorithms } from '@dagrejs/graphlib';
import { OnnxSurgeonError } from '../errors.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import { readsOf } from './traverse.js';

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

/** Kahn's algorithm (stable); `stuck` holds the nodes on or behind a cycle. */
function kahnOrder(graph: Graph): { order: Node[]; stuck: Node[] } {
  const nodes = graph.nodes;
  // Exported and re-saved models are almost always in order already: one linear check then
  // returns exactly what the heap below would (it always emits the earliest ready node).
  if (isSorted(graph, nodes)) return { order: nodes, stuck: [] };
  const position = new Map<Node, number>();
  nodes.forEach((n, i) => position.set(n, i));
  const dependents = new Map<Node, Node[]>();
  const pending = new Map<Node, number>();
  for (const node of nodes) {
    const producers = new Set<Node>();
    let readsOwnOutput = false;
    for (const value of readsOf(node)) {
      // A read of the node's own output is a cycle; reads of values made inside its own
      // subgraphs (owner === node, producer !== node) are not.
      if (value.producer === node) readsOwnOutput = true;
      const producer = ownerInGraph(value.producer, graph);
      if (producer && producer !== node && position.has(producer)) producers.add(producer);
    }
    // A node reading its own output never becomes ready, so it is reported as a cycle.
    pending.set(node, producers.size + (readsOwnOutput ? 1 : 0));
    for (const p of producers) {
      const list = dependents.get(p);
      if (list) list.push(node);
      else dependents.set(p, [node]);
    }
  }
  // A binary heap on original position keeps the order stable in O(n log n).
  const heap = new MinHeap<Node>((a, b) => position.get(a)! - position.get(b)!);
  for (const node of nodes) if (pending.get(node) === 0) heap.push(node);
  const order: Node[] = [];
  while (heap.size) {
    const node = heap.pop()!;
    order.push(node);
    for (const d of dependents.get(node) ?? []) {
      const left = pending.get(d)! - 1;
      pending.set(d, left);
      if (left === 0) heap.push(d);
    }
  }
  return { order, stuck: order.length === nodes.length ? [] : nodes.filter((n) => pending.get(n)! > 0) };
}

/** True when every node reads only values produced earlier in `nodes` (or outside the graph). */
function isSorted(graph: Graph, nodes: readonly Node[]): boolean {
  const done = new Set<Node>();
  for (const node of nodes) {
    for (const value of readsOf(node)) {
      if (value.producer === node) return false;
      const producer = ownerInGraph(value.producer, graph);
      if (producer && producer !== node && !done.has(producer)) return false;
    }
    done.add(node);
  }
  return true;
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

class MinHeap<T> {
  private items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size(): number { return this.items.length; }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (!a.length) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
