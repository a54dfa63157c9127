/**
 * The graph edits mutants are made of, on the library's public IR. Every edit is local: a new
 * constant is always a fresh initializer (exporters share constants between unrelated nodes, so
 * changing one in place would mutate more than one point), and values whose type an edit may
 * change lose their recorded type (value_info), so onnxruntime infers it instead of rejecting
 * the model for a stale annotation.
 */
import { type AttributeValue, DType, type Model, type Node, Tensor, type Value, attr } from '../../src/index.js';
import { float32ArrayToFloat16 } from '../../src/ir/index.js';

/** The node whose {@link nodeKey} is `key` (mutants name nodes, so a fresh load finds them again). */
export function nodeNamed(model: Model, key: string): Node {
  for (const node of model.graph.nodesIter()) if (nodeKey(node) === key) return node;
  throw new Error(`mutation: no node '${key}'`);
}

/** The value called `name`. */
export function valueNamed(model: Model, name: string): Value {
  const value = model.graph.value(name);
  if (!value) throw new Error(`mutation: no value named '${name}'`);
  return value;
}

/** Stable name of a node for mutant ids: its name, else its first output's. */
export function nodeKey(node: Node): string {
  return node.name || node.outputs[0]?.name || node.opType;
}

/** A fresh initializer. */
export function constant(model: Model, tensor: Tensor, hint = 'mutant_const'): Value {
  // A copy: addInitializer names the tensor, and the tensor may belong to another model.
  return model.graph.addInitializer(tensor.clone(), model.graph.names.fresh(hint));
}

/** int64 tensor of the given numbers (1-D unless dims say otherwise). */
export function int64s(values: readonly number[], dims?: readonly number[]): Tensor {
  return Tensor.int64(values.map((v) => (v === Infinity ? 2n ** 63n - 1n : v === -Infinity ? -(2n ** 63n) : BigInt(v))), dims ?? [values.length]);
}

/** A float tensor of `dtype` (float32, float64 or float16) filled with `values`. */
export function floats(dtype: number, values: readonly number[], dims: readonly number[] = []): Tensor {
  if (dtype === DType.DOUBLE) return Tensor.fromArray(DType.DOUBLE, dims, Float64Array.from(values));
  if (dtype === DType.FLOAT16) return Tensor.fromArray(DType.FLOAT16, dims, float32ArrayToFloat16(values));
  return Tensor.fromArray(DType.FLOAT, dims, Float32Array.from(values));
}

/** Points input `slot` of `node` at a fresh constant. */
export function replaceInput(model: Model, node: Node, slot: number, tensor: Tensor): void {
  node.setInput(slot, constant(model, tensor, `${nodeKey(node)}_mutant_in${slot}`));
}

/** Where an inserted op goes: every reader of `value`, or only the given input slots. */
export interface Edge {
  value: Value;
  readers?: readonly { node: Node; slot: number }[];
}

/**
 * Inserts `op(value, ...extra)` on an edge and returns the new node. With no reader given, every
 * reader of the value (and a graph-output slot) takes the new output instead.
 */
export function insertOp(model: Model, edge: Edge, op: string, extra: readonly Value[] = [], attributes: Record<string, AttributeValue> = {}, dataSlot = 0): Node {
  const graph = model.graph;
  const inputs = [...extra];
  inputs.splice(dataSlot, 0, edge.value);
  const node = graph.addNode({ op, inputs, attributes, name: `mutant_${op}_${edge.value.name}` });
  const output = node.output(0);
  if (edge.readers) {
    for (const reader of edge.readers) reader.node.setInput(reader.slot, output);
  } else {
    for (const use of [...edge.value.uses]) if (use.node !== node) use.node.setInput(use.index, output);
    if (edge.value.isGraphOutput) graph.setOutputs(graph.outputs.map((v) => (v === edge.value ? output : v)));
  }
  graph.toposort();
  return node;
}

/** Inserts a chain of ops on an edge, each reading the previous one's output (plus its extras). */
export function insertChain(model: Model, edge: Edge, steps: readonly { op: string; extra?: readonly Value[]; attributes?: Record<string, AttributeValue> }[]): Node[] {
  const nodes: Node[] = [];
  let current: Edge = edge;
  for (const step of steps) {
    const node = insertOp(model, current, step.op, step.extra ?? [], step.attributes ?? {});
    nodes.push(node);
    current = { value: node.output(0) };
  }
  return nodes;
}

/** `Cast(to)` on an edge. */
export function insertCast(model: Model, edge: Edge, to: number): Node {
  return insertOp(model, edge, 'Cast', [], { to: attr.int(to) });
}

/**
 * Forgets the recorded types of `start` and of every value computed from it, graph outputs
 * excepted: after an edit that can change a shape or dtype, onnxruntime must infer them afresh.
 */
export function forgetTypesFrom(start: Value): void {
  const seen = new Set<Value>();
  const stack = [start];
  while (stack.length) {
    const value = stack.pop()!;
    if (seen.has(value)) continue;
    seen.add(value);
    if (!value.isGraphOutput && !value.initializer) delete value.type;
    for (const reader of value.consumers()) for (const out of reader.outputs) stack.push(out);
  }
}

/** Sets an attribute and forgets the types downstream of the node. */
export function setAttribute(node: Node, name: string, value: AttributeValue): void {
  node.setAttr(name, value);
  for (const out of node.outputs) forgetTypesFrom(out);
}
