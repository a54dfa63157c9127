/**
 * Element-wise comparison of one output against its reference, with `numpy.allclose` semantics
 * (`|a - b| <= atol + rtol * |b|`, b the reference) and no charity: NaN never matches a number,
 * NaN matches NaN only when asked, different shapes never match. Every dtype is compared as
 * float64 (float16 decoded exactly, int64 through Number). Tolerances the caller leaves out follow
 * the output's element type (tolerance.ts); a failure says which tolerance would have passed and
 * whether an error that size can be rounding.
 */
import { OnnxSurgeonError } from '../errors.js';
import { DType, type Tensor, dtypeName } from '../ir/index.js';
import { bfloat16ToFloat32, float16ToFloat32 } from '../ir/float16.js';
import { type AppliedTolerances, type PlausibilityJudgement, type ToleranceOverrides, formatTolerance, judgePlausibility, judgingDType, tolerancesFor } from './tolerance.js';

/**
 * Denominator floor of the relative error (float32's smallest normal, numpy `finfo(float32).tiny`).
 *
 * @group Comparison
 */
export const RELATIVE_ERROR_FLOOR = 1.1754943508222875e-38;

/**
 * Element type and shape of one side of a comparison.
 *
 * @group Comparison
 */
export interface TensorSummary {
  /** Element type name (`float`, `float16`, ...). */
  dtype: string;
  /** Dims. */
  shape: number[];
}

/**
 * Error statistics over all elements (only when both sides have the same shape).
 *
 * @group Comparison
 */
export interface ErrorStats {
  /** Number of elements compared. */
  elements: number;
  /** Largest |a - b| over positions where neither side is NaN (0 for empty outputs). */
  maxAbsError: number;
  /** Largest |a - b| / max(|b|, {@link RELATIVE_ERROR_FLOOR}) over the same positions. */
  maxRelError: number;
  /** Elements failing `|a - b| <= atol + rtol * |b|`, NaN mismatches included. */
  mismatches: number;
  /** Positions where exactly one side is NaN, or both are and `nanEqual` is off. */
  nanMismatches: number;
  /** The most telling element: the first NaN mismatch if any, else the largest absolute error. */
  worst?: { index: number[]; actual: number; expected: number };
  /** Largest finite |reference|: the output's scale (0 for empty or all-NaN outputs). */
  scale: number;
  /** Smallest atol that passes every non-NaN element at the rtol used (Infinity where an infinity mismatches). */
  passingAtol: number;
  /** Smallest rtol that passes every non-NaN element at the atol used (Infinity where a reference 0 needs more than atol). */
  passingRtol: number;
}

/**
 * What a failed output needed, and whether that can be rounding.
 *
 * @group Comparison
 */
export interface ToleranceHint {
  /** Smallest atol that would have passed (at the rtol used); Infinity when none would. */
  atol: number;
  /** Smallest rtol that would have passed (at the atol used); Infinity when none would. */
  rtol: number;
  /** The largest error against the rounding of the judging element type. */
  plausibility: PlausibilityJudgement;
  /** One clause for the report: both tolerances and the judgement. */
  text: string;
}

/**
 * Outcome for one output name.
 *
 * @group Comparison
 */
export interface OutputComparison {
  /** Output name. */
  name: string;
  /** `error`: the output exists on one side only. */
  status: 'pass' | 'fail' | 'error';
  /** Why it did not pass, one line. */
  reason?: string;
  /** The rewritten model's output (absent when it has none of this name). */
  actual?: TensorSummary;
  /** The reference output (absent when the reference has none of this name). */
  reference?: TensorSummary;
  /** True when both sides exist and their element types differ (values are still compared). */
  dtypeDiffers: boolean;
  /** The tolerances applied (present when both sides exist). */
  tolerances?: AppliedTolerances;
  /** Present when both sides exist with equal shapes. */
  stats?: ErrorStats;
  /** On a numeric failure: the tolerance that would have passed and whether it is plausible. */
  hint?: ToleranceHint;
}

