/**
 * External data locations are untrusted input: end to end through `loadModel` and `saveModel`
 * (the `convert` command's load + save), a location that escapes the model folder, is absolute,
 * goes through a symlink out of the folder, or names a device, FIFO or folder is refused with a
 * clear `external-data` error, and nothing is written anywhere. Saving never writes through a
 * symlink that sits where the output goes.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { decodeModel, encodeMessage, type ModelProto } from '../../src/onnx/index.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { addChainModel, fileHash } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'onnx-paths-'));
const modelDir = join(root, 'models');
const outside = join(root, 'outside.bin');
const source = join(modelDir, 'source.onnx');

/** Writes a copy of the source model whose external tensors all point at `location`. */
function withLocation(name: string, location: string): string {
  const proto = decodeModel(new Uint8Array(readFileSync(source))) as ModelProto;
  for (const t of proto.graph!.initializer!) {
    for (const entry of t.externalData ?? []) if (entry.key === 'location') entry.value = location;
  }
  const path = join(modelDir, name);
  writeFileSync(path, encodeMessage('onnx.ModelProto', proto));
  return path;
}

/** Load + save (convert semantics); returns the error. */
async function convertError(input: string): Promise<OnnxSurgeonError> {
  const output = join(root, 'converted', `${Math.random().toString(36).slice(2)}.onnx`);
  mkdirSync(join(root, 'converted'), { recursive: true });
  const error = await (async () => {
    const model = await loadModel(input);
    await saveModel(model, output, { externalData: 'inline' });
  })().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(OnnxSurgeonError);
  expect(existsSync(output)).toBe(false);
  return error as OnnxSurgeonError;
}

beforeAll(async () => {
  mkdirSync(modelDir, { recursive: true });
  // Two 32 KiB float tensors in source.onnx.data.
  await saveModel(addChainModel(1 / 16, 1 / 32), source, { externalData: {} });
  writeFileSync(outside, readFileSync(`${source}.data`));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loading: external data locations that must be refused', () => {
  it("'..' out of the model folder", async () => {
    const error = await convertError(withLocation('dotdot.onnx', '../outside.bin'));
    expect(error.code).toBe('external-data');
    expect(error.message).toMatch(/escapes the model folder/);
    expect(error.message).toContain('dotdot.onnx');
  });

  it('an absolute path (to a file that exists)', async () => {
    const error = await convertError(withLocation('absolute.onnx', outside));
    expect(error.code).toBe('external-data');
    expect(error.message).toMatch(/must be relative/);
  });

  it('a symlink inside the folder that leads out of it', async () => {
    symlinkSync(outside, join(modelDir, 'link-out.bin'));
    const error = await convertError(withLocation('symlink-out.onnx', 'link-out.bin'));
    expect(error.code).toBe('external-data');
    expect(error.message).toMatch(/outside the model folder \(symlink\)/);
  });

  it('a symlink to /dev/zero', async () => {
    symlinkSync('/dev/zero', join(modelDir, 'zero-link.bin'));
    const error = await convertError(withLocation('dev-zero.onnx', 'zero-link.bin'));
    expect(error.code).toBe('external-data');
    expect(error.message).toMatch(/outside the model folder/);
  });

  it('a character device and a FIFO inside the folder (no read, no hang)', async () => {
    execFileSync('mknod', [join(modelDir, 'zero-device'), 'c', '1', '5']);
    execFileSync('mkfifo', [join(modelDir, 'fifo')]);
    for (const [name, location, found] of [['device.onnx', 'zero-device', 'a character device'], ['fifo.onnx', 'fifo', 'a FIFO']] as const) {
      const error = await convertError(withLocation(name, location));
      expect(error.code).toBe('external-data');
      expect(error.message).toMatch(/not a regular file/);
      expect(error.context.found).toBe(found);
    }
  });

  it('a folder, a missing file, an empty location', async () => {
    mkdirSync(join(modelDir, 'folder'), { recursive: true });
    expect((await convertError(withLocation('folder.onnx', 'folder'))).message).toMatch(/not a regular file/);
    expect((await convertError(withLocation('missing.onnx', 'missing.bin'))).message).toMatch(/not found/);
    expect((await convertError(withLocation('empty.onnx', ''))).message).toMatch(/no location|empty/);
  });

  it('a symlink that stays inside the folder is fine', async () => {
    symlinkSync('source.onnx.data', join(modelDir, 'link-in.bin'));
    const model = await loadModel(withLocation('symlink-in.onnx', 'link-in.bin'));
    const weights = model.graph.initializers[1]!.initializer!.data() as Float32Array;
    expect(weights[1021]).toBeCloseTo(1 + 1021 / weights.length, 6);
  });
});

describe('saving: data locations and symlinked outputs', () => {
  it("refuses a data location with '..' or an absolute path, writing nothing", async () => {
    const model = await loadModel(source);
    const out = join(modelDir, 'out.onnx');
    for (const location of ['../escape.data', join(root, 'abs.data')]) {
      const error = await saveModel(model, out, { externalData: { location } }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OnnxSurgeonError);
      expect((error as OnnxSurgeonError).code).toBe('external-data');
    }
    expect(existsSync(join(root, 'escape.data'))).toBe(false);
    expect(existsSync(join(root, 'abs.data'))).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('replaces a symlink at the output (model or data) instead of writing through it', async () => {
    const victimModel = join(root, 'victim-model.bin');
    const victimData = join(root, 'victim-data.bin');
    writeFileSync(victimModel, 'do not touch');
    writeFileSync(victimData, 'do not touch either');
    const before = [fileHash(victimModel), fileHash(victimData)];
    const outDir = join(root, 'out-links');
    mkdirSync(outDir);
    symlinkSync(victimModel, join(outDir, 'model.onnx'));
    symlinkSync(victimData, join(outDir, 'model.onnx.data'));
    await saveModel(await loadModel(source), join(outDir, 'model.onnx'), { externalData: {} });
    expect([fileHash(victimModel), fileHash(victimData)]).toEqual(before);
    expect(lstatSync(join(outDir, 'model.onnx')).isFile()).toBe(true);
    expect(lstatSync(join(outDir, 'model.onnx.data')).isFile()).toBe(true);
    const reloaded = await loadModel(join(outDir, 'model.onnx'));
    expect((reloaded.graph.initializers[0]!.initializer!.data() as Float32Array)[1021]).toBeCloseTo(1021 / 8192, 6);
  });
});
