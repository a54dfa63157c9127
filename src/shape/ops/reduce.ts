import { DimExpr } from '../dim-expr.js';
import { type OpHandler, facts, normalizeAxis } from './context.js';

/**
 * Reduce* ops. Axes come from input 1 (ReduceSum from opset 13, the others from 18) or the `axes`
 * attribute (before); no axes means all axes unless `noop_with_empty_axes` is set.
 */
const reduce: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  const base = facts(dtype, undefined);
  if (!shape) return [base];
  const keep = ctx.attrInt('keepdims', 1) === 1;
  let axes: number[] | undefined;
  if (ctx.has(1)) {
    axes = ctx.ints(1);
    if (!axes) {
      // Unknown axes: with keepdims the rank stays (each dim is itself or 1), else nothing is known.
      return [keep ? facts(dtype, shape.map((_, i) => ctx.fresh(0, i))) : base];
    }
  } else {
    axes = ctx.attrInts('axes');
  }
  if (!axes || !axes.length) {
    if (ctx.attrInt('noop_with_empty_axes', 0) === 1) return [facts(dtype, shape, ctx.values(0))];
    axes = shape.map((_, i) => i);
  }
  const normalized = axes.map((a) => normalizeAxis(a, shape.length));
  if (normalized.some((a) => a === undefined)) return [base];
  const reduced = new Set(normalized as number[]);
  const out = keep
    ? shape.map((d, i) => (reduced.has(i) ? DimExpr.const(1) : d))
    : shape.filter((_, i) => !reduced.has(i));
  return [facts(dtype, out)];
};

/** Handlers for reductions, by op type. */
export const reduceHandlers: Record<string, OpHandler> = Object.fromEntries(
  ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum',
    'ReduceLogSumExp', 'ReduceSumSquare'].map((op) => [op, reduce]),
);
