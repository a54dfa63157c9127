import { describe, expect, it } from 'vitest';
import { DType, type Model, type Node, Tensor, attr, checkIndexes } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { inferShapes } from '../../src/shape/infer.js';
import { validatePluginNodes } from '../../src/plugins/index.js';
import { loadModel, loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { errors, listFixtures, runOnCpu } from '../helpers/fixtures.js';

// Forms that optimizers and mixed-precision exports write, made from a real dynamo export. Each
// rewritten model is its own truth: onnxruntime runs it, fuse-msda must fuse every site, and the
// fused model must compute what the rewritten one does.

const base = listFixtures(['msda']).find((f) => f.name === 'enc_listshapes_dynamo_op18')!;
const SITES = Number(base.meta.msdaSites);

async function fusedMatchesOriginal(model: Model, expectFused = SITES): Promise<void> {
  model.graph.toposort();
  const truth = await runOnCpu(loadModelFromBytes(modelToBytes(model)), base.inputs);
  const report = fuseMsda(model);
  expect(report.sites.filter((s) => s.status === 'skipped').map((s) => s.reason)).toEqual([]);
  expect(report.fused).toBe(expectFused);
  checkIndexes(model.graph);
  expect(validatePluginNodes(model).violations).toEqual([]);
  const fused = await runOnCpu(model, base.inputs);
  for (const [name, values] of Object.entries(truth)) {
    const e = errors(fused[name]!, values);
    expect(e.nan).toBe(false);
    expect(e.maxRel, name).toBeLessThan(1e-4);
  }
}

const byOp = (model: Model, op: string): Node[] => model.graph.nodes.filter((n) => n.opType === op);

describe('fuse-msda fuses the forms optimizers and mixed precision write', () => {
  it('2*loc written as Add(loc, loc)', async () => {
    const model = await loadModel(base.modelPath);
    const facts = inferShapes(model.graph);
    let changed = 0;
    for (const mul of byOp(model, 'Mul')) {
      const c = mul.inputs[1] ? facts.constant(mul.inputs[1]) : undefined;
      if (!c || c.size !== 1 || c.toNumbers()[0] !== 2) continue;
      const x = mul.input(0);
      const add = model.graph.addNode({ op: 'Add', inputs: [x, x] });
      model.graph.replaceAllUsesWith(mul.output(0), add.output());
      changed++;
    }
    expect(changed).toBeGreaterThan(0);
    await fusedMatchesOriginal(model);
  });

  it('an Identity between the weighting Mul and the ReduceSum', async () => {
    const model = await loadModel(base.modelPath);
    for (const sum of byOp(model, 'ReduceSum')) {
      const identity = model.graph.addNode({ op: 'Identity', inputs: [sum.input(0)] });
      sum.setInput(0, identity.output());
    }
    await fusedMatchesOriginal(model);
  });

  it('the stack written as one Concat(axis=-1) with the dead Unsqueeze nodes left behind', async () => {
    const model = await loadModel(base.modelPath);
    for (const stack of byOp(model, 'Concat').filter((c) => c.inputs.every((i) => i?.producer?.opType === 'Unsqueeze' && i.producer.input(0).producer?.opType === 'GridSample'))) {
      const samples = stack.inputs.map((i) => i!.producer!.input(0));
      const flat = model.graph.addNode({ op: 'Concat', inputs: samples, attributes: { axis: attr.int(-1) } });
      // The flatten Reshape after the stack now reshapes to the shape it already has.
      const flatten = stack.output(0).consumers()[0]!;
      flatten.setInput(0, flat.output());
    }
    await fusedMatchesOriginal(model);
  });

  it("GridSample in onnxruntime's com.microsoft domain", async () => {
    const model = await loadModel(base.modelPath);
    for (const g of byOp(model, 'GridSample')) g.domain = 'com.microsoft';
    model.ensureOpset('com.microsoft', 1);
    await fusedMatchesOriginal(model);
  });

  it('a float16 value widened per level before sampling (what autocast exports write)', async () => {
    const model = await loadModel(base.modelPath);
    const grids = byOp(model, 'GridSample');
    // The value the levels share becomes float16 (the truth is this model's own run) ...
    const first = grids[0]!.input(0);
    let shared = first;
    while (shared.producer && ['Reshape', 'Transpose', 'Slice', 'Split', 'Gather', 'Squeeze', 'Unsqueeze', 'SequenceAt'].includes(shared.producer.opType)) shared = shared.producer.input(0);
    const half = model.graph.addNode({ op: 'Cast', inputs: [shared], attributes: { to: attr.int(DType.FLOAT16) } });
    for (const use of [...shared.uses]) if (use.node !== half && use.node.opType !== 'Shape') use.node.setInput(use.index, half.output());
    // ... and each level casts its block back to float32 for GridSample.
    for (const g of grids) {
      const widen = model.graph.addNode({ op: 'Cast', inputs: [g.input(0)], attributes: { to: attr.int(DType.FLOAT) } });
      g.setInput(0, widen.output());
    }
    // The export's value_info still says float32 for the tensors now in float16.
    for (const node of model.graph.nodes) for (const out of node.outputs) if (!out.isGraphOutput) delete out.type;
    model.graph.valueInfoOrder.length = 0;
    await fusedMatchesOriginal(model);
    const plugin = byOp(model, 'MultiscaleDeformableAttnPlugin_TRT')[0]!;
    expect(plugin.input(0).producer?.opType).toBe('Cast');
  });

  it('an unused second copy of the site (dead nodes) does not count as a reader', async () => {
    const model = await loadModel(base.modelPath);
    const g = byOp(model, 'GridSample')[0]!;
    model.graph.addNode({ op: 'Relu', inputs: [g.output(0)] });
    model.graph.addInitializer(Tensor.float32([0]), 'unused');
    await fusedMatchesOriginal(model);
  });
});
