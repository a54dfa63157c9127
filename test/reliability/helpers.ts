import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Model, Tensor } from '../../src/ir/index.js';
import { DType } from '../../src/ir/types.js';

/** Repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');
/** Loader that lets a child `node` run the TypeScript sources. */
export const REGISTER_TS = join(ROOT, 'test', 'fuzz', 'register-ts.mjs');
/** The child-process entry. */
export const CHILD = join(import.meta.dirname, 'child.ts');

/** sha256 of a file. */
export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Runs the child entry to completion; throws with its stderr on failure. */
export function runChild(args: string[], nodeFlags: string[] = []): string {
  const result = spawnSync(process.execPath, [...nodeFlags, '--import', REGISTER_TS, CHILD, ...args], { encoding: 'utf8', cwd: ROOT });
  if (result.status !== 0) throw new Error(`child ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Starts the child entry without waiting. */
export function startChild(args: string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, ['--import', REGISTER_TS, CHILD, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** x -> Add(w0) -> Add(w1) ... with about `mib` MiB of float weights in tensors of `tensorMib` MiB. */
export function addChainModel(mib: number, tensorMib = 16): Model {
  const model = new Model();
  model.opsetImports.set('', 17);
  const g = model.graph;
  const count = Math.max(1, Math.round(mib / tensorMib));
  const elements = (tensorMib * 2 ** 20) / 4;
  let x = g.addInput('x', { dtype: DType.FLOAT, shape: [elements] });
  for (let i = 0; i < count; i++) {
    const data = new Float32Array(elements);
    for (let k = 0; k < data.length; k += 1021) data[k] = i + k / data.length;
    const w = g.addInitializer(Tensor.fromArray(DType.FLOAT, [elements], data, `w${i}`));
    x = g.addNode({ op: 'Add', inputs: [x, w], name: `add${i}` }).output();
  }
  g.setOutputs([x]);
  return model;
}
