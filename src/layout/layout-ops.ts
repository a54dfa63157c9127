import type { Node, Value } from '../ir/index.js';
import { DimExpr } from '../shape/dim-expr.js';
import type { ShapeFacts } from '../shape/facts.js';
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
  if (node.domain !== '' && node.domain !== 'ai.onnx') return false;
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
  return producer?.opType === 'SplitToSequence' && producer.domain === '' ? producer : undefined;
}

/** Maps the view of `node`'s input 0 to the view of its output `outputIndex`. */
export function applyLayoutOp(node: Node, outputIndex: number, input: View, facts: ShapeFacts): View {
  const rank = input.dims.length;
  const norm = (a: number, r = rank): number => (a < 0 ? a + r : a);
  switch (node.opType) {
    case 'Identity':
    case 'Cast': // element type only; the pass accounts for types separately
      return input;
    case 'Transpose': {
      const perm = node.attrInts('perm') ?? [...Array(rank).keys()].reverse();
      return transposeView(input, perm);
    }
    case 'Reshape': {
      const target = intValues(node, 1, facts, 'reshape target');
      return reshapeView(input, resolveReshape(viewShape(input), target, node.attrNumber('allowzero', 0) === 1));
    }
    case 'Flatten': {
      const axis = norm(node.attrNumber('axis', 1));
      if (axis < 0 || axis > rank) throw new ViewError(`'${node.label}' flattens at axis ${axis} of a rank-${rank} tensor`);
      const shape = viewShape(input);
      return reshapeView(input, [product(shape.slice(0, axis)), product(shape.slice(axis))]);
    }
    case 'Unsqueeze': {
      const axes = node.inputs[1] ? intValues(node, 1, facts, 'unsqueeze axes') : node.attrInts('axes')?.map((a) => DimExpr.const(a));
      if (!axes) throw new ViewError(`'${node.label}' has no axes`);
      return unsqueezeView(input, axes.map((a) => constInt(a, node, 'unsqueeze axis')));
    }
    case 'Squeeze': {
      const axes = node.inputs[1] ? intValues(node, 1, facts, 'squeeze axes') : node.attrInts('axes')?.map((a) => DimExpr.const(a));
      return squeezeView(input, axes?.map((a) => constInt(a, node, 'squeeze axis')));
    }
    case 'Gather': {
      const axis = norm(node.attrNumber('axis', 0));
      if (axis < 0 || axis >= rank) throw new ViewError(`'${node.label}' gathers along axis ${axis} of a rank-${rank} tensor`);
      const index = facts.values(node.input(1));
      const indexShape = facts.shape(node.input(1));
      if (!index || index.length !== 1 || !indexShape) throw new ViewError(`'${node.label}' gathers with indices that are not one known number`);
      const size = dimSize(input.dims[axis] ?? []);
      let i = index[0]!;
      const c = i.constValue();
      if (c !== undefined && c < 0) i = size.add(c);
      if (indexShape.length === 0) return selectView(input, axis, i);
      if (indexShape.length === 1) return sliceView(input, axis, i, DimExpr.const(1));
      throw new ViewError(`'${node.label}' gathers with a rank-${indexShape.length} index`);
    }
    case 'Slice':
      return applySlice(node, input, facts);
    case 'Split':
      return applySplit(node, outputIndex, input, facts);
    case 'SequenceAt':
      return applySplitToSequenceAt(node, input, facts);
    default:
      throw new ViewError(`'${node.label}' (${node.opType}) is not a layout operation`);
  }
}

function applySlice(node: Node, input: View, facts: ShapeFacts): View {
  const rank = input.dims.length;
  const fromAttrs = !node.inputs[1];
  const starts = fromAttrs ? node.attrInts('starts')?.map((n) => DimExpr.const(n)) : intValues(node, 1, facts, 'slice starts');
  const ends = fromAttrs ? node.attrInts('ends')?.map((n) => DimExpr.const(n)) : intValues(node, 2, facts, 'slice ends');
  if (!starts || !ends) throw new ViewError(`'${node.label}' has unknown starts/ends`);
  const axes = fromAttrs
    ? node.attrInts('axes') ?? starts.map((_, i) => i)
    : node.inputs[3] ? intValues(node, 3, facts, 'slice axes').map((a) => constInt(a, node, 'slice axis')) : starts.map((_, i) => i);
  const steps = !fromAttrs && node.inputs[4] ? intValues(node, 4, facts, 'slice steps').map((s) => constInt(s, node, 'slice step')) : starts.map(() => 1);
  let view = input;
  axes.forEach((rawAxis, k) => {
    const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
    if (steps[k] !== 1) throw new ViewError(`'${node.label}' slices with step ${steps[k]}`);
    const size = dimSize(view.dims[axis] ?? []);
    const start = clampBound(starts[k]!, size);
    const end = clampBound(ends[k]!, size);
    view = sliceView(view, axis, start, end.sub(start));
  });
  return view;
}

