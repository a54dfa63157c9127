import { DType, constantNodeTensor } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { constDims, copyFacts, isIntegerDType, newFacts, tensorValues } from '../facts.js';
import { type OpHandler, facts, normalizeAxis } from './context.js';
import { quotientRounding, truthy } from './value-arith.js';

const constant: OpHandler = (ctx) => {
  // Exporters write one `value` tensor: read it directly (what constantNodeTensor returns for
  // such a node) instead of walking the attribute entries, on models of 40,000 constants.
  const attributes = ctx.node.attributes;
  const only = attributes.size === 1 ? attributes.get('value')?.value : undefined;
  const tensor = only?.kind === 'tensor' ? only.value : constantNodeTensor(ctx.node);
  if (!tensor) return [newFacts()];
  return [newFacts(tensor.dtype, constDims(tensor.dims), tensorValues(tensor), tensor)];
};

const constantOfShape: OpHandler = (ctx) => {
  const attribute = ctx.node.attr('value');
  const fill = attribute?.kind === 'tensor' ? attribute.value : undefined;
  const dtype = fill?.dtype ?? DType.FLOAT;
  const shape = ctx.values(0);
  if (!shape) {
    const len = ctx.shape(0)?.[0]?.constValue();
    return [facts(dtype, ctx.freshDims(0, len))];
  }
  const fillValue = fill ? tensorValues(fill)?.[0] : DimExpr.const(0);
  const count = shape.reduce((n, d) => (n === undefined || d.constValue() === undefined ? undefined : n * d.constValue()!), 1 as number | undefined);
  const values = fillValue && count !== undefined && count <= 64 ? Array.from({ length: count }, () => fillValue) : undefined;
  return [facts(dtype, shape, values)];
};

const range: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const [start, limit, delta] = [ctx.values(0)?.[0], ctx.values(1)?.[0], ctx.values(2)?.[0]];
  const step = delta?.constBigInt();
  if (!start || !limit || step === undefined || step === 0n) {
    // Floats or unknown bounds: a 1-D tensor of unknown length (exact float steps are rare).
    const numbers = [0, 1, 2].map((i) => ctx.numbers(i)?.[0]);
    if (numbers.every((n) => n !== undefined) && numbers[2] !== 0) {
      const n = Math.max(Math.ceil((numbers[1]! - numbers[0]!) / numbers[2]!), 0);
      return [facts(dtype, [DimExpr.const(n)])];
    }
    return [facts(dtype, [ctx.fresh(0, 0)])];
  }
  const span = step > 0n ? limit.sub(start) : start.sub(limit);
  const length = DimExpr.max(span, DimExpr.const(0)).ceilDivConst(step > 0n ? step : -step);
  let values: DimExpr[] | undefined;
  const n = length.constValue();
  if (n !== undefined && n <= 64) values = Array.from({ length: n }, (_, i) => start.add(DimExpr.const(step * BigInt(i))));
  return [facts(dtype, [length], values)];
};

/**
 * Cast keeps tracked values that the target type stores as they are: integers into integer types
 * and into float types (inference then drops any value the target cannot hold exactly, see
 * `representable`), floats (always exact integers here) into integers (truncation of an integer
 * is itself), anything into bool as "non-zero". A cast to int of a float `Div` of integers is
 * that quotient truncated, when the float division provably rounds it right.
 */
const cast: OpHandler = (ctx) => {
  const to = ctx.node.opType === 'CastLike' ? ctx.dtype(1) : ctx.attrInt('to', DType.UNDEFINED);
  const { shape, values } = ctx.facts(0);
  let out: DimExpr[] | undefined;
  if (to === DType.BOOL) out = values?.map(truthy);
  else if (isIntegerDType(to) || to === DType.FLOAT || to === DType.DOUBLE) out = values;
  if (!out && isIntegerDType(to) && to !== DType.BOOL) out = quotientRounding(ctx.node.inputs[0], ctx.factsOf, 'trunc');
  return [facts(to || undefined, shape, out)];
};

const identity: OpHandler = (ctx) => [copyFacts(ctx.facts(0))];

