/**
 * Which tolerances an output is judged with, and what to tell a user whose output failed them.
 *
 * Defaults follow the element type: a float16 model rounds every op to 11 significant bits, so a
 * correct rewrite of it differs from the original by a few float16 ulps (measured: 2-2.5 ulps at
 * the output's scale on the float16 MSDA exports), far more than float32's defaults allow, while a
 * wrong rewrite differs by a hundred and more. An output is judged by the coarser element type of
 * its two sides (a float16 model against its float32 original rounds like float16). Integer and
 * bool outputs must match exactly.
 */
import { DType, type DTypeCode, dtypeName } from '../ir/index.js';

/**
 * Tolerances of a comparison.
 *
 * @group Tolerances
 */
export interface Tolerances {
  /** Relative tolerance, scaled by |reference|. */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
  /** Count NaN in both outputs at the same position as equal (default false). */
  nanEqual: boolean;
}

/**
 * Tolerances chosen by the caller; what is left out follows the output's element type.
 *
 * @group Tolerances
 */
export interface ToleranceOverrides {
  /** Relative tolerance for every output. */
  rtol?: number;
  /** Absolute tolerance for every output. */
  atol?: number;
  /** NaN at the same position on both sides counts as equal (default false). */
  nanEqual?: boolean;
}

/**
 * The tolerances one output was judged with, and where they came from.
 *
 * @group Tolerances
 */
export interface AppliedTolerances extends Tolerances {
  /** Element type whose defaults apply (the coarser of the two sides), as {@link precisionName} names it: `float16`, `float32`. */
  dtype: string;
  /** Which of rtol/atol the caller gave (the rest are the dtype's defaults). */
  given: ('rtol' | 'atol')[];
}

/**
 * Default `rtol`/`atol` by element type. float32 (and float64, which onnx-surgeon's rewrites
 * compute in float32 at best): loose enough for float32 reassociation, tight enough to catch a wrong
 * level table. float16: 1e-2 is ~10 float16 ulps at |x| = 1; the correct float16 fusions need
 * at most atol 1.4e-3 at that rtol, a wrong level start index needs 0.24. bfloat16 (7 significant
 * bits, not measured on an export: onnxruntime's CPU provider runs few bfloat16 ops): 4e-2.
 * Integers and bool: exact.
 * @group Tolerances
 */
export const DEFAULT_TOLERANCES_BY_DTYPE: Readonly<Record<'float64' | 'float32' | 'float16' | 'bfloat16' | 'exact', Readonly<{ rtol: number; atol: number }>>> = Object.freeze({
  float64: Object.freeze({ rtol: 1e-4, atol: 1e-5 }),
  float32: Object.freeze({ rtol: 1e-4, atol: 1e-5 }),
  float16: Object.freeze({ rtol: 1e-2, atol: 1e-2 }),
  bfloat16: Object.freeze({ rtol: 4e-2, atol: 4e-2 }),
  exact: Object.freeze({ rtol: 0, atol: 0 }),
});

/**
 * float32's defaults (rtol 1e-4, atol 1e-5, NaN never equal): what float32 and float64 outputs get.
 *
 * @group Tolerances
 */
export const DEFAULT_TOLERANCES: Readonly<Tolerances> = Object.freeze({ ...DEFAULT_TOLERANCES_BY_DTYPE.float32, nanEqual: false });

/** Explicit significand bits (without the implicit one) of the float types. */
const MANTISSA_BITS: Readonly<Record<number, number>> = {
  [DType.DOUBLE]: 52, [DType.FLOAT]: 23, [DType.FLOAT16]: 10, [DType.BFLOAT16]: 7,
};

/**
 * Default tolerances for one element type.
 *
 * @example
 * ```ts
 * defaultTolerances(DType.FLOAT16); // { rtol: 0.01, atol: 0.01 }
 * defaultTolerances(DType.INT64);   // { rtol: 0, atol: 0 }
 * ```
 * @group Tolerances
 */
