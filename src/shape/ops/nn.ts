import { DType } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { broadcastShapes } from './broadcast.js';
import { type OpContext, type OpHandler, facts, normalizeAxis } from './context.js';

/** Output dims of a (batched, numpy-style) matrix product of operands of dims `a` and `b`. */
function matMulDims(a: DimExpr[] | undefined, b: DimExpr[] | undefined): DimExpr[] | undefined {
  if (!a || !b || !a.length || !b.length) return undefined;
  // 1-D operands are promoted (prepend / append a 1) and the 1 is removed afterwards.
  const left = a.length === 1 ? [DimExpr.const(1), a[0]!] : a;
  const right = b.length === 1 ? [b[0]!, DimExpr.const(1)] : b;
  const out = [...broadcastShapes([left.slice(0, -2), right.slice(0, -2)])!];
  if (a.length > 1) out.push(left[left.length - 2]!);
  if (b.length > 1) out.push(right[right.length - 1]!);
  return out;
}

const matMul: OpHandler = (ctx) => {
  const dtype = ctx.node.opType === 'MatMulInteger' ? DType.INT32 : ctx.dtype(0);
  return [facts(dtype, matMulDims(ctx.shape(0), ctx.shape(1)))];
};

const gemm: OpHandler = (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  const dtype = ctx.dtype(0);
  if (!a || !b || a.length !== 2 || b.length !== 2) return [facts(dtype, undefined)];
  const m = ctx.attrInt('transA', 0) ? a[1]! : a[0]!;
  const n = ctx.attrInt('transB', 0) ? b[0]! : b[1]!;
  return [facts(dtype, [m, n])];
};

interface Window {
  kernel: DimExpr[];
  strides: number[];
  dilations: number[];
  pads: number[];
  autoPad: string;
}

/** Kernel/strides/dilations/pads of a conv or pool over `spatial` dims (kernel from the weight when absent). */
function windowOf(ctx: OpContext, spatial: number, weight?: DimExpr[]): Window | undefined {
  const kernelAttr = ctx.attrInts('kernel_shape');
  const kernel = kernelAttr?.map((k) => DimExpr.const(k)) ?? weight?.slice(2);
  if (!kernel || kernel.length !== spatial) return undefined;
  return {
    kernel,
    strides: ctx.attrInts('strides') ?? new Array<number>(spatial).fill(1),
    dilations: ctx.attrInts('dilations') ?? new Array<number>(spatial).fill(1),
    pads: ctx.attrInts('pads') ?? new Array<number>(2 * spatial).fill(0),
    autoPad: ctx.attrString('auto_pad', 'NOTSET'),
  };
}

/**
 * Output size of one spatial axis of a convolution or pooling, as onnxruntime computes it:
 * `floor(room / stride) + 1` for a Conv (it refuses a window that does not fit, so `room >= 0`
 * in every run, which is recorded), the integer `trunc(room / stride) + 1` for a pooling (it
 * accepts `room < 0` and truncates toward zero; it refuses an empty axis).
 */
function windowOutput(ctx: OpContext, input: DimExpr, w: Window, i: number, spatial: number, ceilMode: boolean, pooling: boolean): DimExpr {
  const stride = w.strides[i] ?? 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    ctx.requires(input.sub(1));
    return input.ceilDivConst(stride);
  }
  const span = w.kernel[i]!.sub(1).mul(w.dilations[i] ?? 1).add(1);
  const padded = w.autoPad === 'VALID' ? input : input.add((w.pads[i] ?? 0) + (w.pads[i + spatial] ?? 0));
  const room = padded.sub(span);
  if (pooling) ctx.requires(input.sub(1));
  else ctx.requires(room);
  if (!ceilMode) {
    const steps = pooling ? room.truncDiv(DimExpr.const(stride)) : room.floorDivConst(stride);
    return steps ? steps.add(1) : ctx.fresh(0, i + 2);
  }
  const out = room.ceilDivConst(stride).add(1);
  // Ceil mode: a last window starting past the input and begin padding is dropped (onnxruntime).
  const n = out.constValue();
  const size = input.constValue();
  if (n !== undefined && size !== undefined && (n - 1) * stride >= size + (w.pads[i] ?? 0)) return out.sub(1);
  return out;
}

