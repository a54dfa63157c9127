import { OnnxSurgeonError } from '../errors.js';

/**
 * How an opaque symbol is defined, so that {@link DimExpr.evaluate} can still compute it once the
 * symbols it depends on are bound. `broadcast(a, b)` is ONNX broadcasting of two dims (`b` when
 * `a` is 1, else `a`).
 */
export interface OpaqueDefinition {
  readonly op: 'floordiv' | 'max' | 'min' | 'broadcast';
  readonly args: readonly DimExpr[];
}

/** A named integer unknown; opaque symbols also carry their definition. */
interface Symbol {
  readonly name: string;
  readonly definition?: OpaqueDefinition;
}

/** A product of symbols with positive exponents, sorted by symbol name. */
interface Monomial {
  readonly factors: readonly (readonly [Symbol, number])[];
  /** `a*b^2` form; `''` for the constant monomial. */
  readonly key: string;
  readonly degree: number;
}

interface Term {
  readonly monomial: Monomial;
  readonly coefficient: bigint;
}

const ONE: Monomial = { factors: [], key: '', degree: 0 };

function makeMonomial(factors: (readonly [Symbol, number])[]): Monomial {
  factors.sort((a, b) => compareStrings(a[0].name, b[0].name));
  const key = factors.map(([s, e]) => (e === 1 ? s.name : `${s.name}^${e}`)).join('*');
  return { factors, key, degree: factors.reduce((n, [, e]) => n + e, 0) };
}

function multiplyMonomials(a: Monomial, b: Monomial): Monomial {
  if (!a.factors.length) return b;
  if (!b.factors.length) return a;
  const exponents = new Map<string, [Symbol, number]>();
  for (const [s, e] of [...a.factors, ...b.factors]) {
    const prev = exponents.get(s.name);
    exponents.set(s.name, [prev?.[0] ?? s, (prev?.[1] ?? 0) + e]);
  }
  return makeMonomial([...exponents.values()]);
}

/** `a / b` when `b` divides `a` (every exponent of `b` at most `a`'s), else undefined. */
function divideMonomials(a: Monomial, b: Monomial): Monomial | undefined {
  if (!b.factors.length) return a;
  const left = new Map<string, [Symbol, number]>(a.factors.map(([s, e]) => [s.name, [s, e]]));
  for (const [s, e] of b.factors) {
    const have = left.get(s.name);
    if (!have || have[1] < e) return undefined;
    if (have[1] === e) left.delete(s.name);
    else left.set(s.name, [have[0], have[1] - e]);
  }
  return makeMonomial([...left.values()]);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Graded lexicographic order (higher degree first, then by symbol names and exponents). It is a
 * monomial order, which the exact polynomial division in {@link DimExpr.divExact} relies on.
 */
function compareMonomials(a: Monomial, b: Monomial): number {
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

function toBigInt(n: number | bigint): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isInteger(n)) {
    throw new OnnxSurgeonError('usage', 'a dimension expression constant must be an integer', { found: String(n) });
  }
  return BigInt(n);
}

/** Floor division of bigints (BigInt `/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function floorMod(a: bigint, b: bigint): bigint {
  return a - b * floorDiv(a, b);
}

/**
 * An exact integer polynomial over named symbols: a sum of monomials (products of symbols with
 * positive exponents) with integer coefficients. Shape arithmetic in exported models is almost
 * always polynomial (`batch*8`, `h0*w0 + h1*w1`), so this keeps it exact and comparable.
 *
 * Everything that is not polynomial (floor division that is not exact, max/min, broadcasting of
 * two unknown dims, data-dependent sizes) becomes an *opaque symbol* with a deterministic,
 * readable name such as `floordiv(h + 1, 2)`; it carries its definition, so
 * {@link DimExpr.evaluate} still computes it from the bindings of its arguments. Nothing here
 * throws on symbolic input.
 *
 * Symbols stand for dimensions, so they are assumed non-negative: a polynomial whose coefficients
 * are all non-negative is taken to be non-negative ({@link DimExpr.isNonNegative}).
 *
 * Instances are immutable; {@link DimExpr.key} is a canonical string usable as a map key.
 *
 * @example
 * ```ts
 * const batch = DimExpr.symbol('batch');
 * const tokens = DimExpr.symbol('h0').mul(DimExpr.symbol('w0')).add(DimExpr.const(5));
 * batch.mul(DimExpr.const(8)).toString();           // 'batch*8'
 * tokens.mul(batch).divExact(batch)?.equals(tokens); // true
 * DimExpr.symbol('h').sub(DimExpr.const(1)).floorDivConst(2).add(DimExpr.const(1)).toString();
 * // 'floordiv(h + 1, 2)'  (a stride-2, pad-1, kernel-3 convolution)
 * tokens.evaluate({ h0: 4, w0: 4 });                  // 21
 * ```
 */
