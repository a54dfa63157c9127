import { DType, type Node, type Tensor, constantNodeTensor, elementCount, isOnnxDomain, normalizeAxis } from '../ir/index.js';
import {
  FloatArithmetic, type NDArray, arithmetic2, broadcastTo, castArray, concatArrays, elementwise, elementwise2, fromTensor, isFloat, reduceArray, reshapeTo, sliceArray,
  store, strides, toTensor, transposeArray,
} from './ndarray.js';

/**
 * Constant evaluation of the ops that compute shapes and small constants in exported models: op
 * semantics here, array kernels in `ndarray.ts`.
 */
const BINARY: Record<string, (a: number, b: number, integer: boolean, node: Node) => number | undefined> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  // Integer Div truncates toward zero (onnxruntime); for safe integers the double quotient is
  // never off by enough to cross an integer (its error is below |a/b| * 2^-53 < 1/|b|).
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

/**
 * Largest output the evaluator builds for an op whose size comes from its input values (Expand,
 * Tile, ConstantOfShape, Range). inferShapes checks sizes before calling, but a hostile model can
 * make the inferred shape disagree with the values (e.g. a scalar Expand shape of 2^31).
 */
const MAX_GENERATED_ELEMENTS = 1 << 22;

/** True when `dims` are non-negative safe integers with a product of at most {@link MAX_GENERATED_ELEMENTS}. */
function smallDims(dims: readonly number[]): boolean {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return false;
    n *= d;
  }
  return n <= MAX_GENERATED_ELEMENTS;
}

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

function axesInput(node: Node, inputs: (NDArray | undefined)[], index: number): number[] | undefined {
  const fromInput = inputs[index];
  return fromInput ? fromInput.data : node.attrInts('axes');
}

/** One op on NDArrays (`op` is the node's type, for kernels shared by several ops). */
type Kernel = (node: Node, inputs: (NDArray | undefined)[], x: NDArray | undefined, op: string) => NDArray[] | undefined;

/** Sum, Max and Min over any number of inputs. */
const variadicExtremum: Kernel = (node, inputs, x, op) => {
  const present = inputs.filter((a): a is NDArray => a !== undefined);
  if (!present.length) return undefined;
  const fn = op === 'Sum' ? (xs: number[]) => xs.reduce((s, v) => s + v, 0) : op === 'Max' ? (xs: number[]) => Math.max(...xs) : (xs: number[]) => Math.min(...xs);
  const out = elementwise(present, present[0]!.dtype, fn);
  return out && [out];
};

/** Cast, or CastLike to the second input's type. */
const cast: Kernel = (node, inputs, x, op) => {
  const to = op === 'Cast' ? node.attrNumber('to', 0) : inputs[1]?.dtype;
  const out = x && to !== undefined ? castArray(x, to) : undefined;
  return out && [out];
};

/** The Reduce* family over `axes` (input or attribute). */
const reduce: Kernel = (node, inputs, x, op) => {
  if (!x) return undefined;
  let axes = axesInput(node, inputs, 1);
  if (!axes || !axes.length) {
    if (node.attrNumber('noop_with_empty_axes', 0) === 1) return [x];
    axes = x.dims.map((_, i) => i);
  }
  const out = reduceArray(x, axes, node.attrNumber('keepdims', 1) === 1, op);
  return out && [out];
};

