/**
 * Re-saving a model with external data copies the untouched tensors from the source data file in
 * chunks (never a whole tensor in memory): the bytes arrive intact, edited tensors are written from
 * memory, and the chunk reader keeps the whole-tensor reader's checks.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readExternalData, readExternalDataChunks } from '../../src/onnx/index.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { addChainModel } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('streamed copy of external tensors', () => {
  it('yields the exact bytes in pieces of the asked size, reusing one buffer', () => {
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 31) & 0xff);
    const path = join(dir, 'raw.bin');
    writeFileSync(path, bytes);
    const ref = { location: 'raw.bin', offset: 1000, length: 5000 };
    const sizes: number[] = [];
    const joined: number[] = [];
    let buffer: ArrayBufferLike | undefined;
    for (const piece of readExternalDataChunks(dir, ref, 5000, 1536)) {
      sizes.push(piece.byteLength);
      joined.push(...piece);
      buffer ??= piece.buffer;
      expect(piece.buffer).toBe(buffer);
    }
    expect(sizes).toEqual([1536, 1536, 1536, 392]);
    expect(Uint8Array.from(joined)).toEqual(bytes.subarray(1000, 6000));
    expect(Uint8Array.from(joined)).toEqual(readExternalData(dir, ref, 5000));
    expect(() => [...readExternalDataChunks(dir, { ...ref, length: 9500 }, 9500)]).toThrow(/shorter than offset \+ length/);
    expect(() => [...readExternalDataChunks(dir, ref, 4000)]).toThrow(/does not match the tensor shape/);
    expect(() => [...readExternalDataChunks(dir, { ...ref, location: '../x' })]).toThrow(/escapes the model folder/);
  });

  it('re-saving copies untouched tensors intact and writes edited ones from memory', async () => {
    const first = join(dir, 'first.onnx');
    await saveModel(addChainModel(40, 20), first, { externalData: {} });
    const model = await loadModel(first);
    const [w0, w1] = model.graph.initializers;
    // Edit w1 (new storage): it must come from memory, w0 from the source file.
    const edited = new Float32Array(w1!.initializer!.size).fill(0.25);
    w1!.initializer!.setStorage({ kind: 'bytes', bytes: new Uint8Array(edited.buffer) });
    const second = join(dir, 'second.onnx');
    await saveModel(model, second, { externalData: {} });
    const reloaded = await loadModel(second);
    const [r0, r1] = reloaded.graph.initializers.map((v) => v.initializer!);
    expect(Buffer.from(r0!.bytes()).equals(Buffer.from(w0!.initializer!.bytes()))).toBe(true);
    expect((r0!.data() as Float32Array)[1021]).toBeCloseTo(1021 / (5 * 2 ** 20), 6);
    expect([...(r1!.data() as Float32Array).subarray(0, 3)]).toEqual([0.25, 0.25, 0.25]);
    expect(readFileSync(`${second}.data`).byteLength).toBe(40 * 2 ** 20);
  });
});