export class DimExpr {
  /** Terms with non-zero coefficients, sorted by the monomial order (constant last). */
  private readonly terms: readonly Term[];
  private cachedKey: string | undefined;

  private constructor(terms: Term[]) {
    this.terms = terms;
  }

  private static fromTermMap(map: Map<string, Term>): DimExpr {
    const terms = [...map.values()].filter((t) => t.coefficient !== 0n);
    terms.sort((a, b) => compareMonomials(a.monomial, b.monomial));
    return new DimExpr(terms);
  }

  /** The constant `n` (an integer; bigint for exact int64 values). */
  static const(n: number | bigint): DimExpr {
    const c = toBigInt(n);
    return new DimExpr(c === 0n ? [] : [{ monomial: ONE, coefficient: c }]);
  }

  /** The symbol `name` (e.g. an ONNX `dim_param`). */
  static symbol(name: string): DimExpr {
    return DimExpr.fromSymbol({ name });
  }

  /**
   * An opaque symbol named `name` that stands for `definition` (used for non-polynomial results;
   * most callers want {@link floorDivConst}, {@link DimExpr.max}, {@link DimExpr.min} instead).
   */
  static opaque(name: string, definition?: OpaqueDefinition): DimExpr {
    return DimExpr.fromSymbol(definition ? { name, definition } : { name });
  }

