/**
 * convertToFloat16 on fused real exports: the float16 model runs in onnxruntime and matches the
 * float32 goldens (PyTorch's outputs) within float16 tolerances, with the MSDA plugin's inputs and
 * output still float32. (docs/tensorrt.md lists the figures of every fixture.)
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DType } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { convertToFloat16 } from '../../src/passes/fp16/index.js';
import { MSDA_PLUGIN } from '../../src/plugins/index.js';
import { loadModel, loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { inferShapes } from '../../src/shape/index.js';
import { verifyRewrite } from '../../src/verify/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
/** float16 keeps ~3.3 significant digits; these outputs are O(1). */
const FP16_TOLERANCE = { rtol: 1e-2, atol: 1e-2 };

const CASES = [
  { fixture: 'msda-extra/enc_dynamo_op18', maxAbs: 1e-2 },
  { fixture: 'msda/enc_listshapes_op17', maxAbs: 1e-2 },
  { fixture: 'msda-extra/hf_deformable_detr_dynamo_op18', maxAbs: 2e-3 },
];

describe('float16 conversion of fused real exports', () => {
  for (const { fixture, maxAbs } of CASES) {
    it(`${fixture}: matches the float32 goldens within rtol/atol 1e-2, MSDA tensors float32`, async () => {
      const dir = path.join(FIXTURES, fixture);
      const fused = await loadModel(path.join(dir, 'model.onnx'));
      expect(fuseMsda(fused).fused).toBeGreaterThan(0);
      const converted = loadModelFromBytes(modelToBytes(fused));
      const report = convertToFloat16(converted);
      expect(report.convertedNodes).toBeGreaterThan(20);
      expect(report.msda.precision).toBe('float32');

      const facts = inferShapes(converted.graph);
      const plugins = converted.graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType);
      expect(plugins.length).toBe(report.msda.nodes);
      for (const plugin of plugins) {
        expect([0, 3, 4].map((i) => facts.dtype(plugin.input(i)))).toEqual([DType.FLOAT, DType.FLOAT, DType.FLOAT]);
        expect(facts.dtype(plugin.output())).toBe(DType.FLOAT);
      }
      // Most of the compute is float16 now: every MatMul/Conv output.
      const heavy = converted.graph.nodes.filter((n) => n.opType === 'MatMul' || n.opType === 'Conv');
      expect(heavy.filter((n) => facts.dtype(n.output()) === DType.FLOAT16).length / heavy.length).toBeGreaterThan(0.6);

      const check = await verifyRewrite(fused, loadModelFromBytes(modelToBytes(converted)), {
        inputs: path.join(dir, 'inputs'), expected: path.join(dir, 'outputs'), reference: 'expected', ...FP16_TOLERANCE,
      });
      expect(check.verdict).toBe('pass');
      for (const output of check.outputs) {
        expect(output.stats!.maxAbsError).toBeLessThan(maxAbs);
        // Really float16: a float32 model would be ~1e-6 off.
        expect(output.stats!.maxAbsError).toBeGreaterThan(1e-5);
      }
    });
  }
});
