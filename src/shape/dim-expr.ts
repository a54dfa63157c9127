import { OnnxSurgeonError } from '../errors.js';
import { baseSymbolsOf, definitionRange, evaluateSymbol, nestedFloorSymbol, nondecreasing, symbolRangeIn } from './dim-symbols.js';
import {
  ONE, type OpaqueDefinition, type DimSymbol, type Term, accumulate, compareMonomials, compareStrings,
  divideMonomials, floorDiv, floorMod, gcd, makeMonomial, multiplyMonomials, termBounds,
} from './dim-terms.js';

export type { OpaqueDefinition } from './dim-terms.js';

/** The range a symbol may take, inclusive; a missing end is unbounded. */
export interface SymbolRange {
  readonly min?: number | bigint;
  readonly max?: number | bigint;
}

/** One term of a {@link DimExpr} as plain data: `coefficient * product(name^power)`. */
export interface DimTermView {
  readonly coefficient: bigint;
  readonly factors: readonly { readonly name: string; readonly power: number; readonly definition?: OpaqueDefinition }[];
}

/** Provable inclusive bounds of an expression; a missing end means "no bound proven". */
export interface DimBounds {
  readonly min?: bigint;
  readonly max?: bigint;
}

/** Integer constants {@link DimExpr.const} hands out shared instances of. */
const SMALL_CONST_MIN = -1024;
const SMALL_CONST_MAX = 65536;
const SMALL_CONST_MIN_BIG = BigInt(SMALL_CONST_MIN);
const SMALL_CONST_MAX_BIG = BigInt(SMALL_CONST_MAX);
const SMALL_CONSTS: (DimExpr | undefined)[] = new Array<DimExpr | undefined>(SMALL_CONST_MAX - SMALL_CONST_MIN + 1).fill(undefined);

/** The range of {@link DimExpr.symbol} without one: a dimension, so at least 0. */
const DIM_RANGE = { min: 0n } as const;

/**
 * `a + b` of two safe integers when the sum is one too (then the double sum is exact), else
 * undefined: constant shape arithmetic without bigint operations.
 */
function safeSum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return undefined;
  const s = a + b;
  return Number.isSafeInteger(s) ? s : undefined;
}

/** `a * b` likewise (a double product within the safe integers is exact; one beyond rounds past them). */
function safeProduct(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return undefined;
  const p = a * b;
  return Number.isSafeInteger(p) ? p : undefined;
}

function toBigInt(n: number | bigint): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isInteger(n)) {
    throw new OnnxSurgeonError('usage', 'a dimension expression constant must be an integer', { found: String(n) });
  }
  return BigInt(n);
}

/**
 * An exact integer polynomial over named symbols: a sum of monomials (products of symbols with
 * positive exponents) with integer coefficients. Shape arithmetic in exported models is almost
 * always polynomial (`batch*8`, `h0*w0 + h1*w1`), so this keeps it exact and comparable.
 *
 * Everything that is not polynomial (floor division that is not exact, max/min, broadcasting of
 * two unknown dims, comparisons, data-dependent sizes) becomes an *opaque symbol* with a
 * deterministic, readable name such as `floordiv(h + 1, 2)`; it carries its definition, so
 * {@link DimExpr.evaluate} still computes it from the bindings of its arguments. Nothing here
 * throws on symbolic input.
 *
 * Every symbol has a range: {@link DimExpr.symbol} takes one (default `[0, inf)`, a dimension),
 * opaque symbols derive theirs from their definition. {@link DimExpr.bounds} proves bounds from
 * those ranges, and every rewrite that depends on a sign (truncating division, max/min,
 * comparisons) is taken only when the bounds prove it, so an expression equals what it stands for
 * at every binding inside the symbols' ranges.
 *
 * Floor division by a constant has a canonical form: coefficients are split as `c = k*q + r`
 * (`0 <= r < k`, so `floor((x + k*a)/k) = floor(x/k) + a`), a nested `floor((floor(x/a) + y)/b)`
 * becomes `floor((x + a*y)/(a*b))`, and a common factor of the remainder and `k` cancels. So a
 * stride-32 backbone's `floor((floor((h + 1)/2) + 1)/2) ...` and the exporter's `(h - 1) // 32 + 1`
 * are the same expression, `floordiv(h + 31, 32)`. (No canonical form can also equate
 * `floor(-x/k)` with `-ceil(x/k)`: with the rules above that would make `floor(x/2) + ceil(x/2)`
 * and `x` one expression; sizes are never divided negated, so the split form is kept.)
 *
 * Instances are immutable; {@link DimExpr.key} is a canonical string usable as a map key.
 *
 * @example
 * ```ts
 * const batch = DimExpr.symbol('batch');
 * const tokens = DimExpr.symbol('h0').mul(DimExpr.symbol('w0')).add(DimExpr.const(5));
 * batch.mul(DimExpr.const(8)).toString();           // 'batch*8'
 * tokens.mul(batch).divExact(batch)?.equals(tokens); // true
 * const h = DimExpr.symbol('h', { min: 1 });
 * h.sub(1).floorDivConst(2).add(1).toString();       // 'floordiv(h + 1, 2)' (stride 2, pad 1, kernel 3)
 * h.sub(1).truncDiv(DimExpr.const(32))?.add(1).toString(); // 'floordiv(h + 31, 32)' (h >= 1: no rounding toward 0 issue)
 * tokens.evaluate({ h0: 4, w0: 4 });                  // 21
 * ```
 */