const nonZero: OpHandler = (ctx) => {
  const rank = ctx.rank(0);
  // The count of non-zeros is data-dependent: a fresh symbol named after the node's output.
  const count = DimExpr.symbol(`nonzero__${ctx.outputName(0)}`);
  return [facts(DType.INT64, [rank === undefined ? ctx.fresh(0, 0) : DimExpr.const(rank), count])];
};

const topK: OpHandler = (ctx) => {
  const shape = ctx.shape(0);
  const dtype = ctx.dtype(0);
  if (!shape) return [facts(dtype, undefined), facts(DType.INT64, undefined)];
  const axis = normalizeAxis(ctx.attrInt('axis', -1), shape.length);
  if (axis === undefined) return [facts(dtype, undefined), facts(DType.INT64, undefined)];
  const k = ctx.has(1) ? ctx.values(1)?.[0] : ctx.node.attr('k') ? DimExpr.const(ctx.attrInt('k', 0)) : undefined;
  const out = [...shape];
  out[axis] = k ?? DimExpr.symbol(`topk__${ctx.outputName(0)}`);
  return [facts(dtype, out), facts(DType.INT64, [...out])];
};

/** ArgMax/ArgMin: reduce one axis into int64 indices. */
const argReduce: OpHandler = (ctx) => {
  const shape = ctx.shape(0);
  if (!shape) return [facts(DType.INT64, undefined)];
  const axis = normalizeAxis(ctx.attrInt('axis', 0), shape.length);
  if (axis === undefined) return [facts(DType.INT64, undefined)];
  const keep = ctx.attrInt('keepdims', 1) === 1;
  const out = keep ? shape.map((d, i) => (i === axis ? DimExpr.const(1) : d)) : shape.filter((_, i) => i !== axis);
  return [facts(DType.INT64, out)];
};

/** Dropout: the data, and a bool mask of the same shape. */
const dropout: OpHandler = (ctx) => [facts(ctx.dtype(0), ctx.shape(0), ctx.values(0)), facts(DType.BOOL, ctx.shape(0))];

const layerNormalization: OpHandler = (ctx) => {
  const shape = ctx.shape(0);
  const dtype = ctx.dtype(0);
  const stash = ctx.attrInt('stash_type', DType.FLOAT);
  if (!shape) return [facts(dtype, undefined), facts(stash, undefined), facts(stash, undefined)];
  const axis = normalizeAxis(ctx.attrInt('axis', -1), shape.length) ?? shape.length - 1;
  const reduced = shape.map((d, i) => (i < axis ? d : DimExpr.const(1)));
  return [facts(dtype, shape), facts(stash, reduced), facts(stash, [...reduced])];
};

const batchNormalization: OpHandler = (ctx) => {
  const channels = ctx.shape(1);
  return ctx.node.outputs.map((_, i) => (i === 0 ? facts(ctx.dtype(0), ctx.shape(0)) : facts(ctx.dtype(1), channels)));
};

const eyeLike: OpHandler = (ctx) => [facts(ctx.node.attr('dtype') ? ctx.attrInt('dtype', DType.FLOAT) : ctx.dtype(0), ctx.shape(0))];

const oneHot: OpHandler = (ctx) => {
  const shape = ctx.shape(0);
  const depth = ctx.values(1)?.[0];
  if (!shape) return [facts(ctx.dtype(2), undefined)];
  const rank = shape.length + 1;
  const axis = normalizeAxis(ctx.attrInt('axis', -1), rank) ?? rank - 1;
  const out = [...shape];
  out.splice(axis, 0, depth ?? ctx.fresh(0, axis));
  return [facts(ctx.dtype(2), out)];
};

/** Handlers for constants, generators, casts and data-dependent ops, by op type. */
export const generatorHandlers: Record<string, OpHandler> = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  Cast: cast,
  CastLike: cast,
  Identity: identity,
  NonZero: nonZero,
  TopK: topK,
  ArgMax: argReduce,
  ArgMin: argReduce,
  Dropout: dropout,
  LayerNormalization: layerNormalization,
  BatchNormalization: batchNormalization,
  EyeLike: eyeLike,
  OneHot: oneHot,
};
