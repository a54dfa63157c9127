import { DType, type Node, type Value, isOnnxDomain } from '../ir/index.js';
import { DimExpr } from '../shape/dim-expr.js';
import type { ShapeFacts } from '../shape/facts.js';
import { normalizeAxisOf, readAxes, readSplitSizes, resolveReshape, resolveSliceBound } from '../shape/op-args.js';
import {
  type View, ViewError, dimSize, reshapeView, selectView, sliceView, squeezeView, transposeView,
  unsqueezeView, viewShape,
} from './view.js';

/**
 * ONNX operators that only rearrange elements, and how each one maps a view of its data input to a
 * view of its output. Everything an exporter writes between MSDA's real computations (flatten,
 * transpose, view, split, select, stack) is one of these.
 */
const LAYOUT_OPS = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Slice', 'Split', 'Gather', 'Identity']);

/** True if `node` is a pure rearrangement of one tensor (see {@link layoutDataInput}). */
export function isLayoutOp(node: Node): boolean {
  if (!isOnnxDomain(node.domain)) return false;
  return LAYOUT_OPS.has(node.opType) || splitSequenceOf(node) !== undefined;
}

/**
 * The tensor a layout op rearranges: input 0, except for `SequenceAt(SplitToSequence(x), k)`,
 * which is how the dynamo exporter (unoptimized) writes `x.split(sizes)[k]`: its data is `x`.
 */
export function layoutDataInput(node: Node): Value | undefined {
  return splitSequenceOf(node)?.inputs[0] ?? node.inputs[0];
}

function splitSequenceOf(node: Node): Node | undefined {
  if (node.opType !== 'SequenceAt') return undefined;
  const producer = node.inputs[0]?.producer;
  return producer?.opType === 'SplitToSequence' && isOnnxDomain(producer.domain) ? producer : undefined;
}

/** The integer types ONNX allows for each op's index-like inputs (by input slot). */
const INT64: readonly number[] = [DType.INT64];
const INT32_OR_64: readonly number[] = [DType.INT32, DType.INT64];
const INDEX_TYPES: Readonly<Record<string, Readonly<Record<number, readonly number[]>>>> = {
  Reshape: { 1: INT64 },
  Squeeze: { 1: INT64 },
  Unsqueeze: { 1: INT64 },
  Split: { 1: INT64 },
  Slice: { 1: INT32_OR_64, 2: INT32_OR_64, 3: INT32_OR_64, 4: INT32_OR_64 },
  Gather: { 1: INT32_OR_64 },
  SequenceAt: { 1: INT32_OR_64 },
};

/** {@link INDEX_TYPES} as lists, made once (the proof asks for every layout step it follows). */
const INDEX_SLOTS = new Map(Object.entries(INDEX_TYPES).map(([op, slots]) => [op, Object.entries(slots).map(([slot, allowed]) => [Number(slot), allowed] as const)]));

/**
 * Throws when an index-like input (shape, axes, split sizes, slice bounds, gather indices) has a
 * type ONNX does not allow there (e.g. int32 axes): onnxruntime refuses such a node.
 */
export function checkIndexTypes(node: Node, facts: ShapeFacts): void {
  const slots = INDEX_SLOTS.get(node.opType);
  if (!slots) return;
  for (const [slot, allowed] of slots) {
    const input = node.inputs[slot];
    if (!input) continue;
    const dtype = facts.dtype(input);
    if (dtype === undefined || !allowed.includes(dtype)) {
      throw new ViewError(`input ${slot} of '${node.label}' is ${dtype === undefined ? 'of unknown type' : `of type ${dtype}`}; ${node.opType} takes ${allowed.length > 1 ? 'int32 or int64' : 'int64'} there (onnxruntime refuses the node)`);
    }
  }
  if (node.opType === 'Slice') {
    const types = new Set(node.inputs.slice(1).filter((v) => v).map((v) => facts.dtype(v!)));
    if (types.size > 1) throw new ViewError(`'${node.label}' mixes int32 and int64 bounds (onnxruntime refuses the node)`);
  }
}

