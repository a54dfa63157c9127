/**
 * Inferred shapes, dtypes and shape-tensor values against what onnxruntime computes, for every
 * intermediate value of every MSDA fixture. Intermediate value_info is stripped first so only
 * inference speaks; the dynamic export is checked after binding its symbols from the input shapes.
 * `SHAPE_FIXTURES=test/fixtures/msda-extra` runs the same comparison on the extra exports.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModel, loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { foldConstants, inferShapes } from '../../src/shape/index.js';
import { bindingsFrom, castGridsToFloat, compareWithOrt as compare, intermediateValues, readFeeds, readMeta, runWithOutputs, stripTypes } from './ort-probe.js';

const root = process.env['SHAPE_FIXTURES'] ?? 'test/fixtures/msda';
const fixtures = existsSync(root) ? readdirSync(root).filter((d) => existsSync(`${root}/${d}/model.onnx`)).sort() : [];

describe.skipIf(!fixtures.length)('inferShapes agrees with onnxruntime on the MSDA fixtures', () => {
  for (const name of fixtures) {
    it(name, async () => {
      const dir = `${root}/${name}`;
      const model = await loadModel(`${dir}/model.onnx`);
      stripTypes(model);
      const facts = inferShapes(model.graph);
      if (!readMeta(dir).onnxruntimeRunsOriginal) expect(castGridsToFloat(model, facts)).toBeGreaterThan(0);
      const { feeds, dims } = readFeeds(dir);
      const values = intermediateValues(model).filter((v) => !v.producer || v.producer.opType !== 'Cast' || !v.producer.name.endsWith('_grid_cast'));
      const results = await runWithOutputs(model, values, (v) => facts.dtype(v), feeds);
      const report = compare(values, facts, results, bindingsFrom(model, dims));
      if (process.env['SHAPE_PRINT']) console.log(name, { checked: report.checked, values: report.valuesChecked, unknown: report.unknown.length }, report.unknown.slice(0, 20), report.mismatches.slice(0, 20));
      expect(report.mismatches).toEqual([]);
      expect(report.unknown).toEqual([]);
      expect(report.checked).toBe(values.length);
    });
  }
});

describe.skipIf(!fixtures.includes('enc_listshapes_dynamic_op17'))('the dynamic export at other sizes', () => {
  const dir = `${root}/enc_listshapes_dynamic_op17`;
  // batch 2 and odd, unrelated level sizes: nothing may have been specialised to the fixture's 1/32/16/8/4.
  const sizes: Record<string, number[]> = { feat0: [2, 64, 12, 10], feat1: [2, 64, 7, 5], feat2: [2, 64, 3, 3], feat3: [2, 64, 2, 1] };

  function randomFeeds(): Record<string, ort.Tensor> {
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    return Object.fromEntries(Object.entries(sizes).map(([name, dims]) => {
      const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, next);
      return [name, new ort.Tensor('float32', data, dims)];
    }));
  }

  it('inferred shapes bind to what onnxruntime computes', async () => {
    const model = await loadModel(`${dir}/model.onnx`);
    stripTypes(model);
    const facts = inferShapes(model.graph);
    const values = intermediateValues(model);
    const results = await runWithOutputs(model, values, (v) => facts.dtype(v), randomFeeds());
    const report = compare(values, facts, results, bindingsFrom(model, sizes));
    expect(report.mismatches).toEqual([]);
    expect(report.unknown).toEqual([]);
    expect(report.valuesChecked).toBeGreaterThan(500);
    const memory = model.graph.outputs[0]!;
    expect(facts.shape(memory)?.map(String)).toEqual(['batch', 'h0*w0 + h1*w1 + h2*w2 + h3*w3', '64']);
  });

  it('folding keeps it dynamic: the folded model matches the original at other sizes', async () => {
    const feeds = randomFeeds();
    const original = await runWithOutputs(await loadModel(`${dir}/model.onnx`), [], () => undefined, feeds);
    const model = await loadModel(`${dir}/model.onnx`);
    foldConstants(model.graph);
    const folded = await runWithOutputs(model, [], () => undefined, feeds);
    const a = original['memory']!;
    const b = folded['memory']!;
    expect([...b.dims]).toEqual([2, 12 * 10 + 7 * 5 + 3 * 3 + 2 * 1, 64]);
    expect([...b.dims]).toEqual([...a.dims]);
    const x = a.data as Float32Array;
    const y = b.data as Float32Array;
    let max = 0;
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
    expect(max).toBeLessThan(1e-5);
  });
});

describe.skipIf(!fixtures.length)('writeBack on the fixtures', () => {
  for (const name of fixtures.filter((n) => n === 'enc_listshapes_dynamic_op17' || n === 'hf_rtdetr_op17')) {
    it(`${name}: the saved value_info round-trips and onnxruntime accepts it`, async () => {
      const dir = `${root}/${name}`;
      const model = await loadModel(`${dir}/model.onnx`);
      stripTypes(model);
      inferShapes(model.graph, { writeBack: true });
      const reloaded = loadModelFromBytes(modelToBytes(model));
      const typed = reloaded.graph.values().filter((v) => v.producer && v.type?.shape);
      expect(typed.length).toBe(intermediateValues(reloaded).length);
      const reshape = reloaded.graph.nodes.find((n) => n.opType === 'Reshape' && n.name === '/layers.0/Reshape_5');
      if (reshape) expect(reshape.output().type?.shape).toEqual(['batch*8', 8, 'h0', 'w0']);
      const { feeds } = readFeeds(dir);
      const results = await runWithOutputs(reloaded, [], () => undefined, feeds);
      expect(Object.keys(results).length).toBe(reloaded.graph.outputs.length);
    });
  }
});
