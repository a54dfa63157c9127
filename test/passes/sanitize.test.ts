/**
 * sanitizeModel on real exports: how many nodes folding, Identity and dead-node removal take out,
 * that the result computes what the original computes (verifyRewrite in onnxruntime), input shape
 * overrides (declared shapes, a run at that size, refusal of shapes a static export cannot run
 * with), renames (swaps, collisions refused), and that fusion still finds every site afterwards.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DType, Model } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { removeIdentities, sanitizeModel } from '../../src/passes/sanitize/index.js';
import { loadModel, loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { verifyRewrite } from '../../src/verify/index.js';
import { errorOf } from '../helpers/expect-error.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
const DETR_STATIC = path.join(FIXTURES, 'msda/hf_deformable_detr_twostage_refine_op17');
const ENCODER_DYNAMIC = path.join(FIXTURES, 'msda/enc_listshapes_dynamic_op17');
const DETR_DYNBATCH = path.join(FIXTURES, 'msda-models/hf_deformable_detr_2stage_dynbatch_dynamo_op18');

const load = (dir: string): Promise<Model> => loadModel(path.join(dir, 'model.onnx'));
const copyOf = (model: Model): Model => loadModelFromBytes(modelToBytes(model));
const opCount = (model: Model, op: string): number => model.graph.nodes.filter((n) => n.opType === op).length;

describe('sanitizeModel on a static TorchScript Deformable DETR', () => {
  it('folds the shape arithmetic away (2330 -> 878 nodes), computes the same, and changes nothing a second time', async () => {
    const original = await load(DETR_STATIC);
    const model = copyOf(original);
    const report = sanitizeModel(model);
    expect(report).toMatchObject({ nodesBefore: 2330, nodesAfter: 878, folded: 1444, identitiesRemoved: 8, deadNodesRemoved: 0, inputShapes: [], renamed: [] });
    expect(report.nodesBefore - report.nodesAfter).toBe(report.folded + report.identitiesRemoved + report.deadNodesRemoved);
    expect(model.graph.nodeCount).toBe(878);
    for (const op of ['Shape', 'Identity', 'ConstantOfShape']) expect(opCount(model, op), op).toBe(0);
    expect(report.ops.find((c) => c.op === 'Shape')).toEqual({ op: 'Shape', before: 89, after: 0 });
    // The counts per op add up to the totals.
    expect(report.ops.reduce((n, c) => n + c.before - c.after, 0)).toBe(report.nodesBefore - report.nodesAfter);

    const check = await verifyRewrite(original, copyOf(model), { inputs: path.join(DETR_STATIC, 'inputs'), expected: path.join(DETR_STATIC, 'outputs') });
    expect(check.verdict).toBe('pass');
    expect(check.outputs.map((o) => o.name).sort()).toEqual(['logits', 'pred_boxes']);
    for (const output of check.outputs) expect(output.stats!.maxAbsError).toBeLessThan(1e-5);

    const again = sanitizeModel(model);
    expect([again.nodesBefore, again.nodesAfter, again.folded, again.identitiesRemoved, again.ops.length]).toEqual([878, 878, 0, 0, 0]);
  });

  it('then fuse-msda fuses all 3 sites, and the fused model matches the original', async () => {
    const original = await load(DETR_STATIC);
    const model = copyOf(original);
    sanitizeModel(model, { removeIdentities: false });
    const fused = fuseMsda(model);
    expect([fused.sitesFound, fused.fused, fused.skipped, fused.nodesBefore, fused.nodesAfter, fused.gridSamplesLeft]).toEqual([3, 3, 0, 886, 758, 0]);
    const check = await verifyRewrite(original, copyOf(model), { inputs: path.join(DETR_STATIC, 'inputs'), expected: path.join(DETR_STATIC, 'outputs') });
    expect(check.verdict).toBe('pass');
  });

  it('refuses an image size the static export cannot run at, naming the node', async () => {
    const model = await load(DETR_STATIC);
    const error = errorOf(() => sanitizeModel(model, { inputShapes: { shapes: { pixel_values: [1, 3, 256, 256] } } }));
    expect(error.code).toBe('shape');
    expect(error.message).toMatch(/node '\/model\/model\/encoder\/layers\.0\/self_attn\/Add': the model cannot run with the new input shapes: Add inputs of shapes \[1, 1360, 64\] and \[1, 340, 64\] do not broadcast/);
  });

  it('frees the batch dim: the declared outputs follow', async () => {
    const model = await load(DETR_STATIC);
    const report = sanitizeModel(model, { inputShapes: { shapes: { pixel_values: ['batch', 3, 128, 128] } } });
    expect(report.inputShapes).toEqual([{ input: 'pixel_values', before: [1, 3, 128, 128], after: ['batch', 3, 128, 128] }]);
    expect(model.graph.outputs.map((v) => v.type?.shape)).toEqual([['batch', 300, 2], ['batch', 300, 4]]);
  });
});

describe('input shape overrides on dynamic exports', () => {
  it('whole shapes make a dynamic encoder static (886 -> 140 nodes); it runs at that size and matches the original', async () => {
    const original = await load(ENCODER_DYNAMIC);
    const model = copyOf(original);
    const shapes = { feat0: [1, 64, 32, 32], feat1: [1, 64, 16, 16], feat2: [1, 64, 8, 8], feat3: [1, 64, 4, 4] };
    const report = sanitizeModel(model, { inputShapes: { shapes } });
    expect(report.inputShapes.map((c) => [c.input, c.before, c.after])).toEqual(Object.entries(shapes).map(([name, after], i) => [name, ['batch', 64, `h${i}`, `w${i}`], after]));
    expect(model.graph.inputs.map((v) => v.type?.shape)).toEqual(Object.values(shapes));
    expect(model.graph.outputs[0]!.type?.shape).toEqual([1, 32 * 32 + 16 * 16 + 8 * 8 + 4 * 4, 64]);
    expect([report.nodesBefore, report.nodesAfter]).toEqual([886, 140]);
    expect(opCount(model, 'Shape')).toBe(0);

    const check = await verifyRewrite(original, copyOf(model), { shapes });
    expect(check.verdict).toBe('pass');
    expect(check.inputs.tensors.map((t) => t.shape)).toEqual(Object.values(shapes));
    expect(check.outputs[0]!.actual?.shape).toEqual([1, 1360, 64]);
  });

  it('a symbolic dim fixed by name (batch=1) in a dynamo Deformable DETR: declared outputs [1, ...], runs at batch 1', async () => {
    const original = await load(DETR_DYNBATCH);
    const model = copyOf(original);
    const report = sanitizeModel(model, { inputShapes: { dimSizes: { batch: 1 } } });
    expect(report.inputShapes).toEqual([{ input: 'pixel_values', before: ['batch', 3, 48, 64], after: [1, 3, 48, 64] }]);
    expect(model.graph.outputs.map((v) => [v.name, v.type?.shape])).toEqual([['logits', [1, 12, 3]], ['pred_boxes', [1, 12, 4]]]);
    expect([report.nodesBefore, report.nodesAfter]).toEqual([3227, 927]);
    // Without the override the batch-dependent shape arithmetic stays.
    expect(sanitizeModel(copyOf(original)).nodesAfter).toBe(1179);
    const check = await verifyRewrite(original, copyOf(model), { shapes: { batch: 1 } });
    expect(check.verdict).toBe('pass');
    expect(check.inputs.tensors[0]!.shape).toEqual([1, 3, 48, 64]);
  });

  it('unknown names, wrong ranks and bad dims are usage errors raised before anything changes', async () => {
    const model = await load(ENCODER_DYNAMIC);
    const cases: [Parameters<typeof sanitizeModel>[1], RegExp][] = [
      [{ inputShapes: { shapes: { feat9: [1] } } }, /no graph input named 'feat9' \(expected one of feat0 \[batch,64,h0,w0\], feat1/],
      [{ inputShapes: { shapes: { feat0: [1, 64, 32] } } }, /'feat0' has 4 dims, the new shape 3/],
      [{ inputShapes: { dimSizes: { height: 8 } } }, /no graph input has a dim named 'height'/],
      [{ inputShapes: { shapes: { feat0: [1, 64, 'h 0', 3] } } }, /'feat0': 'h 0' is not a dim/],
    ];
    for (const [options, message] of cases) {
      const error = errorOf(() => sanitizeModel(model, options));
      expect(error.code).toBe('usage');
      expect(error.message).toMatch(message);
    }
    expect(model.graph.nodeCount).toBe(886);
    expect(model.graph.inputs[0]!.type?.shape).toEqual(['batch', 64, 'h0', 'w0']);
  });
});

describe('renames', () => {
  it('renames inputs and outputs, swaps included; the renamed model runs under the new names', async () => {
    const original = await load(DETR_STATIC);
    const model = copyOf(original);
    const report = sanitizeModel(model, { rename: { pixel_values: 'images', logits: 'pred_boxes', pred_boxes: 'logits' } });
    expect(report.renamed).toEqual([
      { from: 'pixel_values', to: 'images', role: 'input' },
      { from: 'logits', to: 'pred_boxes', role: 'output' },
      { from: 'pred_boxes', to: 'logits', role: 'output' },
    ]);
    expect(model.graph.inputs.map((v) => v.name)).toEqual(['images']);
    expect(model.graph.outputs.map((v) => [v.name, v.type?.shape])).toEqual([['pred_boxes', [1, 300, 2]], ['logits', [1, 300, 4]]]);
    const reloaded = copyOf(model);
    expect(reloaded.graph.inputs.map((v) => v.name)).toEqual(['images']);
  });

  it('refuses a new name another value has, two renames to one name, a name that is no input or output', async () => {
    const model = await load(DETR_STATIC);
    const weight = model.graph.initializers.find((v) => /^[\w.]+$/.test(v.name))!.name;
    const cases: [Record<string, string>, RegExp][] = [
      [{ pixel_values: 'logits' }, /cannot rename 'pixel_values' to 'logits': the model already has a graph output named 'logits'/],
      [{ logits: weight }, new RegExp(`cannot rename 'logits' to '${weight.replaceAll('.', '\\.')}': the model already has an initializer named`)],
      [{ logits: 'x', pred_boxes: 'x' }, /cannot rename both 'logits' and 'pred_boxes' to 'x'/],
      [{ nope: 'x' }, /cannot rename 'nope': no graph input or output has this name \(expected one of pixel_values, logits, pred_boxes\)/],
    ];
    for (const [rename, message] of cases) {
      const error = errorOf(() => sanitizeModel(model, { rename }));
      expect(error.code).toBe('usage');
      expect(error.message).toMatch(message);
    }
    expect(model.graph.inputs.map((v) => v.name)).toEqual(['pixel_values']);
    expect(model.graph.outputs.map((v) => v.name)).toEqual(['logits', 'pred_boxes']);
    expect(model.graph.nodeCount).toBe(2330);
  });
});

describe('removeIdentities', () => {
  it('keeps the interface: an Identity from a graph input to a graph output stays, one inside goes', () => {
    const model = new Model();
    model.opsetImports.set('', 17);
    const g = model.graph;
    const x = g.addInput('x', { dtype: DType.FLOAT, shape: [2] });
    const passthrough = g.addNode({ op: 'Identity', inputs: [x], outputs: ['y'] });
    const inner = g.addNode({ op: 'Identity', inputs: [x], outputs: ['x_alias'] });
    const relu = g.addNode({ op: 'Relu', inputs: [inner.output()], outputs: ['z'] });
    const last = g.addNode({ op: 'Identity', inputs: [relu.output()], outputs: ['out'], outputTypes: [{ dtype: DType.FLOAT, shape: [2] }] });
    g.setOutputs([passthrough.output(), last.output()]);
    expect(removeIdentities(g)).toBe(2);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Identity', 'Relu']);
    expect(g.outputs.map((v) => [v.name, v.producer?.opType, v.type?.shape])).toEqual([['y', 'Identity', undefined], ['out', 'Relu', [2]]]);
    expect(relu.input(0)).toBe(x);
  });
});
