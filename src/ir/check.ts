import { OnnxSurgeonError } from '../errors.js';
import type { Graph } from './graph.js';
import { graphsWithin } from './traverse.js';
import type { Value } from './value.js';

/**
 * Recomputes producers and uses from scratch and compares them with the graph's incremental
 * indexes. Throws on the first disagreement. Tests call it after every rewrite.
 * @group Editing
 */
export function checkIndexes(graph: Graph): void {
  const expectedUses = new Map<Value, string[]>();
  const visit = (g: Graph): void => {
    for (const node of g.nodesIter()) {
      if (node.graph !== g) throw new OnnxSurgeonError('internal', 'node graph pointer is stale', { node: node.label });
      node.inputs.forEach((v, i) => {
        if (!v) return;
        const list = expectedUses.get(v) ?? [];
        list.push(`${node.label}#${i}`);
        expectedUses.set(v, list);
        if (!g.value(v.name) && v.name) {
          throw new OnnxSurgeonError('internal', `input '${v.name}' is not reachable by name`, { node: node.label, tensor: v.name });
        }
      });
      node.outputs.forEach((o, i) => {
        if (o.producer !== node || o.outputIndex !== i) {
          throw new OnnxSurgeonError('internal', 'output producer index is stale', { node: node.label, tensor: o.name });
        }
      });
    }
  };
  for (const g of graphsWithin(graph)) visit(g);
  const all = new Set<Value>(expectedUses.keys());
  for (const g of graphsWithin(graph)) for (const v of g.values()) all.add(v);
  for (const v of all) {
    const actual = v.uses.map((u) => `${u.node.label}#${u.index}`).sort();
    const expected = (expectedUses.get(v) ?? []).sort();
    if (actual.join('|') !== expected.join('|')) {
      throw new OnnxSurgeonError('internal', `uses of '${v.name}' are stale`, { tensor: v.name, expected: expected.join(', '), found: actual.join(', ') });
    }
    if (v.producer && !v.producer.graph) {
      throw new OnnxSurgeonError('internal', `value '${v.name}' points at a removed producer`, { tensor: v.name });
    }
  }
}
