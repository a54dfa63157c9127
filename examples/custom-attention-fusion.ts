/**
 * Example: a user-defined fusion of scaled dot-product attention into one custom-domain node.
 *
 * Usage: `node dist/examples/custom-attention-fusion.js [in.onnx] [out.onnx]`
 *
 * Pattern: `MatMul(Softmax(MatMul(Q, Transpose(K)) * scale, axis=-1), V)`, where exporters write
 * the scaling either as `* (1/sqrt(d))` or as `/ sqrt(d)` (one `oneOf`, not two patterns), and
 * `Mul` may have its operands either way round. The check insists the scale is a scalar constant
 * equal to 1/sqrt(d) for the head size d (the last dim of Q), because the fused kernel assumes
 * it. Replacement: `com.example.ScaledDotProductAttention(Q, K, V)` with the scale as an
 * attribute, its domain imported in the model. onnxruntime cannot run the custom node, so the
 * result is checked structurally and by a save/load round trip.
 */
import {
  type AttributeValue, type Captures, DType, Graph, Model, Tensor, type Value, applyRules, attr, loadModel, loadModelFromBytes, modelToBytes, rule,
} from '../src/index.js';
import { attrInts } from '../src/ir/index.js';
import { type ExampleResult, finishExample, runAsScript } from './lib/support.js';

/** The custom op the fusion emits. */
export const FUSED_OP = { domain: 'com.example', op: 'ScaledDotProductAttention' } as const;

/** The softmax scale a site uses: the Mul factor, or 1 / the Div divisor. */
function scaleOf(m: Captures): number | string {
  const isMul = m.choice('scaled') === 0;
  const tensor = m.tensor(isMul ? 'scale' : 'divisor');
  if (tensor.size !== 1) return `the ${isMul ? 'scale' : 'divisor'} has ${tensor.size} elements, expected a scalar`;
  const value = tensor.toNumbers()[0]!;
  return isMul ? value : 1 / value;
}

/** Accepts a site only when the scale is 1/sqrt(head size). */
function scaleIsInverseSqrtHeadSize(m: Captures): true | string {
  const scale = scaleOf(m);
  if (typeof scale === 'string') return scale;
  const headSize = m.value('q').type?.shape?.at(-1);
  if (typeof headSize !== 'number') return `the head size (last dim of '${m.value('q').name}') is not known`;
  const expected = 1 / Math.sqrt(headSize);
  if (Math.abs(scale - expected) > 1e-6 * expected) return `scale is ${scale}, expected 1/sqrt(${headSize}) = ${expected.toPrecision(6)}`;
  return true;
}

/** Softmax(Q·Kᵀ·scale)·V → com.example.ScaledDotProductAttention(Q, K, V). */
export const fuseAttention = rule({
  name: 'fuse-attention',
  description: 'scaled dot-product attention as one custom node',
  pattern: (op, q, k, v) => {
    const scores = op.MatMul(q, op.Transpose(k, { perm: (p) => permSwapsLastTwo(p) || 'does not swap the last two axes' }));
    const scaled = op.oneOf(op.Mul(scores, op.constant('scale')), op.Div(scores, op.constant('divisor'))).as('scaled');
    return op.MatMul(op.Softmax(scaled, { axis: -1 }), v);
  },
  check: scaleIsInverseSqrtHeadSize,
  replace: (b, m) => {
    const scale = scaleOf(m) as number;
    return b.op.ScaledDotProductAttention(m.value('q'), m.value('k'), m.value('v'), { scale: attr.float(scale), _domain: FUSED_OP.domain });
  },
});

/** True for a permutation that keeps the leading axes and swaps the last two (Kᵀ per head). */
function permSwapsLastTwo(p: AttributeValue | undefined): boolean {
  const perm = attrInts(p);
  if (!perm) return false;
  const n = perm.length;
  return n >= 2 && perm.every((axis, i) => (i < n - 2 ? axis === i : axis === (i === n - 2 ? n - 1 : n - 2)));
}

/**
 * Three attention blocks on [batch=2, heads=4, seq=6, d=8] sharing Q, K, V: one scaled by
 * `(1/sqrt(8)) * scores` (fused), one by `scores / sqrt(8)` (fused), and one by `0.5 * scores`
 * (refused by the check: wrong scale for d=8).
 */
