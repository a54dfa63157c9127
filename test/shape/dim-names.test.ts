import { describe, expect, it } from 'vitest';
import { DType, Model } from '../../src/ir/index.js';
import { DimExpr, DimNames } from '../../src/shape/index.js';

function graphWith(inputs: [string, (number | string | null)[]][]) {
  const model = new Model();
  for (const [name, shape] of inputs) model.graph.addInput(name, { dtype: DType.FLOAT, shape });
  return model.graph;
}

describe('DimNames', () => {
  it('names machine-made input dims after their role, keeps user names, abbreviates divisions', () => {
    const names = DimNames.forGraph(graphWith([['pixel_values', ['s6', 3, 's37', 's46']]]));
    const h = DimExpr.symbol('s37', { min: 1 });
    const w = DimExpr.symbol('s46', { min: 1 });
    const h32 = h.ceilDivConst(32);
    expect(String(h32.mul(4))).toBe('floordiv(s37 + 31, 32)*4');
    expect(names.format(h32.mul(4))).toBe('4*h32');
    expect(names.format(h32.mul(w.ceilDivConst(32)).mul(21))).toBe('21*h32*w32');
    expect(names.format(DimExpr.symbol('s6').mul(8))).toBe('8*N');
    expect(names.format(h.floorDivConst(2))).toBe('h2f');
    expect(names.legend()).toEqual(['N, H, W: pixel_values dims 0, 2, 3 (s6, s37, s46 in the model)', 'h32 = ceil(H/32), w32 = ceil(W/32), h2f = floor(H/2)']);
  });

  it('user-named dims stay; unnamed dims get names; several inputs are prefixed', () => {
    const names = DimNames.forGraph(graphWith([['feat0', ['batch', 32, 'h0', 'w0']], ['a', [null, 's1']], ['b', ['s2', 4]]]));
    expect(names.format(DimExpr.symbol('h0').mul(DimExpr.symbol('w0')))).toBe('h0*w0');
    expect(names.format(DimExpr.symbol('unk__a_0').add(DimExpr.symbol('s2')))).toBe('b.N + a.N');
    expect(names.format(DimExpr.symbol('s1'))).toBe('a.d1');
    expect(names.legend()[0]).toBe('a.N, a.d1: a dims 0, 1 (unk__a_0, s1 in the model)');
  });

  it('a long opaque size gets a short name, a short one is spelled out; constants print as they are', () => {
    const names = DimNames.none();
    const a = DimExpr.symbol('height');
    const b = DimExpr.symbol('width');
    expect(names.format(DimExpr.max(a, b))).toBe('e1');
    expect(names.legend()).toEqual(['e1 = max(height, width)']);
    expect(names.format(DimExpr.const(-3))).toBe('-3');
    expect(names.format(a.sub(1))).toBe('height - 1');
  });
});
