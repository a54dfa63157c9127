/**
 * `sanitize`, `extract` and `fuse-msda --fold-constants` run in-process on real exports: what is
 * printed where, what is written (folders created, never over the input), exit codes and
 * one-line errors; the fused output of `--fold-constants` verified against the original.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runExtractCommand } from '../../src/cli/commands/extract.js';
import { runFuseMsdaCommand } from '../../src/cli/commands/fuse-msda.js';
import { runSanitizeCommand } from '../../src/cli/commands/sanitize.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/program.js';
import { loadModel } from '../../src/serde/index.js';
import { verifyRewrite } from '../../src/verify/index.js';
import { captureIo, tempDir as newTempDir } from './helpers.js';

const ENCODER = 'test/fixtures/msda/enc_listshapes_op17/model.onnx';
const ENCODER_DYNAMIC = 'test/fixtures/msda/enc_listshapes_dynamic_op17/model.onnx';
const DETR_DIR = 'test/fixtures/msda/hf_deformable_detr_twostage_refine_op17';
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

const made: string[] = [];
const tempDir = (): string => {
  made.push(newTempDir());
  return made.at(-1)!;
};
afterEach(() => {
  process.exitCode = undefined;
});
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('sanitize', () => {
  it('folds a static encoder export 461 -> 142 nodes, creates the output folder, prints the per-op table', async () => {
    const dir = tempDir();
    const out = join(dir, 'new', 'clean.onnx');
    const before = sha(ENCODER);
    const io = captureIo();
    expect(await runSanitizeCommand(ENCODER, { output: out }, io)).toBe(EXIT.ok);
    expect(sha(ENCODER)).toBe(before);
    expect(io.err()).toBe(`created folder ${join(dir, 'new')}/\n`);
    const lines = io.out().split('\n');
    expect(lines[0]).toBe(`${ENCODER}: nodes 461 -> 142 (319 folded into constants, 0 Identity removed, 0 dead), initializers 16 -> 99`);
    expect(io.out()).toMatch(/^  Constant +206 +0$/m);
    expect(lines.at(-2)).toBe(`wrote ${out}`);
    expect((await loadModel(out)).graph.nodeCount).toBe(142);
  });

  it('--json: the report only; --dry-run: nothing written', async () => {
    const dir = tempDir();
    const io = captureIo();
    expect(await runSanitizeCommand(ENCODER_DYNAMIC, { output: join(dir, 'x.onnx'), dryRun: true, json: true, overrideInputShapes: ['batch=1', 'feat0:1,64,h0,w0'], rename: ['feat1=level1'] }, io)).toBe(EXIT.ok);
    expect(readdirSync(dir)).toEqual([]);
    const report = JSON.parse(io.out()) as { output: null; nodesBefore: number; inputShapes: unknown[]; renamed: unknown[]; ops: { op: string }[] };
    expect(report).toMatchObject({ output: null, nodesBefore: 886 });
    expect(report.inputShapes).toEqual([
      { input: 'feat0', before: ['batch', 64, 'h0', 'w0'], after: [1, 64, 'h0', 'w0'] },
      { input: 'level1', before: ['batch', 64, 'h1', 'w1'], after: [1, 64, 'h1', 'w1'] },
      { input: 'feat2', before: ['batch', 64, 'h2', 'w2'], after: [1, 64, 'h2', 'w2'] },
      { input: 'feat3', before: ['batch', 64, 'h3', 'w3'], after: [1, 64, 'h3', 'w3'] },
    ]);
    expect(report.renamed).toEqual([{ from: 'feat1', to: 'level1', role: 'input' }]);
    expect(io.err()).toBe('');
  });

  it('a rename onto a taken name, an unknown input, a bad shape: exit 2, one line, nothing written', async () => {
    const dir = tempDir();
    const cases: [Parameters<typeof runSanitizeCommand>[1], RegExp][] = [
      [{ rename: ['feat0=memory'] }, /^usage error: .*: tensor 'feat0': cannot rename 'feat0' to 'memory': the model already has a graph output named 'memory'/],
      [{ overrideInputShapes: ['pixels:1x3x8x8'] }, /^usage error: .*no graph input named 'pixels'/],
      [{ overrideInputShapes: ['feat0:1xHx8'] }, /^usage error: .*cannot parse --override-input-shapes 'feat0:1xHx8'/],
      [{ rename: ['feat0'] }, /^usage error: .*cannot parse --rename 'feat0' \(expected OLD=NEW\)/],
    ];
    for (const [options, message] of cases) {
      const io = captureIo();
      expect(await runSanitizeCommand(ENCODER_DYNAMIC, { output: join(dir, 'out', 'x.onnx'), ...options }, io)).toBe(EXIT.usage);
      expect(io.err()).toMatch(message);
      expect(io.err().trim().split('\n')).toHaveLength(1);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses -o over the input without --force; is listed in the top-level help', async () => {
    const io = captureIo();
    expect(await runSanitizeCommand(ENCODER, { output: ENCODER }, io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/-o is the input model; pass --force/);
    const help = captureIo();
    expect(await runCli(['--help'], help)).toBe(EXIT.ok);
    expect(help.out()).toMatch(/sanitize \[options\] <in>\s+fold constants/);
    expect(help.out()).toMatch(/extract \[options\] <in>\s+cut out the subgraph/);
  });
});

describe('fuse-msda --fold-constants', () => {
  it('folds (2330 -> 886), then fuses all 3 sites (886 -> 758); the output verifies against the original', async () => {
    const dir = tempDir();
    const out = join(dir, 'fused.onnx');
    const io = captureIo();
    expect(await runFuseMsdaCommand(`${DETR_DIR}/model.onnx`, { output: out, foldConstants: true }, io)).toBe(EXIT.ok);
    const lines = io.out().split('\n');
    expect(lines[0]).toBe(`${DETR_DIR}/model.onnx: constants folded first: nodes 2330 -> 886 (1444 folded, 0 dead)`);
    expect(lines[1]).toBe(`${DETR_DIR}/model.onnx: 3 MSDA sites found, 3 fused, 0 skipped`);
    expect(lines).toContain('nodes: 886 -> 758, GridSample left: 0');
    const check = await verifyRewrite(`${DETR_DIR}/model.onnx`, out, { inputs: `${DETR_DIR}/inputs`, expected: `${DETR_DIR}/outputs` });
    expect(check.verdict).toBe('pass');

    const json = captureIo();
    expect(await runFuseMsdaCommand(`${DETR_DIR}/model.onnx`, { dryRun: true, foldConstants: true, json: true }, json)).toBe(EXIT.ok);
    const report = JSON.parse(json.out()) as { folding: { nodesBefore: number; nodesAfter: number }; fusable: number; nodesBefore: number };
    expect([report.folding.nodesBefore, report.folding.nodesAfter, report.nodesBefore, report.fusable]).toEqual([2330, 886, 886, 3]);
  });

  it('--fold-constants and --allow-invalid exclude each other (exit 2)', async () => {
    const io = captureIo();
    expect(await runCli(['fuse-msda', ENCODER, '--dry-run', '--fold-constants', '--allow-invalid'], io)).toBe(EXIT.usage);
    expect(io.err()).toMatch(/option '--fold-constants' cannot be used with option '--allow-invalid'/);
  });
});

describe('extract', () => {
  it('cuts out the second encoder layer (259 of 461 nodes), prints its inputs and outputs with types', async () => {
    const dir = tempDir();
    const out = join(dir, 'layer1.onnx');
    const io = captureIo();
    expect(await runExtractCommand(ENCODER, { output: out, inputs: ['/Add_output_0'], outputs: ['memory'] }, io)).toBe(EXIT.ok);
    const extracted = await loadModel(out);
    expect(extracted.graph.inputs.map((v) => [v.name, v.type?.shape])).toEqual([['/Add_output_0', [1, 1360, 64]]]);
    expect(extracted.graph.outputs.map((v) => v.name)).toEqual(['memory']);
    expect(extracted.graph.nodes.filter((n) => n.opType === 'GridSample')).toHaveLength(4);
    expect(io.out()).toBe([
      `${ENCODER}: extracted 259 of 461 nodes (8 initializers)`, '',
      '          name           dtype  shape',
      '  input   /Add_output_0  float  [1,1360,64]',
      '  output  memory         float  [1,1360,64]', '',
      `wrote ${out}`, '',
    ].join('\n'));
  });

  it('unknown names and unreachable outputs: exit 2, one line; no --outputs: exit 2', async () => {
    const dir = tempDir();
    const cases: [Parameters<typeof runExtractCommand>[1], RegExp][] = [
      [{ inputs: ['feat9'], outputs: ['memory'] }, /^usage error: .*no value named 'feat9' in the model \(asked for as an input\)/],
      [{ inputs: ['feat0'], outputs: ['memory'] }, /^usage error: .*output 'memory' cannot be computed from the inputs: it depends on graph input 'feat1', which is not among the inputs \(path: feat1 -> \/Reshape_1_output_0 -> .* -> memory\)/],
      [{ inputs: ['feat0'] }, /^usage error: .*missing --outputs/],
    ];
    for (const [options, message] of cases) {
      const io = captureIo();
      expect(await runExtractCommand(ENCODER, { output: join(dir, 'x', 'y.onnx'), ...options }, io)).toBe(EXIT.usage);
      expect(io.err()).toMatch(message);
      expect(io.err().trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});