export function buildModel(): Model {
  const model = new Model(new Graph('attention'));
  model.opsetImports.set('', 17);
  const g = model.graph;
  const shape = [2, 4, 6, 8];
  const input = (name: string): Value => g.addInput(name, { dtype: DType.FLOAT, shape });
  const block = (prefix: string, q: Value, k: Value, v: Value, scaling: 'mul' | 'div' | 'wrong', outputName: string): Value => {
    const kT = g.addNode({ op: 'Transpose', inputs: [k], attributes: { perm: attr.ints([0, 1, 3, 2]) }, name: `${prefix}/Transpose` }).output();
    const scores = g.addNode({ op: 'MatMul', inputs: [q, kT], name: `${prefix}/MatMul` }).output();
    const factor = scaling === 'div' ? Math.sqrt(8) : scaling === 'mul' ? 1 / Math.sqrt(8) : 0.5;
    const constant = g.addInitializer(Tensor.float32([factor], []), `${prefix}/scale`);
    const scaled = scaling === 'div'
      ? g.addNode({ op: 'Div', inputs: [scores, constant], name: `${prefix}/Div` }).output()
      : g.addNode({ op: 'Mul', inputs: [constant, scores], name: `${prefix}/Mul` }).output();
    const probs = g.addNode({ op: 'Softmax', inputs: [scaled], attributes: { axis: attr.int(-1) }, name: `${prefix}/Softmax` }).output();
    return g.addNode({ op: 'MatMul', inputs: [probs, v], outputs: [outputName], outputTypes: [{ dtype: DType.FLOAT, shape }], name: `${prefix}/MatMul_1` }).output();
  };
  const [q, k, v] = [input('q'), input('k'), input('v')];
  g.setOutputs([
    block('/attn0', q, k, v, 'mul', 'out0'),
    block('/attn1', q, k, v, 'div', 'out1'),
    block('/attn2', q, k, v, 'wrong', 'out2'),
  ]);
  return model;
}

/** Checks the fused model's structure: every fused node reads graph values, carries its scale, and survives a save/load. */
function verifyStructure(model: Model, expectedFused: number): ExampleResult['verification'] {
  const fused = model.graph.nodes.filter((n) => n.opType === FUSED_OP.op && n.domain === FUSED_OP.domain);
  const problems: string[] = [];
  if (fused.length !== expectedFused) problems.push(`${fused.length} fused node(s), expected ${expectedFused}`);
  if (fused.length && model.opsetImports.get(FUSED_OP.domain) !== 1) problems.push(`domain '${FUSED_OP.domain}' is not imported`);
  for (const node of fused) {
    if (node.inputs.length !== 3 || node.inputs.some((i) => !i)) problems.push(`'${node.label}' does not have 3 inputs`);
    const scale = node.attrNumber('scale');
    if (scale === undefined || !(scale > 0)) problems.push(`'${node.label}' has no positive scale`);
  }
  const reloaded = loadModelFromBytes(modelToBytes(model));
  const reloadedFused = reloaded.graph.nodes.filter((n) => n.opType === FUSED_OP.op).length;
  if (reloadedFused !== fused.length) problems.push('the fused nodes did not survive a save/load round trip');
  return {
    method: 'structure',
    passed: problems.length === 0,
    detail: problems.length ? problems.join('; ') : `${fused.length} ${FUSED_OP.domain}.${FUSED_OP.op} node(s) with 3 inputs and a scale; save/load round trip kept them`,
  };
}

/** Runs the example: `argv` is `[in.onnx] [out.onnx]`. */
export async function main(argv: readonly string[] = []): Promise<ExampleResult> {
  const [input, output] = argv;
  const model = input ? await loadModel(input) : buildModel();
  const nodesBefore = model.graph.nodeCount;
  const report = applyRules(model, [fuseAttention]);
  const verification = verifyStructure(model, report.rules[0]!.applied);
  return finishExample(model, nodesBefore, report, verification, output);
}

runAsScript(import.meta.url, 'custom-attention-fusion', main);
