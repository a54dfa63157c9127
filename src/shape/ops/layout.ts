import { DType, type DTypeCode } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { staticDims } from '../facts.js';
import { broadcastShapes, broadcastValues } from './broadcast.js';
import { type OpContext, type OpHandler, facts, normalizeAxis, product } from './context.js';
import { clampIndex } from './slice.js';

const shapeOp: OpHandler = (ctx) => {
  const shape = ctx.shape(0);
  if (!shape) return [facts(DType.INT64, undefined)];
  const rank = shape.length;
  const start = clampIndex(ctx.attrInt('start', 0), rank);
  const end = clampIndex(ctx.node.attr('end') ? ctx.attrInt('end', rank) : rank, rank);
  const values = shape.slice(start, Math.max(start, end));
  return [facts(DType.INT64, [DimExpr.const(values.length)], values)];
};

const size: OpHandler = (ctx) => {
  const shape = ctx.shape(0);
  return [facts(DType.INT64, [], shape ? [product(shape)] : undefined)];
};

/** Row-major strides of static dims. */
function strides(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1]! * dims[i + 1]!;
  return out;
}

const gather: OpHandler = (ctx) => {
  const data = ctx.shape(0);
  const indices = ctx.shape(1);
  const dtype = ctx.dtype(0);
  if (!data || !indices) return [facts(dtype, undefined)];
  const axis = normalizeAxis(ctx.attrInt('axis', 0), data.length);
  if (axis === undefined) return [facts(dtype, undefined)];
  const shape = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  // Values: gathering elements of a tracked tensor with constant indices.
  let values: DimExpr[] | undefined;
  const dataValues = ctx.values(0);
  const dataDims = staticDims(data);
  const index = ctx.ints(1);
  const outDims = staticDims(shape);
  if (dataValues && dataDims && index && outDims) {
    const n = dataDims[axis]!;
    const outer = dataDims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = dataDims.slice(axis + 1).reduce((a, b) => a * b, 1);
    values = [];
    for (let o = 0; o < outer && values; o++) {
      for (const raw of index) {
        const k = raw < 0 ? raw + n : raw;
        if (k < 0 || k >= n) {
          values = undefined;
          break;
        }
        for (let i = 0; i < inner; i++) values.push(dataValues[(o * n + k) * inner + i]!);
      }
    }
  }
  return [facts(dtype, shape, values)];
};

/** GatherElements, ScatterElements-like ops whose output takes the indices' (or data's) shape. */
const gatherElements: OpHandler = (ctx) => [facts(ctx.dtype(0), ctx.shape(1))];
const sameAsData: OpHandler = (ctx) => [facts(ctx.dtype(0), ctx.shape(0))];

const gatherND: OpHandler = (ctx) => {
  const data = ctx.shape(0);
  const indices = ctx.shape(1);
  const last = indices?.[indices.length - 1]?.constValue();
  if (!data || !indices || last === undefined) return [facts(ctx.dtype(0), undefined)];
  const batch = ctx.attrInt('batch_dims', 0);
  return [facts(ctx.dtype(0), [...indices.slice(0, -1), ...data.slice(batch + last)])];
};

const split: OpHandler = (ctx) => {
  const count = ctx.node.outputs.length;
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  const unknown = Array.from({ length: count }, () => facts(dtype, undefined));
  if (!shape) return unknown;
  const axis = normalizeAxis(ctx.attrInt('axis', 0), shape.length);
  if (axis === undefined) return unknown;
  const dim = shape[axis]!;
  let sizes: DimExpr[] | undefined;
  if (ctx.has(1)) sizes = ctx.values(1);
  else if (ctx.attrInts('split')) sizes = ctx.attrInts('split')!.map((x) => DimExpr.const(x));
  else {
    const parts = ctx.node.attr('num_outputs') ? ctx.attrInt('num_outputs', count) : count;
    // Opset 18: ceil-sized chunks, the last one smaller; equal split divides exactly.
    const chunk = dim.divExact(parts) ?? dim.ceilDivConst(parts);
    sizes = Array.from({ length: count }, (_, i) => (i < count - 1 ? chunk : dim.sub(chunk.mul(count - 1))));
  }
  const sizeList = sizes;
  // Values of a split 1-D tracked tensor (a shape tensor cut into pieces).
  const input = ctx.values(0);
  const constSizes = sizeList?.map((d) => d.constValue());
  let offset = 0;
  return Array.from({ length: count }, (_, i) => {
    const out = [...shape];
    out[axis] = sizeList?.[i] ?? ctx.fresh(i, axis);
    const n = constSizes?.[i];
    const values = input && shape.length === 1 && n !== undefined ? input.slice(offset, offset + n) : undefined;
    offset += n ?? 0;
    return facts(dtype, out, values);
  });
};

/** Names inference makes up for what it does not know (see `OpContext.fresh`, NonZero, TopK, Loop). */
function isFreshSymbol(name: string): boolean {
  return /^(unk|nonzero|topk|loop)__/.test(name);
}