export function defaultTolerances(dtype: DTypeCode): { rtol: number; atol: number } {
  switch (dtype) {
    case DType.DOUBLE: return { ...DEFAULT_TOLERANCES_BY_DTYPE.float64 };
    case DType.FLOAT16: return { ...DEFAULT_TOLERANCES_BY_DTYPE.float16 };
    case DType.BFLOAT16: return { ...DEFAULT_TOLERANCES_BY_DTYPE.bfloat16 };
    case DType.FLOAT: return { ...DEFAULT_TOLERANCES_BY_DTYPE.float32 };
    default: return MANTISSA_BITS[dtype] === undefined ? { ...DEFAULT_TOLERANCES_BY_DTYPE.exact } : { ...DEFAULT_TOLERANCES_BY_DTYPE.float32 };
  }
}

/**
 * The element type an output is judged by: the coarser float type of the two sides, or the
 * integer type when both are exact.
 *
 * @example
 * ```ts
 * judgingDType(DType.FLOAT16, DType.FLOAT); // DType.FLOAT16
 * ```
 * @group Tolerances
 */
export function judgingDType(actual: DTypeCode, reference: DTypeCode): DTypeCode {
  const bitsA = MANTISSA_BITS[actual];
  const bitsB = MANTISSA_BITS[reference];
  if (bitsA === undefined) return bitsB === undefined ? actual : reference;
  if (bitsB === undefined) return actual;
  return bitsA <= bitsB ? actual : reference;
}

/**
 * The tolerances an output of these element types is judged with under `overrides`.
 *
 * @example
 * ```ts
 * tolerancesFor(DType.FLOAT16, DType.FLOAT16, { rtol: 1e-3 });
 * // { rtol: 0.001, atol: 0.01, nanEqual: false, dtype: 'float16', given: ['rtol'] }
 * ```
 * @group Tolerances
 */
export function tolerancesFor(actual: DTypeCode, reference: DTypeCode, overrides: ToleranceOverrides = {}): AppliedTolerances {
  const dtype = judgingDType(actual, reference);
  const defaults = defaultTolerances(dtype);
  const given: ('rtol' | 'atol')[] = [];
  if (overrides.rtol !== undefined) given.push('rtol');
  if (overrides.atol !== undefined) given.push('atol');
  return {
    rtol: overrides.rtol ?? defaults.rtol,
    atol: overrides.atol ?? defaults.atol,
    nanEqual: overrides.nanEqual ?? false,
    dtype: precisionName(dtype),
    given,
  };
}

/**
 * An element type as precision is usually named: `float32`, `float64`, `float16`, `int64`.
 *
 * @example
 * ```ts
 * precisionName(DType.FLOAT); // 'float32'
 * ```
 * @group Tolerances
 */
export function precisionName(dtype: DTypeCode): string {
  return dtype === DType.FLOAT ? 'float32' : dtype === DType.DOUBLE ? 'float64' : dtypeName(dtype);
}

/**
 * How a failed output's error compares with the rounding of its element type.
 *
 * @group Tolerances
 */
export interface PlausibilityJudgement {
  /** The largest error in ulps of the judging dtype at the output's scale (largest |reference|). */
  ulps: number;
  /** `rounding`: up to 8 ulps; `unusual`: up to 32 (long chains of ops, cancellation); `beyond`: more; `exact`: an integer output. */
  verdict: 'rounding' | 'unusual' | 'beyond' | 'exact';
  /** One clause for the report. */
  text: string;
}

/**
 * Up to this many ulps at the output's scale: what rounding in the output's dtype typically gives.
 *
 * @group Tolerances
 */
export const ROUNDING_ULPS = 8;
/**
 * Up to this many: possible after long chains of ops or cancellation; beyond it, not rounding.
 *
 * @group Tolerances
 */
export const UNUSUAL_ULPS = 32;

