import { DType, type DTypeCode, Tensor, elementCount, normalizeAxis } from '../ir/index.js';

/**
 * The constant evaluator's array: row-major elements as JS numbers. Exact for every int32/float
 * value and for int64 up to 2^53 (beyond that only the INT64_MAX/MIN sentinels of Slice appear in
 * practice; they are clamped back on output). Float32 results are rounded to float32 after each
 * op, like onnxruntime's kernels.
 */
export interface NDArray {
  dtype: DTypeCode;
  dims: number[];
  data: number[];
}

/** Element types the evaluator computes on. */
export const SUPPORTED = new Set<DTypeCode>([
  DType.FLOAT, DType.DOUBLE, DType.INT64, DType.INT32, DType.INT16, DType.INT8,
  DType.UINT8, DType.UINT16, DType.UINT32, DType.BOOL,
]);

/** Largest int64 (output clamp). */
export const INT64_MAX = 9223372036854775807n;
/** Smallest int64 (output clamp). */
export const INT64_MIN = -9223372036854775808n;

/** True for float32/float64. */
export function isFloat(dtype: DTypeCode): boolean {
  return dtype === DType.FLOAT || dtype === DType.DOUBLE;
}

/** A tensor's elements as an {@link NDArray}; undefined for unsupported element types. */
export function fromTensor(t: Tensor): NDArray | undefined {
  if (!SUPPORTED.has(t.dtype)) return undefined;
  return { dtype: t.dtype, dims: [...t.dims], data: t.toNumbers() };
}

/** Packs an {@link NDArray} into a tensor of its dtype (int64 clamped to range; typed-array constructors convert as `from` does, without its iterator). */
export function toTensor(a: NDArray): Tensor {
  const { dtype, dims, data } = a;
  switch (dtype) {
    case DType.INT64: {
      const out = new BigInt64Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const x = data[i]!;
        out[i] = Number.isSafeInteger(x) ? BigInt(x) : clampedInt64(x);
      }
      return Tensor.fromArray(dtype, dims, out);
    }
    case DType.FLOAT: return Tensor.fromArray(dtype, dims, new Float32Array(data));
    case DType.DOUBLE: return Tensor.fromArray(dtype, dims, new Float64Array(data));
    case DType.INT32: return Tensor.fromArray(dtype, dims, new Int32Array(data));
    case DType.INT16: return Tensor.fromArray(dtype, dims, new Int16Array(data));
    case DType.INT8: return Tensor.fromArray(dtype, dims, new Int8Array(data));
    case DType.UINT8: return Tensor.fromArray(dtype, dims, new Uint8Array(data));
    case DType.UINT16: return Tensor.fromArray(dtype, dims, new Uint16Array(data));
    case DType.UINT32: return Tensor.fromArray(dtype, dims, new Uint32Array(data));
    default: return Tensor.fromArray(DType.BOOL, dims, Uint8Array.from(data, (x) => (x ? 1 : 0)));
  }
}

/**
 * Exactly what `fromTensor(toTensor(a))` gives, without the tensor (inference passes results
 * between nodes as arrays and packs a tensor only when one is asked for): each element as the
 * typed array of its dtype stores and reads it back (see {@link storedElement}). Shares `a`'s
 * elements when they already read back as they are (kernels never write to their inputs), copies
 * otherwise. Undefined for an int64 element that is not a safe integer (clamped on packing, it
 * would not read back as the number packed again).
 */
export function storedArray(a: NDArray): NDArray | undefined {
  const { data } = a;
  const dtype = PACKED_DTYPES.has(a.dtype) ? a.dtype : DType.BOOL;
  const kept = keptAsStored(dtype, data);
  if (kept === undefined) return undefined;
  let out = data;
  if (!kept) {
    out = new Array<number>(data.length);
    for (let i = 0; i < data.length; i++) out[i] = storedElement(dtype, data[i]!);
  }
  return { dtype, dims: [...a.dims], data: out };
}