export class DimExpr {
  /** Terms with non-zero coefficients, sorted by the monomial order (constant last). */
  private readonly terms: readonly Term[];
  /**
   * The value as a number when constant (what {@link constValue} returns), else undefined: the
   * shapes of a static export are all constants, read as numbers at every node.
   */
  private readonly constNumber: number | undefined;
  private cachedKey: string | undefined;
  private cachedBounds: DimBounds | undefined;

  private constructor(terms: Term[]) {
    this.terms = terms;
    this.constNumber = !terms.length ? 0 : terms.length === 1 && !terms[0]!.monomial.factors.length ? Number(terms[0]!.coefficient) : undefined;
  }

  private static fromTermMap(map: Map<string, Term>): DimExpr {
    const terms = [...map.values()].filter((t) => t.coefficient !== 0n);
    terms.sort((a, b) => compareMonomials(a.monomial, b.monomial));
    return new DimExpr(terms);
  }

  /** The constant `n` (an integer; bigint for exact int64 values). */
  static const(n: number | bigint): DimExpr {
    // Shapes and shape tensors repeat a few small integers endlessly; instances are immutable, so share them.
    const slot = typeof n === 'number'
      ? (Number.isInteger(n) && n >= SMALL_CONST_MIN && n <= SMALL_CONST_MAX ? n - SMALL_CONST_MIN : -1)
      : (n >= SMALL_CONST_MIN_BIG && n <= SMALL_CONST_MAX_BIG ? Number(n) - SMALL_CONST_MIN : -1);
    if (slot >= 0) {
      const cached = SMALL_CONSTS[slot];
      if (cached) return cached;
    }
    const c = toBigInt(n);
    const expr = new DimExpr(c === 0n ? [] : [{ monomial: ONE, coefficient: c }]);
    if (slot >= 0) SMALL_CONSTS[slot] = expr;
    return expr;
  }

  /**
   * The symbol `name` (e.g. an ONNX `dim_param`) taking integer values in `range` (inclusive;
   * default `{ min: 0 }`, a dimension; a missing end is unbounded). A name stands for one
   * quantity: give the same name the same range everywhere.
   */
  static symbol(name: string, range?: SymbolRange): DimExpr {
    const r = range ? { ...(range.min !== undefined && { min: toBigInt(range.min) }), ...(range.max !== undefined && { max: toBigInt(range.max) }) } : DIM_RANGE;
    return DimExpr.fromSymbol({ name, range: r });
  }

  /**
   * An opaque symbol named `name` that stands for `definition` (used for non-polynomial results;
   * most callers want {@link floorDivConst}, {@link DimExpr.max}, {@link DimExpr.min} instead).
   * Its range comes from the definition; without one it is a dimension (`>= 0`).
   */
  static opaque(name: string, definition?: OpaqueDefinition): DimExpr {
    return DimExpr.fromSymbol(definition ? { name, definition, range: definitionRange(definition) } : { name, range: DIM_RANGE });
  }

  private static fromSymbol(symbol: DimSymbol): DimExpr {
    return new DimExpr([{ monomial: makeMonomial([[symbol, 1]]), coefficient: 1n }]);
  }

  /** `max(a, b)`: exact when the difference has a known sign, else an opaque `max(a, b)` symbol. */
  static max(a: DimExpr, b: DimExpr): DimExpr {
    const diff = a.sub(b);
    if (diff.isNonNegative()) return a;
    if (diff.neg().isNonNegative()) return b;
    return DimExpr.commutativeOpaque('max', a, b);
  }

