import { DType, type DTypeCode, Tensor, type Value } from '../ir/index.js';
import { DimExpr } from './dim-expr.js';
import type { NDArray } from './ndarray.js';
import { int64At, readsAsNumbers } from '../ir/tensor-numbers.js';

/**
 * What inference knows about one value. Internally `values` is kept for any tensor with a static
 * element count of at most {@link MAX_TRACKED_ELEMENTS} (flattened, row-major), so a shape tensor
 * survives a round trip through Unsqueeze/Reshape; the public {@link ShapeFacts.values} only shows
 * it for rank 0 and 1.
 */
export interface ValueFacts {
  dtype?: DTypeCode;
  /** Dims; undefined when even the rank is unknown. (Arrays in facts may be shared: never write to them.) */
  shape?: DimExpr[];
  /** Element values (flattened), when known exactly and the tensor is small. */
  values?: DimExpr[];
  /**
   * The constant tensor this value equals. Inference leaves it out where `values` already say it
   * (shape tensors) and builds it when asked: read it through the store (`ShapeFacts.constant`).
   */
  constant?: Tensor;
  /**
   * The constant as the evaluator's array (what `fromTensor(constant)` gives): evaluated results
   * are kept this way and packed into `constant` only when asked; constants read by the
   * evaluator keep their array for the next reader. Read it through the store.
   */
  array?: NDArray;
}

/**
 * New facts with every member present (undefined where unknown), always in the same order: so
 * every facts object inference keeps has one hidden class, and the handlers that read them
 * (about every node reads several) stay monomorphic instead of being optimized again for each
 * new combination of members. Absent and undefined members mean the same everywhere.
 */
export function newFacts(
  dtype?: DTypeCode, shape?: DimExpr[], values?: DimExpr[], constant?: Tensor, array?: NDArray,
): ValueFacts {
  return { dtype, shape, values, constant, array };
}

/** A copy of facts (a new object inference may complete in place). */
export function copyFacts(f: ValueFacts): ValueFacts {
  return newFacts(f.dtype, f.shape, f.values, f.constant, f.array);
}

/** Most elements whose symbolic values are tracked (the bound the public API promises). */
export const MAX_TRACKED_ELEMENTS = 64;

/**
 * Facts inferred for a graph's values. Values inside subgraphs are answered when inference
 * visited them.
 *
 * @example
 * ```ts
 * const facts = inferShapes(model.graph);
 * const reshape = model.graph.nodes.find((n) => n.opType === 'Reshape');
 * if (reshape) {
 *   facts.shape(reshape.output())?.map(String); // ['batch*8', '8', 'h0*w0', '32']
 *   facts.values(reshape.input(1))?.map(String); // the target: ['batch*8', '8', 'h0*w0', '32']
 * }
 * ```
 * @group Shapes
 */
export interface ShapeFacts {
  /** Element type, when known. */
  dtype(v: Value): DTypeCode | undefined;
  /** Symbolic dims; undefined = rank unknown. */
  shape(v: Value): DimExpr[] | undefined;
  /** For integer tensors of rank 0/1 with ≤ 64 elements: symbolic element values, else undefined. */
  values(v: Value): DimExpr[] | undefined;
  /** The constant tensor a value is known to equal (initializer, Constant node, or folded), else undefined. */
  constant(v: Value): Tensor | undefined;
}

/**
 * Facts that also lend their arrays as they are kept, for library code that only reads them (the
 * store {@link ShapeFacts} of `inferShapes` is one). The public `shape`/`values` copy, so a caller
 * may edit what it gets; a reader walking every node (shape conflicts) would copy an array per
 * input for nothing. Never write to what a view returns.
 */
export interface ShapeFactsView extends ShapeFacts {
  /** {@link ShapeFacts.shape} without the copy. */
  shapeView(v: Value): readonly DimExpr[] | undefined;
  /** {@link ShapeFacts.values} without the copy. */
  valuesView(v: Value): readonly DimExpr[] | undefined;
}

function isView(facts: ShapeFacts): facts is ShapeFactsView {
  return (facts as Partial<ShapeFactsView>).shapeView !== undefined;
}

/** `facts.shape(v)`, without a copy where the facts can lend their array (read only). */
export function shapeView(facts: ShapeFacts, v: Value): readonly DimExpr[] | undefined {
  return isView(facts) ? facts.shapeView(v) : facts.shape(v);
}

