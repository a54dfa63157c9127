/**
 * `onnx-surgeon convert --fp16` end to end: fuse a real export, convert it, check it with `verify`
 * against the float32 goldens at float16 tolerances; option errors exit 2 and write nothing.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConvertCommand } from '../../src/cli/commands/convert.js';
import { runFuseMsdaCommand } from '../../src/cli/commands/fuse-msda.js';
import { runVerifyCommand } from '../../src/cli/commands/verify.js';
import { DType } from '../../src/ir/index.js';
import { MSDA_PLUGIN } from '../../src/plugins/index.js';
import { loadModel } from '../../src/serde/index.js';
import { inferShapes } from '../../src/shape/index.js';
import { captureIo, tempDir } from '../cli/helpers.js';

const FIXTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'msda', 'enc_listshapes_op17');

describe('convert --fp16', () => {
  it('fused export -> float16 model that verify passes against the float32 goldens (rtol/atol 1e-2)', async () => {
    const dir = tempDir();
    const fused = path.join(dir, 'fused.onnx');
    const half = path.join(dir, 'fused.fp16.onnx');
    expect(await runFuseMsdaCommand(path.join(FIXTURE, 'model.onnx'), { output: fused, quiet: true }, captureIo())).toBe(0);
    const io = captureIo();
    expect(await runConvertCommand(fused, { output: half, fp16: true, keepFp32Ops: ['Softmax'] }, io)).toBe(0);
    expect(io.out()).toMatch(/^wrote .*fused\.fp16\.onnx \(\d+ nodes, \d+ initializers, layout kept\)\nfp16: \d+ nodes converted, \d+ kept float32, \d+ casts inserted/);
    expect(io.out()).toContain('fp16: MultiscaleDeformableAttnPlugin_TRT x2 runs in float32 with its sampling locations');
    expect(io.out()).toContain('fp16: kept float32, op type listed to stay float32: 2 node(s)');

    const model = await loadModel(half);
    const facts = inferShapes(model.graph);
    for (const plugin of model.graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType)) {
      expect([0, 3, 4].map((i) => facts.dtype(plugin.input(i))).concat(facts.dtype(plugin.output()) ?? 0)).toEqual([DType.FLOAT, DType.FLOAT, DType.FLOAT, DType.FLOAT]);
    }
    const verify = captureIo();
    const code = await runVerifyCommand(fused, half, {
      inputs: path.join(FIXTURE, 'inputs'), expected: path.join(FIXTURE, 'outputs'), reference: 'expected', rtol: 1e-2, atol: 1e-2,
    }, verify);
    expect(verify.err()).toBe('');
    expect(code).toBe(0);
    expect(verify.out()).toContain('verify PASS');
  });

  it('fp16 options without --fp16, and an unknown node, are usage errors that write nothing', async () => {
    const dir = tempDir();
    const fused = path.join(dir, 'fused.onnx');
    await runFuseMsdaCommand(path.join(FIXTURE, 'model.onnx'), { output: fused, quiet: true }, captureIo());
    const out = path.join(dir, 'out.onnx');
    const io = captureIo();
    expect(await runConvertCommand(fused, { output: out, keepFp32Ops: ['Softmax'], msdaFp16: true }, io)).toBe(2);
    expect(io.err()).toBe(`usage error: ${fused}: --keep-fp32-ops, --msda-fp16 need --fp16\n`);
    const missing = captureIo();
    expect(await runConvertCommand(fused, { output: out, fp16: true, keepFp32Nodes: ['no_such_node'] }, missing)).toBe(2);
    expect(missing.err()).toContain("no node named 'no_such_node' in the model's main graph");
    expect(existsSync(out)).toBe(false);
  });
});
