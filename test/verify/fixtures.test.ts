/**
 * On every real export under test/fixtures/msda (and msda-extra, msda-models): fuse-msda, then
 * verifyRewrite with the fixture's inputs and goldens at the default options. The reference is the
 * original model where onnxruntime runs it, a repaired copy of it (float64 GridSample inputs cast
 * to float32) where it does not, as meta.json says; the goldens (outputs/) are compared too. The
 * numbers are asserted, not just the verdict. Then deliberately wrong fusions of the float16 and
 * the TorchScript static exports, which must still fail at the defaults.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DType, type Model, Tensor } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { MSDA_PLUGIN, MsdaInput } from '../../src/plugins/index.js';
import { loadModel } from '../../src/serde/index.js';
import { type OutputComparison, verifyRewrite } from '../../src/verify/index.js';

interface FixtureMeta {
  msdaSites?: number;
  dtype?: string;
  onnxruntimeRunsOriginal?: boolean;
  expectFused?: number | boolean;
  negative?: unknown;
}

function fixtures(): { dir: string; name: string; meta: FixtureMeta }[] {
  const found: { dir: string; name: string; meta: FixtureMeta }[] = [];
  for (const root of ['test/fixtures/msda', 'test/fixtures/msda-extra', 'test/fixtures/msda-models']) {
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const dir = `${root}/${name}`;
      if (!existsSync(`${dir}/model.onnx`) || !existsSync(`${dir}/meta.json`)) continue;
      found.push({ dir, name: `${root.split('/').pop()}/${name}`, meta: JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as FixtureMeta });
    }
  }
  return found;
}

/** How many sites fuse-msda must fuse, from whichever field the fixture's meta has. */
function expectedFused(meta: FixtureMeta): number | 'some' | undefined {
  if (typeof meta.expectFused === 'number') return meta.expectFused;
  if (meta.expectFused === true) return 'some';
  if (meta.expectFused === false) return 0;
  return meta.msdaSites;
}

/**
 * float16 models: the fused model computes MSDA in float32 and rounds once, the original (or the
 * CUDA golden) rounds at every op, so outputs of magnitude ~2-4 differ by a few float16 ulps.
 * Measured max abs error 4.9e-3 (enc_dynamo_fp16_op18 vs the original: 2.5 ulps at its scale
 * 3.67), 3.9e-3 (enc_ts_fp16_op17 vs its repaired original and vs the CUDA golden), within the
 * float16 defaults (rtol 1e-2, atol 1e-2; the worst element needs atol 1.4e-3 at that rtol).
 */
const FLOAT16_MAX_ABS = 8e-3;

/**
 * Bounded relative to the output's scale and absolutely. The element-wise relative error is
 * unbounded where a value is ~0: against PyTorch's goldens (measured 0.18 on enc_listshapes_op17
 * at an element of ~1e-6), and against a repaired original, which rounds the grid where the fused
 * model rounds the sampling locations (measured up to 0.12 on enc_listshapes_op17, at 5e-7 abs).
 */
function expectFloat32Close(output: OutputComparison, maxAbs = 1e-5): void {
  expect(output.status).toBe('pass');
  expect(output.stats!.maxAbsError / output.stats!.scale).toBeLessThan(1e-4);
  expect(output.stats!.maxAbsError).toBeLessThan(maxAbs);
}

