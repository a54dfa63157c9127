/** Captured streams for running CLI commands in-process, and small model files for them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
import type { CommandIo } from '../../src/cli/io.js';
import { DType, Model } from '../../src/ir/index.js';
import { saveModel } from '../../src/serde/index.js';

/** A CommandIo whose output is collected as text. */
export interface CapturedIo extends CommandIo {
  out(): string;
  err(): string;
}

/** Collects stdout/stderr; `tty` makes stderr claim to be a terminal. */
export function captureIo(tty = false): CapturedIo {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]): Writable => new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      into.push(chunk.toString());
      callback();
    },
  });
  const stderr = Object.assign(sink(chunks.err), { isTTY: tty, columns: 100 });
  return { stdout: sink(chunks.out), stderr, out: () => chunks.out.join(''), err: () => chunks.err.join('') };
}

const madeFolders: string[] = [];
// Registered while the importing test file is collected: its folders go when that file ends.
afterAll(() => {
  for (const folder of madeFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test file that made it ends. */
export function tempDir(prefix = 'onnx-surgeon-cli-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  madeFolders.push(folder);
  return folder;
}

/** Saves `y = Relu(x)` (no MSDA) to `file`. */
export async function saveReluModel(file: string): Promise<void> {
  const model = new Model();
  model.irVersion = 8;
  model.opsetImports.set('', 17);
  const x = model.graph.addInput('x', { dtype: DType.FLOAT, shape: [1, 4] });
  const relu = model.graph.addNode({ op: 'Relu', name: 'relu', inputs: [x], outputs: ['y'], outputTypes: [{ dtype: DType.FLOAT, shape: [1, 4] }] });
  model.graph.setOutputs([relu.output(0)]);
  await saveModel(model, file);
}

/** The bundled example (a dynamo export with 2 MSDA sites, 8 GridSamples, 128 nodes). */
export const EXAMPLE_MODEL = 'examples/models/msda-encoder.onnx';
