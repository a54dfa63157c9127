/**
 * What a set of outputs needs when the graph is cut at a set of values: the walk behind
 * {@link extractSubgraph}. A value is computable when it is a cut value, a constant, or made by
 * a node whose reads are all computable; a value that reads a graph input left out (or a value
 * nothing defines) is not, unless inference knows its value anyway (the shape of a static
 * input), in which case it becomes a constant.
 */
import { type Graph, type Value, readsOf } from '../../ir/index.js';
import type { ShapeFacts } from '../../shape/index.js';

/** The verdict on the values the outputs need. */
export interface CutSources {
  /** Values that become initializers: computable only from sizes, which inference knows. */
  readonly constants: Set<Value>;
  /**
   * For a value that cannot be computed: the next value toward the reason (a read of its
   * producer that cannot be computed either), or itself when it is the reason (a graph input
   * left out, a value nothing defines).
   */
  readonly blockedVia: Map<Value, Value>;
}

/**
 * Walks back from `outputs`, stopping at `cut` values, constants and known constants.
 *
 * @example
 * ```ts
 * const output = graph.requireValue('memory');
 * const { blockedVia } = cutSources(graph, new Set([value]), [output], inferShapes(graph));
 * blockedVia.has(output); // true when the output reads a graph input that was left out
 * ```
 */
export function cutSources(graph: Graph, cut: ReadonlySet<Value>, outputs: readonly Value[], facts: ShapeFacts): CutSources {
  const constants = new Set<Value>();
  const blockedVia = new Map<Value, Value>();
  const done = new Set<Value>();
  const stack: { value: Value; entered: boolean }[] = outputs.map((value) => ({ value, entered: false }));
  while (stack.length) {
    const top = stack.pop()!;
    const v = top.value;
    if (done.has(v)) continue;
    const producer = v.producer;
    if (cut.has(v) || v.initializer || !producer) {
      if (!cut.has(v) && !v.initializer) blockedVia.set(v, v);
      done.add(v);
      continue;
    }
    const reads = [...readsOf(producer)].filter((r) => r.graph === graph && r.name !== '');
    if (!top.entered) {
      stack.push({ value: v, entered: true });
      for (const r of reads) if (!done.has(r)) stack.push({ value: r, entered: false });
      continue;
    }
    done.add(v);
    const blocked = reads.find((r) => blockedVia.has(r));
    if (!blocked) continue;
    if (facts.constant(v)) constants.add(v);
    else blockedVia.set(v, blocked);
  }
  return { constants, blockedVia };
}

/** The chain from `value` back to the reason it cannot be computed, reason first. */
export function blockedPath(value: Value, blockedVia: ReadonlyMap<Value, Value>): Value[] {
  const path = [value];
  for (let v = value; blockedVia.get(v) !== v;) {
    v = blockedVia.get(v)!;
    path.push(v);
  }
  return path.reverse();
}
