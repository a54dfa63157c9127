import { DType, type DTypeCode, type Node, Tensor, elementCount } from '../ir/index.js';
import { constantNodeTensor } from './constant.js';

/**
 * A small CPU evaluator for the ops that compute shapes and small constants in exported models.
 * Elements are held as JS numbers: exact for every int32/float value and for int64 up to 2^53
 * (beyond that only the INT64_MAX/MIN sentinels of Slice appear in practice; they are clamped back
 * on output). Float32 results are rounded to float32 after each op, like onnxruntime's kernels.
 */
interface NDArray {
  dtype: DTypeCode;
  dims: number[];
  data: number[];
}

/** Element types the evaluator computes on. */
const SUPPORTED = new Set<DTypeCode>([
  DType.FLOAT, DType.DOUBLE, DType.INT64, DType.INT32, DType.INT16, DType.INT8,
  DType.UINT8, DType.UINT16, DType.UINT32, DType.BOOL,
]);

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function isFloat(dtype: DTypeCode): boolean {
  return dtype === DType.FLOAT || dtype === DType.DOUBLE;
}

function fromTensor(t: Tensor): NDArray | undefined {
  if (!SUPPORTED.has(t.dtype)) return undefined;
  return { dtype: t.dtype, dims: [...t.dims], data: t.toNumbers() };
}

function toTensor(a: NDArray): Tensor {
  const { dtype, dims, data } = a;
  switch (dtype) {
    case DType.INT64:
      return Tensor.fromArray(dtype, dims, BigInt64Array.from(data, (x) => {
        if (!Number.isFinite(x)) return x > 0 ? INT64_MAX : INT64_MIN;
        const b = BigInt(Math.trunc(x));
        return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
      }));
    case DType.FLOAT: return Tensor.fromArray(dtype, dims, Float32Array.from(data));
    case DType.DOUBLE: return Tensor.fromArray(dtype, dims, Float64Array.from(data));
    case DType.INT32: return Tensor.fromArray(dtype, dims, Int32Array.from(data));
    case DType.INT16: return Tensor.fromArray(dtype, dims, Int16Array.from(data));
    case DType.INT8: return Tensor.fromArray(dtype, dims, Int8Array.from(data));
    case DType.UINT8: return Tensor.fromArray(dtype, dims, Uint8Array.from(data));
    case DType.UINT16: return Tensor.fromArray(dtype, dims, Uint16Array.from(data));
    case DType.UINT32: return Tensor.fromArray(dtype, dims, Uint32Array.from(data));
    default: return Tensor.fromArray(DType.BOOL, dims, Uint8Array.from(data, (x) => (x ? 1 : 0)));
  }
}

/** Rounds a computed element to what `dtype` stores. */
function store(dtype: DTypeCode, x: number): number {
  switch (dtype) {
    case DType.FLOAT: return Math.fround(x);
    case DType.DOUBLE: return x;
    case DType.BOOL: return x ? 1 : 0;
    case DType.INT32: return x | 0;
    default: return Number.isFinite(x) ? Math.trunc(x) : x;
  }
}

function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1]! * dims[i + 1]!;
  return out;
}

function axis(a: number, rank: number): number | undefined {
  const x = a < 0 ? a + rank : a;
  return x >= 0 && x < rank ? x : undefined;
}

