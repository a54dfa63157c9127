/**
 * convertToFloat16 on hand-built graphs: what converts, what stays float32 and why, where Casts
 * go, and that the result runs in onnxruntime with the numbers of the float32 original.
 */
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { DType, type Dim, type Graph, Model, type Node, Tensor, type Value, attr, float16ToFloat32 } from '../../src/ir/index.js';
import { convertToFloat16 } from '../../src/passes/fp16/index.js';

import { loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { inferShapes } from '../../src/shape/index.js';
import { verifyRewrite } from '../../src/verify/index.js';

function model(opset = 17): Model {
  const m = new Model();
  m.irVersion = 8;
  m.opsetImports.set('', opset);
  return m;
}

const f32 = (shape: Dim[]) => ({ dtype: DType.FLOAT, shape });

function weights(values: number[], dims: number[], name: string, g: Graph): Value {
  return g.addInitializer(Tensor.float32(values, dims), name);
}

/** x[2,4] -> MatMul(W) -> Add(b) -> Relu -> y, with typed intermediate values. */
function mlp(): Model {
  const m = model();
  const g = m.graph;
  const x = g.addInput('x', f32([2, 4]));
  const w = weights([0.5, -1, 0.25, 2, 1, 0.5, -0.5, 0.125], [4, 2], 'W', g);
  const b = weights([0.1, -0.2], [2], 'b', g);
  const mm = g.addNode({ op: 'MatMul', inputs: [x, w], outputs: ['mm'], name: 'mm', outputTypes: [f32([2, 2])] });
  const add = g.addNode({ op: 'Add', inputs: [mm.output(), b], outputs: ['biased'], name: 'add', outputTypes: [f32([2, 2])] });
  const relu = g.addNode({ op: 'Relu', inputs: [add.output()], outputs: ['y'], name: 'relu', outputTypes: [f32([2, 2])] });
  g.setOutputs([relu.output()]);
  return m;
}

function roundTrip(m: Model): Model {
  return loadModelFromBytes(modelToBytes(m));
}

function node(g: Graph, name: string): Node {
  const found = g.nodes.find((n) => n.name === name);
  if (!found) throw new Error(`no node ${name}`);
  return found;
}

/** Element type of a value after conversion, as shape inference sees it (value_info is not kept for every value). */
function dtypeOf(v: Value): number | undefined {
  return inferShapes(v.graph).dtype(v) ?? v.type?.dtype;
}

function casts(g: Graph): { from: string; to: number }[] {
  return g.nodes.filter((n) => n.opType === 'Cast').map((n) => ({ from: n.input(0).name, to: Number(n.attrNumber('to')) }));
}

describe('convertToFloat16', () => {
  it('converts compute and weights, keeps the interface float32 with Casts, and matches the float32 numbers', async () => {
    const original = mlp();
    const converted = roundTrip(original);
    const report = convertToFloat16(converted);
    const g = converted.graph;
    expect(report.convertedNodes).toBe(3);
    expect(report.keptNodes).toEqual([]);
    expect(report.convertedConstants).toEqual({ count: 2, float32Bytes: 40 });
    expect(g.value('W')!.initializer!.dtype).toBe(DType.FLOAT16);
    expect(g.value('b')!.initializer!.dtype).toBe(DType.FLOAT16);
    expect(g.inputs.map((v) => [v.name, v.type?.dtype])).toEqual([['x', DType.FLOAT]]);
    expect(g.outputs.map((v) => [v.name, v.type?.dtype])).toEqual([['y', DType.FLOAT]]);
    expect(casts(g)).toEqual([{ from: 'x', to: DType.FLOAT16 }, { from: g.outputs[0]!.producer!.input(0).name, to: DType.FLOAT }]);
    expect(report.castsInserted).toBe(2);
    expect(report.keptIo).toEqual(['x', 'y']);
    const check = await verifyRewrite(original, roundTrip(converted), { rtol: 1e-2, atol: 1e-2 });
    expect(check.verdict).toBe('pass');
    expect(check.outputs[0]!.stats!.maxAbsError).toBeGreaterThan(0);
    expect(check.outputs[0]!.stats!.maxAbsError).toBeLessThan(1e-2);
  });

  it('convertIo turns graph inputs and outputs into float16 (no Casts)', () => {
    const m = roundTrip(mlp());
    const report = convertToFloat16(m, { convertIo: true });
    expect(m.graph.inputs[0]!.type?.dtype).toBe(DType.FLOAT16);
    expect(m.graph.outputs[0]!.type?.dtype).toBe(DType.FLOAT16);
    expect(report.castsInserted).toBe(0);
  });

  it('is idempotent: a converted model converts to itself', () => {
    const m = roundTrip(mlp());
    convertToFloat16(m);
    const once = modelToBytes(m);
    const again = roundTrip(m);
    const report = convertToFloat16(again);
    expect(report.convertedNodes).toBe(0);
    expect(report.castsInserted).toBe(0);
    expect(Buffer.from(modelToBytes(again)).equals(Buffer.from(once))).toBe(true);
  });

  it('keeps listed op types and node names float32, with Casts around them', () => {
    const m = roundTrip(mlp());
    const report = convertToFloat16(m, { keepOpTypes: ['Relu'], keepNodes: ['mm'] });
    expect(report.keptNodes).toEqual([
      { node: 'mm', opType: 'MatMul', reason: 'listed-node' },
      { node: 'relu', opType: 'Relu', reason: 'listed-op-type' },
    ]);
    expect(dtypeOf(node(m.graph, 'add').output())).toBe(DType.FLOAT16);
    // W is read by the float32 MatMul only: it stays float32; b converts.
    expect(m.graph.value('W')!.initializer!.dtype).toBe(DType.FLOAT);
    expect(m.graph.value('b')!.initializer!.dtype).toBe(DType.FLOAT16);
    expect(casts(m.graph).map((c) => c.to)).toEqual([DType.FLOAT16, DType.FLOAT]);
  });

  it('refuses a listed node that does not exist, naming it', () => {
    expect(() => convertToFloat16(roundTrip(mlp()), { keepNodes: ['nope', 'mm'] })).toThrow(OnnxSurgeonError);
    expect(() => convertToFloat16(roundTrip(mlp()), { keepNodes: ['nope'] })).toThrow("no node named 'nope' in the model's main graph");
  });

  it('never converts a constant beyond ±65504: its readers stay float32, through data movement', async () => {
    const m = model();
    const g = m.graph;
    const x = g.addInput('x', f32([2, 3]));
    const mask = weights([0, -1e9, 0], [3], 'mask', g);
    const shaped = g.addNode({ op: 'Unsqueeze', inputs: [mask, g.addInitializer(Tensor.int64([0]), 'axes')], outputs: ['mask2d'], name: 'unsq', outputTypes: [f32([1, 3])] });
    const add = g.addNode({ op: 'Add', inputs: [x, shaped.output()], outputs: ['scores'], name: 'add_mask', outputTypes: [f32([2, 3])] });
    const soft = g.addNode({ op: 'Softmax', inputs: [add.output()], outputs: ['p'], name: 'softmax', attributes: { axis: attr.int(-1) }, outputTypes: [f32([2, 3])] });
    g.setOutputs([soft.output()]);
    const original = roundTrip(m);
    const report = convertToFloat16(m);
    expect(report.keptConstants).toEqual([{ name: 'mask', reason: 'overflow', detail: '1 of 3 values beyond ±65504 (largest 1.000e+9)' }]);
    expect(report.keptNodes.map((k) => [k.node, k.reason])).toEqual([['unsq', 'unrepresentable-constant'], ['add_mask', 'unrepresentable-constant']]);
    expect(g.value('mask')!.initializer!.dtype).toBe(DType.FLOAT);
    expect(dtypeOf(node(g, 'softmax').output())).toBe(DType.FLOAT16);
    const check = await verifyRewrite(original, roundTrip(m), { rtol: 1e-2, atol: 1e-3 });
    expect(check.verdict).toBe('pass');
  });

  it('keeps a small constant whose non-zero values would become 0 (an epsilon), converts large ones and counts the lost values', () => {
    const m = model();
    const g = m.graph;
    const x = g.addInput('x', f32([32]));
    const eps = weights([1e-12], [1], 'eps', g);
    const big = weights(Array.from({ length: 32 }, (_, i) => (i === 3 ? 1e-9 : 1)), [32], 'scale', g);
    const add = g.addNode({ op: 'Add', inputs: [x, eps], outputs: ['a'], name: 'add_eps', outputTypes: [f32([32])] });
    const mul = g.addNode({ op: 'Mul', inputs: [add.output(), big], outputs: ['y'], name: 'mul', outputTypes: [f32([32])] });
    g.setOutputs([mul.output()]);
    const report = convertToFloat16(m);
    expect(report.keptConstants).toEqual([{ name: 'eps', reason: 'underflow', detail: '1 of 1 non-zero values would become 0' }]);
    expect(report.keptNodes).toEqual([{ node: 'add_eps', opType: 'Add', reason: 'unrepresentable-constant' }]);
    expect(g.value('scale')!.initializer!.dtype).toBe(DType.FLOAT16);
    expect(report.flushedToZero).toBe(1);
  });

  it('keeps arithmetic on constants and shapes float32 (coordinates, grids), converts what touches data', () => {
    const m = model();
    const g = m.graph;
    const x = g.addInput('x', f32([1, 8]));
    const shape = g.addNode({ op: 'Shape', inputs: [x], outputs: ['shape'], name: 'shape' });
    const width = g.addNode({ op: 'Cast', inputs: [shape.output()], outputs: ['shape_f'], name: 'cast_shape', attributes: { to: attr.int(DType.FLOAT) }, outputTypes: [f32([2])] });
    const inv = g.addNode({ op: 'Reciprocal', inputs: [width.output()], outputs: ['inv'], name: 'reciprocal', outputTypes: [f32([2])] });
    const sliced = g.addNode({
      op: 'Slice', inputs: [inv.output(), g.addInitializer(Tensor.int64([1]), 's'), g.addInitializer(Tensor.int64([2]), 'e')],
      outputs: ['inv_w'], name: 'slice', outputTypes: [f32([1])],
    });
    const mul = g.addNode({ op: 'Mul', inputs: [x, sliced.output()], outputs: ['y'], name: 'normalize', outputTypes: [f32([1, 8])] });
    g.setOutputs([mul.output()]);
    const report = convertToFloat16(m);
    expect(report.keptNodes).toEqual([{ node: 'reciprocal', opType: 'Reciprocal', reason: 'constant-arithmetic' }]);
    // The Cast of the shape feeds float32 arithmetic: it stays float32 too (it follows its readers).
    expect(node(g, 'cast_shape').attrNumber('to')).toBe(DType.FLOAT);
    // Slice (data movement) converts; its float32 input gets a Cast; Shape reads x without one.
    expect(dtypeOf(node(g, 'slice').output())).toBe(DType.FLOAT16);
    expect(casts(g).filter((c) => c.from !== 'shape').map((c) => c.from).sort()).toEqual(['inv', 'x', node(g, 'normalize').output().name].sort());
  });

  it('leaves fixed float32 slots float32 (Resize scales) and ops without a float16 form (Range before opset 27)', () => {
    const m = model(17);
    const g = m.graph;
    const x = g.addInput('x', f32([1, 1, 2, 2]));
    const scales = weights([1, 1, 2, 2], [4], 'scales', g);
    const resize = g.addNode({ op: 'Resize', inputs: [x, undefined, scales], outputs: ['up'], name: 'resize', attributes: { mode: attr.string('linear') }, outputTypes: [f32([1, 1, 4, 4])] });
    const start = g.addInput('start', f32([]));
    const range = g.addNode({ op: 'Range', inputs: [start, weights([4], [], 'limit', g), weights([1], [], 'delta', g)], outputs: ['r'], name: 'range', outputTypes: [f32([null])] });
    g.setOutputs([resize.output(), range.output()]);
    const report = convertToFloat16(m);
    expect(g.value('scales')!.initializer!.dtype).toBe(DType.FLOAT);
    expect(dtypeOf(node(g, 'resize').output())).toBe(DType.FLOAT16);
    expect(report.keptNodes).toEqual([{ node: 'range', opType: 'Range', reason: 'no-float16-typing' }]);
  });

  it('turns a converted CastLike into a Cast (onnxruntime mistypes float16 CastLike chains)', async () => {
    const m = model(18);
    const g = m.graph;
    const x = g.addInput('x', f32([2, 3]));
    const c = weights([0.5], [1], 'c', g);
    const like = g.addNode({ op: 'CastLike', inputs: [c, x], outputs: ['c_like'], name: 'castlike', outputTypes: [f32([1])] });
    const root = g.addNode({ op: 'Sqrt', inputs: [like.output()], outputs: ['root'], name: 'sqrt', outputTypes: [f32([1])] });
    const back = g.addNode({ op: 'CastLike', inputs: [root.output(), x], outputs: ['root_like'], name: 'castlike2', outputTypes: [f32([1])] });
    const mul = g.addNode({ op: 'Mul', inputs: [x, back.output()], outputs: ['y'], name: 'mul', outputTypes: [f32([2, 3])] });
    g.setOutputs([mul.output()]);
    const original = roundTrip(m);
    convertToFloat16(m);
    expect(node(g, 'castlike2').opType).toBe('Cast');
    expect(node(g, 'castlike2').inputs.length).toBe(1);
    expect(node(g, 'castlike2').attrNumber('to')).toBe(DType.FLOAT16);
    expect((await verifyRewrite(original, roundTrip(m), { rtol: 1e-2, atol: 1e-3 })).verdict).toBe('pass');
  });
});

describe('the MSDA plugin', () => {
  /** value/locations/weights computed from x, into one plugin node, then Relu. */
  function msdaModel(): Model {
    const m = model();
    m.opsetImports.set('trt.plugins', 1);
    const g = m.graph;
    const value = g.addInput('value', f32([1, 20, 2, 8]));
    const offsets = g.addInput('offsets', f32([1, 5, 2, 2, 2, 2]));
    const logits = g.addInput('logits', f32([1, 5, 2, 2, 2]));
    const reference = weights(Array.from({ length: 5 * 2 * 2 * 2 * 2 }, (_, i) => (i % 7) / 7), [1, 5, 2, 2, 2, 2], 'reference', g);
    const scaled = g.addNode({ op: 'Mul', inputs: [offsets, weights([0.125], [1], 'inv_w', g)], outputs: ['scaled'], name: 'scale_offsets', outputTypes: [f32([1, 5, 2, 2, 2, 2])] });
    const locations = g.addNode({ op: 'Add', inputs: [reference, scaled.output()], outputs: ['locations'], name: 'locations', outputTypes: [f32([1, 5, 2, 2, 2, 2])] });
    const attention = g.addNode({ op: 'Sigmoid', inputs: [logits], outputs: ['attention'], name: 'attention', outputTypes: [f32([1, 5, 2, 2, 2])] });
    const projected = g.addNode({ op: 'Relu', inputs: [value], outputs: ['projected'], name: 'value_relu', outputTypes: [f32([1, 20, 2, 8])] });
    const msda = g.addNode({
      op: 'MultiscaleDeformableAttnPlugin_TRT', domain: 'trt.plugins', name: 'msda',
      inputs: [projected.output(), g.addInitializer(Tensor.int32([4, 4, 2, 2], [2, 2]), 'spatial_shapes'),
        g.addInitializer(Tensor.int32([0, 16], [2]), 'level_start_index'), locations.output(), attention.output()],
      outputs: ['attn'], outputTypes: [f32([1, 5, 2, 8])],
      attributes: { plugin_version: attr.string('1'), plugin_namespace: attr.string('') },
    });
    const out = g.addNode({ op: 'Relu', inputs: [msda.output()], outputs: ['y'], name: 'out_relu', outputTypes: [f32([1, 5, 2, 8])] });
    g.setOutputs([out.output()]);
    return m;
  }

  it('stays float32 by default, inputs and output and the sampling-location chain, with Casts at the boundary', async () => {
    const original = msdaModel();
    const m = roundTrip(original);
    const report = convertToFloat16(m);
    const plugin = node(m.graph, 'msda');
    expect(report.msda).toEqual({ nodes: 1, precision: 'float32' });
    expect([0, 3, 4].map((i) => dtypeOf(plugin.input(i)))).toEqual([DType.FLOAT, DType.FLOAT, DType.FLOAT]);
    expect(dtypeOf(plugin.output())).toBe(DType.FLOAT);
    expect(report.keptNodes.map((k) => [k.node, k.reason])).toEqual([
      ['scale_offsets', 'msda-sampling-locations'], ['locations', 'msda-sampling-locations'], ['msda', 'msda-plugin'],
    ]);
    expect(dtypeOf(node(m.graph, 'attention').output())).toBe(DType.FLOAT16);
    expect(dtypeOf(node(m.graph, 'value_relu').output())).toBe(DType.FLOAT16);
    expect(m.graph.value('reference')!.initializer!.dtype).toBe(DType.FLOAT);
    const check = await verifyRewrite(original, roundTrip(m), { rtol: 1e-2, atol: 1e-2 });
    expect(check.verdict).toBe('pass');
  });

  it('--msda-fp16 converts the plugin and its locations', () => {
    const m = roundTrip(msdaModel());
    const report = convertToFloat16(m, { msdaFp16: true });
    const plugin = node(m.graph, 'msda');
    expect(report.msda).toEqual({ nodes: 1, precision: 'float16' });
    expect(report.keptNodes).toEqual([]);
    expect([0, 3, 4].map((i) => dtypeOf(plugin.input(i)))).toEqual([DType.FLOAT16, DType.FLOAT16, DType.FLOAT16]);
    expect(dtypeOf(plugin.output())).toBe(DType.FLOAT16);
    expect(float16ToFloat32(m.graph.value('inv_w')!.initializer!.data()[0]!)).toBe(0.125);
  });
});
