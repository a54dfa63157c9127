/**
 * verify must FAIL, with a report that says where, on rewrites that are wrong in the ways an MSDA
 * fusion can be wrong. Each broken model is a correctly fused real export (or a small plugin
 * model) edited with the IR at ONE plugin node; the reference is the original in onnxruntime, or
 * `msdaReference` for the hand-built models.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DType, type Model, type Node, Tensor, type Value, attr } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { MSDA_PLUGIN, MsdaInput } from '../../src/plugins/index.js';
import { loadModel } from '../../src/serde/index.js';
import { type VerifyReport, verifyRewrite } from '../../src/verify/index.js';
import { type MsdaProblem, msdaInputsAndReference, msdaPluginModel } from './models.js';

// Batch 2, non-square levels 13x7 7x5 3x2 1x1, dynamo export: onnxruntime runs the original.
const NON_SQUARE = 'test/fixtures/msda-extra/enc_dynamo_b2_odd_op18';
// Square levels 32x32 16x16 8x8 4x4, dynamo export: onnxruntime runs the original.
const SQUARE = 'test/fixtures/msda/enc_listshapes_dynamo_op18';
const FIXTURE = existsSync(NON_SQUARE) ? NON_SQUARE : SQUARE;

/** The original and a fused copy of a fixture, and the fused model's first plugin node. */
async function fusedFixture(dir: string): Promise<{ original: Model; fused: Model; plugin: Node }> {
  const original = await loadModel(`${dir}/model.onnx`);
  const fused = await loadModel(`${dir}/model.onnx`);
  expect(fuseMsda(fused).fused).toBeGreaterThan(0);
  const plugin = fused.graph.nodes.find((n) => n.opType === MSDA_PLUGIN.opType)!;
  return { original, fused, plugin };
}

function verifyFixture(dir: string, original: Model, broken: Model): Promise<VerifyReport> {
  return verifyRewrite(original, broken, { inputs: `${dir}/inputs` });
}

/** Feeds plugin input `index` from a new int32 initializer holding `values`. */
function replaceTable(model: Model, plugin: Node, index: number, values: number[], dims: number[]): void {
  const table = model.graph.addInitializer(Tensor.fromArray(DType.INT32, dims, Int32Array.from(values)), `broken_table_${index}`);
  plugin.setInput(index, table);
}

function tableOf(plugin: Node, index: number): number[] {
  const tensor = plugin.input(index).constant();
  expect(tensor, 'the fused fixture has static level tables').toBeDefined();
  return tensor!.toNumbers();
}

/** Asserts a numeric failure on every output, with the worst element named. */
function expectNumericFailure(report: VerifyReport, minFraction: number): void {
  expect(report.verdict, report.summary).toBe('fail');
  expect(report.reference).toBe('original');
  for (const output of report.outputs) {
    expect(output.status).toBe('fail');
    const stats = output.stats!;
    expect(stats.mismatches / stats.elements).toBeGreaterThan(minFraction);
    expect(stats.maxAbsError).toBeGreaterThan(1e-2);
    expect(stats.worst).toBeDefined();
    expect(output.reason).toMatch(/^\d+ of \d+ elements outside atol/);
  }
  expect(report.summary).toMatch(/elements outside atol/);
}