/**
 * True when every element already reads back as itself (the large float arrays of folded
 * reference points), false when some would change (only a copy is checked element by element),
 * undefined for an int64 that is not a safe integer.
 */
function keptAsStored(dtype: DTypeCode, data: readonly number[]): boolean | undefined {
  switch (dtype) {
    case DType.DOUBLE:
      for (let i = 0; i < data.length; i++) if (typeof data[i] !== 'number') return false;
      return true;
    case DType.FLOAT:
      // fround keeps the sign of a zero and maps NaN to NaN: equal means stored as it is.
      for (let i = 0; i < data.length; i++) {
        const x = data[i]!;
        if (Math.fround(x) !== x && x === x) return false;
      }
      return true;
    case DType.INT64: {
      let kept = true;
      for (let i = 0; i < data.length; i++) {
        const x = data[i]!;
        if (!Number.isSafeInteger(x)) return undefined;
        // -0 reads back through bigint as 0.
        if (x === 0 && 1 / x < 0) kept = false;
      }
      return kept;
    }
    default:
      return false;
  }
}

/** Dtypes {@link toTensor} packs as themselves (any other as bool). */
const PACKED_DTYPES = new Set<DTypeCode>([
  DType.INT64, DType.FLOAT, DType.DOUBLE, DType.INT32, DType.INT16, DType.INT8, DType.UINT8, DType.UINT16, DType.UINT32,
]);

/**
 * An element as the typed array of `dtype` stores it and reads it back: ToInt32 and its
 * narrowings, float32 rounding, 0/1 for bool, int64 (a safe integer) through bigint, where -0
 * becomes 0. A hole (`undefined`) converts as the typed array converts it.
 */
function storedElement(dtype: DTypeCode, x: number): number {
  switch (dtype) {
    case DType.INT64: return x + 0;
    case DType.FLOAT: return Math.fround(x);
    case DType.DOUBLE: return +x;
    case DType.INT32: return x | 0;
    case DType.INT16: return (x << 16) >> 16;
    case DType.INT8: return (x << 24) >> 24;
    case DType.UINT8: return x & 0xff;
    case DType.UINT16: return x & 0xffff;
    case DType.UINT32: return x >>> 0;
    default: return x ? 1 : 0;
  }
}

/** An int64 element from a number past the safe integers (or not finite): truncated, clamped to range. */
function clampedInt64(x: number): bigint {
  if (!Number.isFinite(x)) return x > 0 ? INT64_MAX : INT64_MIN;
  const b = BigInt(Math.trunc(x));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

/** Rounds a computed element to what `dtype` stores. */
export function store(dtype: DTypeCode, x: number): number {
  switch (dtype) {
    case DType.FLOAT: return Math.fround(x);
    case DType.DOUBLE: return x;
    case DType.BOOL: return x ? 1 : 0;
    case DType.INT32: return x | 0;
    default: return Number.isFinite(x) ? Math.trunc(x) : x;
  }
}

/** Row-major strides of dims. */
export function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1]! * dims[i + 1]!;
  return out;
}


/** Numpy broadcast of static dims; undefined when incompatible. */
export function broadcastDims(shapes: number[][]): number[] | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const x = s[i - (rank - s.length)] ?? 1;
      if (x === d || x === 1) continue;
      if (d !== 1) return undefined;
      d = x;
    }
    out.push(d);
  }
  return out;
}

/** Source index in `a` for every flat index of `outDims`. */
export function gatherIndex(outDims: number[], inDims: number[]): number[] {
  return broadcastWalk(outDims, inDims, undefined, DType.UNDEFINED);
}

/**
 * For every flat index of `outDims`, its broadcast source in an input of `inDims`: the index
 * itself, or (with `from`) that element of `from` rounded to `dtype`, with no index table.
 */
