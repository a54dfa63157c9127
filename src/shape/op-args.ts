import type { Node, Value } from '../ir/index.js';
import { DimExpr } from './dim-expr.js';

/**
 * Readers for the ONNX operator arguments whose form changed between opsets (axes and split sizes
 * moved from attributes to inputs in opset 13; Slice bounds in opset 10) or whose encoding needs
 * decoding (Reshape's 0 and -1, Slice's clamping). Shape inference and the layout algebra both
 * read them here, so both agree on what a node means.
 *
 * Each reader returns a value or a reason (a string) why the argument cannot be read as ONNX
 * defines it. When `opset` is given, the form the opset does not define (an `axes` attribute at
 * opset 13, an `axes` input at opset 11) is a reason too: onnxruntime refuses such nodes, so no
 * meaning may be picked for them.
 */

/** Symbolic element values of an integer input (a constant or a tracked shape tensor). */
export type ValuesOf = (v: Value) => DimExpr[] | undefined;

/** The opset from which an op reads `axes` (or Split's sizes) from an input instead of an attribute. */
const AXES_INPUT_SINCE: Readonly<Record<string, number>> = {
  Squeeze: 13, Unsqueeze: 13, ReduceSum: 13, Split: 13,
  ReduceMean: 18, ReduceMax: 18, ReduceMin: 18, ReduceProd: 18, ReduceL1: 18, ReduceL2: 18,
  ReduceLogSum: 18, ReduceLogSumExp: 18, ReduceSumSquare: 18,
};

/**
 * The `axes` of Squeeze/Unsqueeze/Reduce* (input 1 or attribute `axes`, by opset), or
 * `undefined` when absent (all axes / all size-1 axes, as the op defines).
 */
export function readAxes(node: Node, valuesOf: ValuesOf, opset?: number): number[] | undefined | string {
  const key = 'axes';
  const fromInput = argumentForm(node, key, opset);
  if (typeof fromInput === 'string') return fromInput;
  if (!fromInput) return node.attrInts(key) ?? undefined;
  const input = node.inputs[1];
  if (!input) return undefined;
  const values = valuesOf(input);
  if (!values) return `the ${key} of '${node.label}' are not constant`;
  const out: number[] = [];
  for (const v of values) {
    const c = v.constValue();
    if (c === undefined) return `the ${key} of '${node.label}' are not constant`;
    out.push(c);
  }
  return out;
}

/**
 * Split's sizes (input 1 from opset 13, attribute `split` before), symbolic where the export
 * computes them, or `undefined` when absent (equal parts).
 */
export function readSplitSizes(node: Node, valuesOf: ValuesOf, opset?: number): DimExpr[] | undefined | string {
  const fromInput = argumentForm(node, 'split', opset);
  if (typeof fromInput === 'string') return fromInput;
  if (!fromInput) return node.attrInts('split')?.map((n) => DimExpr.const(n));
  const input = node.inputs[1];
  if (!input) return undefined;
  return valuesOf(input) ?? `the split sizes of '${node.label}' are not known`;
}

/**
 * Whether `node` carries `key` as input 1 (true) or as an attribute (false), or why that is not
 * a valid form for its opset.
 */
function argumentForm(node: Node, key: string, opset: number | undefined): boolean | string {
  const hasInput = node.inputs[1] !== undefined;
  const hasAttribute = node.attr(key) !== undefined;
  const since = AXES_INPUT_SINCE[node.opType];
  if (opset === undefined || since === undefined) {
    if (hasInput && hasAttribute) return `'${node.label}' gives ${key} both as an input and as an attribute`;
    return hasInput;
  }
  if (opset >= since && hasAttribute) return `'${node.label}' has an attribute '${key}', which ${node.opType} does not have from opset ${since} (the model's opset is ${opset})`;
  if (opset < since && hasInput) return `'${node.label}' reads ${key} from an input, which ${node.opType} does not do before opset ${since} (the model's opset is ${opset})`;
  return opset >= since;
}

/** Normalises a possibly negative axis for a rank, or undefined when it is out of range. */
export function normalizeAxisOf(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

/** Reshape's target with 0 (copy the input dim, unless `allowzero`) and -1 (infer) resolved. */
export function resolveReshape(inputShape: readonly DimExpr[], target: readonly DimExpr[], allowZero: boolean): DimExpr[] | string {
  const dims: DimExpr[] = [];
  for (let i = 0; i < target.length; i++) {
    const t = target[i]!;
    if (allowZero || t.constValue() !== 0) {
      dims.push(t);
      continue;
    }
    const copied = inputShape[i];
    if (!copied) return `reshape target [${target.join(', ')}] copies dim ${i} of a rank-${inputShape.length} input`;
    dims.push(copied);
  }
  const inferAt = dims.findIndex((d) => d.constValue() === -1);
  if (dims.some((d, i) => i !== inferAt && !d.isNonNegative())) return `reshape target [${target.join(', ')}] has a negative or unknown-sign size`;
  if (inferAt < 0) return dims;
  if (dims.filter((d) => d.constValue() === -1).length > 1) return `reshape target [${target.join(', ')}] has more than one -1`;
  const known = dims.filter((_, i) => i !== inferAt).reduce<DimExpr>((a, b) => a.mul(b), DimExpr.const(1));
  const total = inputShape.reduce<DimExpr>((a, b) => a.mul(b), DimExpr.const(1));
  const inferred = total.divExact(known);
  if (!inferred) return `cannot infer -1 in reshape of [${inputShape.join(', ')}] to [${target.join(', ')}]`;
  dims[inferAt] = inferred;
  return dims;
}

/**
 * A huge constant bound (INT64_MAX, INT_MAX) means "to the end": exporters write it for `x[k:]`.
 * No tensor axis here reaches 2^31 - 1 elements.
 */
const TO_THE_END = 2n ** 31n - 1n;

/**
 * One Slice bound (step 1) resolved against a dimension of `size`, following ONNX's rules
 * (negative counts from the end, then clamp to [0, size]). A symbolic bound is taken as it is
 * only when it is provably inside [0, size]; otherwise the reason is returned.
 */
export function resolveSliceBound(bound: DimExpr, size: DimExpr): DimExpr | string {
  const c = bound.constBigInt();
  if (c !== undefined) {
    if (c >= TO_THE_END) return size;
    if (c <= -TO_THE_END) return DimExpr.const(0);
    const s = size.constBigInt();
    if (s !== undefined) {
      const k = c < 0n ? c + s : c;
      return DimExpr.const(k < 0n ? 0n : k > s ? s : k);
    }
    if (c < 0n) {
      const fromEnd = size.add(DimExpr.const(c));
      if (fromEnd.isNonNegative()) return fromEnd;
      return `the slice bound ${c} is not provably inside a dimension of size ${String(size)}`;
    }
  }
  if (bound.isNonNegative() && size.sub(bound).isNonNegative()) return bound;
  return `the slice bound ${String(bound)} is not provably inside a dimension of size ${String(size)}`;
}
