/**
 * Which nodes stay float32, and why. Besides what the user lists and what has no float16 form,
 * three kinds of node stay float32 because float16 would change what they compute:
 * - arithmetic on constants and shapes only (reference-point grids, position encodings, scale
 *   factors): cheap, and exact integers above 2048 or coordinates in [0, 1] lose digits in float16;
 * - nodes reading a constant that float16 cannot hold (finite values beyond ±65504, or a small
 *   constant such as an epsilon whose non-zero values would become 0), found by scanning every
 *   float32 constant, looking through pure data movement (Reshape, Unsqueeze, Concat, ...);
 * - the MSDA plugin and the elementwise chain computing its sampling locations (unless
 *   `msdaFp16`): the plugin's float16 kernel is inaccurate at real map sizes, and a location
 *   rounded to float16 is off by up to 2^-12 of the map, ~0.04 px at W = 167, before the kernel
 *   even runs.
 */
import { OnnxSurgeonError } from '../../errors.js';
import { DType, type Graph, type Node, type Value } from '../../ir/index.js';
import { MSDA_PLUGIN, MsdaInput } from '../../plugins/index.js';
import { type Float16Fit, float16Fit, float32Values } from './float16-data.js';
import type { Float16Options, KeepReason, KeptConstant } from './report.js';
import type { TypedGraph } from './value-dtypes.js';

/** Ops that only move or copy elements: a constant passes through them unchanged. */
export const DATA_MOVEMENT_OPS = new Set([
  'Identity', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Transpose', 'Expand', 'Tile', 'Slice', 'Gather',
  'GatherElements', 'GatherND', 'Concat', 'Split', 'Pad', 'DepthToSpace', 'SpaceToDepth',
]);

/** Ops whose float32 output can switch to float16 by rewriting an attribute; decided by their readers. */
export const SOURCE_OPS = new Set(['Constant', 'ConstantOfShape', 'Cast']);

/** Elementwise and layout ops walked back from the MSDA sampling-locations input. */
const SAMPLING_CHAIN_OPS = new Set([
  ...DATA_MOVEMENT_OPS, 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Sigmoid', 'Clip', 'Max', 'Min', 'Log', 'Exp', 'Reciprocal',
  'Where', 'Cast', 'Tanh',
]);

/** Generators whose output type comes from a `dtype` attribute. */
const RANDOM_OPS = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'Multinomial', 'EyeLike']);

/** Constants this small are scalars-in-disguise (epsilons, scales): losing a non-zero value to 0 changes the math. */
const SMALL_CONSTANT_ELEMENTS = 16;

/** What {@link decideKeptNodes} found. */
export interface KeepDecisions {
  /** Nodes that stay float32, with the first reason found. */
  reasons: Map<Node, KeepReason>;
  /** Float32 constants float16 cannot hold (their readers stay float32). */
  unrepresentable: Map<Value, KeptConstant>;
  /** Scan results of every float32 constant value. */
  fits: Map<Value, Float16Fit>;
}

/**
 * Decides which nodes of the main graph keep float32 (see the module comment). Throws a usage
 * error when `keepNodes` names a node that does not exist.
 */
export function decideKeptNodes(graph: Graph, typed: TypedGraph, options: Float16Options): KeepDecisions {
  const order = graph.nodes;
  checkListedNodes(order, options.keepNodes ?? []);
  const keepOps = new Set(options.keepOpTypes ?? []);
  const keepNames = new Set(options.keepNodes ?? []);
  const reasons = new Map<Node, KeepReason>();
  const fits = new Map<Value, Float16Fit>();
  const unrepresentable = new Map<Value, KeptConstant>();
  const unrepresentableValues = new Set<Value>();
  const isFloat32 = (v: Value | undefined): v is Value => !!v && !!v.name && typed.dtype(v) === DType.FLOAT;
  const staticValues = constantAndShapeValues(graph, order);

  for (const node of order) {
    const floatInputs = node.inputs.filter(isFloat32);
    const floatOutputs = node.outputs.filter(isFloat32);
    for (const v of floatInputs) {
      const problem = constantProblem(v, fits);
      if (problem) {
        unrepresentable.set(v, problem);
        unrepresentableValues.add(v);
      }
    }
    if (!floatInputs.length && !floatOutputs.length) continue;
    const reason = keepReason(node, {
      typed, keepOps, keepNames, msdaFp16: options.msdaFp16 ?? false,
      readsUnrepresentable: floatInputs.some((v) => unrepresentableValues.has(v)),
      constantArithmetic: !DATA_MOVEMENT_OPS.has(node.opType) && !SOURCE_OPS.has(node.opType) &&
        node.inputs.length > 0 && node.inputs.every((v) => !v || !v.name || staticValues.has(v)),
    });
    if (!reason) continue;
    reasons.set(node, reason);
    // A constant that cannot be float16 stays float32 through data movement too.
    if (reason === 'unrepresentable-constant' && DATA_MOVEMENT_OPS.has(node.opType)) for (const v of floatOutputs) unrepresentableValues.add(v);
  }
  if (!options.msdaFp16) keepSamplingChains(order, typed, reasons);
  return { reasons, unrepresentable, fits };
}

