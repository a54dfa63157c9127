import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { seededRandom } from '../../src/random.js';
import { loadModel, loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { errors, runOnCpu } from '../helpers/fixtures.js';

// A fused dynamic model must stay right at sizes other than the export's: the plugin's spatial
// shapes and level start index are computed in the graph from the model's own sizes. The
// hand-made dynamic encoders take one feature map per level; each is fused once, then run at
// sizes it was not exported at, against the original's own onnxruntime run. (The dynamo
// batch+H+W exports of msda-v2 are checked at their stored sizes in fuse-msda-v2.test.ts.)

interface Case {
  readonly path: string;
  readonly channels: number;
  /** Per size: batch and the (h, w) of each level. */
  readonly sizes: readonly { batch: number; levels: readonly [number, number][] }[];
}

const cases: Case[] = [
  { path: 'test/fixtures/msda-extra/enc_dynamo_dynamic_hw_op18', channels: 32, sizes: [
    { batch: 2, levels: [[10, 6], [5, 3], [3, 1]] }, { batch: 1, levels: [[17, 11], [9, 6], [5, 3]] },
  ] },
  { path: 'test/fixtures/msda-extra/enc_ts_dynamic_hw_op16', channels: 32, sizes: [
    { batch: 1, levels: [[9, 12], [5, 6], [3, 3], [2, 1]] }, { batch: 3, levels: [[16, 8], [8, 4], [4, 2], [2, 1]] },
  ] },
  { path: 'test/fixtures/msda/enc_listshapes_dynamic_op17', channels: 64, sizes: [
    { batch: 1, levels: [[20, 14], [10, 7], [5, 4], [3, 2]] }, { batch: 2, levels: [[8, 8], [4, 4], [2, 2], [1, 1]] },
  ] },
  { path: 'test/fixtures/msda-extra/enc_dynamo_dynbatch_op18', channels: 32, sizes: [
    { batch: 1, levels: [[12, 12], [6, 6], [3, 3], [2, 2]] }, { batch: 5, levels: [[12, 12], [6, 6], [3, 3], [2, 2]] },
  ] },
];

function feeds(channels: number, size: Case['sizes'][number], seed: number): Record<string, Tensor> {
  const next = seededRandom(seed);
  return Object.fromEntries(size.levels.map(([h, w], l) => {
    const dims = [size.batch, channels, h, w];
    const values = Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);
    return [`feat${l}`, Tensor.float32(values, dims)];
  }));
}

describe('fused dynamic exports at sizes they were not exported at', () => {
  for (const c of cases) {
    it(`${c.path.split('/').pop()}: equal to the original at ${c.sizes.length} other sizes`, async () => {
      const model = await loadModel(`${c.path}/model.onnx`);
      const original = loadModelFromBytes(modelToBytes(model));
      const report = fuseMsda(model);
      expect(report.skipped).toBe(0);
      expect(report.fused).toBeGreaterThan(0);
      for (const [k, size] of c.sizes.entries()) {
        const inputs = feeds(c.channels, size, 11 + k);
        const truth = await runOnCpu(original, inputs);
        const fused = await runOnCpu(model, inputs);
        for (const [name, values] of Object.entries(truth)) {
          const e = errors(fused[name]!, values);
          expect(e.nan, `${name} at ${JSON.stringify(size)}`).toBe(false);
          expect(fused[name]!.length).toBe(values.length);
          expect(e.maxRel, `${name} at ${JSON.stringify(size)}`).toBeLessThan(1e-4);
        }
      }
    });
  }
});
