import type { DimBounds, DimExpr } from './dim-expr.js';
import { type DimSymbol, type Interval, type OpaqueDefinition, type Term, floorDiv } from './dim-terms.js';

/**
 * Opaque symbols: what their definitions say about their range and value, and the analyses that
 * look through them (which plain symbols an expression depends on, whether it grows with them).
 */

/** `[symbol, x, a]` when the term is `1*floordiv(x, a)` with a positive constant `a`. */
export function nestedFloorSymbol(t: Term): [DimSymbol, DimExpr, bigint] | undefined {
  if (t.coefficient !== 1n || t.monomial.factors.length !== 1 || t.monomial.factors[0]![1] !== 1) return undefined;
  const symbol = t.monomial.factors[0]![0];
  const def = symbol.definition;
  const a = def?.op === 'floordiv' ? def.args[1]!.constBigInt() : undefined;
  return def && a !== undefined && a > 0n ? [symbol, def.args[0]!, a] : undefined;
}


function divideBound(x: bigint | undefined, k: bigint, round: (a: bigint, b: bigint) => bigint): bigint | undefined {
  return x === undefined ? undefined : round(x, k);
}

function pickBound(a: bigint | undefined, b: bigint | undefined, pick: 'lower' | 'higher'): bigint | undefined {
  if (a === undefined || b === undefined) return undefined;
  return (pick === 'lower') === (a < b) ? a : b;
}

/** What an opaque symbol's value can be, from its definition. */
export function definitionRange(def: OpaqueDefinition): Interval {
  const [a, b] = def.args.map((x) => x.bounds()) as [DimBounds, DimBounds];
  switch (def.op) {
    case 'less': case 'equal': return { min: 0n, max: 1n };
    case 'max': return { min: a.min !== undefined && b.min !== undefined ? (a.min > b.min ? a.min : b.min) : (a.min ?? b.min), max: pickBound(a.max, b.max, 'higher') };
    case 'min': return { min: pickBound(a.min, b.min, 'lower'), max: a.max !== undefined && b.max !== undefined ? (a.max < b.max ? a.max : b.max) : (a.max ?? b.max) };
    case 'broadcast': return { min: pickBound(a.min, b.min, 'lower'), max: pickBound(a.max, b.max, 'higher') };
    case 'floordiv': case 'truncdiv': {
      const k = def.args[1]!.constBigInt();
      const round = def.op === 'floordiv' ? floorDiv : (x: bigint, y: bigint) => x / y;
      if (k !== undefined && k > 0n) return { min: divideBound(a.min, k, round), max: divideBound(a.max, k, round) };
      // A divisor >= 1 moves the quotient toward 0 (floor: at most to -1 for negatives).
      if (b.min !== undefined && b.min >= 1n) {
        const min = a.min === undefined ? undefined : a.min >= 0n ? 0n : a.min;
        const max = a.max === undefined ? undefined : a.max >= 0n ? a.max : def.op === 'floordiv' ? -1n : 0n;
        return { min, max };
      }
      return { min: undefined, max: undefined };
    }
  }
}

export function evaluateSymbol(symbol: DimSymbol, bindings: Readonly<Record<string, number>>): bigint | undefined {
  const bound = bindings[symbol.name];
  if (bound !== undefined) {
    if (!Number.isInteger(bound)) return undefined;
    const v = BigInt(bound);
    const { min, max } = symbol.range;
    return (min !== undefined && v < min) || (max !== undefined && v > max) ? undefined : v;
  }
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
    case 'truncdiv': return b === 0n ? undefined : a / b;
    case 'max': return a > b ? a : b;
    case 'min': return a < b ? a : b;
    case 'broadcast': return a === 1n ? b : a;
    case 'less': return a < b ? 1n : 0n;
    case 'equal': return a === b ? 1n : 0n;
  }
}

/** Names of the plain symbols a sum of terms depends on, through opaque definitions (sorted). */
export function baseSymbolsOf(terms: readonly Term[]): string[] {
  const names = new Set<string>();
  for (const t of terms) {
    for (const [s] of t.monomial.factors) {
      if (s.definition) for (const a of s.definition.args) for (const n of a.baseSymbols()) names.add(n);
      else names.add(s.name);
    }
  }
  return [...names].sort();
}

/** The declared range of the plain symbol `name` where the terms mention it. */
export function symbolRangeIn(terms: readonly Term[], name: string): DimBounds | undefined {
  for (const t of terms) {
    for (const [s] of t.monomial.factors) {
      if (!s.definition && s.name === name) return { ...s.range };
      const inner = s.definition?.args.map((a) => a.symbolRange(name)).find((r) => r);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** See `DimExpr.isNondecreasing`. */
export function nondecreasing(terms: readonly Term[]): boolean {
  return terms.every((t) => {
    if (!t.monomial.factors.length) return true;
    if (t.coefficient < 0n) return false;
    const product = t.monomial.factors.length > 1 || t.monomial.factors[0]![1] > 1;
    return t.monomial.factors.every(([s]) => {
      if (product && !(s.range.min !== undefined && s.range.min >= 0n)) return false;
      const def = s.definition;
      if (!def) return true;
      if (def.op === 'max' || def.op === 'min') return def.args.every((a) => a.isNondecreasing());
      if (def.op === 'floordiv' || def.op === 'truncdiv') {
        const k = def.args[1]!.constBigInt();
        return k !== undefined && k > 0n && def.args[0]!.isNondecreasing();
      }
      return false;
    });
  });
}