const conv: OpHandler = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const dtype = ctx.node.opType === 'ConvInteger' ? DType.INT32 : ctx.dtype(0);
  if (!x || x.length < 3) return [facts(dtype, undefined)];
  const spatial = x.length - 2;
  const window = windowOf(ctx, spatial, w);
  const channels = w?.[0] ?? ctx.fresh(0, 1);
  if (!window) return [facts(dtype, [x[0]!, channels, ...x.slice(2).map((_, i) => ctx.fresh(0, i + 2))])];
  return [facts(dtype, [x[0]!, channels, ...x.slice(2).map((d, i) => windowOutput(ctx, d, window, i, spatial, false, false))])];
};

const convTranspose: OpHandler = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const dtype = ctx.dtype(0);
  if (!x || x.length < 3) return [facts(dtype, undefined)];
  const spatial = x.length - 2;
  const group = ctx.attrInt('group', 1);
  const channels = w?.[1] ? w[1].mul(group) : ctx.fresh(0, 1);
  const outputShape = ctx.attrInts('output_shape');
  if (outputShape && outputShape.length === spatial) {
    return [facts(dtype, [x[0]!, channels, ...outputShape.map((d) => DimExpr.const(d))])];
  }
  const window = windowOf(ctx, spatial, w);
  if (!window) return [facts(dtype, [x[0]!, channels, ...x.slice(2).map((_, i) => ctx.fresh(0, i + 2))])];
  const outputPadding = ctx.attrInts('output_padding') ?? new Array<number>(spatial).fill(0);
  const dims = x.slice(2).map((d, i) => {
    const stride = window.strides[i] ?? 1;
    if (window.autoPad === 'SAME_UPPER' || window.autoPad === 'SAME_LOWER') return d.mul(stride);
    const span = window.kernel[i]!.sub(1).mul(window.dilations[i] ?? 1).add(1);
    const pads = window.autoPad === 'VALID' ? 0 : (window.pads[i] ?? 0) + (window.pads[i + spatial] ?? 0);
    return d.sub(1).mul(stride).add(outputPadding[i] ?? 0).add(span).sub(pads);
  });
  return [facts(dtype, [x[0]!, channels, ...dims])];
};

const pool: OpHandler = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  const outputs = ctx.node.outputs.length;
  if (!x || x.length < 3) return [facts(dtype, undefined), facts(DType.INT64, undefined)].slice(0, outputs);
  const spatial = x.length - 2;
  const window = windowOf(ctx, spatial);
  const ceilMode = ctx.attrInt('ceil_mode', 0) === 1;
  const dims = x.slice(2).map((d, i) => (window ? windowOutput(ctx, d, window, i, spatial, ceilMode, true) : ctx.fresh(0, i + 2)));
  const shape = [x[0]!, x[1]!, ...dims];
  return [facts(dtype, shape), facts(DType.INT64, [...shape])].slice(0, outputs);
};

const globalPool: OpHandler = (ctx) => {
  const x = ctx.shape(0);
  if (!x || x.length < 2) return [facts(ctx.dtype(0), undefined)];
  return [facts(ctx.dtype(0), [x[0]!, x[1]!, ...x.slice(2).map(() => DimExpr.const(1))])];
};

/** Largest integer below which every integer is a float32. */
const FLOAT32_EXACT = 1n << 24n;

/**
 * `floor(dim * scale)` as onnxruntime computes it, in float32: `trunc(float(dim) * scale)`. For a
 * symbolic dim that is `dim * scale` only while the product is exact: `dim <= 2^24` and a
 * power-of-two scale, or an integer scale with `dim * scale <= 2^24`; a power-of-two reciprocal
 * `1/m` with `dim <= 2^24` gives `floor(dim / m)`. Undefined otherwise.
 */
