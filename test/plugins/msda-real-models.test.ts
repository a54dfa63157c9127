/**
 * The expansion on real exports: fuse-msda turns each PyTorch MSDA site into a plugin node, the
 * plugin nodes are expanded back into standard ops, and onnxruntime runs the result. Checked two
 * ways: the model outputs against the exporter's goldens, and every plugin node's output against
 * `msdaReference` computed on that node's actual inputs (real level tables, hundreds of queries).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Model, Value } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { MSDA_PLUGIN, expandCustomOps, msdaReference, validatePluginNodes } from '../../src/plugins/index.js';
import { loadModel, modelToBytes } from '../../src/serde/index.js';
import { readNpy } from '../../src/io/npy.js';

const root = 'test/fixtures/msda';
// enc_listshapes_dynamic_op17 is left out: its sites are not fused (yet), so nothing is expanded.
const fixtures = ['enc_listshapes_op17', 'enc_listshapes_dynamo_op18', 'hf_deformable_detr_twostage_refine_op17', 'hf_mask2former_op17', 'hf_rtdetr_op17'];

interface ProbedNode {
  inputs: (Value | undefined)[];
  constants: (Int32Array | undefined)[];
  /** Name of the plugin's output (expansion hands the name to the replacing value). */
  outputName: string;
}

/** Makes every plugin node's inputs and output graph outputs, so a run returns them. */
function probePluginNodes(model: Model): ProbedNode[] {
  const graph = model.graph;
  const probes: ProbedNode[] = [];
  const extra: Value[] = [];
  for (const node of graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType)) {
    const constants = node.inputs.map((v) => {
      const t = v?.constant();
      return t ? Int32Array.from(t.toNumbers()) : undefined;
    });
    const inputs = node.inputs.map((v, i) => (constants[i] ? undefined : v));
    for (const v of inputs) if (v && !extra.includes(v)) extra.push(v);
    extra.push(node.output(0));
    probes.push({ inputs, constants, outputName: node.output(0).name });
  }
  graph.setOutputs([...graph.outputs, ...extra.filter((v) => !graph.outputs.includes(v))]);
  return probes;
}

function maxAbsDiff(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(Number(a[i]) - Number(b[i])));
  return max;
}

describe.skipIf(!existsSync(root))('MSDA expansion on fused real exports', () => {
  for (const name of fixtures) {
    it(name, async () => {
      const dir = `${root}/${name}`;
      const meta = JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as { msdaSites: number };
      const model = await loadModel(`${dir}/model.onnx`);
      const fused = fuseMsda(model);
      expect(fused.fused).toBe(meta.msdaSites);
      expect(validatePluginNodes(model)).toMatchObject({ ok: true, checkedNodes: meta.msdaSites });

      const goldenNames = model.graph.outputs.map((v) => v.name);
      const probes = probePluginNodes(model);
      const report = expandCustomOps(model);
      expect(report.byOp).toEqual({ [MSDA_PLUGIN.opType]: meta.msdaSites });

      const session = await ort.InferenceSession.create(modelToBytes(model));
      const feeds: Record<string, ort.Tensor> = {};
      for (const file of readdirSync(`${dir}/inputs`)) {
        const array = readNpy(`${dir}/inputs/${file}`);
        feeds[file.replace(/\.npy$/, '')] = new ort.Tensor('float32', array.data() as Float32Array, [...array.dims]);
      }
      const results = await session.run(feeds);
      await session.release();

      for (const output of goldenNames) {
        const golden = readNpy(`${dir}/outputs/${output}.npy`);
        const diff = maxAbsDiff(results[output]!.data as Float32Array, golden.data() as Float32Array);
        if (process.env['MSDA_PRINT_DIFFS']) console.log(`${name} ${output} vs golden: ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-4);
      }

      for (const probe of probes) {
        const tensor = (i: number): ort.Tensor => results[probe.inputs[i]!.name]!;
        const table = (i: number): Int32Array => probe.constants[i] ?? Int32Array.from(tensor(i).data as Int32Array);
        const value = tensor(0);
        const locations = tensor(3);
        expect(value.type).toBe('float32');
        const [N, S, M, D] = value.dims as [number, number, number, number];
        const [, Lq, , L, P] = locations.dims as number[];
        const expected = msdaReference({
          value: value.data as Float32Array, valueShape: [N, S, M, D], spatialShapes: table(1), levelStartIndex: table(2),
          samplingLocations: locations.data as Float32Array, attentionWeights: tensor(4).data as Float32Array, Lq: Lq!, L: L!, P: P!,
        });
        const actual = results[probe.outputName]!;
        expect(actual.dims).toEqual([N, Lq, M, D]);
        const diff = maxAbsDiff(actual.data as Float32Array, expected);
        const scale = Math.max(...Array.from(expected, Math.abs));
        if (process.env['MSDA_PRINT_DIFFS']) console.log(`${name} ${probe.outputName} [N=${N} S=${S} M=${M} D=${D} Lq=${Lq} L=${L} P=${P}] levels ${table(1).join(',')} vs reference: ${diff.toExponential(2)} (max |ref| ${scale.toExponential(2)})`);
        expect(diff).toBeLessThan(1e-5);
        // Relative too: RT-DETR's random-weight MSDA outputs are ~1e-10, where 1e-5 alone proves nothing.
        expect(diff).toBeLessThanOrEqual(1e-5 * scale);
      }
    });
  }
});
