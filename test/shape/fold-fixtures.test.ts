/**
 * foldConstants on the real exports: in the static ones every Reshape target (the MSDA region's
 * `[8, 8, 32, 32]`-style value/grid layouts included) becomes an initializer, and every folded
 * model computes what the original computes in onnxruntime (and the PyTorch goldens within 1e-5).
 * `SHAPE_FIXTURES=test/fixtures/msda-extra` runs the same checks on the extra exports.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src/io/npy.js';
import { checkIndexes } from '../../src/ir/index.js';
import { loadModel } from '../../src/serde/index.js';
import { foldConstants, inferShapes } from '../../src/shape/index.js';
import { castGridsToFloat, readFeeds, readMeta, runWithOutputs } from './ort-probe.js';

const root = process.env['SHAPE_FIXTURES'] ?? 'test/fixtures/msda';
const fixtures = existsSync(root) ? readdirSync(root).filter((d) => existsSync(`${root}/${d}/model.onnx`)).sort() : [];

/** float16 bits to a number (onnxruntime-node and .npy both hand float16 out as raw bits). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function numbers(data: ArrayLike<number>, half: boolean): number[] {
  return Array.from(data, (x) => (half ? halfToNumber(x) : x));
}

function maxAbsDiff(a: number[], b: number[]): number {
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
      // The dynamo exporter already folds its shape arithmetic, and a dynamic model's Shape
      // nodes must stay: only TorchScript's Constant nodes and static Shape chains are foldable.
      const dynamic = model.graph.inputs.some((v) => v.type?.shape?.some((d) => typeof d !== 'number'));
      const foldable = model.graph.nodes.some((n) => n.opType === 'Constant' || (n.opType === 'Shape' && !dynamic));
      const { folded } = foldConstants(model.graph);
      checkIndexes(model.graph);
      const reshapes = model.graph.nodes.filter((n) => n.opType === 'Reshape');
      const gridSamples = model.graph.nodes.filter((n) => n.opType === 'GridSample');
      if (!dynamic && foldable) {
        // Every Reshape target is now a constant initializer.
        expect(reshapes.filter((n) => !n.input(1).initializer).map((n) => n.name)).toEqual([]);
        // The per-level value layouts feeding GridSample: [N*M, D, H_l, W_l] targets.
        const facts = inferShapes(model.graph);
        for (const g of gridSamples) {
          const producer = g.input(0).producer;
          expect(producer?.opType).toBe('Reshape');
          const target = producer!.input(1).constant()!.toNumbers();
          expect(target).toEqual(facts.shape(g.input(0))!.map((d) => d.constValue()));
          expect(target).toHaveLength(4);
        }
      }
      if (process.env['SHAPE_PRINT']) {
        console.log(name, { before, after: model.graph.nodeCount, folded }, gridSamples.map((g) => g.input(0).producer!.input(1).constant()?.toNumbers()));
      }
      if (foldable) expect(folded).toBeGreaterThan(0);
      if (foldable) expect(model.graph.nodeCount).toBeLessThan(before);

      // The folded model reproduces the PyTorch goldens within 1e-5 (the main fixtures), or, for
      // the extra exports (whose goldens onnxruntime itself misses by up to 1e-5 or, in float16,
      // more), what the original computes in onnxruntime.
      const runsOriginal = readMeta(dir).onnxruntimeRunsOriginal;
      if (!runsOriginal) castGridsToFloat(model, inferShapes(model.graph));
      const { feeds } = readFeeds(dir);
      const results = await runWithOutputs(model, [], () => undefined, feeds);
      const againstGoldens = root.endsWith('msda');
      let expected: Record<string, { dims: readonly number[]; data: ArrayLike<number> }> = {};
      if (againstGoldens) {
        for (const output of model.graph.outputs) {
          const golden = readNpy(`${dir}/outputs/${output.name}.npy`);
          expected[output.name] = { dims: golden.dims, data: golden.data() as Float32Array };
        }
      } else {
        const original = await loadModel(`${dir}/model.onnx`);
        if (!runsOriginal) castGridsToFloat(original, inferShapes(original.graph));
        const run = await runWithOutputs(original, [], () => undefined, feeds);
        expected = Object.fromEntries(Object.entries(run).map(([k, t]) => [k, { dims: t.dims, data: t.data as Float32Array }]));
      }
      for (const output of model.graph.outputs) {
        const got = results[output.name]!;
        const half = got.type === 'float16';
        const want = expected[output.name]!;
        expect([...got.dims]).toEqual([...want.dims]);
        expect(maxAbsDiff(numbers(got.data as Float32Array, half), numbers(want.data, half))).toBeLessThan(half ? 1e-3 : 1e-5);
      }
    });
  }
});