/** `facts.values(v)`, without a copy where the facts can lend their array (read only). */
export function valuesView(facts: ShapeFacts, v: Value): readonly DimExpr[] | undefined {
  return isView(facts) ? facts.valuesView(v) : facts.values(v);
}

/** Element types whose values are integers (bool counts as 0/1). */
export function isIntegerDType(dtype: DTypeCode | undefined): boolean {
  switch (dtype) {
    case DType.INT64: case DType.INT32: case DType.INT16: case DType.INT8:
    case DType.UINT64: case DType.UINT32: case DType.UINT16: case DType.UINT8: case DType.BOOL:
      return true;
    default:
      return false;
  }
}

/** Element types whose values can be mirrored as numbers (floats hold exact integers only). */
export function isNumericDType(dtype: DTypeCode | undefined): boolean {
  return isIntegerDType(dtype) || dtype === DType.FLOAT || dtype === DType.DOUBLE || dtype === DType.FLOAT16;
}

/** Inclusive range of each integer element type, and of the integers a float type holds exactly. */
const EXACT_RANGE: Partial<Record<DTypeCode, readonly [bigint, bigint]>> = {
  [DType.INT32]: [-(1n << 31n), (1n << 31n) - 1n],
  [DType.INT16]: [-(1n << 15n), (1n << 15n) - 1n],
  [DType.INT8]: [-128n, 127n],
  [DType.UINT64]: [0n, (1n << 64n) - 1n],
  [DType.UINT32]: [0n, (1n << 32n) - 1n],
  [DType.UINT16]: [0n, 65535n],
  [DType.UINT8]: [0n, 255n],
  [DType.FLOAT]: [-(1n << 24n), 1n << 24n],
  [DType.DOUBLE]: [-(1n << 53n), 1n << 53n],
};

/**
 * True when `value` is provably stored exactly by `dtype` (inside the integer type's range, or
 * an integer the float type represents) for every admissible binding. Int64 is taken to hold
 * every value: symbolic int64 shape arithmetic is assumed not to wrap (its values are sizes and
 * indexes, far below 2^63); constants were computed exactly. Bool values are 0/1 by
 * construction (comparisons and logic build them as 0/1 expressions, casts to bool as "non-zero"),
 * even where interval bounds cannot show it (`x - x*y`).
 */
export function representable(dtype: DTypeCode | undefined, value: DimExpr): boolean {
  if (dtype === DType.INT64 || dtype === DType.BOOL) return true;
  const range = dtype === undefined ? undefined : EXACT_RANGE[dtype];
  if (!range) return false;
  const c = value.constBigInt();
  if (c !== undefined) return c >= range[0] && c <= range[1];
  const { min, max } = value.bounds();
  return min !== undefined && max !== undefined && min >= range[0] && max <= range[1];
}

/** Product of dims when all are constant, else undefined. */
export function staticCount(shape: readonly DimExpr[] | undefined): number | undefined {
  if (!shape) return undefined;
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const c = shape[i]!.constValue();
    if (c === undefined || c < 0) return undefined;
    n *= c;
  }
  return n;
}

/** All dims as numbers when constant, else undefined. */
export function staticDims(shape: readonly DimExpr[] | undefined): number[] | undefined {
  if (!shape) return undefined;
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const c = shape[i]!.constValue();
    if (c === undefined || c < 0) return undefined;
    out.push(c);
  }
  return out;
}

/**
 * Shapes and single values that tens of thousands of constants repeat (`[]`, `[1]`, `[4]`; `[-1]`,
 * `[0]`), one array each: facts are kept for every value, and their arrays are never written.
 */
const NO_DIMS: DimExpr[] = [];
const MAX_SHARED_DIM = 64;
const SHARED_DIMS: DimExpr[][] = Array.from({ length: MAX_SHARED_DIM + 1 }, (_, n) => [DimExpr.const(n)]);
const SHARED_VALUE_MIN = -1024;
const SHARED_VALUE_MAX = 4096;
const SHARED_VALUES: (DimExpr[] | undefined)[] = new Array<DimExpr[] | undefined>(SHARED_VALUE_MAX - SHARED_VALUE_MIN + 1).fill(undefined);

/** Dims of a constant tensor as expressions. */
export function constDims(dims: readonly number[]): DimExpr[] {
  if (!dims.length) return NO_DIMS;
  if (dims.length === 1) {
    const d = dims[0]!;
    if (Number.isInteger(d) && d >= 0 && d <= MAX_SHARED_DIM) return SHARED_DIMS[d]!;
  }
  return dims.map((d) => DimExpr.const(d));
}

