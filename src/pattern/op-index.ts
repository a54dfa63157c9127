import type { Graph, Node } from '../ir/index.js';
import { normalizeDomain } from './builder.js';

/**
 * Nodes of one graph grouped by (domain, op type), in graph order, plus every node's position.
 * Built in one pass so finding anchor candidates never scans the graph per pattern (100k-node
 * graphs), and match node lists can be sorted into graph order cheaply.
 *
 * @example
 * ```ts
 * const index = new OpIndex(graph);
 * index.candidates([{ op: 'Add', domain: '' }]); // every Add, in graph order
 * ```
 */
export class OpIndex {
  private readonly byOp = new Map<string, Node[]>();
  private readonly positions = new Map<Node, number>();

  constructor(readonly graph: Graph) {
    let i = 0;
    for (const node of graph.nodesIter()) {
      this.positions.set(node, i++);
      const key = opKey(node.opType, node.domain);
      const list = this.byOp.get(key);
      if (list) list.push(node);
      else this.byOp.set(key, [node]);
    }
  }

  /** Nodes with any of these op types, in graph order (as of when the index was built). */
  candidates(ops: readonly { op: string; domain: string }[]): Node[] {
    const keys = [...new Set(ops.map((o) => opKey(o.op, o.domain)))];
    if (keys.length === 1) return [...(this.byOp.get(keys[0]!) ?? [])];
    const merged = keys.flatMap((k) => this.byOp.get(k) ?? []);
    return merged.sort((a, b) => this.position(a) - this.position(b));
  }

  /** Position of a node in graph order; nodes added after indexing sort last. */
  position(node: Node): number {
    return this.positions.get(node) ?? Number.MAX_SAFE_INTEGER;
  }
}

function opKey(op: string, domain: string): string {
  return `${normalizeDomain(domain)}\u0000${op}`;
}