function scaleDim(dim: DimExpr, scale: number): DimExpr | undefined {
  const c = dim.constValue();
  if (c !== undefined) return DimExpr.const(Math.floor(Math.fround(Math.fround(c) * Math.fround(scale))));
  const { min, max } = dim.bounds();
  if (min === undefined || min < 0n || max === undefined) return undefined;
  // float(dim) is exact up to 2^24; times a power of two it stays exact, times another integer
  // while the product is below 2^24.
  const powerOfTwo = Number.isInteger(Math.log2(scale));
  if (Number.isInteger(scale) && scale > 0 && max * (powerOfTwo ? 1n : BigInt(scale)) <= FLOAT32_EXACT) return dim.mul(scale);
  const inverse = 1 / scale;
  if (Number.isInteger(inverse) && inverse > 0 && Math.fround(scale) === scale && max <= FLOAT32_EXACT) return dim.floorDivConst(inverse);
  return undefined;
}

const resize: OpHandler = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  if (!x) return [facts(dtype, undefined)];
  const rank = x.length;
  const axes = (ctx.attrInts('axes') ?? x.map((_, i) => i)).map((a) => normalizeAxis(a, rank));
  if (axes.some((a) => a === undefined)) return [facts(dtype, undefined)];
  const out = [...x];
  const opsetTen = ctx.node.opType === 'Upsample' || ctx.inputCount === 2;
  const scalesIndex = opsetTen ? 1 : 2;
  const sizes = !opsetTen && ctx.has(3) ? ctx.values(3) : undefined;
  const scalesAttr = ctx.node.attr('scales');
  const scales = ctx.has(scalesIndex) ? ctx.numbers(scalesIndex) : scalesAttr?.kind === 'floats' ? scalesAttr.value : undefined;
  const policy = ctx.attrString('keep_aspect_ratio_policy', 'stretch');
  if (sizes && sizes.length === axes.length && policy === 'stretch') {
    axes.forEach((a, k) => {
      out[a!] = sizes[k]!;
    });
    return [facts(dtype, out)];
  }
  if (scales && scales.length === axes.length && !sizes) {
    axes.forEach((a, k) => {
      out[a!] = scaleDim(x[a!]!, scales[k]!) ?? ctx.fresh(0, a!);
    });
    return [facts(dtype, out)];
  }
  return [facts(dtype, x.map((_, i) => ctx.fresh(0, i)))];
};

const gridSample: OpHandler = (ctx) => {
  const x = ctx.shape(0);
  const grid = ctx.shape(1);
  const dtype = ctx.dtype(0);
  if (!x || !grid || grid.length !== x.length || x.length < 3) return [facts(dtype, x ? x.map((_, i) => ctx.fresh(0, i)) : undefined)];
  // [N, C, D_in...] sampled at grid [N, D_out..., r] gives [N, C, D_out...].
  return [facts(dtype, [x[0]!, x[1]!, ...grid.slice(1, -1)])];
};