/** Dim `d` of the known shapes: a constant, else one without fresh symbols, else the first. */
function agreedDim(shapes: readonly (readonly DimExpr[] | undefined)[], d: number): DimExpr {
  let first: DimExpr | undefined;
  for (const s of shapes) {
    if (!s) continue;
    const x = s[d]!;
    first ??= x;
    if (x.isConst()) return x;
  }
  for (const s of shapes) if (s && !s[d]!.baseSymbols().some(isFreshSymbol)) return s[d]!;
  return first!;
}

const concat: OpHandler = (ctx) => {
  const indexes = ctx.presentInputs();
  const shapes = indexes.map((i) => ctx.shape(i));
  let dtype: DTypeCode | undefined;
  for (let k = 0; k < indexes.length && dtype === undefined; k++) dtype = ctx.dtype(indexes[k]!);
  const known = shapes.find((s) => s !== undefined);
  if (!known) return [facts(dtype, undefined)];
  const rank = known.length;
  const axis = normalizeAxis(ctx.attrInt('axis', 0), rank);
  if (axis === undefined) return [facts(dtype, undefined)];
  const out: DimExpr[] = [];
  for (let d = 0; d < rank; d++) {
    if (d === axis) {
      out.push(shapes.every((s) => s) ? shapes.reduce((acc, s) => acc.add(s![d]!), DimExpr.const(0)) : ctx.fresh(0, d));
    } else {
      // onnxruntime requires the inputs to agree off the axis, so any one is right: prefer a
      // constant, then one without fresh symbols (an upsampled map's size may be unknown where
      // the lateral map it is concatenated with has the exporter's expression).
      out.push(agreedDim(shapes, d));
    }
  }
  let values: DimExpr[] | undefined;
  if (rank === 1 || axis === 0) {
    values = [];
    for (const i of indexes) {
      const v = ctx.values(i);
      if (!v) {
        values = undefined;
        break;
      }
      values.push(...v);
    }
  }
  return [facts(dtype, out, values)];
};

/** Axes from input 1 (opset 13+) or the `axes` attribute (older opsets). */
function axesOf(ctx: OpContext): number[] | undefined | 'unknown' {
  if (ctx.has(1)) return ctx.ints(1) ?? 'unknown';
  return ctx.attrInts('axes');
}

const unsqueeze: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  const axes = axesOf(ctx);
  if (!shape || !axes || axes === 'unknown') return [facts(dtype, undefined)];
  const rank = shape.length + axes.length;
  const normalized = axes.map((a) => normalizeAxis(a, rank));
  if (normalized.some((a) => a === undefined)) return [facts(dtype, undefined)];
  const inserted = new Set(normalized as number[]);
  if (inserted.size !== axes.length) return [facts(dtype, undefined)];
  const out: DimExpr[] = [];
  let next = 0;
  for (let d = 0; d < rank; d++) out.push(inserted.has(d) ? DimExpr.const(1) : shape[next++]!);
  return [facts(dtype, out, ctx.values(0))];
};

const squeeze: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  const axes = axesOf(ctx);
  if (!shape || axes === 'unknown') return [facts(dtype, undefined)];
  let drop: Set<number>;
  if (axes) {
    const normalized = axes.map((a) => normalizeAxis(a, shape.length));
    if (normalized.some((a) => a === undefined)) return [facts(dtype, undefined)];
    drop = new Set(normalized as number[]);
  } else {
    // No axes: every dim of size 1 goes; symbolic dims are taken not to be 1.
    drop = new Set(shape.map((d, i) => (d.constValue() === 1 ? i : -1)).filter((i) => i >= 0));
  }
  return [facts(dtype, shape.filter((_, i) => !drop.has(i)), ctx.values(0))];
};

const reshape: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const input = ctx.shape(0);
  const target = ctx.values(1) ?? ctx.attrInts('shape')?.map((x) => DimExpr.const(x));
  if (!target) {
    const len = ctx.shape(1)?.[0]?.constValue();
    return [facts(dtype, ctx.freshDims(0, len))];
  }
  const allowZero = ctx.attrInt('allowzero', 0) === 1;
  const out: (DimExpr | undefined)[] = target.map((t, i) => {
    const c = t.constValue();
    if (c === 0 && !allowZero) return input?.[i] ?? ctx.fresh(0, i);
    if (c === -1) return undefined;
    return t;
  });
  const inferred = out.indexOf(undefined);
  if (inferred >= 0 && out.lastIndexOf(undefined) === inferred) {
    const known = product(out.filter((d): d is DimExpr => d !== undefined));
    const total = input ? product(input) : undefined;
    let solved = total?.divExact(known);
    if (!solved && total && known.isConst() && (known.constValue() ?? 0) > 0 && total.isNonNegative()) {
      // Not provably exact: floor is what a valid model computes anyway.
      solved = total.floorDivConst(known.constBigInt()!);
    }
    out[inferred] = solved ?? ctx.fresh(0, inferred);
  }
  // More than one -1 is invalid; the rank is still known.
  out.forEach((d, i) => {
    if (!d) out[i] = ctx.fresh(0, i);
  });
  return [facts(dtype, out as DimExpr[], ctx.values(0))];
};

