import { DType, type DTypeCode, type Value, isOnnxDomain } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { type ValueFacts, isIntegerDType, newFacts } from '../facts.js';
import { broadcastValues } from './broadcast.js';

/**
 * What elementwise ops do to tracked element values, with onnxruntime's semantics. Tracked values
 * are exact integers in every dtype (a float value is tracked only while it is an integer the
 * type holds exactly; inference drops values that are not), booleans are 0/1.
 */

/** How two (or more) element values combine; undefined = not known exactly. */
export type Combine = (args: DimExpr[], dtype: DTypeCode | undefined, fmod: boolean) => DimExpr | undefined;

const ONE = DimExpr.const(1);

/**
 * A boolean element as a 0/1 expression: bools from comparisons already are; anything else
 * (a Cast to bool, a value read as a condition) means "non-zero".
 */
export function truthy(v: DimExpr): DimExpr {
  const { min, max } = v.bounds();
  return min !== undefined && max !== undefined && min >= 0n && max <= 1n ? v : ONE.sub(DimExpr.equal(v, DimExpr.const(0)));
}

/** A divisor the bounds prove is not 0 (float Div by 0 gives inf/NaN, not a number we track). */
function nonZero(v: DimExpr): boolean {
  const { min, max } = v.bounds();
  return (min !== undefined && min > 0n) || (max !== undefined && max < 0n);
}

/**
 * Integer `Div` truncates toward zero (onnxruntime; not Python's floor). A float `Div` of exact
 * integers is exact only when the quotient is an integer: then IEEE division returns it exactly.
 */
function divide(a: DimExpr, b: DimExpr, dtype: DTypeCode | undefined): DimExpr | undefined {
  if (isIntegerDType(dtype)) return a.truncDiv(b);
  return nonZero(b) ? a.divExact(b) : undefined;
}

/**
 * `Mod`: fmod=0 takes the divisor's sign (floor), fmod=1 the dividend's (C `fmod`, exact for
 * floats too). fmod=0 on floats is invalid ONNX.
 */
function modulo(a: DimExpr, b: DimExpr, dtype: DTypeCode | undefined, fmod: boolean): DimExpr | undefined {
  if (fmod) return isIntegerDType(dtype) || nonZero(b) ? a.rem(b) : undefined;
  return isIntegerDType(dtype) ? a.mod(b) : undefined;
}

/** Integer `Pow` with a small constant exponent (float pow is not guaranteed to be correctly rounded). */
function power(a: DimExpr, b: DimExpr, dtype: DTypeCode | undefined): DimExpr | undefined {
  const e = b.constValue();
  if (!isIntegerDType(dtype) || e === undefined || e < 0 || e > 16) return undefined;
  let out = ONE;
  for (let i = 0; i < e; i++) out = out.mul(a);
  return out;
}

function not(x: DimExpr): DimExpr {
  return ONE.sub(truthy(x));
}

/** Exact on 0/1 values: `x*y`, `x + y - x*y`, `x + y - 2*x*y`. */
function and(x: DimExpr, y: DimExpr): DimExpr {
  return truthy(x).mul(truthy(y));
}

function or(x: DimExpr, y: DimExpr): DimExpr {
  const [p, q] = [truthy(x), truthy(y)];
  return p.add(q).sub(p.mul(q));
}

function xor(x: DimExpr, y: DimExpr): DimExpr {
  const [p, q] = [truthy(x), truthy(y)];
  return p.add(q).sub(p.mul(q).mul(2));
}

/** Binary and variadic elementwise ops on values, by op type. */
export const COMBINE: Record<string, Combine> = {
  Add: ([a, b]) => a!.add(b!),
  Sub: ([a, b]) => a!.sub(b!),
  Mul: ([a, b]) => a!.mul(b!),
  Div: ([a, b], dtype) => divide(a!, b!, dtype),
  Mod: ([a, b], dtype, fmod) => modulo(a!, b!, dtype, fmod),
  Pow: ([a, b], dtype) => power(a!, b!, dtype),
  Max: (args) => args.reduce((x, y) => DimExpr.max(x, y)),
  Min: (args) => args.reduce((x, y) => DimExpr.min(x, y)),
  Sum: (args) => args.reduce((x, y) => x.add(y)),
  Equal: ([a, b]) => DimExpr.equal(a!, b!),
  Less: ([a, b]) => DimExpr.less(a!, b!),
  LessOrEqual: ([a, b]) => ONE.sub(DimExpr.less(b!, a!)),
  Greater: ([a, b]) => DimExpr.less(b!, a!),
  GreaterOrEqual: ([a, b]) => ONE.sub(DimExpr.less(a!, b!)),
  And: ([a, b]) => and(a!, b!),
  Or: ([a, b]) => or(a!, b!),
  Xor: ([a, b]) => xor(a!, b!),
};

