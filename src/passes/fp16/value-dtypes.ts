/**
 * The element type of every value before conversion: what shape inference knows, completed
 * through the operators' type parameters (slots sharing a parameter share a type, so one known
 * slot gives the others), because a value of unknown type next to a float32 one is float32 too.
 */
import { DType, type DTypeCode, type Graph, type Node, type Value } from '../../ir/index.js';
import { inferShapes } from '../../shape/index.js';
import { type NodeTyping, nodeTyping } from './op-typing.js';

/** Original element types, and the typing of every node that has one. */
export interface TypedGraph {
  /** Element type of a value before conversion (`DType.UNDEFINED` when unknown). */
  dtype(value: Value): DTypeCode;
  /** Typing of a node of the main graph (undefined for unknown ops). */
  typing(node: Node): NodeTyping | undefined;
}

/**
 * Types every value of `graph` (main graph; subgraphs are left alone by the conversion).
 *
 * @example
 * ```ts
 * const typed = typeGraph(model.graph, model.onnxOpset ?? 17);
 * typed.dtype(node.output()) === DType.FLOAT;
 * ```
 */
export function typeGraph(graph: Graph, opset: number): TypedGraph {
  const facts = inferShapes(graph);
  const known = new Map<Value, DTypeCode>();
  const seed = (v: Value): DTypeCode => {
    let d = known.get(v);
    if (d === undefined) {
      d = v.initializer?.dtype ?? facts.dtype(v) ?? v.type?.dtype ?? DType.UNDEFINED;
      known.set(v, d);
    }
    return d;
  };
  const typings = new Map<Node, NodeTyping | undefined>();
  for (const node of graph.nodesIter()) typings.set(node, nodeTyping(node, opset));
  // A few sweeps reach a fixpoint in practice (each sweep follows the graph order).
  for (let sweep = 0; sweep < 4; sweep++) {
    let changed = false;
    for (const [node, typing] of typings) {
      if (typing && unifyParameters(node, typing, seed, known)) changed = true;
    }
    if (!changed) break;
  }
  return { dtype: seed, typing: (node) => typings.get(node) };
}

/** Gives unknown slots of each type parameter the one type its known slots agree on. */
function unifyParameters(node: Node, typing: NodeTyping, seed: (v: Value) => DTypeCode, known: Map<Value, DTypeCode>): boolean {
  const slots = new Map<string, Value[]>();
  const add = (code: string, v: Value | undefined) => {
    if (!v || !v.name || code === 'f' || code === '-') return;
    slots.set(code, [...(slots.get(code) ?? []), v]);
  };
  typing.inputs.forEach((code, i) => add(code, node.inputs[i]));
  typing.outputs.forEach((code, i) => add(code, node.outputs[i]));
  let changed = false;
  for (const values of slots.values()) {
    const types = new Set(values.map(seed).filter((d) => d !== DType.UNDEFINED));
    if (types.size !== 1) continue;
    const [only] = types;
    for (const v of values) {
      if (seed(v) === DType.UNDEFINED) {
        known.set(v, only!);
        changed = true;
      }
    }
  }
  return changed;
}
