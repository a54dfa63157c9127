import { describe, expect, it } from 'vitest';
import { DType, Tensor, attr } from '../../src/ir/index.js';
import { inferShapes } from '../../src/shape/index.js';
import { Builder, dims, vals } from './build.js';

describe('inferShapes: shape tensors and layout ops', () => {
  it('solves a Reshape target built from Shape/Gather/Mul/Unsqueeze/Concat', () => {
    const b = new Builder();
    const x = b.input('x', ['batch', 1360, 64]);
    const shape = b.one('Shape', [x]);
    const batch = b.one('Gather', [shape, b.ints([0], [])], { axis: attr.int(0) });
    const batch8 = b.one('Mul', [batch, b.ints([8], [])]);
    const target = b.one('Concat', [b.one('Unsqueeze', [batch8, b.ints([0])]), b.ints([170, 8, -1])], { axis: attr.int(0) });
    const y = b.one('Reshape', [x, target]);
    const facts = inferShapes(b.graph);
    expect(vals(facts, shape)).toEqual(['batch', '1360', '64']);
    expect(dims(facts, batch)).toEqual([]);
    expect(vals(facts, batch)).toEqual(['batch']);
    expect(vals(facts, target)).toEqual(['batch*8', '170', '8', '-1']);
    expect(dims(facts, y)).toEqual(['batch*8', '170', '8', '8']);
    expect(facts.dtype(y)).toBe(DType.FLOAT);
    expect(facts.dtype(shape)).toBe(DType.INT64);
  });

  it('follows the MSDA value split: [batch, h0*w0 + h1*w1, 8, 32] sliced per level and reshaped to [batch*8, 32, h, w]', () => {
    const b = new Builder();
    const f0 = b.input('f0', ['batch', 64, 'h0', 'w0']);
    const f1 = b.input('f1', ['batch', 64, 'h1', 'w1']);
    const flat = [f0, f1].map((f) => b.one('Transpose', [b.one('Flatten', [f], { axis: attr.int(2) })], { perm: attr.ints([1, 0]) }));
    const tokens = [f0, f1].map((f) => {
      const s = b.one('Shape', [f]);
      const target = b.one('Concat', [b.one('Slice', [s, b.ints([0]), b.ints([2]), b.ints([0])]), b.ints([-1])], { axis: attr.int(0) });
      return b.one('Transpose', [b.one('Reshape', [f, target])], { perm: attr.ints([0, 2, 1]) });
    });
    const value = b.one('Concat', tokens, { axis: attr.int(1) });
    const heads = b.one('Reshape', [value, b.ints([0, 0, 8, 8])]);
    const hw = [f0, f1].map((f) => {
      const s = b.one('Shape', [f]);
      return b.one('Mul', [b.one('Gather', [s, b.ints([2], [])]), b.one('Gather', [s, b.ints([3], [])])]);
    });
    const end0 = b.one('Unsqueeze', [hw[0]!, b.ints([0])]);
    const end1 = b.one('Add', [end0, b.one('Unsqueeze', [hw[1]!, b.ints([0])])]);
    const level1 = b.one('Slice', [heads, end0, end1, b.ints([1])]);
    const level0 = b.one('Slice', [heads, b.ints([0]), end0, b.ints([1])]);
    const facts = inferShapes(b.graph);
    expect(dims(facts, flat[0]!)).toEqual(['h0*w0', 'batch*64']);
    expect(dims(facts, value)).toEqual(['batch', 'h0*w0 + h1*w1', '64']);
    expect(dims(facts, heads)).toEqual(['batch', 'h0*w0 + h1*w1', '8', '8']);
    expect(vals(facts, end1)).toEqual(['h0*w0 + h1*w1']);
    expect(dims(facts, level0)).toEqual(['batch', 'h0*w0', '8', '8']);
    expect(dims(facts, level1)).toEqual(['batch', 'h1*w1', '8', '8']);
    // Per-level reshape to the GridSample input layout [batch*8, 8, h1, w1].
    const s1 = b.one('Shape', [f1]);
    const n8 = b.one('Mul', [b.one('Gather', [s1, b.ints([0], [])]), b.ints([8], [])]);
    const target = b.one('Concat', [
      b.one('Unsqueeze', [n8, b.ints([0])]), b.ints([8]),
      b.one('Slice', [s1, b.ints([2]), b.ints([9223372036854775807n]), b.ints([0])]),
    ], { axis: attr.int(0) });
    const grid = b.one('Reshape', [b.one('Transpose', [level1], { perm: attr.ints([0, 2, 3, 1]) }), target]);
    const again = inferShapes(b.graph);
    expect(vals(again, target)).toEqual(['batch*8', '8', 'h1', 'w1']);
    expect(dims(again, grid)).toEqual(['batch*8', '8', 'h1', 'w1']);
  });

  it('slices shape tensors with negative, huge and stepped bounds', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 3, 'h', 'w', 5]);
    const s = b.one('Shape', [x]);
    const tail = b.one('Slice', [s, b.ints([-2]), b.ints([9223372036854775807n])]);
    const rev = b.one('Slice', [s, b.ints([-1]), b.ints([-9223372036854775807n]), b.ints([0]), b.ints([-2])]);
    const mid = b.one('Shape', [x], { start: attr.int(1), end: attr.int(-1) });
    const oldStyle = b.one('Slice', [s], { starts: attr.ints([1]), ends: attr.ints([3]) });
    const data = b.one('Slice', [x, b.ints([1, 0]), b.ints([-1, 2]), b.ints([2, 1])]);
    const stepped = b.one('Slice', [x, b.ints([0]), b.ints([5]), b.ints([4]), b.ints([2])]);
    const facts = inferShapes(b.graph);
    expect(vals(facts, tail)).toEqual(['w', '5']);
    expect(vals(facts, rev)).toEqual(['5', 'h', 'n']);
    expect(vals(facts, mid)).toEqual(['3', 'h', 'w']);
    expect(vals(facts, oldStyle)).toEqual(['3', 'h']);
    // h may be 1: the length is max(0, h - 2), never negative.
    expect(dims(facts, data)).toEqual(['n', '2', 'max(0, h - 2)', 'w', '5']);
    expect(dims(facts, stepped)).toEqual(['n', '3', 'h', 'w', '3']);
  });

  it('splits by sizes input, split attribute, num_outputs and equally', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 10, 'c']);
    const bySizes = b.op('Split', [x, b.ints([3, 7])], { axis: attr.int(1) }, 2);
    const byAttr = b.op('Split', [x], { axis: attr.int(1), split: attr.ints([4, 6]) }, 2);
    const byCount = b.op('Split', [x], { axis: attr.int(1), num_outputs: attr.int(3) }, 3);
    const y = b.input('y', ['n', 'c2']);
    const halves = b.op('Split', [b.one('Concat', [y, y], { axis: attr.int(1) })], { axis: attr.int(1) }, 2);
    const pieces = b.op('Split', [b.one('Shape', [x]), b.ints([1, 2])], {}, 2);
    const facts = inferShapes(b.graph);
    expect(bySizes.map((v) => dims(facts, v))).toEqual([['n', '3', 'c'], ['n', '7', 'c']]);
    expect(byAttr.map((v) => dims(facts, v)![1])).toEqual(['4', '6']);
    expect(byCount.map((v) => dims(facts, v)![1])).toEqual(['4', '4', '2']);
    expect(halves.map((v) => dims(facts, v))).toEqual([['n', 'c2'], ['n', 'c2']]);
    expect(pieces.map((v) => vals(facts, v))).toEqual([['n'], ['10', 'c']]);
  });

  it('squeezes and unsqueezes with axes as input (opset 13) or attribute (older)', () => {
    const b = new Builder();
    const x = b.input('x', [1, 'a', 1, 'b']);
    const sq = b.one('Squeeze', [x, b.ints([0, -2])]);
    const sqAll = b.one('Squeeze', [x]);
    const sqAttr = b.one('Squeeze', [x], { axes: attr.ints([2]) });
    const un = b.one('Unsqueeze', [x, b.ints([0, -1])]);
    const unAttr = b.one('Unsqueeze', [x], { axes: attr.ints([1]) });
    const facts = inferShapes(b.graph);
    expect(dims(facts, sq)).toEqual(['a', 'b']);
    expect(dims(facts, sqAll)).toEqual(['a', 'b']);
    expect(dims(facts, sqAttr)).toEqual(['1', 'a', 'b']);
    expect(dims(facts, un)).toEqual(['1', '1', 'a', '1', 'b', '1']);
    expect(dims(facts, unAttr)).toEqual(['1', '1', 'a', '1', 'b']);
  });

  it('handles Reshape 0/-1/allowzero and Transpose/Flatten/Expand/Tile/Pad', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 'h', 'w', 32]);
    const r0 = b.one('Reshape', [x, b.ints([0, -1, 8])]);
    const rz = b.one('Reshape', [b.input('e', [0, 4]), b.ints([0, 4])], { allowzero: attr.int(1) });
    const t = b.one('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) });
    const tDefault = b.one('Transpose', [x]);
    const fl = b.one('Flatten', [x], { axis: attr.int(-1) });
    const ex = b.one('Expand', [b.input('v', ['k', 1]), b.ints([2, 1, 5])]);
    const tile = b.one('Tile', [x, b.ints([1, 2, 1, 3])]);
    const pad = b.one('Pad', [x, b.ints([0, 1, 1, 0, 0, 2, 3, 0])]);
    const padAxes = b.one('Pad', [x, b.ints([1, 1]), undefined, b.ints([-1])]);
    const facts = inferShapes(b.graph);
    expect(dims(facts, r0)).toEqual(['n', 'h*w*4', '8']);
    expect(dims(facts, rz)).toEqual(['0', '4']);
    expect(dims(facts, t)).toEqual(['n', '32', 'h', 'w']);
    expect(dims(facts, tDefault)).toEqual(['32', 'w', 'h', 'n']);
    expect(dims(facts, fl)).toEqual(['h*n*w', '32']);
    expect(dims(facts, ex)).toEqual(['2', 'k', '5']);
    expect(dims(facts, tile)).toEqual(['n', 'h*2', 'w', '96']);
    expect(dims(facts, pad)).toEqual(['n', 'h + 3', 'w + 4', '32']);
    expect(dims(facts, padAxes)).toEqual(['n', 'h', 'w', '34']);
  });

  it('propagates values through Gather, Concat, Cast, Div, Where/Equal and ConstantOfShape (the torch Expand idiom)', () => {
    const b = new Builder();
    const x = b.input('x', ['batch', 'tokens', 64]);
    const s = b.one('Shape', [x]);
    const picked = b.one('Gather', [s, b.ints([2, 0])]);
    const asInt32 = b.one('Cast', [picked], { to: attr.int(DType.INT32) });
    const half = b.one('Div', [picked, b.ints([2])]);
    const target = b.one('Concat', [b.one('Gather', [s, b.ints([0])]), b.ints([-1, 1, 1])], { axis: attr.int(0) });
    // torch: Expand(x, Where(Equal(shape, -1), ConstantOfShape(len) * -1 ... , shape))
    const ones = b.one('ConstantOfShape', [b.one('Shape', [target])], { value: attr.tensor(Tensor.int64([1], [1])) });
    const minus = b.one('Mul', [ones, b.ints([-1], [])]);
    const isMinus = b.one('Equal', [target, minus]);
    const fixed = b.one('Where', [isMinus, ones, target]);
    const expanded = b.one('Expand', [b.input('p', [1, 1, 4, 2]), fixed]);
    const facts = inferShapes(b.graph);
    expect(vals(facts, picked)).toEqual(['64', 'batch']);
    expect(facts.dtype(asInt32)).toBe(DType.INT32);
    // batch may exceed int32 (any size is admissible by default): the cast could wrap.
    expect(vals(facts, asInt32)).toBeUndefined();
    expect(vals(inferShapes(b.graph, { inputDimRange: { max: 2 ** 31 - 1 } }), asInt32)).toEqual(['64', 'batch']);
    expect(vals(facts, half)).toEqual(['32', 'floordiv(batch, 2)']);
    expect(vals(facts, isMinus)).toEqual(['0', '1', '0', '0']);
    expect(vals(facts, fixed)).toEqual(['batch', '1', '1', '1']);
    expect(dims(facts, expanded)).toEqual(['batch', '1', '4', '2']);
    expect(facts.constant(minus)?.toNumbers()).toEqual([-1, -1, -1, -1]);
  });

  it('keeps Range, Size and Gather symbolic, and constants exact', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 'h']);
    const h = b.one('Gather', [b.one('Shape', [x]), b.ints([1], [])]);
    const r = b.one('Range', [b.ints([0], []), h, b.ints([1], [])]);
    const r2 = b.one('Range', [b.ints([1], []), b.ints([10], []), b.ints([3], [])]);
    const size = b.one('Size', [x]);
    const g = b.one('Gather', [b.input('emb', [100, 16]), b.input('idx', ['n', 'k'], DType.INT64)]);
    const ge = b.one('GatherElements', [x, b.input('ix', ['n', 3], DType.INT64)], { axis: attr.int(1) });
    const facts = inferShapes(b.graph);
    expect(dims(facts, r)).toEqual(['h']);
    expect(vals(facts, r2)).toEqual(['1', '4', '7']);
    expect(facts.constant(r2)?.toNumbers()).toEqual([1, 4, 7]);
    expect(vals(facts, size)).toEqual(['h*n']);
    expect(dims(facts, g)).toEqual(['n', 'k', '16']);
    expect(dims(facts, ge)).toEqual(['n', '3']);
  });
});