function applySplit(node: Node, outputIndex: number, input: View, facts: ShapeFacts): View {
  const rank = input.dims.length;
  const rawAxis = node.attrNumber('axis', 0);
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  const total = dimSize(input.dims[axis] ?? []);
  let sizes: DimExpr[];
  if (node.inputs[1]) sizes = intValues(node, 1, facts, 'split sizes');
  else if (node.attrInts('split')) sizes = node.attrInts('split')!.map((n) => DimExpr.const(n));
  else {
    const parts = node.outputs.length;
    const each = total.divExact(parts);
    if (!each) throw new ViewError(`'${node.label}' splits ${String(total)} into ${parts} unequal parts`);
    sizes = Array.from({ length: parts }, () => each);
  }
  if (sizes.length <= outputIndex) throw new ViewError(`'${node.label}' has ${sizes.length} split sizes for output ${outputIndex}`);
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
  const rawAxis = split.attrNumber('axis', 0);
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  const total = dimSize(input.dims[axis] ?? []);
  const sizesValue = split.inputs[1];
  const given = sizesValue ? facts.values(sizesValue) : undefined;
  const givenShape = sizesValue ? facts.shape(sizesValue) : undefined;
  let sizes: DimExpr[];
  if (!sizesValue) {
    // No split input: chunks of 1 (keepdims decides whether the axis stays).
    sizes = [];
    const n = total.constValue();
    if (n === undefined) throw new ViewError(`'${split.label}' splits a symbolic axis into single elements`);
    for (let i = 0; i < n; i++) sizes.push(DimExpr.const(1));
    const block = sliceView(input, axis, DimExpr.const(k < 0 ? n + k : k), DimExpr.const(1));
    return split.attrNumber('keepdims', 1) === 1 ? block : squeezeView(block, [axis]);
  }
  if (!given) throw new ViewError(`the split sizes of '${split.label}' are not known`);
  if (givenShape?.length === 0) {
    // A scalar split: equal chunks of that size (the last may be shorter).
    const chunk = given[0]!;
    return sliceView(input, axis, chunk.mul(k), chunk);
  }
  sizes = given;
  const at = k < 0 ? sizes.length + k : k;
  let start = DimExpr.const(0);
  for (let i = 0; i < at; i++) start = start.add(sizes[i]!);
  return sliceView(input, axis, start, sizes[at]!);
}

/** Reshape's 0 (copy) and -1 (infer) resolved against the input shape. */
function resolveReshape(inputShape: DimExpr[], target: DimExpr[], allowZero: boolean): DimExpr[] {
  const dims = target.map((t, i) => {
    if (allowZero || t.constValue() !== 0) return t;
    const copied = inputShape[i];
    if (!copied) throw new ViewError(`reshape target [${target.join(', ')}] copies dim ${i} of a rank-${inputShape.length} input`);
    return copied;
  });
  const inferAt = dims.findIndex((d) => d.constValue() === -1);
  if (inferAt < 0) return dims;
  const known = product(dims.filter((_, i) => i !== inferAt));
  const inferred = product(inputShape).divExact(known);
  if (!inferred) throw new ViewError(`cannot infer -1 in reshape of [${inputShape.join(', ')}] to [${target.join(', ')}]`);
  dims[inferAt] = inferred;
  return dims;
}

function clampBound(bound: DimExpr, size: DimExpr): DimExpr {
  const c = bound.constValue();
  if (c === undefined) return bound;
  if (c < 0) return size.add(c);
  const s = size.constValue();
  if (s !== undefined && c > s) return size;
  // INT64_MAX-style "to the end" on a symbolic size.
  if (s === undefined && c >= 2 ** 31) return size;
  return bound;
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