interface KeepContext {
  typed: TypedGraph;
  keepOps: Set<string>;
  keepNames: Set<string>;
  msdaFp16: boolean;
  readsUnrepresentable: boolean;
  constantArithmetic: boolean;
}

function keepReason(node: Node, context: KeepContext): KeepReason | undefined {
  if (node.opType === MSDA_PLUGIN.opType && !context.msdaFp16) return 'msda-plugin';
  if (context.keepNames.has(node.name)) return 'listed-node';
  if (context.keepOps.has(node.opType)) return 'listed-op-type';
  if ([...node.attributes.values()].some((a) => a.value.kind === 'graph' || a.value.kind === 'graphs')) return 'subgraph';
  if (RANDOM_OPS.has(node.opType)) return 'random-or-attribute-typed';
  const typing = context.typed.typing(node);
  if (!typing || !hasConvertibleFloat32(node, typing, context.typed)) return 'no-float16-typing';
  if (context.readsUnrepresentable) return 'unrepresentable-constant';
  if (context.constantArithmetic) return 'constant-arithmetic';
  return undefined;
}

/** True when some float32 slot of the node belongs to a type parameter that allows float16. */
function hasConvertibleFloat32(node: Node, typing: { inputs: string[]; outputs: string[] }, typed: TypedGraph): boolean {
  const convertible = (code: string, v: Value | undefined) => code !== 'f' && code !== '-' && !!v && !!v.name && typed.dtype(v) === DType.FLOAT;
  return typing.inputs.some((code, i) => convertible(code, node.inputs[i])) || typing.outputs.some((code, i) => convertible(code, node.outputs[i]));
}

/** Why a float32 constant value cannot become float16, if it is a constant and cannot. */
function constantProblem(v: Value, fits: Map<Value, Float16Fit>): KeptConstant | undefined {
  const tensor = v.constant();
  if (!tensor || tensor.dtype !== DType.FLOAT) return undefined;
  let fit = fits.get(v);
  if (!fit) {
    fit = float16Fit(float32Values(tensor));
    fits.set(v, fit);
  }
  if (fit.overflow) {
    return { name: v.name, reason: 'overflow', detail: `${fit.overflow} of ${fit.elements} values beyond ±65504 (largest ${fit.maxAbs.toPrecision(4)})` };
  }
  if (fit.flushedToZero && fit.elements <= SMALL_CONSTANT_ELEMENTS) {
    return { name: v.name, reason: 'underflow', detail: `${fit.flushedToZero} of ${fit.elements} non-zero values would become 0` };
  }
  return undefined;
}

/**
 * Values computed from constants and tensor shapes only, never from input data: initializers,
 * Constant outputs, Shape/Size outputs, and whatever only those feed.
 */
function constantAndShapeValues(graph: Graph, order: readonly Node[]): Set<Value> {
  const result = new Set<Value>();
  for (const v of graph.initializers) if (!v.isGraphInput) result.add(v);
  for (const node of order) {
    const fromShapes = node.opType === 'Shape' || node.opType === 'Size';
    const fromConstants = node.inputs.every((v) => !v || !v.name || result.has(v));
    const random = RANDOM_OPS.has(node.opType);
    if ((fromShapes || fromConstants) && !random) for (const out of node.outputs) if (out.name) result.add(out);
  }
  return result;
}

/** Keeps float32 the elementwise/layout producers of every MSDA node's sampling locations. */
function keepSamplingChains(order: readonly Node[], typed: TypedGraph, reasons: Map<Node, KeepReason>): void {
  const seen = new Set<Node>();
  const stack: Value[] = [];
  for (const node of order) {
    if (node.opType !== MSDA_PLUGIN.opType) continue;
    const locations = node.inputs[MsdaInput.samplingLocations];
    if (locations) stack.push(locations);
  }
  while (stack.length) {
    const producer = stack.pop()!.producer;
    if (!producer || seen.has(producer) || !SAMPLING_CHAIN_OPS.has(producer.opType)) continue;
    seen.add(producer);
    if (!reasons.has(producer)) reasons.set(producer, 'msda-sampling-locations');
    for (const v of producer.inputs) if (v && v.name && typed.dtype(v) === DType.FLOAT) stack.push(v);
  }
}

function checkListedNodes(order: readonly Node[], names: readonly string[]): void {
  const known = new Set(order.map((n) => n.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length) {
    throw new OnnxSurgeonError('usage', `no node named ${missing.map((n) => `'${n}'`).join(', ')} in the model's main graph`, {
      expected: 'node names as the model writes them (onnx-surgeon inspect lists them)',
    });
  }
}
