/**
 * Carries out a {@link Float16Plan}: new element types, converted constants, switched Cast/
 * Constant attributes, and the boundary Casts; then restores topological order.
 */
import { DType, type DTypeCode, type Graph, GraphEdit, type Node, Tensor, type Value, attr, constantNodeTensor } from '../../ir/index.js';
import { toFloat16Tensor } from './float16-data.js';
import type { Float16Plan } from './plan.js';

/**
 * Applies the plan to `graph`. The Casts are built detached in one {@link GraphEdit} and committed
 * together; only then are the readers that need them pointed at them (a Cast serves some readers
 * of a value, not all, which replaceAllUsesWith cannot say). Returns the number of Casts inserted.
 */
export function applyFloat16Plan(graph: Graph, plan: Float16Plan): number {
  for (const v of plan.toFloat16) setElementType(v, DType.FLOAT16);
  for (const v of plan.convertedInitializers) graph.attachInitializer(v, toFloat16Tensor(v.initializer!));
  for (const node of plan.convertedSources) switchSource(node);
  const edit = new GraphEdit(graph);
  const boundary = plan.casts.map(({ value, to, uses }) => ({ cast: castNode(edit, value, to, `${value.name}_${to === DType.FLOAT16 ? 'fp16' : 'fp32'}`), uses }));
  const outputs = plan.outputCasts.map((output) => ({ output, cast: castNode(edit, output, DType.FLOAT, `${output.name}_fp32`) }));
  edit.commit();
  for (const { cast, uses } of boundary) for (const use of uses) use.node.setInput(use.index, cast);
  for (const { output, cast } of outputs) renameAsOutput(graph, output, cast);
  // After the boundary Casts, which may rewire a CastLike's second input.
  for (const [node, dtype] of plan.castLikeTargets) castLikeToCast(node, dtype);
  graph.toposort();
  return boundary.length + outputs.length;
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

function castNode(edit: GraphEdit, value: Value, to: DTypeCode, name: string): Value {
  const shape = value.type?.shape;
  const node = edit.node({
    op: 'Cast', inputs: [value], outputs: [name], name,
    outputTypes: [shape ? { dtype: to, shape: [...shape] } : { dtype: to }],
    attributes: { to: attr.int(to) },
  });
  return node.output();
}

/** The float32 Cast of a float16 graph output takes the output's slot and name. */
function renameAsOutput(graph: Graph, output: Value, cast: Value): void {
  const name = output.name;
  if (output.type) cast.type = { ...output.type, dtype: DType.FLOAT };
  graph.setOutputs(graph.outputs.map((v) => (v === output ? cast : v)));
  graph.renameValue(output, graph.names.fresh(`${name}_fp16`));
  graph.renameValue(cast, name);
}