  private static fromSymbol(symbol: Symbol): DimExpr {
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

  private static commutativeOpaque(op: 'max' | 'min' | 'broadcast', a: DimExpr, b: DimExpr): DimExpr {
    const [x, y] = compareStrings(a.key(), b.key()) <= 0 ? [a, b] : [b, a];
    return DimExpr.opaque(`${op}(${x}, ${y})`, { op, args: [x, y] });
  }

  /** `this + other`. */
  add(other: DimExpr | number): DimExpr {
    const o = typeof other === 'number' ? DimExpr.const(other) : other;
    const map = new Map<string, Term>(this.terms.map((t) => [t.monomial.key, t]));
    for (const t of o.terms) {
      const prev = map.get(t.monomial.key);
      map.set(t.monomial.key, { monomial: t.monomial, coefficient: (prev?.coefficient ?? 0n) + t.coefficient });
    }
    return DimExpr.fromTermMap(map);
  }

  /** `this - other`. */
  sub(other: DimExpr | number): DimExpr {
    return this.add(typeof other === 'number' ? DimExpr.const(-other) : other.neg());
  }

  /** `-this`. */
  neg(): DimExpr {
    return new DimExpr(this.terms.map((t) => ({ monomial: t.monomial, coefficient: -t.coefficient })));
  }

  /** `this * other`. */
  mul(other: DimExpr | number): DimExpr {
    const o = typeof other === 'number' ? DimExpr.const(other) : other;
    const map = new Map<string, Term>();
    for (const a of this.terms) {
      for (const b of o.terms) {
        const monomial = multiplyMonomials(a.monomial, b.monomial);
        const prev = map.get(monomial.key);
        map.set(monomial.key, { monomial, coefficient: (prev?.coefficient ?? 0n) + a.coefficient * b.coefficient });
      }
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

  /**
   * `floor(this / k)` for a positive integer `k`. Never undefined: each coefficient is split as
   * `c = k*q + r` (0 <= r < k), the `q` parts come out exactly and what is left,
   * `floor((sum of r-terms) / k)`, is a constant when the r-terms are constant and otherwise the
   * opaque symbol `floordiv(<r-terms>, k)` (evaluable once its symbols are bound). Exact division
   * (every coefficient divisible) therefore gives a plain polynomial.
   */
  floorDivConst(k: number | bigint): DimExpr {
    const divisor = toBigInt(k);
    if (divisor <= 0n) {
      throw new OnnxSurgeonError('usage', 'floorDivConst needs a positive divisor', { found: String(k) });
    }
    const quotient: Term[] = [];
    const remainder: Term[] = [];
    for (const t of this.terms) {
      const q = floorDiv(t.coefficient, divisor);
      const r = floorMod(t.coefficient, divisor);
      if (q !== 0n) quotient.push({ monomial: t.monomial, coefficient: q });
      if (r !== 0n) remainder.push({ monomial: t.monomial, coefficient: r });
    }
    const exact = DimExpr.fromTermMap(new Map(quotient.map((t) => [t.monomial.key, t])));
    const rest = DimExpr.fromTermMap(new Map(remainder.map((t) => [t.monomial.key, t])));
    const restConst = rest.constBigInt();
    if (restConst !== undefined) return exact.add(DimExpr.const(floorDiv(restConst, divisor)));
    const opaque = DimExpr.opaque(`floordiv(${rest}, ${divisor})`, { op: 'floordiv', args: [rest, DimExpr.const(divisor)] });
    return exact.add(opaque);
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

  /** True when this is a constant. */
  isConst(): boolean {
    return this.terms.every((t) => !t.monomial.factors.length);
  }

  /** The constant value as a number (may round beyond 2^53), or undefined when symbolic. */
  constValue(): number | undefined {
    const c = this.constBigInt();
    return c === undefined ? undefined : Number(c);
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

  /**
   * True when provably >= 0 assuming every symbol is a non-negative integer (dims are): all
   * coefficients are non-negative. False means "not proven", not "negative".
   */
  isNonNegative(): boolean {
    return this.terms.every((t) => t.coefficient >= 0n);
  }

  /**
   * The sign as far as it is provable for non-negative symbols: `'zero'`, `'positive'` (all
   * coefficients >= 0 and a positive constant term), `'nonNegative'`, the mirrored `'negative'` and
   * `'nonPositive'`, or `'unknown'`.
   */
  sign(): 'zero' | 'positive' | 'nonNegative' | 'negative' | 'nonPositive' | 'unknown' {
    if (!this.terms.length) return 'zero';
    const constant = this.constantTerm();
    if (this.isNonNegative()) return constant > 0n ? 'positive' : 'nonNegative';
    if (this.terms.every((t) => t.coefficient <= 0n)) return constant < 0n ? 'negative' : 'nonPositive';
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

  /** Structural equality (canonical forms are equal). */
  equals(other: DimExpr): boolean {
    return this === other || this.key() === other.key();
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
   * The value for the given symbol bindings, or undefined when a symbol is unbound (opaque symbols
   * are computed from their definitions). Exact in bigint, returned as a number.
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
}

function evaluateSymbol(symbol: Symbol, bindings: Readonly<Record<string, number>>): bigint | undefined {
  const bound = bindings[symbol.name];
  if (bound !== undefined) return Number.isInteger(bound) ? BigInt(bound) : undefined;
  const def = symbol.definition;
  if (!def) return undefined;
  const args: bigint[] = [];
  for (const a of def.args) {
    const v = a.evaluate(bindings);
    if (v === undefined) return undefined;
    args.push(BigInt(v));
  }
  const [a, b] = args as [bigint, bigint];
  switch (def.op) {
    case 'floordiv': return b === 0n ? undefined : floorDiv(a, b);
    case 'max': return a > b ? a : b;
    case 'min': return a < b ? a : b;
    case 'broadcast': return a === 1n ? b : a;
  }
}

function substituteSymbol(symbol: Symbol, bindings: Readonly<Record<string, number | DimExpr>>): DimExpr {
  const bound = bindings[symbol.name];
  if (bound !== undefined) return typeof bound === 'number' ? DimExpr.const(bound) : bound;
  const def = symbol.definition;
  if (!def) return DimExpr.opaque(symbol.name);
  const [a, b] = def.args.map((x) => x.substitute(bindings)) as [DimExpr, DimExpr];
  switch (def.op) {
    case 'floordiv': {
      const k = b.constBigInt();
      return k !== undefined && k > 0n ? a.floorDivConst(k) : DimExpr.opaque(symbol.name, def);
    }
    case 'max': return DimExpr.max(a, b);
    case 'min': return DimExpr.min(a, b);
    case 'broadcast': return DimExpr.broadcast(a, b);
  }
}