  /** `min(a, b)`: exact when the difference has a known sign, else an opaque `min(a, b)` symbol. */
  static min(a: DimExpr, b: DimExpr): DimExpr {
    const diff = a.sub(b);
    if (diff.isNonNegative()) return b;
    if (diff.neg().isNonNegative()) return a;
    return DimExpr.commutativeOpaque('min', a, b);
  }

  /**
   * The ONNX broadcast of two dims: the other one when either is 1, the common value when equal,
   * the constant when one is a constant other than 1 (the other must then be 1 or equal to it),
   * else an opaque `broadcast(a, b)` symbol.
   */
  static broadcast(a: DimExpr, b: DimExpr): DimExpr {
    if (a.equals(b)) return a;
    const ca = a.constValue();
    const cb = b.constValue();
    if (ca === 1) return b;
    if (cb === 1) return a;
    if (ca !== undefined) return a;
    if (cb !== undefined) return b;
    return DimExpr.commutativeOpaque('broadcast', a, b);
  }

  /**
   * `1` when `a < b`, else `0`: decided from the bounds of `b - a` when possible (also `b - a`
   * itself when it is 0 or 1), else an opaque `less(a - b, 0)` (one symbol for `a < b` and
   * `b > a`).
   */
  static less(a: DimExpr, b: DimExpr): DimExpr {
    const gap = b.sub(a);
    const { min, max } = gap.bounds();
    if (min !== undefined && min >= 1n) return DimExpr.const(1);
    if (max !== undefined && max <= 0n) return DimExpr.const(0);
    if (min !== undefined && max !== undefined && min >= 0n && max <= 1n) return gap;
    const diff = gap.neg();
    return DimExpr.opaque(`less(${diff}, 0)`, { op: 'less', args: [diff, DimExpr.const(0)] });
  }

  /**
   * `1` when `a == b`, else `0`: decided when equal or when the bounds of `a - b` exclude 0 (and
   * `1 - |a - b|` when the difference is 0 or 1 one way), else an opaque `equal(d, 0)` of the
   * difference in the orientation whose leading coefficient is positive.
   */
  static equal(a: DimExpr, b: DimExpr): DimExpr {
    if (a.equals(b)) return DimExpr.const(1);
    let diff = a.sub(b);
    const { min, max } = diff.bounds();
    if ((min !== undefined && min > 0n) || (max !== undefined && max < 0n)) return DimExpr.const(0);
    if (min !== undefined && max !== undefined && min >= 0n && max <= 1n) return DimExpr.const(1).sub(diff);
    if (min !== undefined && max !== undefined && min >= -1n && max <= 0n) return DimExpr.const(1).add(diff);
    if (diff.terms[0]!.coefficient < 0n) diff = diff.neg();
    return DimExpr.opaque(`equal(${diff}, 0)`, { op: 'equal', args: [diff, DimExpr.const(0)] });
  }

  private static commutativeOpaque(op: 'max' | 'min' | 'broadcast', a: DimExpr, b: DimExpr): DimExpr {
    const [x, y] = compareStrings(a.key(), b.key()) <= 0 ? [a, b] : [b, a];
    return DimExpr.opaque(`${op}(${x}, ${y})`, { op, args: [x, y] });
  }

  /** `this + other`. */
  add(other: DimExpr | number): DimExpr {
    const o = typeof other === 'number' ? DimExpr.const(other) : other;
    // Constants and zeros need no term merging (the shape arithmetic of static exports is all constants).
    if (!o.terms.length) return this;
    if (!this.terms.length) return o;
    const sum = safeSum(this.constNumber, o.constNumber);
    if (sum !== undefined) return DimExpr.const(sum);
    const a = this.constBigInt();
    const b = a === undefined ? undefined : o.constBigInt();
    if (b !== undefined) return DimExpr.const(a! + b);
    const map = new Map<string, Term>(this.terms.map((t) => [t.monomial.key, t]));
    for (const t of o.terms) accumulate(map, t.monomial, t.coefficient);
    return DimExpr.fromTermMap(map);
  }

  /** `this - other`. */
  sub(other: DimExpr | number): DimExpr {
    return this.add(typeof other === 'number' ? DimExpr.const(-other) : other.neg());
  }