function broadcastWalk(outDims: number[], inDims: number[], from: readonly number[] | undefined, dtype: DTypeCode): number[] {
  const rank = outDims.length;
  const padded = [...new Array<number>(rank - inDims.length).fill(1), ...inDims];
  const inStrides = strides(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  const total = elementCount(outDims);
  const out = new Array<number>(total);
  const inner = outDims[rank - 1]!;
  if (!(inner >= 1)) {
    odometerIndex(outDims, inStrides, out);
    if (from) for (let f = 0; f < out.length; f++) out[f] = store(dtype, from[out[f]!]!);
    return out;
  }
  // The innermost axis is a plain run; the outer axes follow an odometer whose source index
  // moves by +stride when an axis steps and back by its steps when it wraps.
  const innerStride = inStrides[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let f = 0; f < total;) {
    if (from) for (let j = 0; j < inner && f < total; j++) out[f++] = store(dtype, from[src + j * innerStride]!);
    else for (let j = 0; j < inner && f < total; j++) out[f++] = src + j * innerStride;
    for (let i = rank - 2; i >= 0; i--) {
      src += inStrides[i]!;
      if (++idx[i]! < outDims[i]!) break;
      src -= inStrides[i]! * idx[i]!;
      idx[i] = 0;
    }
  }
  return out;
}

/** {@link gatherIndex} one element at a time (a scalar, or malformed dims: zero or negative innermost). */
function odometerIndex(outDims: number[], inStrides: number[], out: number[]): number[] {
  const rank = outDims.length;
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < out.length; f++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * inStrides[i]!;
    out[f] = src;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outDims[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/**
 * Where each flat index of `outDims` reads in an input of `inDims`: the same index (same element
 * count: broadcasting left the dims alone), always 0 (one element), else an index table.
 */
function sourceIndex(outDims: number[], inDims: number[], total: number): number[] | 'same' | 'first' {
  const count = elementCount(inDims);
  if (count === total) return 'same';
  if (count === 1) return 'first';
  return gatherIndex(outDims, inDims);
}

/**
 * Applies `fn` elementwise under broadcasting, rounding to `dtype`; undefined when `fn` gives up.
 * `fn` gets one reused array of the inputs' elements (it must not keep it).
 */
export function elementwise(inputs: NDArray[], dtype: DTypeCode, fn: (xs: number[]) => number | undefined): NDArray | undefined {
  const dims = broadcastDims(inputs.map((a) => a.dims));
  if (!dims) return undefined;
  const total = elementCount(dims);
  const maps = inputs.map((a) => sourceIndex(dims, a.dims, total));
  const data = new Array<number>(total);
  const xs = new Array<number>(inputs.length);
  for (let i = 0; i < total; i++) {
    for (let k = 0; k < inputs.length; k++) {
      const map = maps[k]!;
      xs[k] = inputs[k]!.data[map === 'same' ? i : map === 'first' ? 0 : map[i]!]!;
    }
    const r = fn(xs);
    if (r === undefined) return undefined;
    data[i] = store(dtype, r);
  }
  return { dtype, dims, data };
}

/** {@link elementwise} for two inputs, without the per-element array (the folding hot path). */
export function elementwise2(a: NDArray, b: NDArray, dtype: DTypeCode, fn: (x: number, y: number) => number | undefined): NDArray | undefined {
  const dims = broadcastDims([a.dims, b.dims]);
  if (!dims) return undefined;
  const total = elementCount(dims);
  const mapA = sourceIndex(dims, a.dims, total);
  const mapB = sourceIndex(dims, b.dims, total);
  const data = new Array<number>(total);
  for (let i = 0; i < total; i++) {
    const x = a.data[mapA === 'same' ? i : mapA === 'first' ? 0 : mapA[i]!]!;
    const y = b.data[mapB === 'same' ? i : mapB === 'first' ? 0 : mapB[i]!]!;
    const r = fn(x, y);
    if (r === undefined) return undefined;
    data[i] = store(dtype, r);
  }
  return { dtype, dims, data };
}

/**
 * Float arithmetic {@link arithmetic2} computes in line, by number: an op type read from a model is
 * a string of its own, and comparing it per element would compare its characters.
 */
export const FloatArithmetic = { Add: 0, Sub: 1, Mul: 2, Div: 3 } as const;
/** One of {@link FloatArithmetic}. */
export type FloatArithmetic = (typeof FloatArithmetic)[keyof typeof FloatArithmetic];

/**
 * {@link elementwise2} of float `Add`/`Sub`/`Mul`/`Div` with the operation in line: the folded
 * reference points of a detection encoder divide thousands of doubles, and a call per element
 * would box every quotient.
 */
export function arithmetic2(a: NDArray, b: NDArray, dtype: DTypeCode, op: FloatArithmetic): NDArray | undefined {
  const dims = broadcastDims([a.dims, b.dims]);
  if (!dims) return undefined;
  const total = elementCount(dims);
  const mapA = sourceIndex(dims, a.dims, total);
  const mapB = sourceIndex(dims, b.dims, total);
  const left = a.data;
  const right = b.data;
  const data = new Array<number>(total);
  for (let i = 0; i < total; i++) {
    const x = left[mapA === 'same' ? i : mapA === 'first' ? 0 : mapA[i]!]!;
    const y = right[mapB === 'same' ? i : mapB === 'first' ? 0 : mapB[i]!]!;
    data[i] = store(dtype, op === FloatArithmetic.Add ? x + y : op === FloatArithmetic.Sub ? x - y : op === FloatArithmetic.Mul ? x * y : x / y);
  }
  return { dtype, dims, data };
}

/** `a` broadcast with `dims` (ONNX Expand: the result has the broadcast of both shapes), rounded to its dtype. */
export function broadcastTo(a: NDArray, dims: number[]): NDArray | undefined {
  const outDims = broadcastDims([a.dims, dims]);
  if (!outDims) return undefined;
  const total = elementCount(outDims);
  const { dtype, data: from } = a;
  const count = elementCount(a.dims);
  if (count !== total && count !== 1) return { dtype, dims: outDims, data: broadcastWalk(outDims, a.dims, from, dtype) };
  const data = new Array<number>(total);
  if (count === total) for (let i = 0; i < total; i++) data[i] = store(dtype, from[i]!);
  else {
    const x = store(dtype, from[0]!);
    for (let i = 0; i < total; i++) data[i] = x;
  }
  return { dtype, dims: outDims, data };
}

/** Same elements under new dims (undefined when the counts differ). */
export function reshapeTo(a: NDArray, dims: number[]): NDArray | undefined {
  return elementCount(dims) === a.data.length ? { dtype: a.dtype, dims, data: a.data } : undefined;
}

/** ONNX Slice (clamping rules included) of an array. */
export function sliceArray(a: NDArray, starts: number[], ends: number[], axes: number[], steps: number[]): NDArray | undefined {
  const rank = a.dims.length;
  const begin = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const dims = [...a.dims];
  for (let k = 0; k < axes.length; k++) {
    const ax = normalizeAxis(axes[k]!, rank);
    const st = steps[k] ?? 1;
    if (ax === undefined || st === 0) return undefined;
    const n = a.dims[ax]!;
    let s = starts[k]!;
    let e = ends[k]!;
    if (s < 0) s += n;
    if (e < 0) e += n;
    if (st > 0) {
      s = Math.min(Math.max(s, 0), n);
      e = Math.min(Math.max(e, 0), n);
      dims[ax] = Math.max(Math.ceil((e - s) / st), 0);
    } else {
      s = Math.min(Math.max(s, -1), n - 1);
      e = Math.min(Math.max(e, -1), n - 1);
      dims[ax] = Math.max(Math.ceil((s - e) / -st), 0);
    }
    begin[ax] = s;
    step[ax] = st;
  }
  const inStrides = strides(a.dims);
  const total = elementCount(dims);
  const data = new Array<number>(total);
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < total; f++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += (begin[i]! + idx[i]! * step[i]!) * inStrides[i]!;
    data[f] = a.data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < dims[i]!) break;
      idx[i] = 0;
    }
  }
  return { dtype: a.dtype, dims, data };
}

