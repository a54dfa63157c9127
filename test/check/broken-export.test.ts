/**
 * The broken export of issue #18 (two-stage Deformable DETR whose Clip reads `sigmoid_min_1` and
 * `sigmoid_max_1`, which nothing produces), rebuilt from the repo's valid export by exactly that
 * defect (examples/lib/broken-detr.ts: the exporter cannot run here). It loads, `convert`
 * round-trips it (Python onnx parses original and output equal), `check` reports both dangling
 * tensors (exit 1), fuse-msda refuses it (exit 2) unless --allow-invalid, which fuses the 2 sites
 * clear of the Clip and reports the third.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/program.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { breakLikeOptimizedExport, DETR_2STAGE_FIXTURE } from '../../examples/lib/broken-detr.js';
import { captureIo, tempDir } from '../cli/helpers.js';

const dir = tempDir('onnx-surgeon-broken-');
const broken = join(dir, 'broken.onnx');

beforeAll(async () => {
  const model = await loadModel(join(DETR_2STAGE_FIXTURE, 'model.onnx'));
  breakLikeOptimizedExport(model);
  await saveModel(model, broken);
});

describe('the broken two-stage Deformable DETR export', () => {
  it('convert round-trips it: python onnx parses original and output equal, and judges both alike', async () => {
    const out = join(dir, 'converted.onnx');
    expect(await runCli(['convert', broken, '-o', out], captureIo())).toBe(EXIT.ok);
    const judge = spawnSync('/usr/bin/python3', ['-c', `
import sys, onnx
a, b = onnx.load(sys.argv[1]), onnx.load(sys.argv[2])
print(a.SerializeToString() == b.SerializeToString())
for m in (a, b):
    m.ir_version = 8  # onnx 1.12 knows IR <= 8; the model uses nothing newer
    try:
        onnx.checker.check_model(m, full_check=True); print('valid')
    except Exception as e: print(str(e).splitlines()[0])
`, broken, out], { encoding: 'utf8' });
    expect(judge.status, judge.stderr).toBe(0);
    const [equal, first, second] = judge.stdout.trim().split('\n');
    expect(equal).toBe('True');
    // onnx 1.12 stops at the first problem it sees, an opset-18 Resize it judges by Resize-13
    // (see agreement.test.ts); what matters here is that it judges both files alike.
    expect(first).not.toBe('valid');
    expect(second).toBe(first);
  });

  it('check: both dangling tensors, with the Clip, exit 1', async () => {
    const io = captureIo();
    expect(await runCli(['check', broken, '--json'], io)).toBe(EXIT.checkFailed);
    const report = JSON.parse(io.out()) as { errors: number; problems: { rule: string; node: string; tensor: string }[] };
    expect(report.errors).toBe(2);
    expect(report.problems.map((p) => [p.rule, p.node, p.tensor])).toEqual([
      ['dangling-input', 'node_Clip_inverse_sigmoid', 'sigmoid_min_1'],
      ['dangling-input', 'node_Clip_inverse_sigmoid', 'sigmoid_max_1'],
    ]);
  });

  it("fuse-msda refuses it with the loader's old message (exit 2) and writes nothing", async () => {
    const out = join(dir, 'refused.onnx');
    const io = captureIo();
    expect(await runCli(['fuse-msda', broken, '-o', out], io)).toBe(EXIT.usage);
    expect(io.err().trim()).toBe(`graph error: ${broken}: node 'node_Clip_inverse_sigmoid': tensor 'sigmoid_min_1': input 1 'sigmoid_min_1' is not produced by any node, graph input or initializer`);
    expect(existsSync(out)).toBe(false);
  });

  it('fuse-msda --allow-invalid fuses the 2 sites clear of the Clip and reports the third; the output keeps the defect', async () => {
    const out = join(dir, 'partial.onnx');
    const io = captureIo();
    expect(await runCli(['fuse-msda', broken, '-o', out, '--allow-invalid', '--json'], io)).toBe(EXIT.ok);
    const report = JSON.parse(io.out()) as { fused: number; skipped: number; sites: { status: string; reason?: string }[] };
    expect(report).toMatchObject({ fused: 2, skipped: 1 });
    expect(report.sites.find((s) => s.status === 'skipped')!.reason).toMatch(
      /depends on an invalid part of the model \(at 'node_Clip_inverse_sigmoid'\): input 1 'sigmoid_min_1' is not produced/,
    );
    const again = captureIo();
    expect(await runCli(['check', out], again)).toBe(EXIT.checkFailed);
    expect(again.out()).toContain("tensor 'sigmoid_min_1'");
    const human = captureIo();
    await runCli(['fuse-msda', broken, '--dry-run', '--allow-invalid'], human);
    expect(human.err()).toContain('warning: the model is invalid (2 structural problems');
  });
});