  /** `-this`. */
  neg(): DimExpr {
    const c = this.constBigInt();
    if (c !== undefined) return DimExpr.const(-c);
    return new DimExpr(this.terms.map((t) => ({ monomial: t.monomial, coefficient: -t.coefficient })));
  }

  /** `this * other`. */
  mul(other: DimExpr | number): DimExpr {
    const o = typeof other === 'number' ? DimExpr.const(other) : other;
    const product = safeProduct(this.constNumber, o.constNumber);
    if (product !== undefined) return DimExpr.const(product);
    const a = this.constBigInt();
    const b = o.constBigInt();
    if (a !== undefined && b !== undefined) return DimExpr.const(a * b);
    if (a === 1n) return o;
    if (b === 1n) return this;
    const map = new Map<string, Term>();
    for (const a of this.terms) {
      for (const b of o.terms) accumulate(map, multiplyMonomials(a.monomial, b.monomial), a.coefficient * b.coefficient);
    }
    return DimExpr.fromTermMap(map);
  }

  /**
   * The exact quotient `this / other` when `other` divides `this` as polynomials (the usual case:
   * dividing by a monomial or constant that divides every term, as when solving a Reshape `-1`),
   * else undefined. Division by zero is undefined.
   */
  divExact(other: DimExpr | number): DimExpr | undefined {
    const divisor = typeof other === 'number' ? DimExpr.const(other) : other;
    if (!divisor.terms.length) return undefined;
    // Constants (every Reshape -1 of a static export) need no term division.
    const a = this.constBigInt();
    const b = a === undefined ? undefined : divisor.constBigInt();
    if (b !== undefined) return a! % b === 0n ? DimExpr.const(a! / b) : undefined;
    if (divisor.terms.length === 1) {
      const { monomial, coefficient } = divisor.terms[0]!;
      const out: Term[] = [];
      for (const t of this.terms) {
        if (t.coefficient % coefficient !== 0n) return undefined;
        const m = divideMonomials(t.monomial, monomial);
        if (!m) return undefined;
        out.push({ monomial: m, coefficient: t.coefficient / coefficient });
      }
      return DimExpr.fromTermMap(new Map(out.map((t) => [t.monomial.key, t])));
    }
    // Multivariate division by the leading term; for an exact divisor the remainder is zero under
    // any monomial order, so a non-zero remainder proves "not divisible".
    const lead = divisor.terms[0]!;
    let rest: DimExpr = this;
    let quotient = DimExpr.const(0);
    for (let guard = 0; rest.terms.length && guard < 10_000; guard++) {
      const top = rest.terms[0]!;
      const m = divideMonomials(top.monomial, lead.monomial);
      if (!m || top.coefficient % lead.coefficient !== 0n) return undefined;
      const step = new DimExpr([{ monomial: m, coefficient: top.coefficient / lead.coefficient }]);
      quotient = quotient.add(step);
      rest = rest.sub(step.mul(divisor));
    }
    return rest.terms.length ? undefined : quotient;
  }

  /** `this = k*quotient + rest` with every coefficient of `rest` in `[0, k)`. */
  private splitBy(k: bigint): { quotient: DimExpr; rest: DimExpr } {
    const quotient = new Map<string, Term>();
    const rest = new Map<string, Term>();
    for (const t of this.terms) {
      accumulate(quotient, t.monomial, floorDiv(t.coefficient, k));
      accumulate(rest, t.monomial, floorMod(t.coefficient, k));
    }
    return { quotient: DimExpr.fromTermMap(quotient), rest: DimExpr.fromTermMap(rest) };
  }

  /**
   * `floor(this / k)` for a positive integer `k`, in the canonical form described on the class:
   * exact parts come out as polynomial terms, the rest becomes one opaque `floordiv(rest, k)`
   * (evaluable once its symbols are bound); nested floor divisions by constants merge. Exact
   * division gives a plain polynomial. Every step holds for all integer values.
   */
  floorDivConst(k: number | bigint): DimExpr {
    const divisor = toBigInt(k);
    if (divisor <= 0n) {
      throw new OnnxSurgeonError('usage', 'floorDivConst needs a positive divisor', { found: String(k) });
    }
    if (divisor === 1n) return this;
    const plain = this.splitBy(divisor);
    const restConst = plain.rest.constBigInt();
    if (restConst !== undefined) return plain.quotient.add(DimExpr.const(floorDiv(restConst, divisor)));
    return plain.quotient.add(plain.rest.floorOfRest(divisor));
  }