function broadcastDims(shapes: number[][]): number[] | undefined {
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
function gatherIndex(outDims: number[], inDims: number[]): number[] {
  const rank = outDims.length;
  const padded = [...new Array<number>(rank - inDims.length).fill(1), ...inDims];
  const inStrides = strides(padded).map((s, i) => (padded[i] === 1 ? 0 : s));
  const total = elementCount(outDims);
  const out = new Array<number>(total);
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < total; f++) {
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

function elementwise(inputs: NDArray[], dtype: DTypeCode, fn: (xs: number[]) => number | undefined): NDArray | undefined {
  const dims = broadcastDims(inputs.map((a) => a.dims));
  if (!dims) return undefined;
  const maps = inputs.map((a) => gatherIndex(dims, a.dims));
  const total = elementCount(dims);
  const data = new Array<number>(total);
  for (let i = 0; i < total; i++) {
    const r = fn(inputs.map((a, k) => a.data[maps[k]![i]!]!));
    if (r === undefined) return undefined;
    data[i] = store(dtype, r);
  }
  return { dtype, dims, data };
}

const BINARY: Record<string, (a: number, b: number, integer: boolean, node: Node) => number | undefined> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b, integer) => (integer ? (b === 0 ? undefined : Math.trunc(a / b)) : a / b),
  Pow: (a, b) => a ** b,
  Mod: (a, b, integer, node) => {
    if (b === 0 && integer) return undefined;
    const r = a % b;
    if (node.attrNumber('fmod', 0) === 1 || !integer) return r;
    return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
  },
  Max: (a, b) => Math.max(a, b),
  Min: (a, b) => Math.min(a, b),
  Equal: (a, b) => (a === b ? 1 : 0),
  Less: (a, b) => (a < b ? 1 : 0),
  LessOrEqual: (a, b) => (a <= b ? 1 : 0),
  Greater: (a, b) => (a > b ? 1 : 0),
  GreaterOrEqual: (a, b) => (a >= b ? 1 : 0),
  And: (a, b) => (a && b ? 1 : 0),
  Or: (a, b) => (a || b ? 1 : 0),
  Xor: (a, b) => ((a ? 1 : 0) ^ (b ? 1 : 0)),
};

const BOOL_RESULT = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not']);

const UNARY: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Sqrt: Math.sqrt,
  Exp: Math.exp,
  Log: Math.log,
  Floor: Math.floor,
  Ceil: Math.ceil,
  // ONNX Round is round-half-to-even.
  Round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  Reciprocal: (x) => 1 / x,
  Sin: Math.sin,
  Cos: Math.cos,
  Tanh: Math.tanh,
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Relu: (x) => Math.max(x, 0),
  Sign: Math.sign,
  Not: (x) => (x ? 0 : 1),
  Identity: (x) => x,
};

function reshapeTo(a: NDArray, dims: number[]): NDArray | undefined {
  return elementCount(dims) === a.data.length ? { dtype: a.dtype, dims, data: a.data } : undefined;
}

function axesInput(node: Node, inputs: (NDArray | undefined)[], index: number): number[] | undefined {
  const fromInput = inputs[index];
  return fromInput ? fromInput.data : node.attrInts('axes');
}