const einsum: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const equation = ctx.attrString('equation', '').replace(/\s+/g, '');
  const [lhs, rhsIn] = equation.split('->');
  const terms = (lhs ?? '').split(',');
  if (terms.length !== ctx.inputCount) return [facts(dtype, undefined)];
  const letters = new Map<string, DimExpr>();
  const counts = new Map<string, number>();
  let ellipsis: DimExpr[] | undefined = [];
  for (let i = 0; i < terms.length; i++) {
    const shape = ctx.shape(i);
    if (!shape) return [facts(dtype, undefined)];
    const term = terms[i]!;
    const [before, after] = term.includes('...') ? term.split('...') as [string, string] : [term, undefined];
    const explicit = before.length + (after?.length ?? 0);
    if (after === undefined ? explicit !== shape.length : explicit > shape.length) return [facts(dtype, undefined)];
    const assign = (letter: string, dim: DimExpr): void => {
      counts.set(letter, (counts.get(letter) ?? 0) + 1);
      const prev = letters.get(letter);
      letters.set(letter, prev ? DimExpr.broadcast(prev, dim) : dim);
    };
    [...before].forEach((l, k) => assign(l, shape[k]!));
    if (after !== undefined) {
      const tail = shape.length - after.length;
      ellipsis = broadcastShapes([ellipsis, shape.slice(before.length, tail)]);
      [...after].forEach((l, k) => assign(l, shape[tail + k]!));
    }
  }
  const rhs = rhsIn ?? `${equation.includes('...') ? '...' : ''}${[...counts].filter(([, n]) => n === 1).map(([l]) => l).sort().join('')}`;
  const out: DimExpr[] = [];
  const [before, after] = rhs.includes('...') ? rhs.split('...') as [string, string] : [rhs, ''];
  for (const l of before) out.push(letters.get(l) ?? ctx.fresh(0, out.length));
  if (rhs.includes('...')) out.push(...(ellipsis ?? []));
  for (const l of after) out.push(letters.get(l) ?? ctx.fresh(0, out.length));
  return [facts(dtype, out)];
};

/** TensorRT's MSDA plugin (what fuse-msda emits): value [N,S,M,D], locations [N,Lq,M,L,P,2] -> [N,Lq,M,D]. */
const msdaPlugin: OpHandler = (ctx) => {
  const value = ctx.shape(0);
  const locations = ctx.shape(3);
  const dtype = ctx.dtype(0);
  if (!value || value.length !== 4 || !locations || locations.length !== 6) return [facts(dtype, undefined)];
  return [facts(dtype, [value[0]!, locations[1]!, value[2]!, value[3]!])];
};

/** Handlers for neural-network ops, by op type. */
export const nnHandlers: Record<string, OpHandler> = {
  MatMul: matMul,
  MatMulInteger: matMul,
  Gemm: gemm,
  Conv: conv,
  ConvInteger: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  Resize: resize,
  Upsample: resize,
  GridSample: gridSample,
  Einsum: einsum,
};

/** onnxruntime's FusedMatMul: MatMul with optional transposes of the last two axes of each operand. */
const fusedMatMul: OpHandler = (ctx) => {
  if (ctx.attrInt('transBatchA', 0) || ctx.attrInt('transBatchB', 0)) return [facts(ctx.dtype(0), undefined)];
  const swapLast = (shape: DimExpr[] | undefined, on: boolean): DimExpr[] | undefined =>
    !shape || !on || shape.length < 2 ? shape : [...shape.slice(0, -2), shape[shape.length - 1]!, shape[shape.length - 2]!];
  const a = swapLast(ctx.shape(0), ctx.attrInt('transA', 0) === 1);
  const b = swapLast(ctx.shape(1), ctx.attrInt('transB', 0) === 1);
  return [facts(ctx.dtype(0), matMulDims(a, b))];
};

/** onnxruntime's SkipLayerNormalization: the normalized output and the input+skip sum keep the input's shape. */
const skipLayerNormalization: OpHandler = (ctx) =>
  ctx.node.outputs.map((_, i) => (i === 0 || i === 3 ? facts(ctx.dtype(0), ctx.shape(0)) : facts(undefined, undefined)));

/** Handlers for custom-domain ops, keyed `domain:op`. */
export const customHandlers: Record<string, OpHandler> = {
  // onnxruntime's contrib ops that its optimizer writes into saved models, and its GridSample.
  'com.microsoft:GridSample': gridSample,
  'com.microsoft:FusedConv': conv,
  'com.microsoft:FusedMatMul': fusedMatMul,
  'com.microsoft:SkipLayerNormalization': skipLayerNormalization,
  'trt.plugins:MultiscaleDeformableAttnPlugin_TRT': msdaPlugin,
  ':MultiscaleDeformableAttnPlugin_TRT': msdaPlugin,
};