  /**
   * `floor(this / k)` for a remainder polynomial (coefficients in `[0, k)`, not constant): a
   * nested floor merges; a common factor `g` of the coefficients and `k` cancels
   * (`floor((g*u + c)/(g*m)) = floor((u + floor(c/g))/m)`); what is left is one opaque symbol.
   */
  private floorOfRest(k: bigint): DimExpr {
    const merged = this.mergeNestedFloor(k);
    if (merged) return merged;
    const g = this.terms.reduce((acc, t) => (t.monomial.factors.length ? gcd(acc, t.coefficient) : acc), k);
    if (g > 1n) {
      const c = this.constantTerm();
      return this.sub(DimExpr.const(c)).divExact(DimExpr.const(g))!.add(DimExpr.const(floorDiv(c, g))).floorDivConst(k / g);
    }
    return DimExpr.opaque(`floordiv(${this}, ${k})`, { op: 'floordiv', args: [this, DimExpr.const(k)] });
  }

  /**
   * `floor((F + y)/k)` as `floor((x + a*y)/(a*k))` when this is `F + y` with `F = floordiv(x, a)`
   * (coefficient 1, constant `a`) and `y` an integer polynomial; undefined otherwise.
   */
  private mergeNestedFloor(k: bigint): DimExpr | undefined {
    for (const t of this.terms) {
      const nested = nestedFloorSymbol(t);
      if (!nested) continue;
      const [symbol, x, a] = nested;
      return x.add(this.sub(DimExpr.fromSymbol(symbol)).mul(DimExpr.const(a))).floorDivConst(a * k);
    }
    return undefined;
  }

  /** `ceil(this / k)` for a positive integer `k` (via `floor((this + k - 1) / k)`). */
  ceilDivConst(k: number | bigint): DimExpr {
    const divisor = toBigInt(k);
    return this.add(DimExpr.const(divisor - 1n)).floorDivConst(divisor);
  }

  /** `this mod k` with the sign of `k` (Python / ONNX `Mod` with fmod=0), for positive `k`. */
  modConst(k: number | bigint): DimExpr {
    const divisor = toBigInt(k);
    return this.sub(this.floorDivConst(divisor).mul(DimExpr.const(divisor)));
  }

  /**
   * `floor(this / divisor)` for a divisor that is not provably 0. A constant divisor gives the
   * canonical form of {@link floorDivConst}, an exact quotient a polynomial, anything else an
   * opaque `floordiv(a, b)` (which evaluates to nothing where `b` is 0: an integer division by
   * zero never completes a run).
   */
  floorDiv(divisor: DimExpr): DimExpr | undefined {
    const k = divisor.constBigInt();
    if (k !== undefined) {
      if (k === 0n) return undefined;
      return k > 0n ? this.floorDivConst(k) : this.neg().floorDivConst(-k);
    }
    const exact = this.divExact(divisor);
    if (exact) return exact;
    const { max } = divisor.bounds();
    if (max !== undefined && max <= -1n) return this.neg().floorDiv(divisor.neg());
    return DimExpr.opaque(`floordiv(${this}, ${divisor})`, { op: 'floordiv', args: [this, divisor] });
  }

  /**
   * `this / divisor` rounded toward zero (onnxruntime's integer `Div`), for a divisor that is not
   * provably 0. Where the bounds prove the signs it is a floor division (`trunc = floor` for
   * `this >= 0` and a positive divisor), otherwise an opaque `truncdiv(a, b)`.
   */
  truncDiv(divisor: DimExpr): DimExpr | undefined {
    if (divisor.constBigInt() === 0n) return undefined;
    const exact = this.divExact(divisor);
    if (exact) return exact;
    const d = divisor.bounds();
    const positive = d.min !== undefined && d.min >= 1n;
    const negative = d.max !== undefined && d.max <= -1n;
    const n = this.bounds();
    const a = this.constBigInt();
    const b = divisor.constBigInt();
    if (a !== undefined && b !== undefined) return DimExpr.const(a / b);
    if (positive || negative) {
      if (n.min !== undefined && n.min >= 0n) return positive ? this.floorDiv(divisor) : this.floorDiv(divisor.neg())?.neg();
      if (n.max !== undefined && n.max <= 0n) return positive ? this.neg().floorDiv(divisor)?.neg() : this.neg().floorDiv(divisor.neg());
    }
    return DimExpr.opaque(`truncdiv(${this}, ${divisor})`, { op: 'truncdiv', args: [this, divisor] });
  }

