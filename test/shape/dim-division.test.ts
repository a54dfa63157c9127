/**
 * Integer division, remainders, bounds and the booleans of shape arithmetic, against brute-force
 * bigint evaluation: every expression DimExpr builds must evaluate to what the operations it
 * stands for compute, at every binding inside the symbols' ranges (including negative
 * intermediate values), and the canonical forms must identify the different spellings of one
 * size that exporters and Conv arithmetic produce.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DimExpr } from '../../src/shape/index.js';

type Bindings = Record<string, number>;
/** A reference value, or undefined where the operation is undefined (division by zero). */
type Ref = (b: Bindings) => bigint | undefined;
type Pair = [DimExpr, Ref];

/** `h` is an image size (>= 1), `w` a size that may be 0, `n` any integer in [-30, 30]. */
const h = DimExpr.symbol('h', { min: 1 });
const w = DimExpr.symbol('w');
const n = DimExpr.symbol('n', { min: -30, max: 30 });

const bindings = fc.record({
  h: fc.integer({ min: 1, max: 80 }),
  w: fc.integer({ min: 0, max: 80 }),
  n: fc.integer({ min: -30, max: 30 }),
});

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
};

function lift2(f: (x: bigint, y: bigint) => bigint | undefined): (x: Ref, y: Ref) => Ref {
  return (x, y) => (b) => {
    const a = x(b);
    const c = y(b);
    return a === undefined || c === undefined ? undefined : f(a, c);
  };
}

const divisor = fc.integer({ min: -9, max: 9 }).filter((k) => k !== 0);

/** Random expressions over h, w, n with every operation under test, paired with a reference. */
const expr: fc.Arbitrary<Pair> = fc.letrec<{ e: Pair }>((tie) => {
  const e = tie('e');
  const options: fc.Arbitrary<Pair | undefined>[] = [
    fc.integer({ min: -40, max: 40 }).map((c): Pair => [DimExpr.const(c), () => BigInt(c)]),
    fc.constantFrom<Pair>([h, (b) => BigInt(b['h']!)], [w, (b) => BigInt(b['w']!)], [n, (b) => BigInt(b['n']!)]),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair => [x.add(y), lift2((a, c) => a + c)(f, g)]),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair => [x.sub(y), lift2((a, c) => a - c)(f, g)]),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair => [x.mul(y), lift2((a, c) => a * c)(f, g)]),
    fc.tuple(e, fc.integer({ min: 1, max: 9 })).map(([[x, f], k]): Pair => [x.floorDivConst(k), (b) => { const a = f(b); return a === undefined ? undefined : floorDiv(a, BigInt(k)); }]),
    fc.tuple(e, fc.integer({ min: 1, max: 9 })).map(([[x, f], k]): Pair => [x.ceilDivConst(k), (b) => { const a = f(b); return a === undefined ? undefined : -floorDiv(-a, BigInt(k)); }]),
    fc.tuple(e, divisor).map(([[x, f], k]): Pair | undefined => {
      const q = x.truncDiv(DimExpr.const(k));
      return q && [q, (b) => { const a = f(b); return a === undefined ? undefined : a / BigInt(k); }];
    }),
    fc.tuple(e, divisor).map(([[x, f], k]): Pair | undefined => {
      const r = x.mod(DimExpr.const(k));
      return r && [r, (b) => { const a = f(b); return a === undefined ? undefined : a - BigInt(k) * floorDiv(a, BigInt(k)); }];
    }),
    fc.tuple(e, divisor).map(([[x, f], k]): Pair | undefined => {
      const r = x.rem(DimExpr.const(k));
      return r && [r, (b) => { const a = f(b); return a === undefined ? undefined : a % BigInt(k); }];
    }),
    // Symbolic divisors: defined only where the bounds prove the sign.
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair | undefined => {
      const q = x.truncDiv(y);
      return q && [q, lift2((a, c) => (c === 0n ? undefined : a / c))(f, g)];
    }),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair | undefined => {
      const q = x.floorDiv(y);
      return q && [q, lift2((a, c) => (c === 0n ? undefined : floorDiv(a, c)))(f, g)];
    }),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair => [DimExpr.max(x, y), lift2((a, c) => (a > c ? a : c))(f, g)]),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair => [DimExpr.min(x, y), lift2((a, c) => (a < c ? a : c))(f, g)]),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair => [DimExpr.less(x, y), lift2((a, c) => (a < c ? 1n : 0n))(f, g)]),
    fc.tuple(e, e).map(([[x, f], [y, g]]): Pair => [DimExpr.equal(x, y), lift2((a, c) => (a === c ? 1n : 0n))(f, g)]),
  ];
  return {
    e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, ...options)
      .filter((p): p is Pair => p !== undefined && p[0].termCount() <= 24),
  };
}).e;