/**
 * Compares `actual` (the rewritten model's output) against `reference`. Tolerances left out of
 * `tolerances` follow the element type (see {@link tolerancesFor}): `{}` judges a float16 output
 * by float16's defaults.
 *
 * @example
 * ```ts
 * const c = compareOutput('y', Tensor.float32([1, 2.00001]), Tensor.float32([1, 2]));
 * c.status;              // 'pass' (float32 defaults: rtol 1e-4, atol 1e-5)
 * c.stats?.maxAbsError;  // ~1e-5
 * compareOutput('y', Tensor.float32([1, 2.00001]), Tensor.float32([1, 2]), { atol: 0, rtol: 0 }).hint?.text; // 'would pass with atol 1.1e-5 ...'
 * ```
 * @group Comparison
 */
export function compareOutput(name: string, actual: Tensor, reference: Tensor, tolerances: ToleranceOverrides = {}): OutputComparison {
  const applied = tolerancesFor(actual.dtype, reference.dtype, tolerances);
  const base = { name, actual: summarize(actual), reference: summarize(reference), dtypeDiffers: actual.dtype !== reference.dtype, tolerances: applied };
  if (!sameShape(actual.dims, reference.dims)) {
    return { ...base, status: 'fail', reason: `shape [${actual.dims.join(',')}] differs from the reference's [${reference.dims.join(',')}]` };
  }
  const a = toFloat64(actual, name);
  const b = toFloat64(reference, name);
  const stats = errorStats(a, b, actual.dims, applied);
  if (stats.mismatches === 0) return { ...base, status: 'pass', stats };
  const parts = [`${stats.mismatches} of ${stats.elements} elements outside atol ${applied.atol} + rtol ${applied.rtol}*|ref|`];
  if (stats.nanMismatches) parts.push(`${stats.nanMismatches} of them NaN${applied.nanEqual ? '' : ' (NaN never equals NaN without --nan-equal)'}`);
  const comparison: OutputComparison = { ...base, status: 'fail', reason: parts.join(', '), stats };
  if (stats.nanMismatches < stats.mismatches) comparison.hint = toleranceHint(stats, applied, judgingDType(actual.dtype, reference.dtype));
  return comparison;
}

function toleranceHint(stats: ErrorStats, applied: AppliedTolerances, dtype: number): ToleranceHint {
  const plausibility = judgePlausibility(stats.maxAbsError, stats.scale, dtype);
  const options: string[] = [];
  if (Number.isFinite(stats.passingAtol)) options.push(`atol ${formatTolerance(stats.passingAtol)} (at rtol ${applied.rtol})`);
  if (Number.isFinite(stats.passingRtol)) options.push(`rtol ${formatTolerance(stats.passingRtol)} (at atol ${applied.atol})`);
  const would = options.length ? `would pass with ${options.join(' or ')}` : 'no finite tolerance passes (an infinity differs)';
  const nan = stats.nanMismatches ? `, NaN mismatches aside` : '';
  return { atol: stats.passingAtol, rtol: stats.passingRtol, plausibility, text: `${would}${nan}; the largest error is ${plausibility.text}` };
}

/**
 * The entry for an output that only one side has: always an error, never a pass.
 *
 * @example
 * ```ts
 * missingOutput('boxes', 'rewritten', Tensor.float32([0, 0, 1, 1], [1, 4])).status; // 'error'
 * ```
 * @group Comparison
 */
export function missingOutput(name: string, missingFrom: 'rewritten' | 'reference', present: Tensor): OutputComparison {
  const summary = summarize(present);
  return missingFrom === 'rewritten'
    ? { name, status: 'error', reason: `the rewritten model has no output '${name}'`, reference: summary, dtypeDiffers: false }
    : { name, status: 'error', reason: `the reference has no output '${name}'`, actual: summary, dtypeDiffers: false };
}