/** Permutes axes. */
export function transposeArray(a: NDArray, perm: number[]): NDArray {
  const dims = perm.map((p) => a.dims[p]!);
  const inStrides = strides(a.dims);
  const total = a.data.length;
  const data = new Array<number>(total);
  const idx = new Array<number>(dims.length).fill(0);
  for (let f = 0; f < total; f++) {
    let src = 0;
    for (let k = 0; k < dims.length; k++) src += idx[k]! * inStrides[perm[k]!]!;
    data[f] = a.data[src]!;
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k]! < dims[k]!) break;
      idx[k] = 0;
    }
  }
  return { dtype: a.dtype, dims, data };
}

/** Concatenates along `ax`. */
export function concatArrays(parts: NDArray[], ax: number): NDArray {
  const dims = [...parts[0]!.dims];
  dims[ax] = parts.reduce((n, p) => n + p.dims[ax]!, 0);
  const outer = elementCount(dims.slice(0, ax));
  const chunks = parts.map((p) => elementCount(p.dims.slice(ax)));
  const data: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < parts.length; k++) {
      const chunk = chunks[k]!;
      const from = parts[k]!.data;
      for (let i = 0; i < chunk; i++) data.push(from[o * chunk + i]!);
    }
  }
  return { dtype: parts[0]!.dtype, dims, data };
}

