import { describe, expect, it } from 'vitest';
import { DType, Tensor, attr } from '../../src/ir/index.js';
import { inferShapes } from '../../src/shape/index.js';
import { Builder, dims } from './build.js';

function weight(b: Builder, shape: number[]) {
  return b.graph.addInitializer(Tensor.fromArray(DType.FLOAT, shape, new Float32Array(shape.reduce((a, c) => a * c, 1))), 'w');
}

describe('inferShapes: neural-network ops', () => {
  it('computes Conv output sizes symbolically (floor division) and statically', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 3, 'h', 'w']);
    const conv = b.one('Conv', [x, weight(b, [16, 3, 3, 3])], { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) });
    const dilated = b.one('Conv', [x, weight(b, [8, 1, 3, 3])], { dilations: attr.ints([2, 2]), group: attr.int(3) });
    const same = b.one('Conv', [x, weight(b, [4, 3, 3, 3])], { strides: attr.ints([2, 2]), auto_pad: attr.string('SAME_UPPER') });
    const valid = b.one('Conv', [x, weight(b, [4, 3, 5, 5])], { auto_pad: attr.string('VALID') });
    const s = b.input('s', [1, 3, 128, 127]);
    const staticConv = b.one('Conv', [s, weight(b, [16, 3, 3, 3])], { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) });
    const facts = inferShapes(b.graph);
    expect(dims(facts, conv)).toEqual(['n', '16', 'floordiv(h + 1, 2)', 'floordiv(w + 1, 2)']);
    expect(facts.shape(conv)![2]!.evaluate({ h: 127 })).toBe(64);
    expect(dims(facts, dilated)).toEqual(['n', '8', 'h - 4', 'w - 4']);
    expect(dims(facts, same)).toEqual(['n', '4', 'floordiv(h + 1, 2)', 'floordiv(w + 1, 2)']);
    expect(dims(facts, valid)).toEqual(['n', '4', 'h - 4', 'w - 4']);
    expect(dims(facts, staticConv)).toEqual(['1', '16', '64', '64']);
  });

  it('computes ConvTranspose, pooling (ceil mode) and global pooling', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 8, 'h', 16]);
    const up = b.one('ConvTranspose', [x, weight(b, [8, 4, 2, 2])], { strides: attr.ints([2, 2]) });
    const upPadded = b.one('ConvTranspose', [x, weight(b, [8, 2, 3, 3])], { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), output_padding: attr.ints([1, 1]), group: attr.int(2) });
    const [maxPool, indices] = b.op('MaxPool', [x], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }, 2);
    const avgCeil = b.one('AveragePool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([3, 3]), ceil_mode: attr.int(1) });
    const gap = b.one('GlobalAveragePool', [x]);
    // Pooling truncates toward zero (onnxruntime): h = 1 gives trunc(-1/2) + 1 = 1, not 0.
    expect(dims(inferShapes(b.graph), maxPool!)).toEqual(['n', '8', 'truncdiv(h - 1, 2) + 1', '8']);
    // A pooling that feeds an output runs only on a non-empty axis (h >= 1): then it is a floor.
    b.graph.setOutputs([maxPool!, up, upPadded, avgCeil, gap]);
    const facts = inferShapes(b.graph);
    expect(dims(facts, up)).toEqual(['n', '4', 'h*2', '32']);
    expect(dims(facts, upPadded)).toEqual(['n', '4', 'h*2', '32']);
    expect(dims(facts, maxPool!)).toEqual(['n', '8', 'floordiv(h + 1, 2)', '8']);
    expect(facts.dtype(indices!)).toBe(DType.INT64);
    expect(dims(facts, avgCeil)).toEqual(['n', '8', 'floordiv(h, 3) + 1', '6']);
    expect(dims(facts, gap)).toEqual(['n', '8', '1', '1']);
  });

  it('broadcasts MatMul batches and handles 1-D operands and Gemm transposes', () => {
    const b = new Builder();
    const a = b.input('a', ['batch', 1, 'q', 64]);
    const m = b.one('MatMul', [a, b.input('k', [8, 64, 'q2'])]);
    const vec = b.one('MatMul', [a, b.input('v', [64])]);
    const left = b.one('MatMul', [b.input('u', [64]), b.input('m', [64, 10])]);
    const gemm = b.one('Gemm', [b.input('g', [32, 'n']), b.input('h', [10, 32])], { transA: attr.int(1), transB: attr.int(1) });
    const facts = inferShapes(b.graph);
    expect(dims(facts, m)).toEqual(['batch', '8', 'q', 'q2']);
    expect(dims(facts, vec)).toEqual(['batch', '1', 'q']);
    expect(dims(facts, left)).toEqual(['10']);
    expect(dims(facts, gemm)).toEqual(['n', '10']);
  });

  it('sizes Resize from scales or sizes and GridSample from the grid', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 64, 'h', 'w']);
    const up = b.one('Resize', [x, undefined, b.floats([1, 1, 2, 2])], { mode: attr.string('nearest') });
    const down = b.one('Resize', [x, undefined, b.floats([1, 1, 0.5, 0.5])]);
    const s = b.one('Shape', [b.input('ref', ['n', 64, 'h2', 'w2'])]);
    const sized = b.one('Resize', [x, undefined, undefined, s]);
    const stat = b.one('Resize', [b.input('y', [1, 3, 25, 31]), b.floats([]), b.floats([1, 1, 1.5, 0.5])]);
    const grid = b.one('GridSample', [x, b.input('grid', ['n', 'lq', 4, 2])]);
    // onnxruntime sizes it as float32(h) * 2: exact only while h <= 2^24.
    expect(dims(inferShapes(b.graph), up)?.[2]).toMatch(/^unk__/);
    const facts = inferShapes(b.graph, { inputDimRange: { max: 2 ** 24 } });
    expect(dims(facts, up)).toEqual(['n', '64', 'h*2', 'w*2']);
    expect(dims(facts, down)).toEqual(['n', '64', 'floordiv(h, 2)', 'floordiv(w, 2)']);
    expect(dims(facts, sized)).toEqual(['n', '64', 'h2', 'w2']);
    expect(dims(facts, stat)).toEqual(['1', '3', '37', '15']);
    expect(dims(facts, grid)).toEqual(['n', '64', 'lq', '4']);
  });

  it('reduces with axes as attribute or input, keepdims and noop_with_empty_axes', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 'q', 8, 4]);
    const sum = b.one('ReduceSum', [x, b.ints([-1])], { keepdims: attr.int(0) });
    const mean = b.one('ReduceMean', [x], { axes: attr.ints([1, 2]) });
    const all = b.one('ReduceMax', [x], { keepdims: attr.int(0) });
    const noop = b.one('ReduceSum', [x, b.ints([])], { noop_with_empty_axes: attr.int(1) });
    const l2 = b.one('ReduceL2', [x, b.ints([0])]);
    const arg = b.one('ArgMax', [x], { axis: attr.int(1), keepdims: attr.int(0) });
    const facts = inferShapes(b.graph);
    expect(dims(facts, sum)).toEqual(['n', 'q', '8']);
    expect(dims(facts, mean)).toEqual(['n', '1', '1', '4']);
    expect(dims(facts, all)).toEqual([]);
    expect(dims(facts, noop)).toEqual(['n', 'q', '8', '4']);
    expect(dims(facts, l2)).toEqual(['1', 'q', '8', '4']);
    expect(dims(facts, arg)).toEqual(['n', '8', '4']);
    expect(facts.dtype(arg)).toBe(DType.INT64);
  });

  it('keeps shapes through unary ops, normalizations, Softmax, Einsum and the TensorRT MSDA plugin', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 'q', 64]);
    const chain = ['Relu', 'Sigmoid', 'Tanh', 'Erf', 'Sqrt', 'Exp', 'Log', 'Abs', 'Neg', 'Softmax'].reduce((v, op) => b.one(op, [v]), x);
    const [ln, mean] = b.op('LayerNormalization', [chain, b.floats(new Array(64).fill(1))], { axis: attr.int(-1) }, 2);
    const cmp = b.one('Less', [x, b.floats([0])]);
    const ein = b.one('Einsum', [x, b.input('e', ['n', 64, 'k'])], { equation: attr.string('bqd,bdk->bqk') });
    const implicit = b.one('Einsum', [b.input('p', [3, 4]), b.input('r', [4, 5])], { equation: attr.string('ij,jk') });
    const ellipsis = b.one('Einsum', [b.input('z', ['n', 2, 3, 4])], { equation: attr.string('...ij->...ji') });
    const plugin = b.op('MultiscaleDeformableAttnPlugin_TRT', [
      b.input('value', ['n', 's', 8, 32]), b.input('ss', [4, 2], DType.INT32), b.input('lsi', [4], DType.INT32),
      b.input('loc', ['n', 'lq', 8, 4, 4, 2]), b.input('aw', ['n', 'lq', 8, 4, 4]),
    ], {}, 1, 'trt.plugins')[0]!;
    const facts = inferShapes(b.graph);
    expect(dims(facts, chain)).toEqual(['n', 'q', '64']);
    expect(dims(facts, ln!)).toEqual(['n', 'q', '64']);
    expect(dims(facts, mean!)).toEqual(['n', 'q', '1']);
    expect(facts.dtype(cmp)).toBe(DType.BOOL);
    expect(dims(facts, ein)).toEqual(['n', 'q', 'k']);
    expect(dims(facts, implicit)).toEqual(['3', '5']);
    expect(dims(facts, ellipsis)).toEqual(['n', '2', '4', '3']);
    expect(dims(facts, plugin)).toEqual(['n', 'lq', '8', '32']);
  });

  it('sizes the onnxruntime contrib ops its optimizer saves (com.microsoft GridSample, FusedConv, FusedMatMul, SkipLayerNormalization)', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 8, 'h', 'w']);
    const grid = b.op('GridSample', [x, b.input('grid', ['n', 'lq', 4, 2])], {}, 1, 'com.microsoft')[0]!;
    const conv = b.op('FusedConv', [x, weight(b, [16, 8, 3, 3])], { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), activation: attr.string('Relu') }, 1, 'com.microsoft')[0]!;
    const mm = b.op('FusedMatMul', [b.input('a', ['n', 64, 'q']), b.input('m', [32, 64])], { transA: attr.int(1), transB: attr.int(1) }, 1, 'com.microsoft')[0]!;
    const t = b.input('t', ['n', 'q', 64]);
    const [norm, , , sum] = b.op('SkipLayerNormalization', [t, t, b.floats(new Array(64).fill(1)), b.floats(new Array(64).fill(0))], {}, 4, 'com.microsoft');
    const facts = inferShapes(b.graph);
    expect(dims(facts, grid)).toEqual(['n', '8', 'lq', '4']);
    expect(dims(facts, conv)).toEqual(['n', '16', 'floordiv(h + 1, 2)', 'floordiv(w + 1, 2)']);
    expect(dims(facts, mm)).toEqual(['n', 'q', '32']);
    expect(dims(facts, norm!)).toEqual(['n', 'q', '64']);
    expect(dims(facts, sum!)).toEqual(['n', 'q', '64']);
  });
});
