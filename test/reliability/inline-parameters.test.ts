/**
 * `--size-threshold 0` moves every weight to the external data file but keeps the tensors ops
 * read as parameters (shapes, axes, pads, repeats, K, sizes, ...) inline: onnxruntime's shape
 * inference refuses them external ("Cannot parse data from external tensors"). The model below
 * uses one of each; saved at threshold 0 it loads and computes what the inline model computes,
 * and the same model with its parameters forced external is refused (so the test can fail).
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DType, Model, Tensor, attr } from '../../src/ir/index.js';
import { concatChunks } from '../../src/onnx/codec.js';
import { decodeModel, encodeModel, type ModelProto, type TensorProto } from '../../src/onnx/index.js';
import { ExternalDataWriter } from '../../src/onnx/external-data.js';
import { seededRandom } from '../../src/random.js';
import { modelToProto, saveModel } from '../../src/serde/index.js';
import { captureIo } from '../cli/helpers.js';

/** x[1,1,4,4] through every parameter-reading op, plus real weights that may go external. */
function parameterModel(): Model {
  const model = new Model();
  model.irVersion = 8;
  model.opsetImports.set('', 18);
  const g = model.graph;
  const random = seededRandom(7);
  const floats = (dims: number[]): Tensor => Tensor.fromArray(DType.FLOAT, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random() - 0.5));
  const init = (name: string, t: Tensor) => g.addInitializer(t, name);
  const op = (name: string, type: string, inputs: Parameters<typeof g.addNode>[0]['inputs'], attributes: Parameters<typeof g.addNode>[0]['attributes'] = {}, outputs = 1) =>
    g.addNode({ op: type, name, inputs, attributes, outputs });
  const x = g.addInput('x', { dtype: DType.FLOAT, shape: [1, 1, 4, 4] });
  const resized = op('resize', 'Resize', [x, undefined, undefined, init('sizes', Tensor.int64([1, 1, 8, 8]))], { mode: attr.string('nearest') }).output();
  const flat = op('reshape', 'Reshape', [resized, init('shape', Tensor.int64([1, 64]))]).output();
  const unsq = op('unsqueeze', 'Unsqueeze', [flat, init('unsq_axes', Tensor.int64([0]))]).output();
  const sq = op('squeeze', 'Squeeze', [unsq, init('sq_axes', Tensor.int64([0]))]).output();
  const sliced = op('slice', 'Slice', [sq, init('starts', Tensor.int64([0])), init('ends', Tensor.int64([32])), init('axes', Tensor.int64([1])), init('steps', Tensor.int64([1]))]).output();
  const expanded = op('expand', 'Expand', [sliced, init('expand_shape', Tensor.int64([3, 32]))]).output();
  const tiled = op('tile', 'Tile', [expanded, init('repeats', Tensor.int64([1, 2]))]).output();
  const padded = op('pad', 'Pad', [tiled, init('pads', Tensor.int64([0, 2, 0, 2])), init('pad_value', floats([]))]).output();
  const scaled = op('scale', 'Mul', [padded, init('weight', floats([3, 68]))]).output();
  const reduced = op('reduce', 'ReduceSum', [scaled, init('reduce_axes', Tensor.int64([1]))], { keepdims: attr.int(1) }).output();
  const shapeConst = op('shape_const', 'Constant', [], { value: attr.tensor(Tensor.int64([1, 3])) }).output();
  const row = op('reshape2', 'Reshape', [reduced, shapeConst]).output();
  const projected = op('project', 'MatMul', [row, init('projection', floats([3, 256]))]).output();
  const [top] = op('topk', 'TopK', [projected, init('k', Tensor.int64([5]))], {}, 2).outputs;
  const [first, rest] = op('split', 'Split', [projected, init('split', Tensor.int64([100, 156]))], { axis: attr.int(1) }, 2).outputs;
  const filled = op('fill', 'ConstantOfShape', [init('fill_shape', Tensor.int64([2, 2]))]).output();
  g.setOutputs([top!, first!, rest!, filled]);
  return model;
}

const PARAMETERS = ['sizes', 'shape', 'unsq_axes', 'sq_axes', 'starts', 'ends', 'axes', 'steps', 'expand_shape', 'repeats', 'pads', 'reduce_axes', 'k', 'split', 'fill_shape'];

const dir = mkdtempSync(join(tmpdir(), 'onnx-inline-params-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(file: string): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(file);
  const x = new ort.Tensor('float32', Float32Array.from({ length: 16 }, (_, i) => i / 7 - 1), [1, 1, 4, 4]);
  const outputs = await session.run({ x });
  return Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, Array.from(t.data as ArrayLike<number>, Number)]));
}

function initializerLocations(file: string): Record<string, 'inline' | 'external'> {
  const proto = decodeModel(new Uint8Array(readFileSync(file))) as ModelProto;
  return Object.fromEntries((proto.graph!.initializer ?? []).map((t: TensorProto) => [t.name!, t.dataLocation === 1 ? 'external' : 'inline']));
}

describe('parameter tensors stay inline at any --size-threshold', () => {
  it('saved with threshold 0: parameters inline, weights external, and onnxruntime computes the same', async () => {
    const inline = join(dir, 'inline.onnx');
    await saveModel(parameterModel(), inline, { externalData: 'inline' });
    const external = join(dir, 'external.onnx');
    await saveModel(parameterModel(), external, { externalData: { sizeThreshold: 0 } });
    const where = initializerLocations(external);
    for (const name of PARAMETERS) expect({ name, where: where[name] }).toEqual({ name, where: 'inline' });
    for (const name of ['weight', 'projection', 'pad_value']) expect({ name, where: where[name] }).toEqual({ name, where: 'external' });
    // The Constant node's tensor (Reshape's shape) stays in the node.
    const proto = decodeModel(new Uint8Array(readFileSync(external))) as ModelProto;
    expect(proto.graph!.node!.find((n) => n.name === 'shape_const')!.attribute![0]!.t!.dataLocation ?? 0).toBe(0);
    expect(await run(external)).toEqual(await run(inline));
  });

  it('the CLI does the same (convert --size-threshold 0), and --help says so', async () => {
    const inline = join(dir, 'cli-inline.onnx');
    await saveModel(parameterModel(), inline, { externalData: 'inline' });
    const out = join(dir, 'cli-external.onnx');
    const io = captureIo();
    expect(await runCli(['convert', inline, '-o', out, '--external-data', 'cli-external.data', '--size-threshold', '0'], io)).toBe(0);
    expect(initializerLocations(out)['shape']).toBe('inline');
    expect(initializerLocations(out)['projection']).toBe('external');
    expect(await run(out)).toEqual(await run(inline));
    const help = captureIo();
    await runCli(['convert', '--help'], help);
    expect(help.out().replace(/\s+/g, ' ')).toMatch(/tensors read as shapes, axes or other op parameters always stay inline/);
  });

  it('control: with the parameters forced external, onnxruntime refuses the model', async () => {
    const model = parameterModel();
    const writer = new ExternalDataWriter(dir, 'forced.data', { alignment: 1 });
    const proto = modelToProto(model, {
      placeTensor: (t) => {
        const ref = writer.append(t.bytes());
        return { location: ref.location, offset: ref.offset, length: ref.length! };
      },
    });
    writer.finish();
    const chunks = encodeModel(proto);
    const forced = join(dir, 'forced.onnx');
    writeFileSync(forced, concatChunks(chunks, chunks.reduce((n, c) => n + c.byteLength, 0)));
    await expect(run(forced)).rejects.toThrow(/Cannot parse data from external tensors/);
  });
});
