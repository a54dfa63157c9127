import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimExpr } from '../../src/shape/index.js';

const SYMBOLS = ['a', 'b', 'batch', 'h0'] as const;

/** Random polynomials over a few symbols, with the same expression built numerically. */
const expr: fc.Arbitrary<DimExpr> = fc.letrec<{ e: DimExpr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -20, max: 20 }).map((n) => DimExpr.const(n)),
    fc.constantFrom(...SYMBOLS).map((s) => DimExpr.symbol(s)),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => x.add(y)),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => x.sub(y)),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => x.mul(y)),
  ),
})).e;

const bindings = fc.record({
  a: fc.integer({ min: 0, max: 50 }),
  b: fc.integer({ min: 0, max: 50 }),
  batch: fc.integer({ min: 0, max: 50 }),
  h0: fc.integer({ min: 0, max: 50 }),
});

describe('DimExpr', () => {
  it('prints canonical, deterministic text', () => {
    const batch = DimExpr.symbol('batch');
    const [h0, w0, h1, w1] = ['h0', 'w0', 'h1', 'w1'].map((s) => DimExpr.symbol(s)) as [DimExpr, DimExpr, DimExpr, DimExpr];
    expect(batch.mul(8).toString()).toBe('batch*8');
    expect(DimExpr.const(8).mul(batch).toString()).toBe('batch*8');
    expect(h1.mul(w1).add(h0.mul(w0)).toString()).toBe('h0*w0 + h1*w1');
    expect(h0.sub(1).toString()).toBe('h0 - 1');
    expect(DimExpr.const(3).sub(h0.mul(2)).toString()).toBe('-h0*2 + 3');
    expect(h0.mul(h0).toString()).toBe('h0^2');
    expect(DimExpr.const(0).toString()).toBe('0');
    expect(h0.sub(h0).toString()).toBe('0');
    expect(h0.add(w0).equals(w0.add(h0))).toBe(true);
    expect(h0.add(w0).key()).toBe(w0.add(h0).hash);
  });

  it('knows constants and symbols', () => {
    expect(DimExpr.const(5).isConst()).toBe(true);
    expect(DimExpr.const(5).constValue()).toBe(5);
    expect(DimExpr.symbol('x').constValue()).toBeUndefined();
    expect(DimExpr.symbol('x').symbolName()).toBe('x');
    expect(DimExpr.symbol('x').mul(2).symbolName()).toBeUndefined();
    expect(DimExpr.const(9223372036854775807n).constBigInt()).toBe(9223372036854775807n);
  });

  it('divides exactly by monomials and polynomials, and refuses inexact division', () => {
    const batch = DimExpr.symbol('batch');
    const h = DimExpr.symbol('h');
    const w = DimExpr.symbol('w');
    const total = batch.mul(1360).mul(64);
    expect(total.divExact(batch.mul(8).mul(64))?.toString()).toBe('170');
    expect(total.divExact(batch.mul(2048))).toBeUndefined();
    expect(total.divExact(DimExpr.const(64))?.toString()).toBe('batch*1360');
    expect(batch.mul(h.mul(w).add(5)).divExact(h.mul(w).add(5))?.toString()).toBe('batch');
    expect(batch.mul(3).divExact(2)).toBeUndefined();
    expect(batch.divExact(h)).toBeUndefined();
    expect(h.mul(w).add(1).divExact(h)).toBeUndefined();
    expect(batch.divExact(0)).toBeUndefined();
  });

  it('floor-divides into exact parts plus an opaque, evaluable rest', () => {
    const h = DimExpr.symbol('h');
    // Conv: kernel 3, stride 2, pad 1 -> floor((h + 2 - 3) / 2) + 1 = ceil(h / 2).
    const conv = h.add(2).sub(3).floorDivConst(2).add(1);
    expect(conv.toString()).toBe('floordiv(h + 1, 2)');
    expect(conv.evaluate({ h: 7 })).toBe(4);
    expect(conv.evaluate({ h: 8 })).toBe(4);
    expect(h.mul(4).add(6).floorDivConst(2).toString()).toBe('h*2 + 3');
    expect(h.mul(3).add(1).floorDivConst(2).toString()).toBe('floordiv(h + 1, 2) + h');
    expect(DimExpr.const(-7).floorDivConst(2).constValue()).toBe(-4);
    expect(h.modConst(4).evaluate({ h: 10 })).toBe(2);
    expect(h.ceilDivConst(4).evaluate({ h: 9 })).toBe(3);
  });

  it('decides max/min/broadcast when provable and keeps the rest opaque but evaluable', () => {
    const a = DimExpr.symbol('a');
    const b = DimExpr.symbol('b');
    expect(DimExpr.max(a.add(1), a).toString()).toBe('a + 1');
    expect(DimExpr.min(a.mul(b).add(a), a).toString()).toBe('a');
    const m = DimExpr.max(a, b);
    expect(m.toString()).toBe('max(a, b)');
    expect(DimExpr.max(b, a).equals(m)).toBe(true);
    expect(m.evaluate({ a: 3, b: 9 })).toBe(9);
    expect(DimExpr.broadcast(DimExpr.const(1), a).toString()).toBe('a');
    expect(DimExpr.broadcast(a, DimExpr.const(8)).toString()).toBe('8');
    expect(DimExpr.broadcast(a, b).evaluate({ a: 1, b: 5 })).toBe(5);
    expect(a.sub(b).sign()).toBe('unknown');
    expect(a.add(1).sign()).toBe('positive');
    expect(a.neg().sign()).toBe('nonPositive');
  });

  it('substitutes bindings, re-deriving opaque symbols', () => {
    const h = DimExpr.symbol('h');
    const e = h.sub(1).floorDivConst(2).mul(DimExpr.symbol('batch'));
    expect(e.substitute({ h: 9 }).toString()).toBe('batch*4');
    expect(e.symbols()).toEqual(['batch', 'floordiv(h + 1, 2)']);
  });

  it('satisfies the ring laws', () => {
    fc.assert(fc.property(expr, expr, expr, (x, y, z) => {
      expect(x.add(y).equals(y.add(x))).toBe(true);
      expect(x.mul(y).equals(y.mul(x))).toBe(true);
      expect(x.add(y).add(z).equals(x.add(y.add(z)))).toBe(true);
      expect(x.mul(y).mul(z).equals(x.mul(y.mul(z)))).toBe(true);
      expect(x.mul(y.add(z)).equals(x.mul(y).add(x.mul(z)))).toBe(true);
      expect(x.sub(x).equals(DimExpr.const(0))).toBe(true);
      expect(x.add(x.neg()).isConst()).toBe(true);
      expect(x.mul(1).equals(x)).toBe(true);
    }), { numRuns: 200 });
  });

  it('divExact(a*b, b) = a for non-zero b', () => {
    fc.assert(fc.property(expr, expr, (a, b) => {
      fc.pre(!b.equals(DimExpr.const(0)));
      expect(a.mul(b).divExact(b)?.toString()).toBe(a.toString());
    }), { numRuns: 200 });
  });

  it('evaluates like the numbers it stands for', () => {
    const numeric = fc.letrec<{ e: [DimExpr, (b: Record<string, number>) => number] }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small' },
        fc.integer({ min: -20, max: 20 }).map((n) => [DimExpr.const(n), () => n] as [DimExpr, (b: Record<string, number>) => number]),
        fc.constantFrom(...SYMBOLS).map((s) => [DimExpr.symbol(s), (b: Record<string, number>) => b[s]!] as [DimExpr, (b: Record<string, number>) => number]),
        fc.tuple(tie('e'), tie('e')).map(([[x, f], [y, g]]) => [x.add(y), (b: Record<string, number>) => f(b) + g(b)] as [DimExpr, (b: Record<string, number>) => number]),
        fc.tuple(tie('e'), tie('e')).map(([[x, f], [y, g]]) => [x.sub(y), (b: Record<string, number>) => f(b) - g(b)] as [DimExpr, (b: Record<string, number>) => number]),
        fc.tuple(tie('e'), tie('e')).map(([[x, f], [y, g]]) => [x.mul(y), (b: Record<string, number>) => f(b) * g(b)] as [DimExpr, (b: Record<string, number>) => number]),
        fc.tuple(tie('e'), fc.integer({ min: 1, max: 7 })).map(([[x, f], k]) => [x.floorDivConst(k), (b: Record<string, number>) => Math.floor(f(b) / k)] as [DimExpr, (b: Record<string, number>) => number]),
        fc.tuple(tie('e'), tie('e')).map(([[x, f], [y, g]]) => [DimExpr.max(x, y), (b: Record<string, number>) => Math.max(f(b), g(b))] as [DimExpr, (b: Record<string, number>) => number]),
      ),
    })).e;
    fc.assert(fc.property(numeric, bindings, ([e, f], b) => {
      const want = f(b) + 0; // no negative zero
      fc.pre(Math.abs(want) < 2 ** 50);
      expect(e.evaluate(b)).toBe(want);
      expect(e.substitute(b).constValue()).toBe(want);
    }), { numRuns: 300 });
  });
});
