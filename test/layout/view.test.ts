import { describe, expect, it } from 'vitest';
import { alignAtoms, piecesOf } from '../../src/layout/align.js';
import {
  ViewError, concatView, describeView, identityView, reshapeView, selectView, sliceView, transposeView, unsqueezeView, viewShape,
} from '../../src/layout/view.js';
import { DimExpr } from '../../src/shape/dim-expr.js';

const c = (n: number): DimExpr => DimExpr.const(n);
const sym = (s: string): DimExpr => DimExpr.symbol(s);
const root = (sizes: (number | string)[]) => identityView(sizes.map((s, i) => ({ axis: `r:${i}`, size: typeof s === 'number' ? c(s) : sym(s) })));

describe('layout views', () => {
  it('follow the value path of an MSDA level: split tokens, flatten, transpose, reshape to [N*M, D, H, W]', () => {
    // value [N, S=20, M=2, D=3]; level 1 is tokens 16..20 (H=2, W=2).
    let v = sliceView(root(['n', 20, 2, 3]), 1, c(16), c(4));
    v = reshapeView(v, [sym('n'), c(4), c(6)]); // flatten(2)
    v = transposeView(v, [0, 2, 1]);
    v = reshapeView(v, [sym('n').mul(2), c(3), c(2), c(2)]);
    expect(viewShape(v).map(String)).toEqual(['n*2', '3', '2', '2']);
    expect(describeView(v)).toBe('[r:0:n r:2:2] [r:3:3] [r:1:2/2] [r:1:2] @ r:1+16');
  });

  it('splits an atom only where sizes divide exactly, also symbolically', () => {
    const hw = identityView([{ axis: 't', size: sym('h').mul(sym('w')) }]);
    const split = reshapeView(hw, [sym('h'), sym('w')]);
    expect(describeView(split)).toBe('[t:h/w] [t:w]');
    expect(() => reshapeView(root([6]), [c(4), c(2)])).toThrow(ViewError);
    expect(() => reshapeView(root([6, 2]), [c(4), c(3)])).toThrow(/does not divide/);
  });

  it('stacks per-level views into a level axis and checks their order', () => {
    const levels = [0, 1, 2].map((l) => ({ dims: [[{ axis: 'q', size: c(5), stride: c(1) }]], offsets: new Map([['l', c(l)]]) }));
    const stacked = concatView(levels.map((v) => unsqueezeView(v, [1])), 1, 'l', c(1));
    expect(describeView(stacked)).toBe('[q:5] [l:3]');
    const swapped = [levels[1]!, levels[0]!, levels[2]!];
    expect(() => concatView(swapped, 1, 'l', c(1))).toThrow(/not the 0-th block|not the 1-th block/);
  });

  it('selects one index of a dimension as an offset', () => {
    const v = selectView(root([2, 4, 3]), 1, c(2));
    expect(describeView(v)).toBe('[r:0:2] [r:2:3] @ r:1+2');
  });

  it('aligns two atom lists by splitting and rebuilds a semantic axis from its pieces', () => {
    const semantic = [{ axis: 'n', size: c(2), stride: c(4) }, { axis: 'n', size: c(4), stride: c(1) }];
    const rootAtoms = [{ axis: 'r:0', size: c(8), stride: c(1) }];
    const pairs = alignAtoms(semantic, rootAtoms, 'test');
    expect(pairs.map((p) => `${p.semantic.axis}${p.semantic.size}<-${p.root.axis}:${p.root.size}/${p.root.stride}`)).toEqual(['n2<-r:0:2/4', 'n4<-r:0:4/1']);
    expect(piecesOf(pairs, 'n', c(8), 'test').map((a) => String(a.size))).toEqual(['2', '4']);
    expect(() => piecesOf(pairs, 'n', c(16), 'test')).toThrow(/^test: 8 of the 16 n are read$/);
    expect(() => alignAtoms(semantic, [{ axis: 'r:0', size: c(3), stride: c(1) }], 'test')).toThrow(/do not line up/);
  });
});
