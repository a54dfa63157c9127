/**
 * extractSubgraph on a real TorchScript Deformable DETR export (padding mask, runs in onnxruntime):
 * one MSDA site and one feed-forward block cut out as models of their own run in onnxruntime and
 * give the original's intermediate values (within float32 rounding); fusion finds the site in the extracted
 * model; left-out graph inputs and unknown names are refused with the name and the path.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Model, type Tensor, cloneModel } from '../../src/ir/index.js';
import { extractSubgraph } from '../../src/passes/extract/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { loadModel } from '../../src/serde/index.js';
import { readTensors, runModel } from '../../src/verify/index.js';
import { errorOf } from '../helpers/expect-error.js';

const DIR = path.resolve(import.meta.dirname, '..', 'fixtures', 'msda-models', 'hf_deformable_detr_2stage_padmask_ts_op17');
const LAYER = '/core/model/encoder/layers.0';
/** The first encoder layer's deformable self-attention: its value, query, padding mask and reference points, to its output projection. */
const SITE = {
  inputs: ['/core/model/Concat_10_output_0', `${LAYER}/self_attn/Add_output_0`, '/core/model/Concat_11_output_0', '/core/model/encoder/Mul_16_output_0'],
  outputs: [`${LAYER}/self_attn/output_proj/MatMul_output_0`],
};
const FEED_FORWARD = { inputs: [`${LAYER}/Add_output_0`], outputs: [`${LAYER}/final_layer_norm/LayerNormalization_output_0`] };

/** The original's values of `names`, from one onnxruntime run on the fixture's inputs (the values made graph outputs of a copy). */
async function intermediateValues(model: Model, names: readonly string[]): Promise<Map<string, Tensor>> {
  const probe = cloneModel(model);
  probe.graph.setOutputs(names.map((n) => probe.graph.requireValue(n)));
  return (await runModel(probe, readTensors(path.join(DIR, 'inputs')), { label: 'original' })).outputs;
}

/** Same dims and type, values within float32 rounding (onnxruntime may fuse the cut-out kernels differently). */
function expectSameValues(actual: Tensor, expected: Tensor): void {
  expect([...actual.dims]).toEqual([...expected.dims]);
  expect(actual.dtype).toBe(expected.dtype);
  expect(maxAbsDifference(actual, expected)).toBeLessThan(2e-6);
}

function maxAbsDifference(actual: Tensor, expected: Tensor): number {
  const want = expected.toNumbers();
  return actual.toNumbers().reduce((max, x, i) => Math.max(max, Math.abs(x - want[i]!)), 0);
}

describe('extractSubgraph on a Deformable DETR export', () => {
  it('one MSDA site: 294 of 2843 nodes, typed inputs, runs and gives the original\'s value; fuse-msda fuses it', async () => {
    const model = await loadModel(path.join(DIR, 'model.onnx'));
    const { model: site, report } = extractSubgraph(model, SITE);
    expect(model.graph.nodeCount).toBe(2843);
    expect([report.nodesBefore, report.nodes, report.constants.length, report.unusedInputs]).toEqual([2843, 294, 8, []]);
    expect(report.inputs.map((v) => [v.name, v.dtype, v.shape])).toEqual([
      [SITE.inputs[0], 'float', ['batch', 256, 32]], [SITE.inputs[1], 'float', ['batch', 256, 32]],
      [SITE.inputs[2], 'bool', ['batch', 256]], [SITE.inputs[3], 'float', ['batch', 256, 4, 2]],
    ]);
    expect(site.graph.outputs.map((v) => [v.name, v.type?.shape])).toEqual([[SITE.outputs[0], ['batch', 256, 32]]]);
    expect(site.graph.nodes.filter((n) => n.opType === 'GridSample')).toHaveLength(4);

    const values = await intermediateValues(model, [...SITE.inputs, ...SITE.outputs]);
    const feeds = new Map(SITE.inputs.map((n) => [n, values.get(n)!]));
    const { outputs } = await runModel(site, feeds, { label: 'extracted' });
    expectSameValues(outputs.get(SITE.outputs[0]!)!, values.get(SITE.outputs[0]!)!);

    const fused = fuseMsda(site);
    expect([fused.sitesFound, fused.fused, fused.gridSamplesLeft]).toEqual([1, 1, 0]);
    const afterFusion = (await runModel(site, feeds, { label: 'fused' })).outputs.get(SITE.outputs[0]!)!;
    expect(maxAbsDifference(afterFusion, values.get(SITE.outputs[0]!)!)).toBeLessThan(1e-5);
  });

  it('a feed-forward block: 12 nodes, the original\'s value', async () => {
    const model = await loadModel(path.join(DIR, 'model.onnx'));
    const { model: block, report } = extractSubgraph(model, FEED_FORWARD);
    expect([report.nodes, report.initializers, report.constants]).toEqual([12, 5, []]);
    expect(block.graph.nodes.map((n) => n.opType).filter((op) => op === 'MatMul' || op === 'LayerNormalization')).toEqual(['LayerNormalization', 'MatMul', 'MatMul', 'LayerNormalization']);
    const values = await intermediateValues(model, [...FEED_FORWARD.inputs, ...FEED_FORWARD.outputs]);
    const { outputs } = await runModel(block, new Map([[FEED_FORWARD.inputs[0]!, values.get(FEED_FORWARD.inputs[0]!)!]]), { label: 'extracted' });
    expectSameValues(outputs.get(FEED_FORWARD.outputs[0]!)!, values.get(FEED_FORWARD.outputs[0]!)!);
  });

  it('refuses an output that reads a graph input left out, naming the input and the path to it', async () => {
    const model = await loadModel(path.join(DIR, 'model.onnx'));
    const error = errorOf(() => extractSubgraph(model, { inputs: SITE.inputs.slice(0, 2), outputs: SITE.outputs }));
    expect(error.code).toBe('usage');
    expect(error.message).toContain(`output '${SITE.outputs[0]}' cannot be computed from the inputs: it depends on graph input 'pixel_mask', which is not among the inputs`);
    expect(error.message).toMatch(/\(path: pixel_mask -> \/core\/model\/backbone\/Unsqueeze_output_0 -> .* -> \/core\/model\/encoder\/layers\.0\/self_attn\/output_proj\/MatMul_output_0\)/);
    expect(error.context.expected).toBe("'pixel_mask' or a value on the path among the inputs");
  });

  it('refuses unknown names (with near names), a value both input and output, no outputs', async () => {
    const model = await loadModel(path.join(DIR, 'model.onnx'));
    const cases: [Parameters<typeof extractSubgraph>[1], RegExp][] = [
      [{ inputs: ['pixel_value'], outputs: ['logits'] }, /no value named 'pixel_value' in the model \(asked for as an input\) \(expected a value name such as 'pixel_values'\)/],
      [{ inputs: ['pixel_values', 'pixel_mask'], outputs: ['nope'] }, /no value named 'nope' in the model \(asked for as an output\)/],
      [{ inputs: ['pixel_values', 'pixel_mask', 'logits'], outputs: ['logits'] }, /'logits' is both an input and an output/],
      [{ inputs: ['pixel_values'], outputs: [] }, /nothing to extract: give at least one output/],
    ];
    for (const [options, message] of cases) {
      const error = errorOf(() => extractSubgraph(model, options));
      expect(error.code).toBe('usage');
      expect(error.message).toMatch(message);
    }
  });
});
