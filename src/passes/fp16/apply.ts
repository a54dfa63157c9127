/**
 * Carries out a {@link Float16Plan}: new element types, converted constants, switched Cast/
 * Constant attributes, and the boundary Casts; then restores topological order.
 */
import { DType, type DTypeCode, type Graph, type Node, Tensor, type Value, attr } from '../../ir/index.js';
import { constantNodeTensor } from '../../shape/constant.js';
import { toFloat16Tensor } from './float16-data.js';
import type { Float16Plan } from './plan.js';

/** Applies the plan to `graph`. Returns the number of Casts inserted. */
export function applyFloat16Plan(graph: Graph, plan: Float16Plan): number {
  for (const v of plan.toFloat16) setElementType(v, DType.FLOAT16);
  for (const v of plan.convertedInitializers) graph.attachInitializer(v, toFloat16Tensor(v.initializer!));
  for (const node of plan.convertedSources) switchSource(node);
  let casts = 0;
  for (const { value, to, uses } of plan.casts) {
    const cast = addCast(graph, value, to, `${value.name}_${to === DType.FLOAT16 ? 'fp16' : 'fp32'}`);
    for (const use of uses) use.node.setInput(use.index, cast);
    casts++;
  }
  for (const output of plan.outputCasts) {
    castGraphOutput(graph, output);
    casts++;
  }
  // After the boundary Casts, which may rewire a CastLike's second input.
  for (const [node, dtype] of plan.castLikeTargets) castLikeToCast(node, dtype);
  graph.toposort();
  return casts;
}

function setElementType(v: Value, dtype: DTypeCode): void {
  if (v.type) v.type = { ...v.type, dtype };
}

/** Rewrites the attribute that sets a Constant's, ConstantOfShape's or Cast's output type. */
function switchSource(node: Node): void {
  if (node.opType === 'Cast') {
    node.setAttr('to', attr.int(DType.FLOAT16));
    return;
  }
  if (node.opType === 'ConstantOfShape') {
    const fill = node.attr('value');
    const tensor = fill?.kind === 'tensor' ? fill.value : Tensor.float32([0], [1]);
    node.setAttr('value', attr.tensor(toFloat16Tensor(tensor)));
    return;
  }
  const tensor = constantNodeTensor(node)!;
  for (const name of [...node.attributes.keys()]) if (name.startsWith('value')) node.attributes.delete(name);
  node.setAttr('value', attr.tensor(toFloat16Tensor(tensor)));
}

/**
 * A converted CastLike becomes the Cast it is (its target type is known statically): the same
 * computation, and onnxruntime's CPU fallback for float16 mistypes CastLike chains
 * ("InsertedPrecisionFreeCast ... does not match expected type"), which would stop `verify`.
 */
function castLikeToCast(node: Node, dtype: DTypeCode): void {
  node.setInput(1, undefined);
  node.opType = 'Cast';
  node.setAttr('to', attr.int(dtype));
}

function addCast(graph: Graph, value: Value, to: DTypeCode, name: string): Value {
  const shape = value.type?.shape;
  const node = graph.addNode({
    op: 'Cast', inputs: [value], outputs: [name], name,
    outputTypes: [shape ? { dtype: to, shape: [...shape] } : { dtype: to }],
    attributes: { to: attr.int(to) },
  });
  return node.output();
}

/** Casts a float16 graph output back to float32 under the output's own name. */
function castGraphOutput(graph: Graph, output: Value): void {
  const name = output.name;
  const original = output.type ? { ...output.type, dtype: DType.FLOAT } : undefined;
  const cast = addCast(graph, output, DType.FLOAT, `${name}_fp32`);
  if (original) cast.type = original;
  graph.setOutputs(graph.outputs.map((v) => (v === output ? cast : v)));
  graph.renameValue(output, graph.names.fresh(`${name}_fp16`));
  graph.renameValue(cast, name);
}