describe('verify fails broken MSDA rewrites (real export, one site edited)', () => {
  it('sampling locations and attention weights swapped', async () => {
    const { original, fused, plugin } = await fusedFixture(FIXTURE);
    const g = fused.graph;
    const locations = plugin.input(MsdaInput.samplingLocations); // [N, Lq, M, L, P, 2]
    const weights = plugin.input(MsdaInput.attentionWeights); // [N, Lq, M, L, P]
    // Shapes differ by the trailing 2, so swap through shape-keeping views: the weights fill
    // both coordinates of the locations slot, the x coordinates fill the weights slot.
    const lastAxis = g.addInitializer(Tensor.int64([-1]), 'swap_last_axis');
    const weightsAsPoint = g.addNode({ op: 'Unsqueeze', inputs: [weights, lastAxis], outputs: 1 }).output(0);
    const weightsInLocationsSlot = g.addNode({
      op: 'Concat', inputs: [weightsAsPoint, weightsAsPoint], outputs: 1, attributes: { axis: attr.int(-1) }, outputTypes: [locations.type],
    }).output(0);
    const xIndex = g.addInitializer(Tensor.int64([0], []), 'swap_x_index');
    const locationsInWeightsSlot = g.addNode({
      op: 'Gather', inputs: [locations, xIndex], outputs: 1, attributes: { axis: attr.int(-1) }, outputTypes: [weights.type],
    }).output(0);
    plugin.setInput(MsdaInput.samplingLocations, weightsInLocationsSlot);
    plugin.setInput(MsdaInput.attentionWeights, locationsInWeightsSlot);
    g.toposort();

    const report = await verifyFixture(FIXTURE, original, fused);
    expectNumericFailure(report, 0.5);
  });

  it.skipIf(FIXTURE !== NON_SQUARE)('spatial shapes rows written (W, H) instead of (H, W), on non-square levels', async () => {
    const { original, fused, plugin } = await fusedFixture(NON_SQUARE);
    const rows = tableOf(plugin, MsdaInput.spatialShapes);
    expect(rows).toEqual([13, 7, 7, 5, 3, 2, 1, 1]);
    const swapped = rows.map((_, i) => rows[i ^ 1]!); // (H, W) -> (W, H) per level
    replaceTable(fused, plugin, MsdaInput.spatialShapes, swapped, [rows.length / 2, 2]);
    const report = await verifyFixture(NON_SQUARE, original, fused);
    expectNumericFailure(report, 0.5);
  });

  it('spatial shapes (W, H) on square levels is no bug at all: verify passes (it checks numbers, not tables)', async () => {
    const { original, fused, plugin } = await fusedFixture(SQUARE);
    const rows = tableOf(plugin, MsdaInput.spatialShapes);
    replaceTable(fused, plugin, MsdaInput.spatialShapes, rows.map((_, i) => rows[i ^ 1]!), [rows.length / 2, 2]);
    const report = await verifyFixture(SQUARE, original, fused);
    expect(report.verdict).toBe('pass');
    expect(report.outputs[0]!.stats!.maxAbsError).toBe(0);
  });

  it('level start index off by one level (each level reads the previous level)', async () => {
    const { original, fused, plugin } = await fusedFixture(FIXTURE);
    const starts = tableOf(plugin, MsdaInput.levelStartIndex);
    expect(starts[0]).toBe(0);
    const shifted = [0, ...starts.slice(0, -1)]; // e.g. [0, 91, 126, 132] -> [0, 0, 91, 126]
    replaceTable(fused, plugin, MsdaInput.levelStartIndex, shifted, [starts.length]);
    const report = await verifyFixture(FIXTURE, original, fused);
    expectNumericFailure(report, 0.3);
  });

  it('level start index off by one level the other way (the last level reads past the end): rewritten does not run', async () => {
    const { original, fused, plugin } = await fusedFixture(FIXTURE);
    const starts = tableOf(plugin, MsdaInput.levelStartIndex);
    const rows = tableOf(plugin, MsdaInput.spatialShapes);
    const total = starts.at(-1)! + rows.at(-2)! * rows.at(-1)!;
    replaceTable(fused, plugin, MsdaInput.levelStartIndex, [...starts.slice(1), total], [starts.length]);
    const report = await verifyFixture(FIXTURE, original, fused);
    expect(report.verdict).toBe('fail');
    expect(report.rewrittenError).toMatch(/^rewritten cannot run in onnxruntime: .*(Reshape|Dimension mismatch)/);
    expect(report.summary).toBe(report.rewrittenError);
  });

  it('output Reshape missing: consumers read the plugin output [N,Lq,M,D] directly', async () => {
    const { original, fused, plugin } = await fusedFixture(FIXTURE);
    const g = fused.graph;
    // Walk the Reshape chain that turns [N, Lq, M, D] into [N, Lq, M*D] and bypass all of it.
    let last: Value = plugin.output(0);
    while (last.uses.length === 1 && last.uses[0]!.node.opType === 'Reshape' && !last.isGraphOutput) last = last.uses[0]!.node.output(0);
    expect(last).not.toBe(plugin.output(0));
    const readers = last.consumers().map((n) => n.opType);
    g.replaceAllUsesWith(last, plugin.output(0));
    g.cleanup();
    const report = await verifyFixture(FIXTURE, original, fused);
    expect(report.verdict).toBe('fail');
    // The projection after the Reshape is a MatMul: [N,Lq,M,D] x [M*D, C] cannot run.
    expect(readers).toContain('MatMul');
    expect(report.rewrittenError).toMatch(/^rewritten cannot run in onnxruntime: .*MatMul/);
  });
});

describe('verify fails broken plugin models (hand-built, reference from msdaReference)', () => {
  // Non-square levels; S = 3*5 + 2*4 = 23 whether the rows are (H, W) or (W, H).
  const problem: MsdaProblem = { N: 2, Lq: 5, M: 2, D: 3, P: 2, levels: [[3, 5], [2, 4]] };
  const { inputs, expected } = msdaInputsAndReference(problem, 11);

  it('the correct plugin model matches msdaReference', async () => {
    const { model } = msdaPluginModel(problem);
    const report = await verifyRewrite(model, model, { inputs, expected, reference: 'expected' });
    expect(report.verdict).toBe('pass');
    expect(report.reference).toBe('expected');
    expect(report.outputs[0]!.stats!.maxAbsError).toBeLessThan(1e-6);
    expect(report.outputs[0]!.stats!.elements).toBe(2 * 5 * 2 * 3);
  });

  it('spatial shapes rows (W, H): fails against msdaReference and against the correct model', async () => {
    const { model: correct } = msdaPluginModel(problem);
    const { model: swapped } = msdaPluginModel(problem, { tableRows: problem.levels.map(([h, w]) => [w, h] as [number, number]) });
    const againstReference = await verifyRewrite(correct, swapped, { inputs, expected, reference: 'expected' });
    expect(againstReference.verdict).toBe('fail');
    expect(againstReference.outputs[0]!.stats!.mismatches).toBeGreaterThan(30);
    expect(againstReference.outputs[0]!.stats!.maxAbsError).toBeGreaterThan(0.1);
    const againstOriginal = await verifyRewrite(correct, swapped, { inputs });
    expect(againstOriginal.verdict).toBe('fail');
    expect(againstOriginal.reference).toBe('original');
    expect(againstOriginal.outputs[0]!.stats!.mismatches).toBe(againstReference.outputs[0]!.stats!.mismatches);
  });

  it('output Reshape missing: the graph output has the wrong shape, which never passes', async () => {
    const { model: correct } = msdaPluginModel(problem);
    const { model: noReshape } = msdaPluginModel(problem, { withoutReshape: true });
    const report = await verifyRewrite(correct, noReshape, { inputs, expected, reference: 'expected' });
    expect(report.verdict).toBe('fail');
    expect(report.outputs).toHaveLength(1);
    expect(report.outputs[0]).toMatchObject({
      name: 'out', status: 'fail', actual: { shape: [2, 5, 2, 3] }, reference: { shape: [2, 5, 6] },
      reason: "shape [2,5,2,3] differs from the reference's [2,5,6]",
    });
    expect(report.outputs[0]!.stats).toBeUndefined(); // same elements, but a different shape is not compared
  });
});
