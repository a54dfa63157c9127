import { DimExpr } from '../dim-expr.js';
import { type OpHandler, facts, normalizeAxis } from './context.js';

/** Clamps a Shape/Slice-style bound into [0, n] for a known length n. */
export function clampIndex(i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  return Math.min(Math.max(j, 0), n);
}

/** Huge Slice bounds (INT64_MAX, INT_MAX...) mean "to the end" whatever the dim. */
const HUGE = 1n << 31n;

/**
 * Length of `[start, end)` with `step` over a dim of size `dim`, following the ONNX clamping
 * rules exactly: for a forward step, `ceil(max(0, min(end, dim) - max(start, 0)) / step)`, which
 * equals clamping both bounds into `[0, dim]` first (a start past the end or an end before 0
 * gives 0 either way); mirrored into `[-1, dim - 1]` for a backward step. The bounds decide the
 * max/min in the usual cases (offsets built from sizes); otherwise they stay opaque, so
 * `x[:, 1:-1]` on a dim `h` that may be 1 is `max(0, h - 2)`, never a negative `h - 2`.
 * Undefined when a symbolic bound's sign is unknown (negative bounds count from the end).
 */
export function sliceLength(dim: DimExpr, startIn: DimExpr, endIn: DimExpr, step: bigint): DimExpr | undefined {
  if (step === 0n) return undefined;
  const forward = step > 0n;
  const low = forward ? DimExpr.const(0) : DimExpr.const(-1);
  const high = forward ? dim : dim.sub(1);
  const resolve = (bound: DimExpr): DimExpr | undefined => {
    const c = bound.constBigInt();
    if (c !== undefined && c >= HUGE) return high;
    if (c !== undefined && c <= -HUGE) return low;
    if (c !== undefined && c < 0n) return bound.add(dim);
    return c === undefined && !bound.isNonNegative() ? undefined : bound;
  };
  const start = resolve(startIn);
  const end = resolve(endIn);
  if (!start || !end) return undefined;
  const [upper, lower] = forward ? [end, start] : [start, end];
  const span = DimExpr.max(DimExpr.const(0), DimExpr.min(upper, high).sub(DimExpr.max(lower, low)));
  return span.ceilDivConst(forward ? step : -step);
}

const slice: OpHandler = (ctx) => {
  const dtype = ctx.dtype(0);
  const shape = ctx.shape(0);
  if (!shape) return [facts(dtype, undefined)];
  const rank = shape.length;
  // Opset < 10 carries starts/ends/axes as attributes; later opsets as inputs.
  const attrForm = ctx.inputCount < 3 && ctx.node.attr('starts') !== undefined;
  const starts = attrForm ? ctx.attrInts('starts')?.map((x) => DimExpr.const(x)) : ctx.values(1);
  const ends = attrForm ? ctx.attrInts('ends')?.map((x) => DimExpr.const(x)) : ctx.values(2);
  const axesIn = attrForm ? ctx.attrInts('axes') : ctx.has(3) ? ctx.ints(3) : undefined;
  const stepsIn = attrForm ? undefined : ctx.has(4) ? ctx.values(4) : undefined;
  if (!starts || !ends || starts.length !== ends.length) {
    // Which axes change is unknown only when axes are unknown; the rank is kept either way.
    return [facts(dtype, shape.map((_, i) => ctx.fresh(0, i)))];
  }
  const axes = axesIn ?? (attrForm || !ctx.has(3) ? starts.map((_, i) => i) : undefined);
  if (!axes) return [facts(dtype, shape.map((_, i) => ctx.fresh(0, i)))];
  const out = [...shape];
  const steps: bigint[] = [];
  for (let k = 0; k < axes.length; k++) {
    const axis = normalizeAxis(axes[k]!, rank);
    const step = stepsIn ? stepsIn[k]?.constBigInt() : 1n;
    if (axis === undefined) return [facts(dtype, undefined)];
    steps.push(step ?? 0n);
    const len = step === undefined ? undefined : sliceLength(shape[axis]!, starts[k]!, ends[k]!, step);
    out[axis] = len ?? ctx.fresh(0, axis);
  }
  // Values of a sliced 1-D tracked tensor (shape tensors).
  let values: DimExpr[] | undefined;
  const input = ctx.values(0);
  if (input && rank === 1 && axes.length === 1) {
    const s = starts[0]!.constValue();
    const e = ends[0]!.constValue();
    const step = Number(steps[0]);
    const n = input.length;
    if (s !== undefined && e !== undefined && step !== 0) {
      values = [];
      if (step > 0) {
        const from = clampIndex(s, n);
        const to = clampIndex(e, n);
        for (let i = from; i < to; i += step) values.push(input[i]!);
      } else {
        const from = Math.min(Math.max(s < 0 ? s + n : s, -1), n - 1);
        const to = Math.min(Math.max(e < 0 ? e + n : e, -1), n - 1);
        for (let i = from; i > to; i += step) values.push(input[i]!);
      }
    }
  }
  return [facts(dtype, out, values)];
};

/** The Slice handler (inputs form, and the attribute form of opset < 10). */
export const sliceHandlers: Record<string, OpHandler> = { Slice: slice };