const transpose: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  if (!shape) return [facts(dtype, undefined)];
  const perm = ctx.attrInts('perm') ?? shape.map((_, i) => shape.length - 1 - i);
  if (perm.length !== shape.length || perm.some((p) => normalizeAxis(p, shape.length) === undefined)) {
    return [facts(dtype, undefined)];
  }
  const out = perm.map((p) => shape[normalizeAxis(p, shape.length)!]!);
  let values: DimExpr[] | undefined;
  const input = ctx.values(0);
  const dims = staticDims(shape);
  if (input && dims) {
    const inStrides = strides(dims);
    const outDims = perm.map((p) => dims[p]!);
    const total = input.length;
    values = new Array<DimExpr>(total);
    const idx = new Array<number>(outDims.length).fill(0);
    for (let flat = 0; flat < total; flat++) {
      let src = 0;
      for (let k = 0; k < idx.length; k++) src += idx[k]! * inStrides[perm[k]!]!;
      values[flat] = input[src]!;
      for (let k = idx.length - 1; k >= 0; k--) {
        if (++idx[k]! < outDims[k]!) break;
        idx[k] = 0;
      }
    }
  }
  return [facts(dtype, out, values)];
};

const expand: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const target = ctx.values(1);
  if (!target) {
    const len = ctx.shape(1)?.[0]?.constValue();
    const inRank = ctx.rank(0);
    if (len === undefined || inRank === undefined) return [facts(dtype, undefined)];
    return [facts(dtype, ctx.freshDims(0, Math.max(len, inRank)))];
  }
  const shape = broadcastShapes([ctx.shape(0), target]);
  const values = broadcastValues(shape, [{ shape: ctx.shape(0), values: ctx.values(0) }], ([v]) => v);
  return [facts(dtype, shape, values)];
};

const flatten: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  if (!shape) return [facts(dtype, undefined)];
  let axis = ctx.attrInt('axis', 1);
  if (axis < 0) axis += shape.length;
  if (axis < 0 || axis > shape.length) return [facts(dtype, undefined)];
  return [facts(dtype, [product(shape.slice(0, axis)), product(shape.slice(axis))], ctx.values(0))];
};

const tile: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  const repeats = ctx.values(1);
  if (!shape) return [facts(dtype, undefined)];
  if (!repeats || repeats.length !== shape.length) return [facts(dtype, shape.map((_, i) => ctx.fresh(0, i)))];
  return [facts(dtype, shape.map((d, i) => d.mul(repeats[i]!)))];
};

const pad: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  if (!shape) return [facts(dtype, undefined)];
  const rank = shape.length;
  const pads = ctx.has(1) ? ctx.values(1) : ctx.attrInts('pads')?.map((x) => DimExpr.const(x));
  const axesIn = ctx.has(3) ? ctx.ints(3) : shape.map((_, i) => i);
  if (!pads || !axesIn || pads.length !== 2 * axesIn.length) return [facts(dtype, shape.map((_, i) => ctx.fresh(0, i)))];
  const out = [...shape];
  for (let k = 0; k < axesIn.length; k++) {
    const axis = normalizeAxis(axesIn[k]!, rank);
    if (axis === undefined) return [facts(dtype, undefined)];
    out[axis] = shape[axis]!.add(pads[k]!).add(pads[k + axesIn.length]!);
  }
  return [facts(dtype, out)];
};

const depthToSpace: OpHandler = (ctx) => {
  const shape = ctx.shape(0);
  const b = ctx.attrInt('blocksize', 1);
  if (!shape || shape.length !== 4) return [facts(ctx.dtype(0), undefined)];
  const [n, c, h, w] = shape as [DimExpr, DimExpr, DimExpr, DimExpr];
  const up = ctx.node.opType === 'DepthToSpace';
  const channels = up ? (c.divExact(b * b) ?? ctx.fresh(0, 1)) : c.mul(b * b);
  const height = up ? h.mul(b) : (h.divExact(b) ?? ctx.fresh(0, 2));
  const width = up ? w.mul(b) : (w.divExact(b) ?? ctx.fresh(0, 3));
  return [facts(ctx.dtype(0), [n, channels, height, width])];
};

/** Handlers for shape-manipulating ops, by op type. */
export const layoutHandlers: Record<string, OpHandler> = {
  Shape: shapeOp,
  Size: size,
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  ScatterElements: sameAsData,
  Scatter: sameAsData,
  ScatterND: sameAsData,
  Split: split,
  Concat: concat,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Reshape: reshape,
  Transpose: transpose,
  Expand: expand,
  Flatten: flatten,
  Tile: tile,
  Pad: pad,
  DepthToSpace: depthToSpace,
  SpaceToDepth: depthToSpace,
};
