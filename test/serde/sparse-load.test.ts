/**
 * Large inline weights are left unread at load (read from the file on demand) and copied piece by
 * piece on save: the result must be the same model, whatever the save path.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DType, Model, Tensor, attr } from '../../src/ir/index.js';
import { holeSource } from '../../src/onnx/sparse-read.js';
import { loadModel, loadModelFromBytes, modelToBytes, saveModel } from '../../src/serde/index.js';
import { loadModelFile } from '../../src/serde/model-io.js';

function bigModel(): Model {
  const model = new Model();
  model.opsetImports.set('', 17);
  const g = model.graph;
  let x = g.addInput('x', { dtype: DType.FLOAT, shape: [1, 1024] });
  for (let i = 0; i < 5; i++) {
    const w = new Float32Array(1024 * 1024);
    for (let k = 0; k < w.length; k += 997) w[k] = (i + 1) * 0.001 * ((k % 7) - 3);
    const weight = g.addInitializer(Tensor.fromArray(DType.FLOAT, [1024, 1024], w), `w${i}`);
    x = g.addNode({ op: 'MatMul', inputs: [x, weight], name: `mm${i}` }).output();
  }
  // A negative int attribute is a 10-byte varint: the scan must step over it, not give up.
  const relu = g.addNode({ op: 'Relu', inputs: [x], name: 'relu', outputs: ['y'], attributes: { note: attr.string('big'), marker: attr.int(-1) } });
  g.setOutputs([relu.output()]);
  return model;
}

const same = (a: string, b: string): boolean => {
  const script = 'import onnx,sys\na,b=onnx.load(sys.argv[1]),onnx.load(sys.argv[2])\nprint(a.SerializeToString()==b.SerializeToString())';
  return execFileSync('/usr/bin/python3', ['-c', script, a, b], { encoding: 'utf8' }).trim() === 'True';
};

describe('sparse loading of large inline weights', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparse-load-'));
  const original = path.join(dir, 'big.onnx');
  fs.writeFileSync(original, modelToBytes(bigModel()));

  it('leaves the 4 MiB weights unread and reads them on demand, bit for bit', async () => {
    const model = await loadModel(original);
    const weights = model.graph.initializers.map((v) => v.initializer!);
    expect(weights).toHaveLength(5);
    for (const w of weights) expect(w.isLazy).toBe(true);
    const reference = loadModelFromBytes(fs.readFileSync(original));
    weights.forEach((w, i) => {
      const expected = reference.graph.initializers[i]!.initializer!.bytes();
      expect(Buffer.from(w.bytes()).equals(Buffer.from(expected))).toBe(true);
    });
  });

  it('saves inline, in memory, over itself and with external data: always the same model', async () => {
    const model = await loadModel(original);
    const inline = path.join(dir, 'inline.onnx');
    await saveModel(model, inline);
    expect(same(original, inline)).toBe(true);

    const bytes = modelToBytes(model);
    expect(Buffer.from(bytes).equals(fs.readFileSync(inline))).toBe(true);
    expect(holeSource(bytes)).toBeUndefined();

    const external = path.join(dir, 'external.onnx');
    await saveModel(model, external, { externalData: {} });
    expect(fs.statSync(external).size).toBeLessThan(1 << 20);
    const reloaded = await loadModel(external);
    expect(Buffer.from(modelToBytes(reloaded)).equals(Buffer.from(bytes))).toBe(true);

    // Saving over the file the weights are still read from: the open file keeps the old bytes.
    const copy = path.join(dir, 'copy.onnx');
    fs.copyFileSync(original, copy);
    const inPlace = await loadModel(copy);
    inPlace.graph.nodes.find((n) => n.name === 'relu')!.setAttr('note', attr.string('edited'));
    await saveModel(inPlace, copy, { replaceSource: true });
    await saveModel(inPlace, copy, { replaceSource: true });
    const edited = await loadModel(copy);
    expect(edited.graph.nodes.find((n) => n.name === 'relu')!.attrString('note')).toBe('edited');
    expect(Buffer.from(edited.graph.initializers[3]!.initializer!.bytes()).equals(Buffer.from(reloaded.graph.initializers[3]!.initializer!.bytes()))).toBe(true);
  });

  it('finds a large weight inside a Constant node among many small nodes, and only that one', async () => {
    const model = new Model();
    model.opsetImports.set('', 17);
    const g = model.graph;
    let x = g.addInput('x', { dtype: DType.FLOAT, shape: [512, 1024] });
    for (let i = 0; i < 50; i++) x = g.addNode({ op: 'Relu', inputs: [x], name: `relu${i}` }).output();
    const data = new Float32Array(512 * 1024).map((_, k) => (k % 13) * 0.25);
    const big = g.addNode({ op: 'Constant', name: 'big', attributes: { value: attr.tensor(Tensor.fromArray(DType.FLOAT, [512, 1024], data)) } });
    const small = g.addNode({ op: 'Constant', name: 'small', attributes: { value: attr.tensor(Tensor.fromArray(DType.FLOAT, [1], new Float32Array([2]))) } });
    const sum = g.addNode({ op: 'Add', inputs: [x, big.output()], name: 'add' }).output();
    g.setOutputs([g.addNode({ op: 'Mul', inputs: [sum, small.output()], name: 'mul', outputs: ['y'] }).output()]);
    const file = path.join(dir, 'constant.onnx');
    fs.writeFileSync(file, modelToBytes(model));

    const loaded = await loadModelFile(file, { lazyRawDataMinBytes: 1 << 20 });
    const weight = (name: string): Tensor => { const a = loaded.graph.nodes.find((n) => n.name === name)!.attr('value'); if (a?.kind !== 'tensor') throw new Error(name); return a.value; };
    expect(weight('big').isLazy).toBe(true);
    expect(weight('small').isLazy).toBe(false);
    expect(Array.from(weight('big').data() as Float32Array)).toEqual(Array.from(data));
    expect(Buffer.from(modelToBytes(loaded)).equals(fs.readFileSync(file))).toBe(true);
  });

  it('a truncated file is still a clear decode error', async () => {
    const cut = path.join(dir, 'cut.onnx');
    fs.writeFileSync(cut, fs.readFileSync(original).subarray(0, 18 << 20));
    await expect(loadModel(cut)).rejects.toThrow(/decode error|cut\.onnx/);
  });
});