describe('DimExpr division, remainders, comparisons and bounds', () => {
  it('evaluate like brute-force integer arithmetic at every admissible binding', () => {
    fc.assert(fc.property(expr, fc.array(bindings, { minLength: 1, maxLength: 6 }), ([e, ref], samples) => {
      for (const b of samples) {
        const want = ref(b);
        if (want === undefined) continue;
        fc.pre(want < 2n ** 50n && want > -(2n ** 50n));
        expect(e.evaluate(b)).toBe(Number(want));
        expect(e.substitute(b).constValue()).toBe(Number(want));
      }
    }), { numRuns: 1500 });
  });

  it('bound every expression soundly', () => {
    fc.assert(fc.property(expr, fc.array(bindings, { minLength: 1, maxLength: 6 }), ([e], samples) => {
      const { min, max } = e.bounds();
      for (const b of samples) {
        const v = e.evaluate(b);
        if (v === undefined) continue;
        if (min !== undefined) expect(BigInt(v) >= min).toBe(true);
        if (max !== undefined) expect(BigInt(v) <= max).toBe(true);
      }
    }), { numRuns: 1000 });
  });

  it('keys determine values: equal canonical forms evaluate equal', () => {
    // Different constructions that land on one key must agree everywhere (no false equalities).
    const seen = new Map<string, Ref>();
    fc.assert(fc.property(expr, fc.array(bindings, { minLength: 3, maxLength: 3 }), ([e, ref], samples) => {
      const other = seen.get(e.key());
      if (!other) {
        seen.set(e.key(), ref);
        return;
      }
      for (const b of samples) {
        const x = ref(b);
        const y = other(b);
        if (x !== undefined && y !== undefined) expect(x).toBe(y);
      }
    }), { numRuns: 1500 });
  });

  it('refuses what it cannot prove: unknown-sign divisors and the trunc/floor gap', () => {
    expect(h.truncDiv(n)?.toString()).toBe('truncdiv(h, n)');
    expect(h.floorDiv(DimExpr.const(0))).toBeUndefined();
    expect(h.floorDiv(w)?.evaluate({ h: 5, w: 0 })).toBeUndefined(); // w may be 0: no value there
    expect(h.floorDiv(DimExpr.const(0))).toBeUndefined();
    // n - 1 may be negative: truncation and floor differ there, so it stays a truncdiv.
    const t = n.sub(1).truncDiv(DimExpr.const(4))!;
    expect(t.toString()).toBe('truncdiv(n - 1, 4)');
    expect(t.evaluate({ n: -6 })).toBe(-1);
    expect(n.sub(1).floorDivConst(4).evaluate({ n: -6 })).toBe(-2);
    // h >= 1: h - 1 >= 0, truncation is floor.
    expect(h.sub(1).truncDiv(DimExpr.const(32))!.add(1).toString()).toBe('floordiv(h + 31, 32)');
    // Out of range bindings are not evaluated (the canonical form assumed h >= 1).
    expect(h.sub(1).truncDiv(DimExpr.const(32))!.evaluate({ h: 0 })).toBeUndefined();
  });
});