/** Maps the view of `node`'s input 0 to the view of its output `outputIndex` (`opset`: the model's, to hold each node to its opset's form). */
export function applyLayoutOp(node: Node, outputIndex: number, input: View, facts: ShapeFacts, opset?: number): View {
  const rank = input.dims.length;
  const valuesOf = (v: Value): DimExpr[] | undefined => facts.values(v);
  checkIndexTypes(node, facts);
  switch (node.opType) {
    case 'Identity':
      return input;
    case 'Transpose': {
      const perm = node.attrInts('perm') ?? [...Array(rank).keys()].reverse();
      return transposeView(input, perm);
    }
    case 'Reshape': {
      const target = intValues(node, 1, facts, 'reshape target');
      return reshapeView(input, orFail(resolveReshape(viewShape(input), target, node.attrNumber('allowzero', 0) === 1)));
    }
    case 'Flatten': {
      const raw = node.attrNumber('axis', 1);
      const axis = raw < 0 ? raw + rank : raw;
      if (axis < 0 || axis > rank) throw new ViewError(`'${node.label}' flattens at axis ${raw} of a rank-${rank} tensor`);
      const shape = viewShape(input);
      return reshapeView(input, [product(shape.slice(0, axis)), product(shape.slice(axis))]);
    }
    case 'Unsqueeze': {
      const axes = orFail(readAxes(node, valuesOf, opset));
      if (!axes) throw new ViewError(`'${node.label}' has no axes`);
      return unsqueezeView(input, axes);
    }
    case 'Squeeze':
      return squeezeView(input, orFail(readAxes(node, valuesOf, opset)));
    case 'Gather':
      return applyGather(node, input, facts);
    case 'Slice':
      return applySlice(node, input, facts, opset);
    case 'Split':
      return applySplit(node, outputIndex, input, facts, opset);
    case 'SequenceAt':
      return applySplitToSequenceAt(node, input, facts);
    default:
      throw new ViewError(`'${node.label}' (${node.opType}) is not a layout operation`);
  }
}

function orFail<T>(result: T | string): T {
  if (typeof result === 'string') throw new ViewError(result);
  return result;
}

function applyGather(node: Node, input: View, facts: ShapeFacts): View {
  const rank = input.dims.length;
  const axis = normalizeAxisOf(node.attrNumber('axis', 0), rank);
  if (axis === undefined) throw new ViewError(`'${node.label}' gathers along axis ${node.attrNumber('axis', 0)} of a rank-${rank} tensor`);
  const index = facts.values(node.input(1));
  const indexShape = facts.shape(node.input(1));
  if (!index || index.length !== 1 || !indexShape) throw new ViewError(`'${node.label}' gathers with indices that are not one known number`);
  const size = dimSize(input.dims[axis] ?? []);
  let i = index[0]!;
  const c = i.constValue();
  if (c !== undefined && c < 0) i = size.add(c);
  // Out-of-range indices are an error in onnxruntime, never a clamp: prove the index is inside.
  if (!i.isNonNegative() || !size.sub(i).sub(1).isNonNegative()) throw new ViewError(`'${node.label}' gathers index ${String(index[0])}, not provably inside a dimension of size ${String(size)}`);
  if (indexShape.length === 0) return selectView(input, axis, i);
  if (indexShape.length === 1) return sliceView(input, axis, i, DimExpr.const(1));
  throw new ViewError(`'${node.label}' gathers with a rank-${indexShape.length} index`);
}

function applySlice(node: Node, input: View, facts: ShapeFacts, opset?: number): View {
  const rank = input.dims.length;
  // Slice-1..9 carries starts/ends/axes as attributes, Slice-10+ as inputs.
  const fromAttrs = opset !== undefined ? opset < 10 : !node.inputs[1];
  if (fromAttrs && node.inputs.length > 1) throw new ViewError(`'${node.label}' reads its bounds from inputs, which Slice does not do before opset 10`);
  if (!fromAttrs && (node.attr('starts') || node.attr('ends') || node.attr('axes'))) throw new ViewError(`'${node.label}' has bound attributes, which Slice does not have from opset 10`);
  const starts = fromAttrs ? node.attrInts('starts')?.map((n) => DimExpr.const(n)) : intValues(node, 1, facts, 'slice starts');
  const ends = fromAttrs ? node.attrInts('ends')?.map((n) => DimExpr.const(n)) : intValues(node, 2, facts, 'slice ends');
  if (!starts || !ends || starts.length !== ends.length) throw new ViewError(`'${node.label}' has unknown or mismatched starts/ends`);
  const axes = fromAttrs
    ? node.attrInts('axes') ?? starts.map((_, i) => i)
    : node.inputs[3] ? intValues(node, 3, facts, 'slice axes').map((a) => constInt(a, node, 'slice axis')) : starts.map((_, i) => i);
  const steps = !fromAttrs && node.inputs[4] ? intValues(node, 4, facts, 'slice steps').map((s) => constInt(s, node, 'slice step')) : starts.map(() => 1);
  if (axes.length !== starts.length || steps.length !== starts.length) throw new ViewError(`'${node.label}' has ${starts.length} starts but ${axes.length} axes and ${steps.length} steps`);
  const normalized = axes.map((a) => normalizeAxisOf(a, rank));
  if (normalized.some((a) => a === undefined) || new Set(normalized).size !== normalized.length) throw new ViewError(`'${node.label}' slices axes [${axes.join(', ')}], repeated or out of range for rank ${rank}`);
  let view = input;
  normalized.forEach((axis, k) => {
    if (steps[k] !== 1) throw new ViewError(`'${node.label}' slices with step ${steps[k]}`);
    const size = dimSize(view.dims[axis!] ?? []);
    const start = orFail(resolveSliceBound(starts[k]!, size));
    const end = orFail(resolveSliceBound(ends[k]!, size));
    const length = end.sub(start);
    // An empty range (end before start) is clamped to 0 elements by ONNX; nothing MSDA writes.
    if (!length.isNonNegative()) throw new ViewError(`'${node.label}' slices [${String(start)}, ${String(end)}), not provably a non-empty range`);
    view = sliceView(view, axis!, start, length);
  });
  return view;
}

