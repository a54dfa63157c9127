import { DType, type DTypeCode } from './types.js';

/**
 * Which element types hold every value of which others: the facts a proof needs before it may
 * look through a Cast. A Cast is exact only when the target type can represent every value the
 * source type can hold (float16 -> float32 is, float32 -> float16 and float -> int32 are not).
 */

/** A binary floating-point format: significand bits (with the hidden bit) and exponent range. */
export interface FloatFormat {
  readonly precision: number;
  /** Largest exponent of a finite value. */
  readonly maxExponent: number;
  /** Exponent of the smallest normal value. */
  readonly minExponent: number;
  /** Whether the format has infinities (the float8 `FN`/`FNUZ` formats do not). */
  readonly hasInfinity: boolean;
}

const FLOAT_FORMATS = new Map<DTypeCode, FloatFormat>([
  [DType.FLOAT16, { precision: 11, maxExponent: 15, minExponent: -14, hasInfinity: true }],
  [DType.BFLOAT16, { precision: 8, maxExponent: 127, minExponent: -126, hasInfinity: true }],
  [DType.FLOAT, { precision: 24, maxExponent: 127, minExponent: -126, hasInfinity: true }],
  [DType.DOUBLE, { precision: 53, maxExponent: 1023, minExponent: -1022, hasInfinity: true }],
  [DType.FLOAT8E4M3FN, { precision: 4, maxExponent: 8, minExponent: -6, hasInfinity: false }],
  [DType.FLOAT8E5M2, { precision: 3, maxExponent: 15, minExponent: -14, hasInfinity: true }],
]);

/** Integer types as [min, max]. */
const INTEGER_RANGES = new Map<DTypeCode, readonly [bigint, bigint]>([
  [DType.BOOL, [0n, 1n]],
  [DType.UINT8, [0n, 255n]],
  [DType.INT8, [-128n, 127n]],
  [DType.UINT16, [0n, 65535n]],
  [DType.INT16, [-32768n, 32767n]],
  [DType.UINT32, [0n, 4294967295n]],
  [DType.INT32, [-2147483648n, 2147483647n]],
  [DType.UINT64, [0n, 18446744073709551615n]],
  [DType.INT64, [-9223372036854775808n, 9223372036854775807n]],
]);

/** The format of a floating-point element type, undefined for other types. */
export function floatFormat(dtype: DTypeCode | undefined): FloatFormat | undefined {
  return dtype === undefined ? undefined : FLOAT_FORMATS.get(dtype);
}

/** True for the IEEE-style binary float types this module knows. */
export function isFloatType(dtype: DTypeCode | undefined): boolean {
  return floatFormat(dtype) !== undefined;
}

/**
 * True when every value of type `from` is also a value of type `to`, so `Cast(to)` changes no
 * value (NaN stays NaN, infinities stay infinite, -0 stays -0). Same type: true.
 */
export function holdsEveryValue(to: DTypeCode, from: DTypeCode): boolean {
  if (to === from) return true;
  const wide = FLOAT_FORMATS.get(to);
  const narrowFloat = FLOAT_FORMATS.get(from);
  if (narrowFloat) return wide !== undefined && floatHoldsFloat(wide, narrowFloat);
  const range = INTEGER_RANGES.get(from);
  if (!range) return false;
  const target = INTEGER_RANGES.get(to);
  if (target) return target[0] <= range[0] && range[1] <= target[1];
  // An integer of magnitude below 2^precision is exact in a float (and within its range).
  if (!wide) return false;
  const magnitude = range[1] > -range[0] ? range[1] : -range[0];
  return magnitude <= 2n ** BigInt(wide.precision);
}

function floatHoldsFloat(wide: FloatFormat, narrow: FloatFormat): boolean {
  if (narrow.precision > wide.precision || narrow.maxExponent > wide.maxExponent) return false;
  if (narrow.hasInfinity && !wide.hasInfinity) return false;
  // The narrow format's smallest values (its subnormals) must still fit the wide significand.
  return narrow.minExponent - narrow.precision >= wide.minExponent - wide.precision;
}

/**
 * The narrowest float type that holds every value of both (float16 and bfloat16 meet in
 * float32), or undefined when there is none among the known formats.
 */
export function joinFloatTypes(a: DTypeCode, b: DTypeCode): DTypeCode | undefined {
  if (holdsEveryValue(a, b)) return a;
  if (holdsEveryValue(b, a)) return b;
  for (const candidate of [DType.FLOAT, DType.DOUBLE]) {
    if (holdsEveryValue(candidate, a) && holdsEveryValue(candidate, b)) return candidate;
  }
  return undefined;
}

/**
 * True when one correctly rounded operation done in `wide` and then rounded to `narrow` gives the
 * same result as doing it in `narrow` directly, for operands that are `narrow` values: double
 * rounding is innocuous for +, -, *, / and sqrt once the wide significand has at least
 * 2p + 2 bits (Figueroa, "When is double rounding innocuous?", 1995), provided the wide format's
 * range covers the narrow one's. float64 -> float32 and float32 -> float16/bfloat16 qualify.
 */
export function doubleRoundingIsInnocuous(wide: DTypeCode, narrow: DTypeCode): boolean {
  const w = FLOAT_FORMATS.get(wide);
  const n = FLOAT_FORMATS.get(narrow);
  if (!w || !n || !n.hasInfinity) return false;
  return w.precision >= 2 * n.precision + 2 && holdsEveryValue(wide, narrow);
}