  /** `this - divisor*floor(this/divisor)`: the remainder with the divisor's sign (ONNX `Mod`, fmod=0). */
  mod(divisor: DimExpr): DimExpr | undefined {
    return this.floorDiv(divisor)?.mul(divisor).neg().add(this);
  }

  /** `this - divisor*trunc(this/divisor)`: the remainder with this one's sign (ONNX `Mod`, fmod=1; C `%`). */
  rem(divisor: DimExpr): DimExpr | undefined {
    return this.truncDiv(divisor)?.mul(divisor).neg().add(this);
  }

  /** True when this is a constant. */
  isConst(): boolean {
    return this.terms.every((t) => !t.monomial.factors.length);
  }

  /** The constant value as a number (may round beyond 2^53), or undefined when symbolic. */
  constValue(): number | undefined {
    return this.constNumber;
  }

  /** The constant value as an exact bigint, or undefined when symbolic. */
  constBigInt(): bigint | undefined {
    if (!this.terms.length) return 0n;
    if (this.terms.length === 1 && !this.terms[0]!.monomial.factors.length) return this.terms[0]!.coefficient;
    return undefined;
  }

  /** The symbol name when this is exactly one symbol (coefficient 1), else undefined. */
  symbolName(): string | undefined {
    if (this.terms.length !== 1) return undefined;
    const t = this.terms[0]!;
    return t.coefficient === 1n && t.monomial.factors.length === 1 && t.monomial.factors[0]![1] === 1
      ? t.monomial.factors[0]![0].name
      : undefined;
  }

  /** Number of terms (a size measure: callers cap runaway expressions with it). */
  termCount(): number {
    return this.terms.length;
  }

  /**
   * Inclusive bounds provable from the symbols' ranges (see {@link DimExpr.symbol}); a missing
   * end means nothing is proven on that side.
   */
  bounds(): DimBounds {
    if (!this.cachedBounds) {
      const { min, max } = termBounds(this.terms);
      // Built member by member: spreading conditional objects is slow where every new expression asks.
      const bounds: { min?: bigint; max?: bigint } = {};
      if (min !== undefined) bounds.min = min;
      if (max !== undefined) bounds.max = max;
      this.cachedBounds = Object.freeze(bounds);
    }
    return this.cachedBounds;
  }

  /** True when provably `>= 0` for every admissible binding. False means "not proven", not "negative". */
  isNonNegative(): boolean {
    const { min } = this.bounds();
    return min !== undefined && min >= 0n;
  }

  /**
   * The sign as far as the bounds prove it: `'zero'`, `'positive'`, `'nonNegative'`, the mirrored
   * `'negative'` and `'nonPositive'`, or `'unknown'`.
   */
  sign(): 'zero' | 'positive' | 'nonNegative' | 'negative' | 'nonPositive' | 'unknown' {
    if (!this.terms.length) return 'zero';
    const { min, max } = this.bounds();
    if (min !== undefined && min > 0n) return 'positive';
    if (max !== undefined && max < 0n) return 'negative';
    if (min !== undefined && min >= 0n) return max === 0n ? 'zero' : 'nonNegative';
    if (max !== undefined && max <= 0n) return 'nonPositive';
    return 'unknown';
  }

  /** The coefficient of the constant monomial (0 when absent). */
  constantTerm(): bigint {
    const last = this.terms[this.terms.length - 1];
    return last && !last.monomial.factors.length ? last.coefficient : 0n;
  }

  /** Names of the symbols this expression mentions directly (sorted). */
  symbols(): string[] {
    const names = new Set<string>();
    for (const t of this.terms) for (const [s] of t.monomial.factors) names.add(s.name);
    return [...names].sort(compareStrings);
  }

  /**
   * The terms as plain data, in canonical order (constant last): for printers that rename
   * symbols or spell opaque ones differently (see `formatDim`).
   */
  termList(): DimTermView[] {
    return this.terms.map((t) => ({
      coefficient: t.coefficient,
      factors: t.monomial.factors.map(([s, power]) => ({ name: s.name, power, ...(s.definition && { definition: s.definition }) })),
    }));
  }

  /** Names of the plain (non-opaque) symbols this depends on, through opaque definitions (sorted). */
  baseSymbols(): string[] {
    return baseSymbolsOf(this.terms);
  }