/** Statistics of a against b (same length, row-major over `dims`). */
function errorStats(a: Float64Array, b: Float64Array, dims: readonly number[], tolerances: AppliedTolerances): ErrorStats {
  let maxAbsError = 0;
  let maxRelError = 0;
  let mismatches = 0;
  let nanMismatches = 0;
  let worstAt = -1;
  let firstNanAt = -1;
  let scale = 0;
  let passingAtol = 0;
  let passingRtol = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y) && tolerances.nanEqual) continue;
      nanMismatches++;
      mismatches++;
      if (firstNanAt < 0) firstNanAt = i;
      continue;
    }
    // As in numpy: infinities match only themselves (the bound atol + rtol*|inf| would let
    // -inf pass against +inf); Infinity - Infinity would be NaN.
    const diff = x === y ? 0 : Math.abs(x - y);
    const rel = diff / Math.max(Math.abs(y), RELATIVE_ERROR_FLOOR);
    const infinite = !Number.isFinite(x) || !Number.isFinite(y);
    if (infinite ? x !== y : !(diff <= tolerances.atol + tolerances.rtol * Math.abs(y))) mismatches++;
    if (Number.isFinite(y) && Math.abs(y) > scale) scale = Math.abs(y);
    if (infinite) {
      if (x !== y) passingAtol = passingRtol = Number.POSITIVE_INFINITY;
    } else {
      passingAtol = Math.max(passingAtol, diff - tolerances.rtol * Math.abs(y));
      if (diff > tolerances.atol) passingRtol = Math.max(passingRtol, y === 0 ? Number.POSITIVE_INFINITY : (diff - tolerances.atol) / Math.abs(y));
    }
    if (worstAt < 0 || diff > maxAbsError) {
      maxAbsError = diff;
      worstAt = i;
    }
    if (rel > maxRelError) maxRelError = rel;
  }
  const at = firstNanAt >= 0 ? firstNanAt : worstAt;
  const stats: ErrorStats = { elements: a.length, maxAbsError, maxRelError, mismatches, nanMismatches, scale, passingAtol, passingRtol };
  if (at >= 0) stats.worst = { index: unravel(at, dims), actual: a[at]!, expected: b[at]! };
  return stats;
}

/**
 * The values of a numeric tensor as float64 (float16 and bfloat16 decoded exactly, int64 and
 * uint64 through Number, bool as 0/1).
 *
 * @example
 * ```ts
 * toFloat64(Tensor.fromArray(DType.FLOAT16, [1], new Uint16Array([0x3c00])), 'x'); // Float64Array [1]
 * ```
 * @group Comparison
 */
export function toFloat64(tensor: Tensor, name: string): Float64Array {
  const out = new Float64Array(tensor.size);
  switch (tensor.dtype) {
    case DType.FLOAT16: {
      const bits = tensor.data() as Uint16Array;
      for (let i = 0; i < out.length; i++) out[i] = float16ToFloat32(bits[i]!);
      return out;
    }
    case DType.BFLOAT16: {
      const bits = tensor.data() as Uint16Array;
      for (let i = 0; i < out.length; i++) out[i] = bfloat16ToFloat32(bits[i]!);
      return out;
    }
    case DType.FLOAT: case DType.DOUBLE: case DType.INT8: case DType.UINT8: case DType.INT16: case DType.UINT16:
    case DType.INT32: case DType.UINT32: case DType.BOOL: {
      const data = tensor.data() as ArrayLike<number>;
      for (let i = 0; i < out.length; i++) out[i] = data[i]!;
      return out;
    }
    case DType.INT64: case DType.UINT64: {
      const data = tensor.data() as BigInt64Array | BigUint64Array;
      for (let i = 0; i < out.length; i++) out[i] = Number(data[i]!);
      return out;
    }
    default:
      throw new OnnxSurgeonError('usage', `cannot compare ${dtypeName(tensor.dtype)} values`, { tensor: name, expected: 'a numeric or bool output' });
  }
}

function summarize(tensor: Tensor): TensorSummary {
  return { dtype: dtypeName(tensor.dtype), shape: [...tensor.dims] };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function unravel(flat: number, dims: readonly number[]): number[] {
  const index = new Array<number>(dims.length).fill(0);
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    const size = dims[axis]!;
    index[axis] = size ? flat % size : 0;
    flat = size ? Math.floor(flat / size) : 0;
  }
  return index;
}