/** `[value]` (shared for small integers, see {@link constDims}). */
function oneValue(value: DimExpr): DimExpr[] {
  const c = value.constValue();
  if (c === undefined || !Number.isInteger(c) || c < SHARED_VALUE_MIN || c > SHARED_VALUE_MAX) return [value];
  return (SHARED_VALUES[c - SHARED_VALUE_MIN] ??= [value]);
}

/**
 * Element values of a small tensor as exact expressions: integers exactly (int64 via bigint),
 * floats only when every element is an integer; undefined otherwise.
 */
export function tensorValues(tensor: Tensor): DimExpr[] | undefined {
  const size = tensor.size;
  if (size > MAX_TRACKED_ELEMENTS || !isNumericDType(tensor.dtype) || tensor.dtype === DType.FLOAT16) return undefined;
  if (tensor.dtype === DType.INT64) return int64Values(tensor, size);
  let data;
  try {
    data = readsAsNumbers(tensor.dtype) ? tensor.toNumbers() : tensor.data();
  } catch {
    return undefined;
  }
  const out: DimExpr[] = [];
  for (let i = 0; i < size; i++) {
    const x = data[i]!;
    if (typeof x === 'bigint') out.push(DimExpr.const(x));
    else if (Number.isInteger(x)) out.push(DimExpr.const(x));
    else return undefined;
  }
  return out;
}

/**
 * {@link tensorValues} of the tensor a stored array packs into (see `storedArray`: its elements
 * are those the tensor reads back, int64 ones safe integers).
 */
export function arrayValues(a: NDArray): DimExpr[] | undefined {
  const data = a.data;
  const n = data.length;
  if (n > MAX_TRACKED_ELEMENTS) return undefined;
  const out: DimExpr[] = new Array<DimExpr>(n);
  for (let i = 0; i < n; i++) {
    const x = data[i]!;
    if (!Number.isInteger(x)) return undefined;
    out[i] = DimExpr.const(x);
  }
  return n === 1 ? oneValue(out[0]!) : out;
}

/**
 * {@link tensorValues} of an int64 tensor, read in place: shape constants sit at any byte offset
 * of the model file, where a BigInt64Array view cannot start, so `data()` would copy each one.
 */
function int64Values(tensor: Tensor, size: number): DimExpr[] | undefined {
  let bytes: Uint8Array;
  try {
    bytes = tensor.bytes();
  } catch {
    return undefined;
  }
  if (bytes.byteLength < size * 8) return undefined;
  if (size === 1) return oneValue(DimExpr.const(int64At(bytes, 0)));
  const out: DimExpr[] = new Array<DimExpr>(size);
  for (let i = 0; i < size; i++) out[i] = DimExpr.const(int64At(bytes, i * 8));
  return out;
}

/** A tensor from constant element values, when every value is constant and the dtype storable. */
export function tensorFromValues(dtype: DTypeCode, dims: readonly number[], values: readonly DimExpr[]): Tensor | undefined {
  const numbers: bigint[] = [];
  for (const v of values) {
    const c = v.constBigInt();
    if (c === undefined) return undefined;
    numbers.push(c);
  }
  switch (dtype) {
    case DType.INT64: return Tensor.fromArray(dtype, dims, BigInt64Array.from(numbers));
    case DType.UINT64: return Tensor.fromArray(dtype, dims, BigUint64Array.from(numbers));
    case DType.INT32: return Tensor.fromArray(dtype, dims, Int32Array.from(numbers, Number));
    case DType.UINT32: return Tensor.fromArray(dtype, dims, Uint32Array.from(numbers, Number));
    case DType.INT16: return Tensor.fromArray(dtype, dims, Int16Array.from(numbers, Number));
    case DType.UINT16: return Tensor.fromArray(dtype, dims, Uint16Array.from(numbers, Number));
    case DType.INT8: return Tensor.fromArray(dtype, dims, Int8Array.from(numbers, Number));
    case DType.UINT8: return Tensor.fromArray(dtype, dims, Uint8Array.from(numbers, Number));
    case DType.BOOL: return Tensor.fromArray(dtype, dims, Uint8Array.from(numbers, (x) => (x !== 0n ? 1 : 0)));
    case DType.FLOAT: return Tensor.fromArray(dtype, dims, Float32Array.from(numbers, Number));
    case DType.DOUBLE: return Tensor.fromArray(dtype, dims, Float64Array.from(numbers, Number));
    default: return undefined;
  }
}