/**
 * Judges whether an error of `maxAbsError` on an output whose largest |reference| is `scale` can
 * be rounding in `dtype`, by counting ulps of `dtype` at `scale`.
 *
 * @example
 * ```ts
 * judgePlausibility(4.9e-3, 3.67, DType.FLOAT16).verdict; // 'rounding' (2.5 float16 ulps at 3.67)
 * judgePlausibility(0.24, 3.67, DType.FLOAT16).verdict;   // 'beyond' (125 ulps)
 * ```
 * @group Tolerances
 */
export function judgePlausibility(maxAbsError: number, scale: number, dtype: DTypeCode): PlausibilityJudgement {
  const name = precisionName(dtype);
  const bits = MANTISSA_BITS[dtype];
  if (bits === undefined) {
    return { ulps: Number.POSITIVE_INFINITY, verdict: 'exact', text: `${name} values do not round: they differ (an index or count changed; a float tie broken differently upstream can do that)` };
  }
  const ulps = maxAbsError / ulpAt(scale, bits);
  const at = `${formatUlps(ulps)} ${name} ulps at the output's scale (largest |reference| ${formatNumber(scale)})`;
  if (ulps <= ROUNDING_ULPS) return { ulps, verdict: 'rounding', text: `${at}: plausible ${name} rounding` };
  if (ulps <= UNUSUAL_ULPS) return { ulps, verdict: 'unusual', text: `${at}: more than ${name} rounding usually gives (long chains of ops or cancellation can); check the rewrite` };
  return { ulps, verdict: 'beyond', text: `${at}: far beyond ${name} rounding, the models compute different things` };
}

/** The spacing of floats with `bits` explicit significand bits at magnitude `x` (normal numbers; 1 below them). */
function ulpAt(x: number, bits: number): number {
  const magnitude = Number.isFinite(x) && x > 0 ? x : 1;
  return 2 ** (Math.floor(Math.log2(magnitude)) - bits);
}

function formatUlps(ulps: number): string {
  return ulps >= 100 ? ulps.toFixed(0) : ulps.toPrecision(2);
}

/**
 * A tolerance for messages: two significant digits, rounded up so that the printed value still
 * passes (`0.00489` → `4.9e-3`).
 *
 * @example
 * ```ts
 * formatTolerance(0.004883); // '4.9e-3'
 * ```
 * @group Tolerances
 */
export function formatTolerance(value: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  const exponent = Math.floor(Math.log10(value));
  const mantissa = Math.ceil((value / 10 ** exponent) * 10 - 1e-9) / 10;
  return mantissa >= 10 ? `1e${exponent + 1}` : `${mantissa}e${exponent}`;
}

function formatNumber(x: number): string {
  return Math.abs(x) >= 0.01 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

/**
 * The tolerances as a clause: `float16 defaults (rtol 0.01, atol 0.01)`, or with what was given,
 * `rtol 0.001 (given), atol 0.01 (float16 default)`.
 *
 * @example
 * ```ts
 * describeTolerances(tolerancesFor(DType.FLOAT16, DType.FLOAT16)); // 'float16 defaults (rtol 0.01, atol 0.01)'
 * ```
 * @group Tolerances
 */
export function describeTolerances(applied: AppliedTolerances): string {
  const nan = applied.nanEqual ? ', NaN equals NaN' : '';
  if (!applied.given.length) {
    return applied.rtol === 0 && applied.atol === 0 ? `exact (${applied.dtype})${nan}` : `${applied.dtype} defaults (rtol ${applied.rtol}, atol ${applied.atol})${nan}`;
  }
  if (applied.given.length === 2) return `rtol ${applied.rtol}, atol ${applied.atol} (given)${nan}`;
  const part = (key: 'rtol' | 'atol'): string => `${key} ${applied[key]} (${applied.given.includes(key) ? 'given' : `${applied.dtype} default`})`;
  return `${part('rtol')}, ${part('atol')}${nan}`;
}
