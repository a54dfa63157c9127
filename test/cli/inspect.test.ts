/**
 * `inspect` on what real users hand it: a model whose external data file is missing or short
 * (a warning naming the tensor, the file and the folder; `--check` fails), `--check` on a clean
 * model, and the per-node, per-weight and per-value listings of `--show`.
 */
import { realpathSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type InspectJson, runInspectCommand } from '../../src/cli/commands/inspect.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { TensorProto } from '../../src/onnx/proto-types.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { EXAMPLE_MODEL, captureIo, tempDir } from './helpers.js';

/** The example saved with its weights in `w.data`; the names of the tensors stored there. */
async function externalCopy(): Promise<{ dir: string; file: string; external: string[] }> {
  const dir = tempDir('onnx-surgeon-inspect-');
  const file = join(dir, 'model.onnx');
  await saveModel(await loadModel(EXAMPLE_MODEL), file, { externalData: { location: 'w.data', sizeThreshold: 0 } });
  const saved = await loadModel(file);
  const external = saved.graph.initializers.filter((v) => (v.initializer!.serdeOrigin as TensorProto).dataLocation === 1).map((v) => v.name);
  return { dir, file, external };
}

describe('inspect: external data', () => {
  it('a missing data file: exit 0 with one warning naming the first tensor, the count, the file and the folder', async () => {
    const { dir, file, external } = await externalCopy();
    expect(external.length).toBeGreaterThan(10);
    rmSync(join(dir, 'w.data'));
    const io = captureIo();
    expect(await runInspectCommand(file, {}, io)).toBe(EXIT.ok);
    expect(io.err()).toBe(`${file}: warning: tensor '${external[0]}' and ${external.length - 1} more: external data file 'w.data' not found in ${realpathSync(dir)}/; ` +
      `the summary reads no weights, but commands that do will fail ('inspect --check' or 'check' lists every problem)\n`);
    expect(io.out()).toContain('graph \'main_graph\': 128 nodes');

    const json = captureIo();
    expect(await runInspectCommand(file, { json: true }, json)).toBe(EXIT.ok);
    const report = JSON.parse(json.out()) as InspectJson;
    expect(report.externalDataProblems.map((p) => p.tensor)).toEqual(external);
    expect(report.externalDataProblems.every((p) => p.rule === 'external-data' && p.severity === 'error')).toBe(true);
  });

  it('--check: the same tensors are errors, listed on stdout; exit 1', async () => {
    const { dir, file, external } = await externalCopy();
    rmSync(join(dir, 'w.data'));
    const io = captureIo();
    expect(await runInspectCommand(file, { check: true }, io)).toBe(EXIT.checkFailed);
    expect(io.err()).toBe('');
    const errors = io.out().split('\n').filter((l) => l.startsWith(`${file}: error: `));
    expect(errors).toEqual(external.map((t) => `${file}: error: tensor '${t}': external data file 'w.data' not found in ${realpathSync(dir)}/`));
    expect(io.out()).toContain(`${file}: ${external.length} errors, 0 warnings; 128 nodes`);
  });

  it('a data file too short: warned with the sizes; intact external data: no word, --check exits 0', async () => {
    const { dir, file } = await externalCopy();
    const intact = captureIo();
    expect(await runInspectCommand(file, { check: true }, intact)).toBe(EXIT.ok);
    expect(intact.err()).toBe('');
    expect(intact.out()).toContain(`${file}: 0 errors, 0 warnings; 128 nodes`);
    truncateSync(join(dir, 'w.data'), 100);
    const io = captureIo();
    expect(await runInspectCommand(file, {}, io)).toBe(EXIT.ok);
    expect(io.err().split('\n').filter(Boolean).length).toBeGreaterThan(0);
    expect(io.err()).toMatch(/^\S+: warning: tensor '[^']+'( and \d+ more)?: external data file is shorter than offset \+ length \(w\.data\); /m);
  });
});