describe('verify: fuse-msda on real exports, default options', () => {
  for (const { dir, name, meta } of fixtures()) {
    const want = expectedFused(meta);
    if (meta.negative && want === 0) {
      it(`${name} (negative): stays unfused`, async () => {
        const model = await loadModel(`${dir}/model.onnx`);
        expect(fuseMsda(model).fused).toBe(0);
      });
      continue;
    }
    const half = meta.dtype === 'float16';
    const refused = meta.onnxruntimeRunsOriginal === false;
    it(`${name}: fused model matches the ${refused ? 'repaired ' : ''}original and the goldens${half ? ' (float16 defaults)' : ''}`, async () => {
      const original = await loadModel(`${dir}/model.onnx`);
      const fused = await loadModel(`${dir}/model.onnx`);
      const fuse = fuseMsda(fused);
      if (want === 'some') expect(fuse.fused).toBeGreaterThan(0);
      else if (want !== undefined) expect(fuse.fused).toBe(want);

      const options = { inputs: `${dir}/inputs`, expected: `${dir}/outputs` };
      if (half) {
        // At float32's tolerances the float16 rounding differences are reported, and called rounding.
        const strict = await verifyRewrite(original, fused, { ...options, rtol: 1e-4, atol: 1e-5 });
        expect(strict.verdict).toBe('fail');
        expect(strict.outputs[0]!.stats!.mismatches).toBeGreaterThan(1000);
        expect(strict.outputs[0]!.hint!.plausibility.verdict).toBe('rounding');
        expect(strict.outputs[0]!.hint!.text).toMatch(/would pass with atol \d\.\de-3 .*plausible float16 rounding$/);
      }
      const report = await verifyRewrite(original, fused, options);
      if (process.env['VERIFY_PRINT']) console.log(name, report.summary, JSON.stringify(report.timings));
      expect(report.verdict, report.summary).toBe('pass');
      expect(report.reference).toBe('original');
      expect(report.expanded.rewritten?.expanded).toBe(fuse.fused);
      if (refused) {
        expect(report.originalError).toMatch(/^original cannot run in onnxruntime: .*(Could not find an implementation|no CPU kernel) for GridSample/);
        expect(report.repairs.original?.summary).toMatch(/^float64 grid cast to float32 at \d+ GridSample nodes?$/);
        if (fuse.skipped > 0 && fused.graph.nodes.some((n) => n.opType === 'GridSample')) {
          // A site left unfused keeps its float64 GridSample: the rewritten copy is repaired the same way.
          expect(report.repairs.rewritten?.summary).toMatch(/^float64 grid cast to float32 at \d+ GridSample nodes?$/);
        } else {
          expect(report.repairs.rewritten).toBeUndefined();
        }
      } else if (meta.onnxruntimeRunsOriginal === true) {
        expect(report.originalError).toBeUndefined();
        expect(report.repairs).toEqual({});
        expect(report.expanded.original?.expanded).toBe(0);
      }
      expect(report.outputs.length).toBeGreaterThan(0);
      expect(report.expectedComparison?.verdict).toBe('pass');
      for (const output of report.outputs) {
        const stats = output.stats!;
        expect(output.status).toBe('pass');
        expect(stats.mismatches).toBe(0);
        expect(stats.nanMismatches).toBe(0);
        if (half) {
          expect(output.actual?.dtype).toBe('float16');
          expect(output.tolerances).toMatchObject({ dtype: 'float16', rtol: 1e-2, atol: 1e-2, given: [] });
          expect(stats.maxAbsError).toBeLessThan(FLOAT16_MAX_ABS); // a few float16 ulps at |x| ~ 2-4
        } else if (!refused) {
          // Same inputs, same onnxruntime, GridSample either way: float32 rounding at most.
          expect(output.tolerances).toMatchObject({ rtol: 1e-4, atol: 1e-5, given: [] });
          expect(stats.maxRelError).toBeLessThan(1e-4);
          expect(stats.maxAbsError).toBeLessThan(1e-5);
        } else {
          expectFloat32Close(output);
        }
      }
      report.expectedComparison!.outputs.forEach((output, i) => {
        // No worse than the original's own miss of the goldens plus the rewrite's distance from it.
        const originalMiss = report.originalVsExpected!.outputs[i]!.stats!.maxAbsError;
        expect(output.stats!.maxAbsError).toBeLessThanOrEqual(originalMiss + report.outputs[i]!.stats!.maxAbsError + 1e-12);
        if (half) expect(output.stats!.maxAbsError).toBeLessThan(FLOAT16_MAX_ABS);
        else expectFloat32Close(output, Math.max(1e-5, 2 * originalMiss));
      });
    });
  }
});

