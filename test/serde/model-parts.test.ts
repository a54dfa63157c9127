/**
 * `modelToParts` (isomorphic: what the web page writes) describes exactly the files `saveModel`
 * writes: the model's chunks, and each external tensor at its aligned offset, zeros between, on a
 * real export, inline and with external data (in Node, without a browser).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withHolesFilled } from '../../src/onnx/sparse-read.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { type ModelParts, modelToParts } from '../../src/serde/model-bytes.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';

const DETR = resolve(import.meta.dirname, '..', 'fixtures', 'msda-models', 'hf_deformable_detr_l5_ts_op17', 'model.onnx');
const dir = mkdtempSync(join(tmpdir(), 'onnx-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function joined(chunks: Iterable<Uint8Array>): Buffer {
  return Buffer.concat([...withHolesFilled(chunks)].map((c) => Buffer.from(c)));
}

function dataFile(parts: ModelParts): Buffer {
  const out = Buffer.alloc(parts.data!.byteLength);
  for (const { offset, length, tensor } of parts.data!.tensors) {
    const bytes = tensor.bytes();
    expect(bytes.byteLength).toBe(length);
    out.set(bytes, offset);
  }
  return out;
}

describe('modelToParts', () => {
  it('inline: the chunks are the bytes saveModel writes', async () => {
    const model = await loadModel(DETR);
    const report = fuseMsda(model);
    expect(report.fused).toBe(3);
    await saveModel(model, join(dir, 'inline.onnx'));
    const parts = modelToParts(model, 'inline.onnx');
    expect(parts.data).toBeUndefined();
    expect(joined(parts.model).equals(readFileSync(join(dir, 'inline.onnx')))).toBe(true);
  });

  it('external data: the model and the data file, tensors at 4096-aligned offsets', async () => {
    const source = await loadModel(DETR);
    await saveModel(source, join(dir, 'ext.onnx'), { externalData: { location: 'ext.onnx.data' } });
    const model = await loadModel(join(dir, 'ext.onnx'));
    fuseMsda(model);
    await saveModel(model, join(dir, 'ext.fused.onnx'));
    const parts = modelToParts(model, 'ext.fused.onnx');
    expect(parts.data!.location).toBe('ext.fused.onnx.data');
    expect(parts.data!.tensors.length).toBeGreaterThan(10);
    expect(parts.data!.tensors.every((t) => t.offset % 4096 === 0 && t.length >= 1024)).toBe(true);
    expect(joined(parts.model).equals(readFileSync(join(dir, 'ext.fused.onnx')))).toBe(true);
    expect(dataFile(parts).equals(readFileSync(join(dir, 'ext.fused.onnx.data')))).toBe(true);
  });
});
