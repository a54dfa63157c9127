/**
 * The dynamic-size exports (batch, height and width dynamic): inference runs once with symbols,
 * then its dims and shape-tensor values, evaluated at input sizes other than the export's, must
 * equal what onnxruntime computes for every intermediate value. And for every MSDA site the
 * value tensor's token count S, each level's H_l and W_l must come out as known expressions with
 * S = sum(H_l * W_l) by DimExpr equality (what the fuse-msda prover consumes), with no option
 * given: the Conv on the image proves the sizes >= 1 that make the exporter's truncating
 * `(h - 1) // 32 + 1` a floor division.
 *
 * Fixtures: the hand-made dynamic encoders of msda-extra at two synthesized size sets each, and
 * every `batch+hw` export of msda-v2 at the sizes stored beside it (`sizes/<H>x<W>_b<N>/`).
 * `SHAPE_DYNAMIC_FIXTURES=dir1,dir2` adds folders; `SHAPE_PRINT=1` prints the site reports.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/serde/index.js';
import { inferShapes } from '../../src/shape/index.js';
import { seededRandom } from '../../src/random.js';
import { siteLevels } from './msda-levels.js';
import { bindingsFrom, compareWithOrt, intermediateValues, readFeeds, readMeta, runWithOutputs, stripTypes } from './ort-probe.js';

interface SizeSet {
  name: string;
  feeds: Record<string, ort.Tensor>;
  dims: Record<string, readonly number[]>;
  /** The level shapes onnxruntime must see, when the fixture records them. */
  spatialShapes?: number[][];
}

interface DynamicFixture {
  dir: string;
  sizes: () => SizeSet[];
}

/** Random float feeds of the given dims (values do not matter for shapes). */
function randomSizes(name: string, dims: Record<string, number[]>): SizeSet {
  const next = seededRandom(7);
  const feeds = Object.fromEntries(Object.entries(dims).map(([input, d]) => {
    const data = Float32Array.from({ length: d.reduce((a, b) => a * b, 1) }, () => next() - 0.5);
    return [input, new ort.Tensor('float32', data, d)];
  }));
  return { name, feeds, dims };
}

/** Per-level feature inputs `feat<l>: [batch, channels, h_l, w_l]`. */
function levelInputs(batch: number, channels: number, shapes: number[][]): Record<string, number[]> {
  return Object.fromEntries(shapes.map(([h, w], l) => [`feat${l}`, [batch, channels, h!, w!]]));
}

const EXTRA = 'test/fixtures/msda-extra';
const fixtures: DynamicFixture[] = [
  {
    dir: `${EXTRA}/enc_dynamo_dynamic_hw_op18`, // exported at batch 3, 13x9 7x5 4x2
    sizes: () => [
      randomSizes('b2 10x6 5x3 3x1', levelInputs(2, 32, [[10, 6], [5, 3], [3, 1]])),
      randomSizes('b1 17x11 9x6 5x3', levelInputs(1, 32, [[17, 11], [9, 6], [5, 3]])),
    ],
  },
  {
    dir: `${EXTRA}/enc_ts_dynamic_hw_op16`, // exported at batch 2, 13x7 7x5 3x2 1x1
    sizes: () => [
      randomSizes('b1 9x12 5x6 3x3 2x1', levelInputs(1, 32, [[9, 12], [5, 6], [3, 3], [2, 1]])),
      randomSizes('b3 16x8 8x4 4x2 2x1', levelInputs(3, 32, [[16, 8], [8, 4], [4, 2], [2, 1]])),
    ],
  },
];

interface StoredSize {
  name: string;
  spatialShapes: number[][];
  stored: boolean;
}

for (const root of ['test/fixtures/msda-v2', ...(process.env['SHAPE_DYNAMIC_FIXTURES']?.split(',') ?? [])]) {
  if (!existsSync(root)) continue;
  for (const name of readdirSync(root).sort()) {
    const dir = `${root}/${name}`;
    if (!existsSync(`${dir}/meta.json`) || !existsSync(`${dir}/sizes`)) continue;
    const meta = readMeta(dir) as unknown as { dynamic?: string; sizes?: StoredSize[] };
    if (meta.dynamic !== 'batch+hw' || !meta.sizes) continue;
    fixtures.push({
      dir,
      sizes: () => meta.sizes!.filter((s) => s.stored).map((s) => ({ name: s.name, ...readFeeds(`${dir}/sizes/${s.name}`), spatialShapes: s.spatialShapes })),
    });
  }
}

describe('dynamic exports: inferred shapes hold at other input sizes', () => {
  for (const { dir, sizes } of fixtures.filter((f) => existsSync(`${f.dir}/model.onnx`))) {
    it(dir.split('/').pop()!, async () => {
      const model = await loadModel(`${dir}/model.onnx`);
      stripTypes(model);
      // What the prover gets by default: every site's token count is the sum of its levels.
      const sites = siteLevels(model, inferShapes(model.graph));
      if (process.env['SHAPE_PRINT']) console.log(dir, JSON.stringify(sites.map(({ exprs: _, ...s }) => s), null, 1));
      expect(sites.length).toBeGreaterThan(0);
      for (const site of sites) {
        expect(site.allKnown, `${site.value}: ${site.tokens} over ${JSON.stringify(site.levels)}`).toBe(true);
        expect(site.tokensMatch, `${site.value}: ${site.tokens} over ${JSON.stringify(site.levels)}`).toBe(true);
      }
      // Float32 is exact for sizes up to 2^24: with that stated, Resize and float-cast sizes are
      // known too, and every intermediate value can be checked.
      const facts = inferShapes(model.graph, { inputDimRange: { max: 2 ** 24 } });
      const values = intermediateValues(model);
      const sets = sizes();
      expect(sets.length).toBeGreaterThanOrEqual(2);
      for (const set of sets) {
        const results = await runWithOutputs(model, values, (v) => facts.dtype(v), set.feeds);
        const bindings = bindingsFrom(model, set.dims);
        const report = compareWithOrt(values, facts, results, bindings);
        expect(report.mismatches, set.name).toEqual([]);
        expect(report.unknown, set.name).toEqual([]);
        expect(report.checked).toBe(values.length);
        const levels = siteLevels(model, facts).map((s) => s.exprs.levels.map(([h, w]) => [h.evaluate(bindings), w.evaluate(bindings)]));
        if (set.spatialShapes) for (const site of levels) expect(site, set.name).toEqual(set.spatialShapes);
      }
    }, 120_000);
  }
});