function sliceArray(a: NDArray, starts: number[], ends: number[], axes: number[], steps: number[]): NDArray | undefined {
  const rank = a.dims.length;
  const begin = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const dims = [...a.dims];
  for (let k = 0; k < axes.length; k++) {
    const ax = axis(axes[k]!, rank);
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

function transposeArray(a: NDArray, perm: number[]): NDArray {
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

function concatArrays(parts: NDArray[], ax: number): NDArray {
  const dims = [...parts[0]!.dims];
  dims[ax] = parts.reduce((n, p) => n + p.dims[ax]!, 0);
  const outer = elementCount(dims.slice(0, ax));
  const data: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = elementCount(p.dims.slice(ax));
      for (let i = 0; i < chunk; i++) data.push(p.data[o * chunk + i]!);
    }
  }
  return { dtype: parts[0]!.dtype, dims, data };
}

function reduceArray(a: NDArray, axes: number[], keep: boolean, op: string): NDArray | undefined {
  const rank = a.dims.length;
  const set = new Set<number>();
  for (const x of axes) {
    const ax = axis(x, rank);
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

function castArray(a: NDArray, to: DTypeCode): NDArray | undefined {
  if (!SUPPORTED.has(to)) return undefined;
  const data = a.data.map((x) => {
    if (to === DType.BOOL) return x ? 1 : 0;
    if (isFloat(to)) return store(to, x);
    return store(to, Math.trunc(x));
  });
  return { dtype: to, dims: a.dims, data };
}

/** Evaluates one op on NDArrays; undefined when unsupported or invalid. */
function run(node: Node, inputs: (NDArray | undefined)[]): NDArray[] | undefined {
  const op = node.opType;
  const x = inputs[0];
  const binary = BINARY[op];
  const variadic = op === 'Max' || op === 'Min';
  if (binary && x && inputs[1] && !(variadic && inputs.length > 2)) {
    const integer = !isFloat(x.dtype);
    const dtype = BOOL_RESULT.has(op) ? DType.BOOL : x.dtype;
    const out = elementwise([x, inputs[1]], dtype, ([a, b]) => binary(a!, b!, integer, node));
    return out && [out];
  }
  const unary = UNARY[op];
  if (unary && x) {
    const out = elementwise([x], BOOL_RESULT.has(op) ? DType.BOOL : x.dtype, ([a]) => unary(a!));
    return out && [out];
  }
  switch (op) {
    case 'Sum': case 'Max': case 'Min': {
      const present = inputs.filter((a): a is NDArray => a !== undefined);
      if (!present.length) return undefined;
      const fn = op === 'Sum' ? (xs: number[]) => xs.reduce((s, v) => s + v, 0) : op === 'Max' ? (xs: number[]) => Math.max(...xs) : (xs: number[]) => Math.min(...xs);
      const out = elementwise(present, present[0]!.dtype, fn);
      return out && [out];
    }
    case 'Where': {
      if (!inputs[0] || !inputs[1] || !inputs[2]) return undefined;
      const out = elementwise([inputs[0], inputs[1], inputs[2]], inputs[1].dtype, ([c, a, b]) => (c ? a! : b!));
      return out && [out];
    }
    case 'Clip': {
      if (!x) return undefined;
      const lo = inputs[1]?.data[0] ?? node.attrNumber('min') ?? -Infinity;
      const hi = inputs[2]?.data[0] ?? node.attrNumber('max') ?? Infinity;
      const out = elementwise([x], x.dtype, ([a]) => Math.min(Math.max(a!, lo), hi));
      return out && [out];
    }
    case 'Cast': case 'CastLike': {
      const to = op === 'Cast' ? node.attrNumber('to', 0) : inputs[1]?.dtype;
      const out = x && to !== undefined ? castArray(x, to) : undefined;
      return out && [out];
    }
    case 'Shape': {
      if (!x) return undefined;
      const rank = x.dims.length;
      const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
      const s = clamp(node.attrNumber('start', 0));
      const e = clamp(node.attrNumber('end', rank));
      const dims = x.dims.slice(s, Math.max(s, e));
      return [{ dtype: DType.INT64, dims: [dims.length], data: dims }];
    }
    case 'Size': return x && [{ dtype: DType.INT64, dims: [], data: [x.data.length] }];
    case 'Reshape': {
      if (!x || !inputs[1]) return undefined;
      const allowZero = node.attrNumber('allowzero', 0) === 1;
      const target = inputs[1].data.map((d, i) => (d === 0 && !allowZero ? x.dims[i]! : d));
      const minus = target.indexOf(-1);
      if (minus >= 0) {
        const known = target.reduce((n, d, i) => (i === minus ? n : n * d), 1);
        target[minus] = known ? x.data.length / known : 0;
      }
      const out = reshapeTo(x, target);
      return out && [out];
    }
    case 'Flatten': {
      if (!x) return undefined;
      const ax = node.attrNumber('axis', 1);
      const a = ax < 0 ? ax + x.dims.length : ax;
      return [{ ...x, dims: [elementCount(x.dims.slice(0, a)), elementCount(x.dims.slice(a))] }];
    }
    case 'Unsqueeze': {
      const axes = axesInput(node, inputs, 1);
      if (!x || !axes) return undefined;
      const rank = x.dims.length + axes.length;
      const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      const dims: number[] = [];
      let next = 0;
      for (let d = 0; d < rank; d++) dims.push(set.has(d) ? 1 : x.dims[next++]!);
      return [{ ...x, dims }];
    }
    case 'Squeeze': {
      if (!x) return undefined;
      const axes = axesInput(node, inputs, 1);
      const set = new Set(axes ? axes.map((a) => (a < 0 ? a + x.dims.length : a)) : x.dims.map((d, i) => (d === 1 ? i : -1)));
      return [{ ...x, dims: x.dims.filter((_, i) => !set.has(i)) }];
    }
    case 'Transpose': {
      if (!x) return undefined;
      const perm = node.attrInts('perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
      return [transposeArray(x, perm)];
    }
    case 'Concat': {
      const parts = inputs.filter((a): a is NDArray => a !== undefined);
      if (!parts.length) return undefined;
      const ax = axis(node.attrNumber('axis', 0), parts[0]!.dims.length);
      return ax === undefined ? undefined : [concatArrays(parts, ax)];
    }
    case 'Gather': {
      const indices = inputs[1];
      if (!x || !indices) return undefined;
      const ax = axis(node.attrNumber('axis', 0), x.dims.length);
      if (ax === undefined) return undefined;
      const n = x.dims[ax]!;
      const outer = elementCount(x.dims.slice(0, ax));
      const inner = elementCount(x.dims.slice(ax + 1));
      const data: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const raw of indices.data) {
          const k = raw < 0 ? raw + n : raw;
          if (k < 0 || k >= n) return undefined;
          for (let i = 0; i < inner; i++) data.push(x.data[(o * n + k) * inner + i]!);
        }
      }
      return [{ dtype: x.dtype, dims: [...x.dims.slice(0, ax), ...indices.dims, ...x.dims.slice(ax + 1)], data }];
    }
    case 'Slice': {
      if (!x) return undefined;
      const attrForm = !inputs[1] && node.attrInts('starts') !== undefined;
      const starts = attrForm ? node.attrInts('starts') : inputs[1]?.data;
      const ends = attrForm ? node.attrInts('ends') : inputs[2]?.data;
      if (!starts || !ends) return undefined;
      const axes = (attrForm ? node.attrInts('axes') : inputs[3]?.data) ?? starts.map((_, i) => i);
      const steps = (attrForm ? undefined : inputs[4]?.data) ?? starts.map(() => 1);
      const out = sliceArray(x, starts, ends, axes, steps);
      return out && [out];
    }
    case 'Split': {
      if (!x) return undefined;
      const ax = axis(node.attrNumber('axis', 0), x.dims.length);
      if (ax === undefined) return undefined;
      const count = node.outputs.length;
      const n = x.dims[ax]!;
      let sizes = inputs[1]?.data ?? node.attrInts('split');
      if (!sizes) {
        const chunk = Math.ceil(n / (node.attrNumber('num_outputs') ?? count));
        sizes = Array.from({ length: count }, (_, i) => Math.min(chunk, Math.max(n - i * chunk, 0)));
      }
      let offset = 0;
      return sizes.map((s) => {
        const part = sliceArray(x, [offset], [offset + s], [ax], [1])!;
        offset += s;
        return part;
      });
    }
    case 'Expand': {
      if (!x || !inputs[1]) return undefined;
      const out = elementwise([x, { dtype: x.dtype, dims: inputs[1].data, data: new Array<number>(elementCount(inputs[1].data)).fill(0) }], x.dtype, ([a]) => a);
      return out && [out];
    }
    case 'Tile': {
      if (!x || !inputs[1]) return undefined;
      const reps = inputs[1].data;
      const dims = x.dims.map((d, i) => d * reps[i]!);
      const inStrides = strides(x.dims);
      const total = elementCount(dims);
      const data = new Array<number>(total);
      const idx = new Array<number>(dims.length).fill(0);
      for (let f = 0; f < total; f++) {
        let src = 0;
        for (let i = 0; i < dims.length; i++) src += (idx[i]! % x.dims[i]!) * inStrides[i]!;
        data[f] = x.data[src]!;
        for (let i = dims.length - 1; i >= 0; i--) {
          if (++idx[i]! < dims[i]!) break;
          idx[i] = 0;
        }
      }
      return [{ dtype: x.dtype, dims, data }];
    }
    case 'ConstantOfShape': {
      if (!x) return undefined;
      const attr = node.attr('value');
      const fill = attr?.kind === 'tensor' ? fromTensor(attr.value) : { dtype: DType.FLOAT, dims: [1], data: [0] };
      if (!fill) return undefined;
      return [{ dtype: fill.dtype, dims: x.data, data: new Array<number>(elementCount(x.data)).fill(fill.data[0] ?? 0) }];
    }
    case 'Range': {
      const [start, limit, delta] = [inputs[0]?.data[0], inputs[1]?.data[0], inputs[2]?.data[0]];
      if (start === undefined || limit === undefined || delta === undefined || delta === 0 || !x) return undefined;
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      // onnxruntime accumulates `value += delta` in the element type.
      const data: number[] = [];
      let value = start;
      for (let i = 0; i < n; i++) {
        data.push(value);
        value = store(x.dtype, value + delta);
      }
      return [{ dtype: x.dtype, dims: [n], data }];
    }
    case 'ReduceSum': case 'ReduceProd': case 'ReduceMax': case 'ReduceMin': case 'ReduceMean': {
      if (!x) return undefined;
      let axes = axesInput(node, inputs, 1);
      if (!axes || !axes.length) {
        if (node.attrNumber('noop_with_empty_axes', 0) === 1) return [x];
        axes = x.dims.map((_, i) => i);
      }
      const out = reduceArray(x, axes, node.attrNumber('keepdims', 1) === 1, op);
      return out && [out];
    }
    default:
      return undefined;
  }
}

/** Ops {@link evaluateNode} can compute. */
export const EVALUATED_OPS: ReadonlySet<string> = new Set([
  ...Object.keys(BINARY), ...Object.keys(UNARY), 'Sum', 'Where', 'Clip', 'Cast', 'CastLike', 'Shape', 'Size',
  'Reshape', 'Flatten', 'Unsqueeze', 'Squeeze', 'Transpose', 'Concat', 'Gather', 'Slice', 'Split', 'Expand',
  'Tile', 'ConstantOfShape', 'Range', 'ReduceSum', 'ReduceProd', 'ReduceMax', 'ReduceMin', 'ReduceMean', 'Constant',
]);

/**
 * Computes a node's outputs from constant inputs (`undefined` entries = omitted optional inputs),
 * for the ops in {@link EVALUATED_OPS} on int64/int32/float32/float64/bool (and small int) tensors.
 * Returns undefined when the op, a dtype, or the inputs are not supported; never throws.
 *
 * @example
 * ```ts
 * const [out] = evaluateNode(concatNode, [Tensor.int64([1]), Tensor.int64([8, 32])])!;
 * out.toNumbers(); // [1, 8, 32]
 * ```
 */
export function evaluateNode(node: Node, inputs: readonly (Tensor | undefined)[]): Tensor[] | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  if (node.opType === 'Constant') {
    const t = constantNodeTensor(node);
    return t ? [t] : undefined;
  }
  if (!EVALUATED_OPS.has(node.opType)) return undefined;
  try {
    const arrays: (NDArray | undefined)[] = [];
    for (const t of inputs) {
      if (!t) {
        arrays.push(undefined);
        continue;
      }
      const a = fromTensor(t);
      if (!a) return undefined;
      arrays.push(a);
    }
    const out = run(node, arrays);
    if (!out || out.length !== node.outputs.length) return undefined;
    if (out.some((a) => a.data.length !== elementCount(a.dims) || a.dims.some((d) => !Number.isInteger(d) || d < 0))) return undefined;
    return out.map(toTensor);
  } catch {
    // Malformed inputs (bad indexes, wrong ranks) mean "cannot fold", not an error of the caller.
    return undefined;
  }
}