/** ReduceSum/Prod/Max/Min/Mean over `axes`. */
export function reduceArray(a: NDArray, axes: number[], keep: boolean, op: string): NDArray | undefined {
  const rank = a.dims.length;
  const set = new Set<number>();
  for (const x of axes) {
    const ax = normalizeAxis(x, rank);
    if (ax === undefined) return undefined;
    set.add(ax);
  }
  const keptDims = a.dims.map((d, i) => (set.has(i) ? 1 : d));
  const total = elementCount(keptDims);
  const acc = new Array<number>(total).fill(op === 'ReduceProd' ? 1 : op === 'ReduceMax' ? -Infinity : op === 'ReduceMin' ? Infinity : 0);
  const outStrides = strides(keptDims);
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < a.data.length; f++) {
    let dst = 0;
    for (let i = 0; i < rank; i++) if (!set.has(i)) dst += idx[i]! * outStrides[i]!;
    const x = a.data[f]!;
    switch (op) {
      case 'ReduceProd': acc[dst] = acc[dst]! * x; break;
      case 'ReduceMax': acc[dst] = Math.max(acc[dst]!, x); break;
      case 'ReduceMin': acc[dst] = Math.min(acc[dst]!, x); break;
      default: acc[dst] = acc[dst]! + x;
    }
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < a.dims[i]!) break;
      idx[i] = 0;
    }
  }
  const count = a.data.length / Math.max(total, 1);
  const data = acc.map((x) => store(a.dtype, op === 'ReduceMean' ? x / count : x));
  return { dtype: a.dtype, dims: keep ? keptDims : a.dims.filter((_, i) => !set.has(i)), data };
}

/** ONNX Cast (float to int truncates); undefined for unsupported targets. */
export function castArray(a: NDArray, to: DTypeCode): NDArray | undefined {
  if (!SUPPORTED.has(to)) return undefined;
  const data = a.data.map((x) => {
    if (to === DType.BOOL) return x ? 1 : 0;
    if (isFloat(to)) return store(to, x);
    return store(to, Math.trunc(x));
  });
  return { dtype: to, dims: a.dims, data };
}
