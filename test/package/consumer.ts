/**
 * A consumer of the published package, written from README.md and docs/ (ir.md, patterns.md,
 * verify.md) the way a user would: test/package.test.ts copies it into an empty app that
 * installed the packed tarball, type-checks it under strict settings (strict,
 * noUncheckedIndexedAccess, exactOptionalPropertyTypes, module nodenext, no skipLibCheck) and
 * runs it. It prints one JSON line with what it found; the test checks the numbers.
 *
 * Usage (in the app): `node consumer.js MODEL.onnx INPUTS.npz EXPECTED.npz`
 */
import {
  type Captures, DType, Graph, Model, OnnxSurgeonError, Tensor, type Value, applyRules, attr, fuseMsda, inferShapes, loadModel,
  rule, saveModel, verifyRewrite,
} from 'onnx-surgeon';

const [modelPath = 'm.onnx', inputsPath = 'inputs.npz', expectedPath = 'expected.npz'] = process.argv.slice(2);

// README "Library": load, fuse in place, save.
const model = await loadModel(modelPath);
const fuse = fuseMsda(model);
await saveModel(model, 'consumer.fused.onnx');
const pluginNodes = model.graph.nodes.filter((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT').length;

// docs/ir.md: build a graph, add nodes with types taken from other values, rewire, clean up.
const built = new Model(new Graph('consumer'));
built.opsetImports.set('', 17);
const g = built.graph;
const x = g.addInput('x', { dtype: DType.FLOAT, shape: [2, 4] });
const w = g.addInitializer(Tensor.float32(Array.from({ length: 12 }, (_, i) => i / 10), [4, 3]), 'w');
const bias = g.addInitializer(Tensor.float32([0.5, -0.5, 1], [3]), 'bias');
const copy = g.addNode({ op: 'Identity', inputs: [x], outputTypes: [{ dtype: DType.FLOAT, shape: x.type?.shape }] });
const matmul = g.addNode({ op: 'MatMul', inputs: [copy.output(0), w] });
const add = g.addNode({ op: 'Add', inputs: [matmul.output(0), bias], outputs: ['y'] });
const relu = g.addNode({ op: 'Relu', inputs: [add.output(0)], outputs: ['z'], attributes: {} });
g.setOutputs([relu.output(0)]);
for (const node of g.nodes.filter((n) => n.opType === 'Identity')) g.replaceAllUsesWith(node.output(0), node.input(0));
g.cleanup();
g.toposort();
inferShapes(g, { writeBack: true });

// docs/patterns.md: MatMul + Add -> Gemm, with a check on the captured shapes.
const check = (m: Captures): true | string => {
  const a: Value = m.value('a');
  if (a.type?.shape?.length !== 2) return `input '${a.name}' is [${a.type?.shape?.join(', ')}], Gemm needs 2-D`;
  return true;
};
const fuseMatMulAdd = rule({
  name: 'fuse-matmul-add',
  pattern: (op, a, weights, b) => op.Add(op.MatMul(a, weights), b),
  check,
  replace: (b, m) => b.op.Gemm(m.value('a'), m.value('weights'), m.value('b'), { alpha: attr.float(1) }),
});
const rewrite = applyRules(built, [fuseMatMulAdd], { maxIterations: 10 });
await saveModel(built, 'consumer.gemm.onnx');
const reloaded = await loadModel('consumer.gemm.onnx');

// docs/verify.md: the numeric check; it needs the optional peer onnxruntime-node.
let verify: string;
try {
  const report = await verifyRewrite(modelPath, 'consumer.fused.onnx', { inputs: inputsPath, expected: expectedPath });
  verify = report.verdict;
} catch (error) {
  if (!(error instanceof OnnxSurgeonError)) throw error;
  verify = `error: ${error.message}`;
}

console.log(JSON.stringify({
  sitesFound: fuse.sitesFound,
  fused: fuse.fused,
  pluginNodes,
  gemmApplied: rewrite.rules[0]?.applied ?? 0,
  ops: reloaded.graph.nodes.map((n) => n.opType),
  outputShape: reloaded.graph.outputs[0]?.type?.shape ?? null,
  verify,
}));
