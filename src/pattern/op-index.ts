import { type Graph, type Node, normalizeDomain } from '../ir/index.js';

/**
 * Nodes of one graph grouped by (domain, op type), in graph order. Built in one pass so finding
 * anchor candidates never scans the graph per pattern or per anchor (100k-node graphs).
 *
 * @example
 * ```ts
 * const index = new OpIndex(graph);
 * index.candidates([{ op: 'Add', domain: '' }]); // every Add, in graph order
 * ```
 * @group Matching
 */
export class OpIndex {
  private readonly byOp = new Map<string, Node[]>();

  constructor(readonly graph: Graph) {
    for (const node of graph.nodesIter()) {
      const key = opKey(node.opType, node.domain);
      const list = this.byOp.get(key);
      if (list) list.push(node);
      else this.byOp.set(key, [node]);
    }
  }

  /** Nodes with any of these op types, in graph order (as of when the index was built). */
  candidates(ops: readonly { op: string; domain: string }[]): Node[] {
    const keys = new Set(ops.map((o) => opKey(o.op, o.domain)));
    if (keys.size === 1) return [...(this.byOp.get([...keys][0]!) ?? [])];
    // Several root op types (a oneOf root): merge in graph order with one more pass.
    const wanted = new Set<Node>();
    for (const key of keys) for (const node of this.byOp.get(key) ?? []) wanted.add(node);
    const merged: Node[] = [];
    for (const node of this.graph.nodesIter()) if (wanted.has(node)) merged.push(node);
    return merged;
  }
}

function opKey(op: string, domain: string): string {
  return `${normalizeDomain(domain)}\u0000${op}`;
}
