import type { DimExpr } from './dim-expr.js';

/**
 * How an opaque symbol is defined, so that {@link DimExpr.evaluate} can still compute it once the
 * symbols it depends on are bound. Division rounds as named: `floordiv` toward minus infinity,
 * `truncdiv` toward zero (onnxruntime's integer `Div`). `broadcast(a, b)` is ONNX broadcasting of
 * two dims (`b` when `a` is 1, else `a`). `less(a, b)` and `equal(a, b)` are 1 when the relation
 * holds and 0 otherwise (the booleans of shape arithmetic, e.g. `Where(Less(h, 32), ...)`).
 */
export interface OpaqueDefinition {
  readonly op: 'floordiv' | 'truncdiv' | 'max' | 'min' | 'broadcast' | 'less' | 'equal';
  readonly args: readonly DimExpr[];
}

/**
 * Inclusive integer bounds; a missing end is unbounded. `DimExpr.bounds()` returns what is
 * provable; `DimExpr.symbol(name, range)` declares what a symbol may take.
 */
export interface DimRange {
  readonly min?: bigint;
  readonly max?: bigint;
}

/** A named integer unknown with its admissible range; opaque symbols also carry their definition. */
export interface DimSymbol {
  readonly name: string;
  readonly definition?: OpaqueDefinition;
  readonly range: DimRange;
}

/** A product of symbols with positive exponents, sorted by symbol name. */
export interface Monomial {
  readonly factors: readonly (readonly [DimSymbol, number])[];
  /** `a*b^2` form; `''` for the constant monomial. */
  readonly key: string;
  readonly degree: number;
}

export interface Term {
  readonly monomial: Monomial;
  readonly coefficient: bigint;
}

export const ONE: Monomial = { factors: [], key: '', degree: 0 };

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function makeMonomial(factors: (readonly [DimSymbol, number])[]): Monomial {
  factors.sort((a, b) => compareStrings(a[0].name, b[0].name));
  const key = factors.map(([s, e]) => (e === 1 ? s.name : `${s.name}^${e}`)).join('*');
  return { factors, key, degree: factors.reduce((n, [, e]) => n + e, 0) };
}

export function multiplyMonomials(a: Monomial, b: Monomial): Monomial {
  if (!a.factors.length) return b;
  if (!b.factors.length) return a;
  const exponents = new Map<string, [DimSymbol, number]>();
  for (const [s, e] of [...a.factors, ...b.factors]) {
    const prev = exponents.get(s.name);
    exponents.set(s.name, [prev?.[0] ?? s, (prev?.[1] ?? 0) + e]);
  }
  return makeMonomial([...exponents.values()]);
}

/** `a / b` when `b` divides `a` (every exponent of `b` at most `a`'s), else undefined. */
export function divideMonomials(a: Monomial, b: Monomial): Monomial | undefined {
  if (!b.factors.length) return a;
  const left = new Map<string, [DimSymbol, number]>(a.factors.map(([s, e]) => [s.name, [s, e]]));
  for (const [s, e] of b.factors) {
    const have = left.get(s.name);
    if (!have || have[1] < e) return undefined;
    if (have[1] === e) left.delete(s.name);
    else left.set(s.name, [have[0], have[1] - e]);
  }
  return makeMonomial([...left.values()]);
}

/**
 * Graded lexicographic order (higher degree first, then by symbol names and exponents). It is a
 * monomial order, which the exact polynomial division in `DimExpr.divExact` relies on.
 */
export function compareMonomials(a: Monomial, b: Monomial): number {
  if (a.degree !== b.degree) return b.degree - a.degree;
  const n = Math.min(a.factors.length, b.factors.length);
  for (let i = 0; i < n; i++) {
    const [sa, ea] = a.factors[i]!;
    const [sb, eb] = b.factors[i]!;
    if (sa.name !== sb.name) return compareStrings(sa.name, sb.name);
    if (ea !== eb) return eb - ea;
  }
  return a.factors.length - b.factors.length;
}