function applySplit(node: Node, outputIndex: number, input: View, facts: ShapeFacts, opset?: number): View {
  const rank = input.dims.length;
  const axis = normalizeAxisOf(node.attrNumber('axis', 0), rank);
  if (axis === undefined) throw new ViewError(`'${node.label}' splits axis ${node.attrNumber('axis', 0)} of a rank-${rank} tensor`);
  const total = dimSize(input.dims[axis] ?? []);
  const given = orFail(readSplitSizes(node, (v) => facts.values(v), opset));
  let sizes: DimExpr[];
  if (given) sizes = given;
  else {
    const parts = node.attr('num_outputs') ? node.attrNumber('num_outputs', node.outputs.length) : node.outputs.length;
    const each = total.divExact(parts);
    if (!each || parts !== node.outputs.length) throw new ViewError(`'${node.label}' splits ${String(total)} into ${parts} parts that are not provably equal`);
    sizes = Array.from({ length: parts }, () => each);
  }
  if (sizes.length !== node.outputs.length) throw new ViewError(`'${node.label}' has ${sizes.length} split sizes for ${node.outputs.length} outputs`);
  // onnxruntime refuses sizes that do not add up to the axis; they must provably do.
  if (!sizes.reduce<DimExpr>((a, b) => a.add(b), DimExpr.const(0)).equals(total)) throw new ViewError(`the split sizes of '${node.label}' do not provably add up to ${String(total)}`);
  let start = DimExpr.const(0);
  for (let k = 0; k < outputIndex; k++) start = start.add(sizes[k]!);
  return sliceView(input, axis, start, sizes[outputIndex]!);
}

/** `SequenceAt(SplitToSequence(x, split, axis), k)` is block k of x along axis. */
function applySplitToSequenceAt(node: Node, input: View, facts: ShapeFacts): View {
  const split = splitSequenceOf(node)!;
  const index = facts.values(node.input(1));
  const k = index?.length === 1 ? index[0]!.constValue() : undefined;
  if (k === undefined) throw new ViewError(`'${node.label}' picks a sequence element that is not a constant`);
  const rank = input.dims.length;
  const axis = normalizeAxisOf(split.attrNumber('axis', 0), rank);
  if (axis === undefined) throw new ViewError(`'${split.label}' splits axis ${split.attrNumber('axis', 0)} of a rank-${rank} tensor`);
  const total = dimSize(input.dims[axis] ?? []);
  const sizesValue = split.inputs[1];
  if (!sizesValue) {
    // No split input: chunks of 1 (keepdims decides whether the axis stays).
    const n = total.constValue();
    if (n === undefined) throw new ViewError(`'${split.label}' splits a symbolic axis into single elements`);
    const at = k < 0 ? n + k : k;
    if (at < 0 || at >= n) throw new ViewError(`'${node.label}' picks element ${k} of ${n}`);
    const block = sliceView(input, axis, DimExpr.const(at), DimExpr.const(1));
    return split.attrNumber('keepdims', 1) === 1 ? block : squeezeView(block, [axis]);
  }
  const given = facts.values(sizesValue);
  const givenShape = facts.shape(sizesValue);
  if (!given || !givenShape) throw new ViewError(`the split sizes of '${split.label}' are not known`);
  if (givenShape.length === 0) {
    // A scalar split: equal chunks of that size (the last may be shorter: sliceView proves it is not).
    const chunk = given[0]!;
    if (k < 0) throw new ViewError(`'${node.label}' picks chunk ${k} from the end of an equal-chunk split`);
    return sliceView(input, axis, chunk.mul(k), chunk);
  }
  if (!given.reduce<DimExpr>((a, b) => a.add(b), DimExpr.const(0)).equals(total)) throw new ViewError(`the split sizes of '${split.label}' do not provably add up to ${String(total)}`);
  const at = k < 0 ? given.length + k : k;
  if (at < 0 || at >= given.length) throw new ViewError(`'${node.label}' picks element ${k} of ${given.length}`);
  let start = DimExpr.const(0);
  for (let i = 0; i < at; i++) start = start.add(given[i]!);
  return sliceView(input, axis, start, given[at]!);
}

function product(dims: readonly DimExpr[]): DimExpr {
  return dims.reduce<DimExpr>((a, b) => a.mul(b), DimExpr.const(1));
}

function intValues(node: Node, index: number, facts: ShapeFacts, what: string): DimExpr[] {
  const value: Value | undefined = node.inputs[index];
  const values = value ? facts.values(value) : undefined;
  if (!values) throw new ViewError(`the ${what} of '${node.label}' is not known (not a constant or a computable shape)`);
  return values;
}

function constInt(d: DimExpr, node: Node, what: string): number {
  const c = d.constValue();
  if (c === undefined) throw new ViewError(`the ${what} of '${node.label}' is not a constant`);
  return c;
}