/** `Where(c, x, y)` elementwise: the chosen branch, or `c*x + (1 - c)*y` (exact for c in {0, 1}). */
export function select(c: DimExpr, x: DimExpr, y: DimExpr): DimExpr {
  if (x.equals(y)) return x;
  const b = truthy(c);
  const known = b.constBigInt();
  if (known !== undefined) return known !== 0n ? x : y;
  return b.mul(x).add(ONE.sub(b).mul(y));
}

/** `sign(v)` as `less(0, v) - less(v, 0)` (a constant whenever the bounds decide it). */
function sign(v: DimExpr): DimExpr {
  const zero = DimExpr.const(0);
  return DimExpr.less(zero, v).sub(DimExpr.less(v, zero));
}

/** Unary ops on values, by op type (Floor/Ceil/Round keep integers as they are). */
export const VALUE_MAPS: Record<string, (v: DimExpr) => DimExpr | undefined> = {
  Neg: (v) => v.neg(),
  Abs: (v) => v.mul(sign(v)),
  Sign: sign,
  Relu: (v) => DimExpr.max(v, DimExpr.const(0)),
  Floor: (v) => v,
  Ceil: (v) => v,
  Round: (v) => v,
  Identity: (v) => v,
  Not: not,
};

/** Float types whose integer quotients {@link quotientRounding} can round exactly, with their significand bits. */
const SIGNIFICAND_BITS: Partial<Record<DTypeCode, bigint>> = { [DType.FLOAT]: 24n, [DType.DOUBLE]: 53n };

/**
 * Values of `round(x)` where `x` is the output of a float `Div` of two tracked integer tensors
 * `a / b` (PyTorch's `div(rounding_mode='floor')` and `math.ceil(a / b)` are exported this way).
 * With `|a| < 2^p` and `|b| <= 2^p` (p = 24 for float32, 53 for double) the correctly rounded
 * quotient lies strictly between the same two integers as `a / b` (its rounding error is below
 * `|a/b| * 2^-p < 1/|b|`, the distance from `a/b` to any integer it is not), so floor, ceil and
 * truncation of the float quotient are those of `a / b`.
 */
export function quotientRounding(
  input: Value | undefined,
  factsOf: (v: Value) => ValueFacts,
  round: 'floor' | 'ceil' | 'trunc',
): DimExpr[] | undefined {
  const div = input?.producer;
  if (!div || div.opType !== 'Div' || !isOnnxDomain(div.domain) || div.inputs.length !== 2) return undefined;
  const [x, y] = [div.inputs[0], div.inputs[1]].map((v) => (v && v.name ? factsOf(v) : newFacts())) as [ValueFacts, ValueFacts];
  const bits = x.dtype === undefined ? undefined : SIGNIFICAND_BITS[x.dtype];
  const quotient = factsOf(input!);
  if (bits === undefined || !quotient.shape) return undefined;
  const limit = 1n << bits;
  const fits = (v: DimExpr, strict: boolean): boolean => {
    const { min, max } = v.bounds();
    return min !== undefined && max !== undefined && (strict ? min > -limit && max < limit : min >= -limit && max <= limit);
  };
  return broadcastValues(quotient.shape, [x, y].map((f) => ({ shape: f.shape, values: f.values })), ([a, b]) => {
    if (!fits(a!, true) || !fits(b!, false) || !nonZero(b!)) return undefined;
    if (round === 'trunc') return a!.truncDiv(b!);
    if (round === 'floor') return a!.floorDiv(b!);
    return a!.neg().floorDiv(b!)?.neg();
  });
}