  /** The declared range of the plain symbol `name` where this mentions it (through opaque definitions). */
  symbolRange(name: string): DimBounds | undefined {
    return symbolRangeIn(this.terms, name);
  }

  /**
   * True when provably non-decreasing in each of its {@link baseSymbols}: a sum of positive
   * multiples of non-negative products of plain symbols and of floor/trunc divisions by positive
   * constants, max and min of such expressions.
   */
  isNondecreasing(): boolean {
    return nondecreasing(this.terms);
  }

  /** Structural equality (canonical forms are equal). */
  equals(other: DimExpr): boolean {
    if (this === other) return true;
    const a = this.constBigInt();
    if (a !== undefined) return a === other.constBigInt();
    return this.key() === other.key();
  }

  /** Canonical string key, for maps and sets. */
  key(): string {
    this.cachedKey ??= this.format();
    return this.cachedKey;
  }

  /** Same as {@link key}: a canonical string usable as a hash key. */
  get hash(): string {
    return this.key();
  }

  /**
   * Canonical, deterministic text: terms in graded-lexicographic order (higher degree first,
   * constant last), coefficient after the monomial: `batch*8`, `h0*w0 + h1*w1`, `h - 1`.
   */
  toString(): string {
    return this.key();
  }

  private format(): string {
    if (!this.terms.length) return '0';
    let out = '';
    this.terms.forEach((t, i) => {
      const negative = t.coefficient < 0n;
      const magnitude = negative ? -t.coefficient : t.coefficient;
      let body: string;
      if (!t.monomial.factors.length) body = magnitude.toString();
      else body = magnitude === 1n ? t.monomial.key : `${t.monomial.key}*${magnitude}`;
      if (i === 0) out = negative ? `-${body}` : body;
      else out += negative ? ` - ${body}` : ` + ${body}`;
    });
    return out;
  }

  /**
   * The value for the given symbol bindings, or undefined when a symbol is unbound or bound
   * outside its range (what an expression says holds only inside its symbols' ranges). Opaque
   * symbols are computed from their definitions. Exact in bigint, returned as a number.
   */
  evaluate(bindings: Readonly<Record<string, number>>): number | undefined {
    const v = this.evaluateBigInt(bindings);
    return v === undefined ? undefined : Number(v);
  }

  private evaluateBigInt(bindings: Readonly<Record<string, number>>): bigint | undefined {
    let sum = 0n;
    for (const t of this.terms) {
      let product = t.coefficient;
      for (const [s, e] of t.monomial.factors) {
        const v = evaluateSymbol(s, bindings);
        if (v === undefined) return undefined;
        product *= v ** BigInt(e);
      }
      sum += product;
    }
    return sum;
  }

  /** Replaces bound symbols by their values (others stay); opaque symbols are re-derived. */
  substitute(bindings: Readonly<Record<string, number | DimExpr>>): DimExpr {
    let out = DimExpr.const(0);
    for (const t of this.terms) {
      let product = DimExpr.const(t.coefficient);
      for (const [s, e] of t.monomial.factors) {
        const v = substituteSymbol(s, bindings);
        for (let i = 0; i < e; i++) product = product.mul(v);
      }
      out = out.add(product);
    }
    return out;
  }

  /** @internal The expression of one symbol object (substitution keeps ranges and definitions). */
  static ofSymbol(symbol: DimSymbol): DimExpr {
    return DimExpr.fromSymbol(symbol);
  }
}

function substituteSymbol(symbol: DimSymbol, bindings: Readonly<Record<string, number | DimExpr>>): DimExpr {
  const bound = bindings[symbol.name];
  if (bound !== undefined) return typeof bound === 'number' ? DimExpr.const(bound) : bound;
  const def = symbol.definition;
  if (!def) return DimExpr.ofSymbol(symbol);
  const [a, b] = def.args.map((x) => x.substitute(bindings)) as [DimExpr, DimExpr];
  switch (def.op) {
    case 'floordiv': return a.floorDiv(b) ?? DimExpr.ofSymbol(symbol);
    case 'truncdiv': return a.truncDiv(b) ?? DimExpr.ofSymbol(symbol);
    case 'max': return DimExpr.max(a, b);
    case 'min': return DimExpr.min(a, b);
    case 'broadcast': return DimExpr.broadcast(a, b);
    case 'less': return DimExpr.less(a, b);
    case 'equal': return DimExpr.equal(a, b);
  }
}