/** Kernels of the ops that are neither plain unary nor plain binary elementwise. */
const KERNELS: Record<string, Kernel> = {
  Sum: variadicExtremum,
  Max: variadicExtremum,
  Min: variadicExtremum,
  Where: (node, inputs, x, op) => {
    if (!inputs[0] || !inputs[1] || !inputs[2]) return undefined;
    const out = elementwise([inputs[0], inputs[1], inputs[2]], inputs[1].dtype, ([c, a, b]) => (c ? a! : b!));
    return out && [out];
  },
  Clip: (node, inputs, x, op) => {
    if (!x) return undefined;
    const lo = inputs[1]?.data[0] ?? node.attrNumber('min') ?? -Infinity;
    const hi = inputs[2]?.data[0] ?? node.attrNumber('max') ?? Infinity;
    const out = elementwise([x], x.dtype, ([a]) => Math.min(Math.max(a!, lo), hi));
    return out && [out];
  },
  Cast: cast,
  CastLike: cast,
  Shape: (node, inputs, x, op) => {
    if (!x) return undefined;
    const rank = x.dims.length;
    const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
    const s = clamp(node.attrNumber('start', 0));
    const e = clamp(node.attrNumber('end', rank));
    const dims = x.dims.slice(s, Math.max(s, e));
    return [{ dtype: DType.INT64, dims: [dims.length], data: dims }];
  },
  Size: (node, inputs, x, op) => {
    return x && [{ dtype: DType.INT64, dims: [], data: [x.data.length] }];
  },
  Reshape: (node, inputs, x, op) => {
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
  },
  Flatten: (node, inputs, x, op) => {
    if (!x) return undefined;
    const ax = node.attrNumber('axis', 1);
    const a = ax < 0 ? ax + x.dims.length : ax;
    return [{ ...x, dims: [elementCount(x.dims.slice(0, a)), elementCount(x.dims.slice(a))] }];
  },
  Unsqueeze: (node, inputs, x, op) => {
    const axes = axesInput(node, inputs, 1);
    if (!x || !axes) return undefined;
    const rank = x.dims.length + axes.length;
    const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
    const dims: number[] = [];
    let next = 0;
    for (let d = 0; d < rank; d++) dims.push(set.has(d) ? 1 : x.dims[next++]!);
    return [{ ...x, dims }];
  },
  Squeeze: (node, inputs, x, op) => {
    if (!x) return undefined;
    const axes = axesInput(node, inputs, 1);
    const set = new Set(axes ? axes.map((a) => (a < 0 ? a + x.dims.length : a)) : x.dims.map((d, i) => (d === 1 ? i : -1)));
    return [{ ...x, dims: x.dims.filter((_, i) => !set.has(i)) }];
  },
  Transpose: (node, inputs, x, op) => {
    if (!x) return undefined;
    const perm = node.attrInts('perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
    return [transposeArray(x, perm)];
  },
  Concat: (node, inputs, x, op) => {
    const parts = inputs.filter((a): a is NDArray => a !== undefined);
    if (!parts.length) return undefined;
    const ax = normalizeAxis(node.attrNumber('axis', 0), parts[0]!.dims.length);
    return ax === undefined ? undefined : [concatArrays(parts, ax)];
  },
  Gather: (node, inputs, x, op) => {
    const indices = inputs[1];
    if (!x || !indices) return undefined;
    const ax = normalizeAxis(node.attrNumber('axis', 0), x.dims.length);
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
  },
  Slice: (node, inputs, x, op) => {
    if (!x) return undefined;
    const attrForm = !inputs[1] && node.attrInts('starts') !== undefined;
    const starts = attrForm ? node.attrInts('starts') : inputs[1]?.data;
    const ends = attrForm ? node.attrInts('ends') : inputs[2]?.data;
    if (!starts || !ends) return undefined;
    const axes = (attrForm ? node.attrInts('axes') : inputs[3]?.data) ?? starts.map((_, i) => i);
    const steps = (attrForm ? undefined : inputs[4]?.data) ?? starts.map(() => 1);
    const out = sliceArray(x, starts, ends, axes, steps);
    return out && [out];
  },
  Split: (node, inputs, x, op) => {
    if (!x) return undefined;
    const ax = normalizeAxis(node.attrNumber('axis', 0), x.dims.length);
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
  },
  Expand: (node, inputs, x, op) => {
    if (!x || !inputs[1] || !smallDims(inputs[1].data)) return undefined;
    const out = broadcastTo(x, inputs[1].data);
    return out && [out];
  },
  Tile: (node, inputs, x, op) => {
    if (!x || !inputs[1]) return undefined;
    const reps = inputs[1].data;
    const dims = x.dims.map((d, i) => d * reps[i]!);
    if (!smallDims(dims)) return undefined;
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
  },
  ConstantOfShape: (node, inputs, x, op) => {
    if (!x) return undefined;
    const attr = node.attr('value');
    const fill = attr?.kind === 'tensor' ? fromTensor(attr.value) : { dtype: DType.FLOAT, dims: [1], data: [0] };
    if (!fill || !smallDims(x.data)) return undefined;
    return [{ dtype: fill.dtype, dims: x.data, data: new Array<number>(elementCount(x.data)).fill(fill.data[0] ?? 0) }];
  },
  Range: (node, inputs, x, op) => {
    const [start, limit, delta] = [inputs[0]?.data[0], inputs[1]?.data[0], inputs[2]?.data[0]];
    if (start === undefined || limit === undefined || delta === undefined || delta === 0 || !x) return undefined;
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    if (!smallDims([n])) return undefined;
    // onnxruntime accumulates `value += delta` in the element type.
    const data: number[] = [];
    let value = start;
    for (let i = 0; i < n; i++) {
      data.push(value);
      value = store(x.dtype, value + delta);
    }
    return [{ dtype: x.dtype, dims: [n], data }];
  },
  ReduceSum: reduce,
  ReduceProd: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
  ReduceMean: reduce,
};

/** Float ops {@link arithmetic2} computes (the same as their {@link BINARY} entries on floats). */
const FLOAT_ARITHMETIC: ReadonlyMap<string, FloatArithmetic> = new Map<string, FloatArithmetic>([
  ['Add', FloatArithmetic.Add], ['Sub', FloatArithmetic.Sub], ['Mul', FloatArithmetic.Mul], ['Div', FloatArithmetic.Div],
]);

/** Evaluates one op on NDArrays; undefined when unsupported or invalid. */
function run(node: Node, inputs: (NDArray | undefined)[]): NDArray[] | undefined {
  const op = node.opType;
  const x = inputs[0];
  const binary = BINARY[op];
  const variadic = op === 'Max' || op === 'Min';
  if (binary && x && inputs[1] && !(variadic && inputs.length > 2)) {
    const integer = !isFloat(x.dtype);
    const dtype = BOOL_RESULT.has(op) ? DType.BOOL : x.dtype;
    const arithmetic = integer ? undefined : FLOAT_ARITHMETIC.get(op);
    if (arithmetic !== undefined) {
      const out = arithmetic2(x, inputs[1], dtype, arithmetic);
      return out && [out];
    }
    const fn = integer
      ? (a: number, b: number) => (Number.isSafeInteger(a) && Number.isSafeInteger(b) ? safeInteger(binary(a, b, true, node)) : undefined)
      : (a: number, b: number) => binary(a, b, false, node);
    const out = elementwise2(x, inputs[1], dtype, fn);
    return out && [out];
  }
  const unary = UNARY[op];
  if (unary && x) {
    const fn = isFloat(x.dtype) ? unary : (a: number) => (Number.isSafeInteger(a) ? safeInteger(unary(a)) : undefined);
    const out = elementwise([x], BOOL_RESULT.has(op) ? DType.BOOL : x.dtype, (xs) => fn(xs[0]!));
    return out && [out];
  }
  return Object.hasOwn(KERNELS, op) ? KERNELS[op]!(node, inputs, x, op) : undefined;
}

/**
 * Integer arithmetic on JS numbers is exact only for safe integers (|x| < 2^53): beyond that
 * (int64 products, the INT64_MAX sentinels) the evaluator gives up instead of rounding, so
 * integer kernels take only safe integers and a result past them is undefined.
 */
function safeInteger(r: number | undefined): number | undefined {
  return r === undefined || Number.isSafeInteger(r) ? r : undefined;
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
 * const concat = graph.nodes.find((n) => n.opType === 'Concat' && n.attrNumber('axis') === 0);
 * const [out] = (concat && evaluateNode(concat, [Tensor.int64([1]), Tensor.int64([8, 32])])) ?? [];
 * out?.toNumbers(); // [1, 8, 32]
 * ```
 */
export function evaluateNode(node: Node, inputs: readonly (Tensor | undefined)[]): Tensor[] | undefined {
  if (!isOnnxDomain(node.domain)) return undefined;
  if (node.opType === 'Constant') {
    const t = constantNodeTensor(node);
    return t ? [t] : undefined;
  }
  if (!EVALUATED_OPS.has(node.opType)) return undefined;
  const arrays: (NDArray | undefined)[] = [];
  for (const t of inputs) {
    if (!t) {
      arrays.push(undefined);
      continue;
    }
    const a = arrayOfTensor(t);
    if (!a) return undefined;
    arrays.push(a);
  }
  return evaluateArrays(node, arrays)?.map(toTensor);
}

/** {@link fromTensor}, undefined where the tensor's bytes cannot be read (a lazy tensor whose file is gone, strings). */
export function arrayOfTensor(t: Tensor): NDArray | undefined {
  try {
    return fromTensor(t);
  } catch {
    return undefined;
  }
}

/**
 * {@link evaluateNode} on arrays (inference keeps results as arrays between nodes and packs a
 * tensor only when one is asked for). The node is an ONNX op of {@link EVALUATED_OPS} other than
 * `Constant`; kernels only read their inputs, so arrays may be shared. Never throws.
 *
 * @internal
 */
export function evaluateArrays(node: Node, inputs: (NDArray | undefined)[]): NDArray[] | undefined {
  try {
    const out = run(node, inputs);
    if (!out || out.length !== node.outputs.length) return undefined;
    if (out.some((a) => a.data.length !== elementCount(a.dims) || a.dims.some((d) => !Number.isInteger(d) || d < 0))) return undefined;
    return out;
  } catch {
    // Malformed inputs (bad indexes, wrong ranks) mean "cannot fold", not an error of the caller.
    return undefined;
  }
}
