/**
 * foldConstants on the real exports: in the static ones every Reshape target (the MSDA region's
 * `[8, 8, 32, 32]`-style value/grid layouts included) becomes an initializer, and every folded
 * model still reproduces the golden outputs in onnxruntime.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src/io/npy.js';
import { checkIndexes } from '../../src/ir/index.js';
import { loadModel } from '../../src/serde/index.js';
import { constantValue, foldConstants, inferShapes } from '../../src/shape/index.js';
import { castGridsToFloat, readFeeds, readMeta, runWithOutputs } from './ort-probe.js';

const root = 'test/fixtures/msda';
const fixtures = existsSync(root) ? readdirSync(root).filter((d) => existsSync(`${root}/${d}/model.onnx`)).sort() : [];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe.skipIf(!fixtures.length)('foldConstants on the MSDA fixtures', () => {
  for (const name of fixtures) {
    it(name, async () => {
      const dir = `${root}/${name}`;
      const model = await loadModel(`${dir}/model.onnx`);
      const before = model.graph.nodeCount;
      // The dynamo exporter already folds its shape arithmetic: nothing left to do there.
      const foldable = model.graph.nodes.some((n) => n.opType === 'Constant' || n.opType === 'Shape');
      const { folded } = foldConstants(model.graph);
      checkIndexes(model.graph);
      const dynamic = model.graph.inputs.some((v) => v.type?.shape?.some((d) => typeof d !== 'number'));
      const reshapes = model.graph.nodes.filter((n) => n.opType === 'Reshape');
      const gridSamples = model.graph.nodes.filter((n) => n.opType === 'GridSample');
      if (!dynamic) {
        // Every Reshape target is now a constant initializer.
        expect(reshapes.filter((n) => !n.input(1).initializer).map((n) => n.name)).toEqual([]);
        // The per-level value layouts feeding GridSample: [N*M, D, H_l, W_l] targets.
        const facts = inferShapes(model.graph);
        for (const g of gridSamples) {
          const producer = g.input(0).producer;
          expect(producer?.opType).toBe('Reshape');
          const target = constantValue(producer!.input(1))!.toNumbers();
          expect(target).toEqual(facts.shape(g.input(0))!.map((d) => d.constValue()));
          expect(target).toHaveLength(4);
        }
      } else {
        // Dynamic: targets stay computed (they depend on the inputs), the static parts fold.
        expect(reshapes.some((n) => !n.input(1).initializer)).toBe(true);
      }
      if (process.env['SHAPE_PRINT']) {
        console.log(name, { before, after: model.graph.nodeCount, folded }, gridSamples.map((g) => constantValue(g.input(0).producer!.input(1))?.toNumbers()));
      }
      expect(folded > 0).toBe(foldable);
      expect(model.graph.nodeCount < before).toBe(foldable);

      if (!readMeta(dir).onnxruntimeRunsOriginal) castGridsToFloat(model, inferShapes(model.graph));
      const { feeds } = readFeeds(dir);
      const results = await runWithOutputs(model, [], () => undefined, feeds);
      for (const output of model.graph.outputs) {
        const golden = readNpy(`${dir}/outputs/${output.name}.npy`);
        expect([...results[output.name]!.dims]).toEqual([...golden.dims]);
        expect(maxAbsDiff(results[output.name]!.data as Float32Array, golden.data() as Float32Array)).toBeLessThan(1e-5);
      }
    });
  }
});