/** Floor division of bigints (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

export function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y) [x, y] = [y, x % y];
  return x;
}

export function floorMod(a: bigint, b: bigint): bigint {
  return a - b * floorDiv(a, b);
}

/** Adds `coefficient * monomial` into a term map keyed by monomial. */
export function accumulate(map: Map<string, Term>, monomial: Monomial, coefficient: bigint): void {
  const prev = map.get(monomial.key);
  map.set(monomial.key, { monomial, coefficient: (prev?.coefficient ?? 0n) + coefficient });
}

/** A bound that may be infinite: `undefined` is -inf for a lower bound and +inf for an upper one. */
type Bound = bigint | undefined;

/** Inclusive bounds of a sum of terms (`undefined` ends are unbounded). */
export interface Interval {
  min: Bound;
  max: Bound;
}

const EXACT_BOUNDS_TERM_LIMIT = 64;

/**
 * Provable bounds of a polynomial given each symbol's range. Each symbol with a finite lower
 * bound `L` is first written as `L + t` (`t >= 0`), or with only an upper bound `U` as `U - t`,
 * and the polynomial is expanded in those `t`: a monomial of non-negative unknowns then lies in
 * `[0, product of their maxima]`, so `h*w - h` with `h, w >= 1` becomes `t_h*t_w + t_w >= 0`
 * where plain interval arithmetic would lose the correlation. Large polynomials fall back to
 * interval arithmetic on the original terms (still sound, just weaker).
 */
export function termBounds(terms: readonly Term[]): Interval {
  if (!terms.length) return { min: 0n, max: 0n };
  // Both are sound; each is tighter on different shapes ((h - 1)^2 vs n^2 for n in [-30, 30]).
  const plain = intervalSum(terms);
  // With non-negative coefficients over non-negative symbols the interval is already exact.
  if (terms.every((t) => !t.monomial.factors.length || (t.coefficient > 0n && t.monomial.factors.every(([s]) => s.range.min !== undefined && s.range.min >= 0n)))) return plain;
  const shifted = shiftTerms(terms);
  if (!shifted) return plain;
  const other = sumOverNonNegative(shifted.terms, shifted.width);
  return {
    min: plain.min === undefined ? other.min : other.min === undefined || plain.min > other.min ? plain.min : other.min,
    max: plain.max === undefined ? other.max : other.max === undefined || plain.max < other.max ? plain.max : other.max,
  };
}

/** The polynomial in `t_s` (`s = L + t` or `s = U - t`), with each `t`'s maximum, or undefined when too large or a symbol is unbounded both ways. */
function shiftTerms(terms: readonly Term[]): { terms: Term[]; width: Map<string, Bound> } | undefined {
  const width = new Map<string, Bound>();
  const base = new Map<string, { offset: bigint; sign: bigint }>();
  for (const t of terms) {
    for (const [s] of t.monomial.factors) {
      if (base.has(s.name)) continue;
      const { min, max } = s.range;
      if (min !== undefined) {
        base.set(s.name, { offset: min, sign: 1n });
        width.set(s.name, max === undefined ? undefined : max - min);
      } else if (max !== undefined) {
        base.set(s.name, { offset: max, sign: -1n });
        width.set(s.name, undefined);
      } else {
        return undefined;
      }
    }
  }
  let out = new Map<string, Term>();
  for (const t of terms) {
    // Expand coefficient * prod (offset + sign*t)^e, one factor at a time.
    let partial = new Map<string, Term>([['', { monomial: ONE, coefficient: t.coefficient }]]);
    for (const [s, e] of t.monomial.factors) {
      const { offset, sign } = base.get(s.name)!;
      const linear: [Monomial, bigint][] = [[ONE, offset], [makeMonomial([[s, 1]]), sign]];
      for (let i = 0; i < e; i++) {
        const next = new Map<string, Term>();
        for (const p of partial.values()) {
          for (const [m, c] of linear) if (c !== 0n) accumulate(next, multiplyMonomials(p.monomial, m), p.coefficient * c);
        }
        partial = next;
        if (partial.size > EXACT_BOUNDS_TERM_LIMIT) return undefined;
      }
    }
    for (const p of partial.values()) accumulate(out, p.monomial, p.coefficient);
    if (out.size > EXACT_BOUNDS_TERM_LIMIT) return undefined;
  }
  out = new Map([...out].filter(([, t]) => t.coefficient !== 0n));
  return { terms: [...out.values()], width };
}