/** The fused model with its first plugin's level start index shifted by one level (each level reads the previous one). */
async function wronglyFused(dir: string): Promise<{ original: Model; fused: Model }> {
  const original = await loadModel(`${dir}/model.onnx`);
  const fused = await loadModel(`${dir}/model.onnx`);
  expect(fuseMsda(fused).fused).toBeGreaterThan(0);
  const plugin = fused.graph.nodes.find((n) => n.opType === MSDA_PLUGIN.opType)!;
  const starts = plugin.input(MsdaInput.levelStartIndex).constant()!.toNumbers();
  const shifted = [0, ...starts.slice(0, -1)];
  plugin.setInput(MsdaInput.levelStartIndex, fused.graph.addInitializer(Tensor.fromArray(DType.INT32, [starts.length], Int32Array.from(shifted)), 'wrong_level_start'));
  return { original, fused };
}

describe('verify: deliberately wrong fusions still fail at the default options', () => {
  // Measured: max abs error 0.24 (dynamo fp16: 125 float16 ulps at its scale), 0.31 (TorchScript
  // fp16, 162 ulps), 0.21 (enc_listshapes_op17, float32): 20-50x what a correct fusion shows.
  const cases: [string, string, number][] = [
    ['float16, original runs', 'test/fixtures/msda-extra/enc_dynamo_fp16_op18', 0.1],
    ['float16, TorchScript static (repaired reference)', 'test/fixtures/msda-extra/enc_ts_fp16_op17', 0.1],
    ['float32, TorchScript static (repaired reference)', 'test/fixtures/msda/enc_listshapes_op17', 0.1],
  ];
  for (const [label, dir, minError] of cases) {
    it.skipIf(!existsSync(dir))(`${label}: ${dir.split('/').pop()}`, async () => {
      const { original, fused } = await wronglyFused(dir);
      const report = await verifyRewrite(original, fused, { inputs: `${dir}/inputs`, expected: `${dir}/outputs` });
      expect(report.verdict).toBe('fail');
      expect(report.reference).toBe('original');
      for (const comparison of [report.outputs, report.expectedComparison!.outputs]) {
        const output = comparison[0]!;
        expect(output.status).toBe('fail');
        expect(output.stats!.maxAbsError).toBeGreaterThan(minError);
        expect(output.stats!.mismatches / output.stats!.elements).toBeGreaterThan(0.3);
        expect(output.hint!.plausibility.verdict).toBe('beyond');
      }
      expect(report.originalVsExpected?.verdict).toBe('pass');
      expect(report.summary).toMatch(/^memory: \d+ of \d+ elements outside atol/);
    });
  }
});

describe('verify: dynamic exports on random inputs at shapes the goldens never saw', () => {
  const cases: [string, Record<string, number>][] = [
    ['test/fixtures/msda/enc_listshapes_dynamic_op17', { batch: 2, h0: 12, w0: 7, h1: 6, w1: 5, h2: 3, w2: 2, h3: 1, w3: 1 }],
  ];
  for (const [dir, shapes] of cases) {
    it.skipIf(!existsSync(dir))(`${dir.split('/').pop()} with ${JSON.stringify(shapes)}`, async () => {
      const original = await loadModel(`${dir}/model.onnx`);
      const fused = await loadModel(`${dir}/model.onnx`);
      expect(fuseMsda(fused).fused).toBeGreaterThan(0);
      const report = await verifyRewrite(original, fused, { seed: 123, shapes });
      expect(report.verdict, report.summary).toBe('pass');
      expect(report.inputs.source).toBe('random');
      expect(report.inputs.tensors.map((t) => t.shape)).toEqual([[2, 64, 12, 7], [2, 64, 6, 5], [2, 64, 3, 2], [2, 64, 1, 1]]);
      const output = report.outputs[0]!;
      expect(output.actual?.shape).toEqual([2, 12 * 7 + 6 * 5 + 3 * 2 + 1, 64]);
      expect(output.stats!.maxRelError).toBeLessThan(1e-4);
      expect(output.stats!.mismatches).toBe(0);
    });
  }
});
