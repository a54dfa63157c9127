/**
 * Inputs for verification: random data that respects dtypes and is reproducible from the seed,
 * symbolic dims bound explicitly except batch dims (default 2), one precise error naming every
 * unsized dim with the template to size them, and files checked against the model's inputs.
 */
import { describe, expect, it } from 'vitest';
import { DType, Model, Tensor } from '../../src/ir/index.js';
import { float16ToFloat32 } from '../../src/ir/float16.js';
import { loadModel } from '../../src/serde/index.js';
import { DEFAULT_BATCH, resolveInputShapes } from '../../src/verify/input-shapes.js';
import { checkInputs, randomInputs, readTensors } from '../../src/verify/inputs.js';
import { errorOf } from '../helpers/expect-error.js';

function modelWithInputs(inputs: [string, number, (number | string | null)[] | undefined][]): Model {
  const model = new Model();
  model.opsetImports.set('', 17);
  for (const [name, dtype, shape] of inputs) model.graph.addInput(name, { dtype, ...(shape ? { shape } : {}) });
  return model;
}

describe('randomInputs', () => {
  const model = modelWithInputs([
    ['f32', DType.FLOAT, [2, 3]], ['f16', DType.FLOAT16, [64]], ['f64', DType.DOUBLE, [5]],
    ['i64', DType.INT64, [100]], ['i32', DType.INT32, [100]], ['u8', DType.UINT8, [100]], ['flag', DType.BOOL, [100]],
  ]);

  it('respects each input dtype and range', () => {
    const feeds = randomInputs(model, { seed: 1 });
    expect([...feeds.keys()]).toEqual(['f32', 'f16', 'f64', 'i64', 'i32', 'u8', 'flag']);
    expect(feeds.get('f32')!.dims).toEqual([2, 3]);
    expect(feeds.get('f32')!.dtype).toBe(DType.FLOAT);
    const floats = [...feeds.get('f32')!.toNumbers(), ...feeds.get('f64')!.toNumbers(),
      ...Array.from(feeds.get('f16')!.data() as Uint16Array, float16ToFloat32)];
    for (const x of floats) {
      expect(x).toBeGreaterThanOrEqual(-1);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(new Set(floats).size).toBe(floats.length); // really random, not constant
    for (const name of ['i64', 'i32', 'u8']) {
      const values = feeds.get(name)!.toNumbers();
      expect(Math.min(...values)).toBe(0);
      expect(Math.max(...values)).toBe(3);
      expect(values.every(Number.isInteger)).toBe(true);
    }
    expect(feeds.get('i64')!.data()).toBeInstanceOf(BigInt64Array);
    expect(new Set(feeds.get('flag')!.toNumbers())).toEqual(new Set([0, 1]));
  });

  it('is deterministic in the seed, and each input has its own stream', () => {
    const a = randomInputs(model, { seed: 42 });
    const b = randomInputs(model, { seed: 42 });
    const c = randomInputs(model, { seed: 43 });
    for (const name of a.keys()) expect(Buffer.from(a.get(name)!.bytes()).equals(Buffer.from(b.get(name)!.bytes()))).toBe(true);
    expect(Buffer.from(a.get('f32')!.bytes()).equals(Buffer.from(c.get('f32')!.bytes()))).toBe(false);
    // Dropping an input does not change the others' data.
    const fewer = randomInputs(modelWithInputs([['f64', DType.DOUBLE, [5]]]), { seed: 42 });
    expect(fewer.get('f64')!.toNumbers()).toEqual(a.get('f64')!.toNumbers());
    // Pinned values: the same bytes on every machine.
    expect(randomInputs(modelWithInputs([['x', DType.DOUBLE, [2]]]), { seed: 0 }).get('x')!.toNumbers().map((v) => v.toFixed(6)))
      .toEqual(['-0.039728', '-0.781483']);
  });

  it('skips inputs that are initializers (old exporters list weights as inputs)', () => {
    const m = modelWithInputs([['x', DType.FLOAT, [1]]]);
    const w = m.graph.addInitializer(Tensor.float32([1, 2]), 'w');
    m.graph.setInputs([...m.graph.inputs, w]);
    expect([...randomInputs(m).keys()]).toEqual(['x']);
  });

  it('binds symbolic dims by name or a whole input by its name', async () => {
    const dynamic = await loadModel('test/fixtures/msda/enc_listshapes_dynamic_op17/model.onnx');
    const shapes = { batch: 2, h0: 8, w0: 6, h1: 4, w1: 3, h2: 2, w2: 2, feat3: [2, 64, 1, 1] };
    const feeds = randomInputs(dynamic, { shapes });
    expect([...feeds].map(([n, t]) => `${n}:${t.dims.join('x')}`)).toEqual(['feat0:2x64x8x6', 'feat1:2x64x4x3', 'feat2:2x64x2x2', 'feat3:2x64x1x1']);
  });

  it('gives a batch dim 2 when nobody sizes it, and says so', async () => {
    const dynamic = await loadModel('test/fixtures/msda/enc_listshapes_dynamic_op17/model.onnx');
    const sizes = { h0: 8, w0: 6, h1: 4, w1: 3, h2: 2, w2: 2, h3: 1, w3: 1 };
    const { shapes, defaulted } = resolveInputShapes(dynamic, sizes);
    expect(DEFAULT_BATCH).toBe(2);
    expect([...shapes.values()].map((d) => d[0])).toEqual([2, 2, 2, 2]);
    expect(defaulted).toEqual([{ dim: 'batch', size: 2, inputs: ['feat0', 'feat1', 'feat2', 'feat3'] }]);
    // Sized by the caller: no default.
    expect(resolveInputShapes(dynamic, { ...sizes, batch: 1 }).defaulted).toEqual([]);
    // Unnamed dim 0 of a rank >= 2 input: a batch too; of a rank-1 input, or a symbol also used
    // elsewhere: not a batch, never guessed.
    const m = modelWithInputs([['x', DType.FLOAT, [null, 3]], ['n', DType.INT64, ['count']], ['s', DType.FLOAT, ['seq', 4]], ['t', DType.FLOAT, [2, 'seq']]]);
    expect(resolveInputShapes(m, { count: 5, seq: 7 })).toEqual({
      shapes: new Map([['x', [2, 3]], ['n', [5]], ['s', [7, 4]], ['t', [2, 7]]]), defaulted: [{ dim: 'x[0]', size: 2, inputs: ['x'] }],
    });
    expect(errorOf(() => resolveInputShapes(m, { count: 5 })).message).toMatch(/^usage error: no size for symbolic dim 'seq' \(inputs s \[seq,4\], t \[2,seq\]\)/);
  });

  it('names every dim without a size at once, with both ways to size them', async () => {
    const dynamic = await loadModel('test/fixtures/msda/enc_listshapes_dynamic_op17/model.onnx');
    const error = errorOf(() => randomInputs(dynamic, { shapes: { batch: 1, h0: 8, w0: 8, h1: 4, w1: 4 } }));
    expect(error.code).toBe('usage');
    expect(error.message).toBe("usage error: no size for symbolic dims 'h2', 'w2', 'h3', 'w3' (inputs feat2 [batch,64,h2,w2], feat3 [batch,64,h3,w3]) " +
      '(expected --shape h2=N --shape w2=N --shape h3=N --shape w3=N, or whole inputs: --shape feat2=1x64xNxN --shape feat3=1x64xNxN)');
  });

  it('rejects unknown dims, a rank-less input, and whole shapes that contradict the model', () => {
    const m = modelWithInputs([['x', DType.FLOAT, [1, null]], ['y', DType.FLOAT, undefined]]);
    expect(errorOf(() => randomInputs(m, { shapes: { y: [2] } })).message).toBe("usage error: no size for dim 1 of 'x' (input x [1,?]) (expected --shape x=1xN)");
    expect(errorOf(() => randomInputs(m, { shapes: { x: [1, 5] } })).message).toMatch(/tensor 'y': input has no declared shape/);
    expect(errorOf(() => randomInputs(m, { shapes: { x: [2, 5], y: [1] } })).message).toMatch(/--shape x=2x5 contradicts the model \(expected \[1,\?\], found \[2,5\]\)/);
    expect(errorOf(() => randomInputs(m, { shapes: { x: [1, 5], y: [1], z: 3 } })).message).toMatch(/--shape z: the model has no input and no symbolic dim of that name/);
    expect(randomInputs(m, { shapes: { x: [1, 5], y: [3, 2] } }).get('y')!.dims).toEqual([3, 2]);
  });

  it('refuses dtypes it cannot make up', () => {
    const error = errorOf(() => randomInputs(modelWithInputs([['s', DType.STRING, [1]]])));
    expect(error.message).toMatch(/tensor 's': cannot make random data of type string/);
  });
});

describe('readTensors and checkInputs', () => {
  it('reads a folder of .npy and checks it against the model', async () => {
    const dir = 'test/fixtures/msda/hf_rtdetr_op17/inputs';
    const feeds = readTensors(dir);
    expect([...feeds.keys()]).toEqual(['pixel_values']);
    expect(feeds.get('pixel_values')!.dims).toEqual([1, 3, 128, 128]);
    const model = await loadModel('test/fixtures/msda/hf_rtdetr_op17/model.onnx');
    expect(() => checkInputs(model, feeds, dir)).not.toThrow();
  });

  it('reads an .npz', () => {
    expect([...readTensors('test/fixtures/verify/numpy-deflated.npz').keys()]).toEqual(['a', 'b', 'c', 'd']);
  });

  it('names missing, unknown, mistyped and misshapen inputs', () => {
    const model = modelWithInputs([['x', DType.FLOAT, ['batch', 3]], ['y', DType.INT64, [2]]]);
    const x = Tensor.float32([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = Tensor.int64([1, 2]);
    expect(() => checkInputs(model, new Map([['x', x], ['y', y]]))).not.toThrow();
    expect(errorOf(() => checkInputs(model, new Map([['x', x]]), 'in.npz')).message).toBe("usage error: in.npz: no data for input(s) 'y' (expected one tensor per model input)");
    expect(errorOf(() => checkInputs(model, new Map([['x', x], ['y', y], ['z', y]]))).message).toMatch(/'z' are not inputs of the model \(expected x, y\)/);
    expect(errorOf(() => checkInputs(model, new Map([['x', x], ['y', Tensor.int32([1, 2])]]))).message).toBe("usage error: tensor 'y': input data has the wrong element type (expected int64, found int32)");
    expect(errorOf(() => checkInputs(model, new Map([['x', Tensor.float32([1, 2, 3, 4], [2, 2])], ['y', y]]))).message).toBe("usage error: tensor 'x': input data has the wrong shape (expected [batch,3], found [2,2])");
  });

  it('reports unreadable sources as io errors', () => {
    expect(errorOf(() => readTensors('test/fixtures/verify/nope')).code).toBe('io');
    expect(errorOf(() => readTensors('test/fixtures/msda')).message).toMatch(/folder holds no tensors \(expected a folder of <name>\.npy, an ONNX test_data_set_N folder/);
  });
});