describe('canonical floor division', () => {
  const nonNegativePoly = fc.tuple(fc.nat(6), fc.nat(6), fc.nat(6), fc.nat(40))
    .map(([a, b, c, d]) => h.mul(a).add(w.mul(b)).add(h.mul(w).mul(c)).add(d));

  it('merges nested floors: floor(floor(x/a)/b) = floor(x/(a*b)) and floor((floor(x/a) + y)/b) = floor((x + a*y)/(a*b))', () => {
    fc.assert(fc.property(nonNegativePoly, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: -20, max: 20 }), (x, a, b, y) => {
      expect(x.floorDivConst(a).floorDivConst(b).equals(x.floorDivConst(a * b))).toBe(true);
      expect(x.floorDivConst(a).add(y).floorDivConst(b).equals(x.add(a * y).floorDivConst(a * b))).toBe(true);
      expect(x.floorDivConst(a).add(w.mul(y)).floorDivConst(b).equals(x.add(w.mul(a * y)).floorDivConst(a * b))).toBe(true);
    }), { numRuns: 300 });
  });

  it('moves whole multiples out: floor((x + k*a)/a) = floor(x/a) + k, also for negative k and x', () => {
    fc.assert(fc.property(nonNegativePoly, fc.integer({ min: 1, max: 12 }), fc.integer({ min: -30, max: 30 }), (x, a, k) => {
      expect(x.add(k * a).floorDivConst(a).equals(x.floorDivConst(a).add(k))).toBe(true);
      expect(x.neg().add(k * a).floorDivConst(a).equals(x.neg().floorDivConst(a).add(k))).toBe(true);
      expect(x.mul(a).add(k).floorDivConst(a).equals(x.add(DimExpr.const(k).floorDivConst(a)))).toBe(true);
    }), { numRuns: 300 });
  });

  it('cancels common factors: floor((g*u + c)/(g*m)) = floor((u + floor(c/g))/m)', () => {
    fc.assert(fc.property(nonNegativePoly, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 30 }), (x, g, m, c) => {
      const u = x.sub(DimExpr.const(x.constantTerm()));
      expect(u.mul(g).add(c).floorDivConst(g * m).equals(u.add(Math.floor(c / g)).floorDivConst(m))).toBe(true);
    }), { numRuns: 300 });
  });

  /** One backbone layer: a Conv/Pool size `floor((x + 2p - k)/s) + 1`. */
  const layer = fc.constantFrom(
    { k: 3, s: 2, p: 1 }, { k: 7, s: 2, p: 3 }, { k: 1, s: 2, p: 0 }, { k: 5, s: 2, p: 2 }, // ceil(x/2)
    { k: 2, s: 2, p: 0 }, { k: 4, s: 4, p: 0 }, // floor(x/2), floor(x/4): patch merging / patchify
    { k: 3, s: 1, p: 1 }, { k: 1, s: 1, p: 0 }, // same size
  );

  it('identifies a Conv/Pool chain with the exporter\'s closed form and with its truncating spelling', () => {
    fc.assert(fc.property(fc.array(layer, { minLength: 1, maxLength: 7 }), (layers) => {
      // The smallest input every window fits (onnxruntime refuses a Conv otherwise): what
      // inference learns from the model, and what makes each truncating Div argument >= 0.
      const sizes = (size: number): number[] => {
        const out = [size];
        for (const { k, s, p } of layers) out.push(Math.floor((out[out.length - 1]! + 2 * p - k) / s) + 1);
        return out;
      };
      let min = 1;
      while (layers.some(({ k, p }, i) => sizes(min)[i]! + 2 * p - k < 0)) min++;
      const x0 = DimExpr.symbol('h', { min });
      let conv = x0;
      let closed = x0; // what PyTorch's symbolic shapes write: (x - 1)//s + 1 or x//s, nested
      let truncating = x0; // the same through onnxruntime's truncating Div
      for (const { k, s, p } of layers) {
        conv = conv.add(2 * p - k).floorDivConst(s).add(1);
        if (k === 2 * p + 1) {
          closed = closed.sub(1).floorDivConst(s).add(1);
          truncating = truncating.sub(1).truncDiv(DimExpr.const(s))!.add(1);
        } else {
          closed = closed.floorDivConst(s);
          truncating = truncating.truncDiv(DimExpr.const(s))!;
        }
      }
      expect(conv.toString()).toBe(closed.toString());
      expect(truncating.toString()).toBe(closed.toString());
      for (const size of [min, min + 1, 31, 32, 33, 97, 640]) {
        if (size < min) continue;
        expect(conv.evaluate({ h: size })).toBe(sizes(size)[layers.length]);
      }
    }), { numRuns: 300 });
  });

  it('gives the ResNet/Deformable DETR level sizes the forms the prover compares', () => {
    const convSize = (x: DimExpr, k: number, s: number, p: number): DimExpr => x.add(2 * p - k).floorDivConst(s).add(1);
    let x = convSize(h, 7, 2, 3);
    x = convSize(x, 3, 2, 1); // max pool
    const levels: DimExpr[] = [];
    for (let i = 0; i < 3; i++) levels.push((x = convSize(x, 3, 2, 1)));
    levels.push(convSize(x, 3, 2, 1)); // the extra level's stride-2 Conv
    expect(levels.map(String)).toEqual(['floordiv(h + 7, 8)', 'floordiv(h + 15, 16)', 'floordiv(h + 31, 32)', 'floordiv(h + 63, 64)']);
    const exporter = [8, 16, 32, 64].map((s) => h.sub(1).truncDiv(DimExpr.const(s))!.add(1));
    expect(exporter.every((e, i) => e.equals(levels[i]!))).toBe(true);
  });
});

describe('bounds', () => {
  it('see through correlations that interval arithmetic loses', () => {
    expect(h.mul(w).sub(w).isNonNegative()).toBe(true); // (h - 1)*w with h >= 1
    expect(h.mul(h).sub(h.mul(2)).add(1).isNonNegative()).toBe(true); // (h - 1)^2
    expect(h.sub(2).isNonNegative()).toBe(false);
    expect(n.mul(n).bounds()).toEqual({ min: 0n, max: 900n });
    expect(n.add(30).sign()).toBe('nonNegative');
    expect(h.floorDivConst(32).add(1).sign()).toBe('positive');
    expect(DimExpr.max(n, DimExpr.const(0)).bounds()).toEqual({ min: 0n, max: 30n });
    expect(DimExpr.max(n.sub(40), n.sub(50)).isNonNegative()).toBe(false);
  });

  it('decide comparisons only when provable', () => {
    expect(DimExpr.less(h, DimExpr.const(1)).toString()).toBe('0');
    expect(DimExpr.less(DimExpr.const(0), h).toString()).toBe('1');
    expect(DimExpr.less(h, DimExpr.const(5)).toString()).toBe('less(h - 5, 0)');
    expect(DimExpr.equal(h.add(1), h).toString()).toBe('0');
    expect(DimExpr.equal(w, DimExpr.const(0)).evaluate({ w: 0 })).toBe(1);
    expect(DimExpr.less(n, DimExpr.const(0)).bounds()).toEqual({ min: 0n, max: 1n });
  });
});
