/**
 * Example: remove Identity chains with a one-line rule.
 *
 * Usage: `node dist/examples/remove-identity.js [in.onnx] [out.onnx]`
 *
 * Without `in.onnx` it builds a small model whose Identity chains sit between real ops and in
 * front of graph outputs. Every Identity goes, except the one that copies a graph input straight
 * to a graph output: removing it would rename the input (the rewriter refuses and says why).
 * The result is checked in onnxruntime on seeded random inputs: the outputs must be bit-identical.
 */
import { DType, Graph, Model, Tensor, applyRules, loadModel, rule } from '../src/index.js';
import { type ExampleResult, compareInOnnxruntime, finishExample, runAsScript } from './lib/support.js';

/** `Identity(x)` → `x`. Graph output names are kept by the rewriter. */
export const removeIdentity = rule({
  name: 'remove-identity',
  description: 'Identity(x) is x',
  pattern: (op, x) => op.Identity(x),
  replace: (_builder, captures) => captures.value('x'),
});

/** A model with Identity chains: x -> Identity -> Relu -> Identity x2 -> Add(bias) -> Identity -> y, and x -> Identity -> x_copy. */
export function buildModel(): Model {
  const model = new Model(new Graph('identity-chains'));
  model.opsetImports.set('', 17);
  const g = model.graph;
  const x = g.addInput('x', { dtype: DType.FLOAT, shape: [2, 3] });
  const bias = g.addInitializer(Tensor.float32([0.5, -1, 2], [3]), 'bias');
  const chain = (input: typeof x, n: number, prefix: string): typeof x => {
    let v = input;
    for (let i = 0; i < n; i++) v = g.addNode({ op: 'Identity', inputs: [v], name: `${prefix}/Identity_${i}` }).output();
    return v;
  };
  const relu = g.addNode({ op: 'Relu', inputs: [chain(x, 1, '/pre')], name: '/Relu' }).output();
  const add = g.addNode({ op: 'Add', inputs: [chain(relu, 2, '/mid'), bias], name: '/Add' }).output();
  const y = g.addNode({ op: 'Identity', inputs: [add], outputs: ['y'], outputTypes: [{ dtype: DType.FLOAT, shape: [2, 3] }], name: '/out/Identity' }).output();
  const copy = g.addNode({ op: 'Identity', inputs: [x], outputs: ['x_copy'], outputTypes: [{ dtype: DType.FLOAT, shape: [2, 3] }], name: '/copy/Identity' }).output();
  g.setOutputs([y, copy]);
  return model;
}

/** Runs the example: `argv` is `[in.onnx] [out.onnx]`. */
export async function main(argv: readonly string[] = []): Promise<ExampleResult> {
  const [input, output] = argv;
  const model = input ? await loadModel(input) : buildModel();
  const original = model.clone();
  const nodesBefore = model.graph.nodeCount;
  const report = applyRules(model, [removeIdentity]);
  const verification = await compareInOnnxruntime(original, model, 0);
  return finishExample(model, nodesBefore, report, verification, output);
}

runAsScript(import.meta.url, 'remove-identity', main);
