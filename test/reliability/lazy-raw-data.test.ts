/**
 * The size above which raw_data is left unread at load (and read from the file when saved) is a
 * tuning knob, not a correctness one: at every threshold (0, 4 KiB, 64 KiB, 1 MiB) a model whose
 * tensors straddle each of those sizes round-trips byte for byte, inline, with external data and
 * in memory. (Below 64 KiB the encoder used to copy the unread bytes, i.e. zeros.)
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DType, Model, Tensor, attr } from '../../src/ir/index.js';
import { seededRandom } from '../../src/random.js';
import { loadModelFile } from '../../src/serde/model-io.js';
import { loadModel, modelToBytes, saveModel } from '../../src/serde/index.js';

const KiB = 1024;
const THRESHOLDS = [0, 4 * KiB, 64 * KiB, 1024 * KiB];
/** Tensor sizes in bytes around each threshold (0 and 1 byte included). */
const SIZES = [0, 1, 12, 4 * KiB - 4, 4 * KiB, 4 * KiB + 4, 64 * KiB - 4, 64 * KiB, 64 * KiB + 4, 1024 * KiB - 4, 1024 * KiB, 1024 * KiB + 4];

/** One uint8 initializer per size (random bytes), a Constant with a tensor, and a subgraph weight. */
function mixedModel(): Model {
  const model = new Model();
  model.irVersion = 8;
  model.opsetImports.set('', 17);
  const g = model.graph;
  const random = seededRandom(12);
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const outputs = SIZES.map((n, i) => {
    const w = g.addInitializer(Tensor.fromArray(DType.UINT8, [n], bytes(n)), `w${i}_${n}`);
    return g.addNode({ op: 'Identity', name: `id${i}`, inputs: [w] }).output();
  });
  const constant = g.addNode({ op: 'Constant', name: 'c', attributes: { value: attr.tensor(Tensor.fromArray(DType.UINT8, [8 * KiB], bytes(8 * KiB))) } }).output();
  g.setOutputs([...outputs, constant]);
  return model;
}

const dir = mkdtempSync(join(tmpdir(), 'onnx-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const original = join(dir, 'original.onnx');
writeFileSync(original, modelToBytes(mixedModel()));
const originalBytes = readFileSync(original);
const expected = mixedModel().graph.initializers.map((v) => Buffer.from(v.initializer!.bytes()));

/** Which initializers differ from the expected bytes (by name): [] when all are identical. */
function differing(model: Model): string[] {
  const tensors = model.graph.initializers;
  if (tensors.length !== expected.length) return ['(count)'];
  return tensors.filter((v, i) => !Buffer.from(v.initializer!.bytes()).equals(expected[i]!)).map((v) => v.name);
}

describe('round trips are byte-identical at every lazy raw_data threshold', () => {
  for (const threshold of THRESHOLDS) {
    it(`threshold ${threshold} bytes`, async () => {
      const model = await loadModelFile(original, { lazyRawDataMinBytes: threshold });
      const lazy = model.graph.initializers.filter((v) => v.initializer!.isLazy).map((v) => v.initializer!.byteLength);
      expect(lazy).toEqual(SIZES.filter((n) => n >= threshold)); // the knob really moved

      // Inline save: the same file, byte for byte (nothing read before the save).
      const inline = join(dir, `inline-${threshold}.onnx`);
      await saveModel(model, inline, { externalData: 'inline' });
      expect(readFileSync(inline).equals(originalBytes)).toBe(true);

      // In memory, and with external data (every tensor of any size external).
      expect(Buffer.from(modelToBytes(model)).equals(originalBytes)).toBe(true);
      const external = join(dir, `external-${threshold}.onnx`);
      await saveModel(model, external, { externalData: { sizeThreshold: 0, alignment: 1 } });
      expect(differing(await loadModel(external))).toEqual([]);

      // Edited (so the message is rebuilt) and saved over a fresh copy of itself.
      const copy = join(dir, `copy-${threshold}.onnx`);
      writeFileSync(copy, originalBytes);
      const edited = await loadModelFile(copy, { lazyRawDataMinBytes: threshold });
      edited.graph.nodes[0]!.name = 'renamed';
      await saveModel(edited, copy, { replaceSource: true });
      const reloaded = await loadModel(copy);
      expect(reloaded.graph.nodes[0]!.name).toBe('renamed');
      expect(differing(reloaded)).toEqual([]);
      const constant = reloaded.graph.nodes.find((n) => n.opType === 'Constant')!.attr('value');
      expect(constant?.kind === 'tensor' && Buffer.from(constant.value.bytes()).equals(Buffer.from((mixedModel().graph.nodes.find((n) => n.opType === 'Constant')!.attr('value') as { value: Tensor }).value.bytes()))).toBe(true);
    });
  }
});