/** Bounds of a polynomial whose unknowns `t` each lie in `[0, width(t)]`. */
function sumOverNonNegative(terms: readonly Term[], width: Map<string, Bound>): Interval {
  let min: Bound = 0n;
  let max: Bound = 0n;
  for (const t of terms) {
    if (!t.monomial.factors.length) {
      if (min !== undefined) min += t.coefficient;
      if (max !== undefined) max += t.coefficient;
      continue;
    }
    let top: Bound = 1n;
    for (const [s, e] of t.monomial.factors) {
      const w = width.get(s.name);
      top = top === undefined || w === undefined ? undefined : top * w ** BigInt(e);
    }
    // The monomial ranges over [0, top]; its minimum 0 is reached at t = 0.
    if (t.coefficient > 0n) max = max === undefined || top === undefined ? undefined : max + t.coefficient * top;
    else min = min === undefined || top === undefined ? undefined : min + t.coefficient * top;
  }
  return { min, max };
}

/** Plain interval arithmetic over the symbols' ranges (even powers are non-negative). */
function intervalSum(terms: readonly Term[]): Interval {
  let min: Bound = 0n;
  let max: Bound = 0n;
  for (const t of terms) {
    let range: Interval = { min: t.coefficient, max: t.coefficient };
    for (const [s, e] of t.monomial.factors) range = multiplyIntervals(range, powerInterval({ min: s.range.min, max: s.range.max }, e));
    min = min === undefined || range.min === undefined ? undefined : min + range.min;
    max = max === undefined || range.max === undefined ? undefined : max + range.max;
  }
  return { min, max };
}

/** `[lo, hi]^e`: for even `e` the minimum is 0 when the interval straddles 0. */
function powerInterval(x: Interval, e: number): Interval {
  let out: Interval = { min: 1n, max: 1n };
  for (let i = 0; i < e; i++) out = multiplyIntervals(out, x);
  if (e % 2 === 0) {
    const straddles = (x.min === undefined || x.min <= 0n) && (x.max === undefined || x.max >= 0n);
    if (straddles) out = { min: 0n, max: out.max };
    else if (out.min !== undefined && out.min < 0n) out = { min: 0n, max: out.max };
  }
  return out;
}

/** Interval product with unbounded ends (`undefined`). */
export function multiplyIntervals(a: Interval, b: Interval): Interval {
  // Extended values: -inf / +inf as strings keep the case analysis small.
  type Ext = bigint | '-inf' | '+inf';
  const lo = (x: Bound): Ext => (x === undefined ? '-inf' : x);
  const hi = (x: Bound): Ext => (x === undefined ? '+inf' : x);
  const times = (x: Ext, y: Ext): Ext => {
    if (typeof x === 'bigint' && typeof y === 'bigint') return x * y;
    const sx = typeof x === 'bigint' ? (x > 0n ? 1 : x < 0n ? -1 : 0) : x === '+inf' ? 1 : -1;
    const sy = typeof y === 'bigint' ? (y > 0n ? 1 : y < 0n ? -1 : 0) : y === '+inf' ? 1 : -1;
    const s = sx * sy;
    return s === 0 ? 0n : s > 0 ? '+inf' : '-inf';
  };
  const corners = [times(lo(a.min), lo(b.min)), times(lo(a.min), hi(b.max)), times(hi(a.max), lo(b.min)), times(hi(a.max), hi(b.max))];
  const rank = (x: Ext): number => (x === '-inf' ? -1 : x === '+inf' ? 1 : 0);
  let min: Ext = corners[0]!;
  let max: Ext = corners[0]!;
  for (const c of corners) {
    if (rank(c) < rank(min) || (rank(c) === 0 && rank(min) === 0 && (c as bigint) < (min as bigint))) min = c;
    if (rank(c) > rank(max) || (rank(c) === 0 && rank(max) === 0 && (c as bigint) > (max as bigint))) max = c;
  }
  return { min: typeof min === 'bigint' ? min : undefined, max: typeof max === 'bigint' ? max : undefined };
}
