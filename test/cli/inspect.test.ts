/**
 * `inspect` on what real users hand it: a model whose external data file is missing or short
 * (a warning naming the tensor, the file and the folder; `--check` fails), `--check` on a clean
 * model, and the per-node, per-weight and per-value listings of `--show` (shapes against what
 * onnxruntime computes).
 */
import { readFileSync, realpathSync, rmSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type InspectJson, runInspectCommand } from '../../src/cli/commands/inspect.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/program.js';
import { dtypeName } from '../../src/ir/index.js';
import type { TensorProto } from '../../src/onnx/proto-types.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { readNpy } from '../../src/verify/index.js';
import { probeTensors } from '../mutation/probe.js';
import { readMutationFixture } from '../mutation/generate.js';
import { EXAMPLE_MODEL, captureIo, tempDir } from './helpers.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The example saved with its weights in `w.data`; the names of the tensors stored there. */
async function externalCopy(): Promise<{ dir: string; file: string; external: string[] }> {
  const dir = tempDir('onnx-surgeon-inspect-');
  made.push(dir);
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

describe('inspect --show', () => {
  it('layers and shapes: every node and value, with the dims and types onnxruntime computes', async () => {
    const fixture = readMutationFixture('enc_dynamo_m2p1d8_op18');
    const model = await loadModel(fixture.modelPath);
    const io = captureIo();
    expect(await runInspectCommand(fixture.modelPath, { json: true, show: ['layers', 'shapes'] }, io)).toBe(EXIT.ok);
    const report = JSON.parse(io.out()) as InspectJson;
    expect(report.layers!.map((l) => l.name)).toEqual(model.graph.nodes.map((n) => n.label));
    const names = report.shapes!.map((v) => v.name);
    expect(names).toEqual([...model.graph.inputs.filter((v) => !v.initializer), ...model.graph.nodes.flatMap((n) => n.outputs)].map((v) => v.name));
    const truth = await probeTensors(fixture.bytes, fixture.feeds, names);
    expect(truth.size).toBe(names.length);
    for (const v of report.shapes!) {
      expect([v.name, v.shape, v.dtype]).toEqual([v.name, truth.get(v.name)!.dims, dtypeName(truth.get(v.name)!.dtype)]);
    }
    // A layer's inputs are the values it reads, typed alike; initializers are marked.
    const byName = new Map(report.shapes!.map((v) => [v.name, v]));
    const grid = report.layers!.find((l) => l.op === 'GridSample')!;
    expect(grid.inputs.map((v) => v!.shape)).toEqual(grid.inputs.map((v) => byName.get(v!.name)!.shape));
    expect(grid.attributes).toEqual({ align_corners: '0', padding_mode: "'zeros'", mode: "'bilinear'" });
    const weighted = report.layers!.flatMap((l) => l.inputs).filter((v) => v?.weight);
    expect(new Set(weighted.map((v) => v!.name))).toEqual(new Set(model.graph.initializers.filter((v) => v.uses.length).map((v) => v.name)));
  });

  it('text: one header per node, its inputs and outputs aligned, readable sizes of a dynamic export within 160 columns', async () => {
    const file = 'test/fixtures/msda-v2/hf_dfine_dynhw_dynamo_op18/model.onnx';
    const io = captureIo();
    expect(await runInspectCommand(file, { show: ['layers', 'weights', 'shapes'] }, io)).toBe(EXIT.ok);
    const text = io.out();
    const model = await loadModel(file);
    expect(text.match(/^ {2}#\d+ +\S+ '/gm)).toHaveLength(model.graph.nodeCount);
    expect(text).toMatch(/^ {2}#\d+ +GridSample 'node_grid_sampler'\n +in +view_141 +float \[4\*N,8,4\*h32,4\*w32\]\n/m);
    expect(text).toContain('where N, H, W: pixel_values dims 0, 2, 3 (s6, s37, s46 in the model)');
    expect(text).not.toMatch(/floordiv\(/); // the exact spelling is JSON's
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(160);
    expect(text).toContain(`weights: ${model.graph.initializers.length} initializers`);

    // JSON keeps the exact sizes in the model's own symbols: at the export size they give what onnxruntime computes.
    const json = captureIo();
    await runInspectCommand(file, { json: true, show: ['shapes'] }, json);
    const exact = (JSON.parse(json.out()) as InspectJson).shapes!.find((v) => v.name === 'view_141')!.shape!;
    expect(exact.filter((d) => typeof d === 'string' && /floordiv\(s37 \+ 31, 32\)|floordiv\(s46 \+ 31, 32\)/.test(d))).toHaveLength(2);
    const pixels = readNpy(join(dirname(file), 'inputs', 'pixel_values.npy'));
    const [n, , h, w] = pixels.dims;
    const truth = await probeTensors(new Uint8Array(readFileSync(file)), new Map([['pixel_values', pixels]]), ['view_141']);
    const at = (d: number | string): number => (typeof d === 'number' ? d
      : Function('s6', 's37', 's46', 'floordiv', `return ${d};`)(n, h, w, (a: number, b: number) => Math.floor(a / b)) as number);
    expect(exact.map(at)).toEqual(truth.get('view_141')!.dims);
  });

  it('weights: each initializer with its size and where its bytes are; a bad --show is a usage error', async () => {
    const { file } = await externalCopy();
    const json = captureIo();
    expect(await runInspectCommand(file, { json: true, show: ['weights'] }, json)).toBe(EXIT.ok);
    const report = JSON.parse(json.out()) as InspectJson;
    const model = await loadModel(file);
    expect(report.weights!.map((w) => [w.name, w.shape, w.bytes])).toEqual(model.graph.initializers.map((v) => [v.name, [...v.initializer!.dims], v.initializer!.byteLength]));
    expect(report.weights!.reduce((n, w) => n + w.bytes, 0)).toBe(report.initializers.bytes);
    expect(new Set(report.weights!.map((w) => w.storage))).toEqual(new Set(['inline', 'external (w.data)']));
    expect(report.layers).toBeUndefined();
    const bad = captureIo();
    expect(await runCli(['inspect', file, '--show', 'layers,bogus'], bad)).toBe(EXIT.usage);
    expect(bad.err()).toContain("expected layers, weights, shapes (comma-separated), got 'layers,bogus'");
  });
});
