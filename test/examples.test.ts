/**
 * Runs every example's `main` (as `node dist/examples/<name>.js` would, minus printing) and checks
 * what it reports, so the examples keep working as the library changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main as customAttentionFusion } from '../examples/custom-attention-fusion.js';
import { main as fuseMatMulAdd } from '../examples/fuse-matmul-add.js';
import { main as removeIdentity } from '../examples/remove-identity.js';
import { main as repairDangling } from '../examples/repair-dangling.js';
import { loadModel } from '../src/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-surgeon-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('examples', () => {
  test('remove-identity: four Identities go, the input-to-output copy stays, outputs are bit-identical', async () => {
    const out = join(scratch, 'identity.onnx');
    const result = await removeIdentity(['', out]);
    expect(result).toMatchObject({ nodesBefore: 7, nodesAfter: 3, opsAfter: { Add: 1, Identity: 1, Relu: 1 } });
    expect(result.report.rules[0]).toMatchObject({ rule: 'remove-identity', matched: 5, applied: 4 });
    expect(result.report.rules[0]!.skipped).toEqual([
      { node: '/copy/Identity', reason: "graph output 'x_copy' would become graph input 'x' (the model's interface would change)" },
    ]);
    expect(result.verification).toMatchObject({ method: 'onnxruntime', passed: true, maxAbsError: 0 });
    // The saved model reloads with the same interface, and running the example on it again changes nothing.
    const saved = await loadModel(out);
    expect(saved.graph.outputs.map((o) => o.name)).toEqual(['y', 'x_copy']);
    const again = await removeIdentity([out]);
    expect(again.report.rules[0]!.applied).toBe(0);
    expect(again.nodesAfter).toBe(3);
  });

  test('remove-identity on a real export (RT-DETR): 119 Identities go, onnxruntime outputs stay bit-identical', async () => {
    const result = await removeIdentity(['test/fixtures/msda/hf_rtdetr_op17/model.onnx']);
    expect(result.report.rules[0]).toMatchObject({ matched: 119, applied: 119, skipped: [] });
    expect(result.nodesBefore - result.nodesAfter).toBe(119);
    expect(result.opsAfter.Identity).toBeUndefined();
    expect(result.verification).toMatchObject({ method: 'onnxruntime', passed: true, maxAbsError: 0 });
  });

  test('fuse-matmul-add: both 2-D layers become Gemm, the 3-D one is refused with its shape', async () => {
    const result = await fuseMatMulAdd([]);
    expect(result).toMatchObject({ nodesBefore: 7, nodesAfter: 5, opsAfter: { Add: 1, Gemm: 2, MatMul: 1, Relu: 1 } });
    expect(result.report.rules[0]).toMatchObject({ matched: 2, applied: 2, skipped: [] });
    expect(result.report.rules[0]!.rejected).toEqual([{ node: '/batched/Add', reason: "check failed: input 'z' is [2, 4, 8], Gemm needs 2-D" }]);
    expect(result.verification.method).toBe('onnxruntime');
    expect(result.verification.passed).toBe(true);
    expect(result.verification.maxAbsError).toBeLessThanOrEqual(1e-5);
  });

  test('custom-attention-fusion: Mul and Div spellings fuse, the wrong scale is refused', async () => {
    const out = join(scratch, 'attention.onnx');
    const result = await customAttentionFusion(['', out]);
    expect(result).toMatchObject({ nodesBefore: 15, nodesAfter: 7 });
    expect(result.opsAfter.ScaledDotProductAttention).toBe(2);
    expect(result.report.rules[0]).toMatchObject({ matched: 2, applied: 2 });
    expect(result.report.rules[0]!.rejected).toEqual([
      { node: '/attn2/MatMul_1', reason: 'check failed: scale is 0.5, expected 1/sqrt(8) = 0.353553' },
    ]);
    expect(result.verification).toMatchObject({ method: 'structure', passed: true });
    const saved = await loadModel(out);
    expect(saved.opsetImports.get('com.example')).toBe(1);
    const fused = saved.graph.nodes.filter((n) => n.opType === 'ScaledDotProductAttention');
    expect(fused.map((n) => n.inputs.map((v) => v?.name))).toEqual([['q', 'k', 'v'], ['q', 'k', 'v']]);
    expect(fused.map((n) => n.output().name)).toEqual(['out0', 'out1']);
    for (const n of fused) expect(n.attrNumber('scale')).toBeCloseTo(1 / Math.sqrt(8), 6);
  });

  test('repair-dangling: the broken DETR export is checked, given its two lost constants, fused (3 sites), and matches the valid export', async () => {
    const result = await repairDangling([]);
    expect(result.problemsBefore).toHaveLength(2);
    expect(result.problemsBefore[0]).toContain("tensor 'sigmoid_min_1'");
    expect(result.onnxruntimeRefusal).toContain("Node input 'sigmoid_min_1' is not a graph input, initializer, or output of a previous node");
    expect(result.fuseRefusal).toContain("input 1 'sigmoid_min_1' is not produced by any node");
    expect(result.allowInvalid.fused).toBe(2);
    expect(result.allowInvalid.skipped).toHaveLength(1);
    expect(result.problemsAfter).toEqual([]);
    expect(result).toMatchObject({ sitesFound: 3, fused: 3, verdict: 'pass', goldens: 'pass' });
    expect(result.maxAbsError).toBeLessThanOrEqual(1e-5);
  }, 120_000);
});
