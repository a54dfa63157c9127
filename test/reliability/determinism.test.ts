/**
 * Same input and options, same bytes: fuse-msda + save run in separate processes (one of them
 * with a different hash seed, random seed, clock and Math.random) must write identical files, so
 * no name or order depends on time, randomness or hash order.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModel, modelToBytes } from '../../src/serde/index.js';
import { ROOT, fileHash, runChild } from './helpers.js';

const FIXTURES = ['enc_listshapes_dynamic_op17', 'hf_deformable_detr_twostage_refine_op17'];
const PERTURBED = ['--hash-seed=987', '--random-seed=4242', '--import', join(import.meta.dirname, 'perturb.mjs')];

describe('determinism', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-determinism-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(FIXTURES)('%s: fuse + save in two processes writes identical bytes (inline and external data)', async (name) => {
    const input = join(ROOT, 'test', 'fixtures', 'msda', name, 'model.onnx');
    const inputHash = fileHash(input);
    const outputs: Record<string, string[]> = { inline: [], external: [] };
    for (const placement of ['inline', 'external'] as const) {
      for (const [run, flags] of [['a', []], ['b', PERTURBED]] as const) {
        // Same file name in two folders: the data file's name is written into the model.
        mkdirSync(join(dir, run), { recursive: true });
        const out = join(dir, run, `${name}.${placement}.onnx`);
        const report = JSON.parse(runChild(['fuse', input, out, placement], [...flags])) as { fused: number };
        expect(report.fused).toBeGreaterThan(0);
        outputs[placement]!.push(out);
      }
    }
    for (const [a, b] of Object.values(outputs)) {
      expect(fileHash(b!)).toBe(fileHash(a!));
    }
    const [extA, extB] = outputs.external;
    expect(fileHash(`${extB}.data`)).toBe(fileHash(`${extA}.data`));
    // The data file name inside the model is the output's own name, not a temp name.
    expect(readFileSync(extA!).includes(Buffer.from(`${name}.external.onnx.data`))).toBe(true);
    expect(readFileSync(extA!).includes(Buffer.from('.tmp'))).toBe(false);

    // And the same bytes in this process: nothing depends on process state either.
    const model = await loadModel(input);
    fuseMsda(model);
    expect(Buffer.from(modelToBytes(model)).equals(readFileSync(outputs.inline[0]!))).toBe(true);
    expect(fileHash(input)).toBe(inputHash);
  }, 120_000);
});
