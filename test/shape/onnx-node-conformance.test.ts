/**
 * Shape inference and the constant evaluator against the ONNX backend node tests shipped by
 * Debian's libonnx-testdata: for each single-node model whose op we claim, the inferred output
 * shapes must equal the expected outputs' dims (with the declared output types stripped), and for
 * ops the evaluator computes, feeding the test inputs as constants must reproduce the expected
 * output values.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DType, type Tensor } from '../../src/ir/index.js';
import { decodeTensor } from '../../src/onnx/index.js';
import { loadModelFromBytes, tensorFromProto } from '../../src/serde/index.js';
import { EVALUATED_OPS, inferShapes } from '../../src/shape/index.js';

const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** Ops whose shapes inferShapes claims to get exactly right on these tests. */
const CLAIMED = new Set([
  'Shape', 'Size', 'Gather', 'GatherElements', 'Slice', 'Split', 'Concat', 'Unsqueeze', 'Squeeze', 'Reshape',
  'Transpose', 'Expand', 'Flatten', 'Cast', 'CastLike', 'Identity', 'Constant', 'ConstantOfShape', 'Range', 'Add', 'Sub',
  'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Equal', 'Less', 'Greater', 'Where', 'And', 'Or', 'Not', 'Neg', 'Abs',
  'Sqrt', 'Exp', 'Log', 'Erf', 'Relu', 'Sigmoid', 'Tanh', 'Softmax', 'LayerNormalization', 'MatMul', 'Gemm', 'Conv',
  'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Resize', 'GridSample', 'ReduceSum', 'ReduceMean',
  'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL2', 'ArgMax', 'TopK', 'Tile', 'Pad', 'CumSum', 'Einsum',
]);

function readTensor(file: string): Tensor | undefined {
  try {
    return tensorFromProto(decodeTensor(readFileSync(file)), { file });
  } catch {
    return undefined; // sequences / optionals are not TensorProtos
  }
}

const EVALUATED_DTYPES = new Set<number>([DType.FLOAT, DType.DOUBLE, DType.INT64, DType.INT32, DType.INT16, DType.INT8, DType.UINT8, DType.UINT16, DType.UINT32, DType.BOOL]);

/** Inputs that are constants in real models: integer parameters, Resize scales/roi, Range bounds. */
function isParameter(op: string, index: number, t: Tensor): boolean {
  if (op === 'Range' || op === 'ConstantOfShape') return true;
  if ((op === 'Resize' || op === 'Upsample') && index >= 1) return true;
  return index >= 1 && (t.dtype === DType.INT64 || t.dtype === DType.INT32) && t.size <= 64;
}

interface Case {
  name: string;
  op: string;
  failures: string[];
}

function runCase(dir: string, name: string): Case | undefined {
  const model = loadModelFromBytes(readFileSync(`${dir}/model.onnx`));
  const graph = model.graph;
  if (graph.nodeCount !== 1) return undefined;
  const node = graph.nodes[0]!;
  if (!CLAIMED.has(node.opType)) return undefined;
  const data = `${dir}/test_data_set_0`;
  if (!existsSync(data)) return undefined;
  if ([...graph.inputs, ...graph.outputs].some((v) => v.opaqueType !== undefined)) return undefined;
  // Old test data stores bfloat16 as uint16: nothing to learn there.
  if (name.includes('BFLOAT16')) return undefined;
  const inputs = graph.inputs.map((_, i) => readTensor(`${data}/input_${i}.pb`));
  const expected = graph.outputs.map((_, i) => readTensor(`${data}/output_${i}.pb`));
  if (inputs.some((t) => !t) || expected.some((t) => !t)) return undefined;
  const result: Case = { name, op: node.opType, failures: [] };
  // Shapes: parameter inputs (shapes, axes, pads, sizes, scales, k...) become constants as they
  // are in exported models; data inputs keep their declared types; outputs forget theirs.
  const parameters = graph.inputs.map((_, i) => isParameter(node.opType, i, inputs[i]!));
  const data0 = graph.inputs.filter((_, i) => !parameters[i]);
  graph.inputs.forEach((v, i) => {
    if (parameters[i]) graph.attachInitializer(v, inputs[i]!);
  });
  graph.setInputs(data0);
  for (const v of graph.outputs) v.type = undefined;
  const facts = inferShapes(graph);
  graph.outputs.forEach((v, i) => {
    const want = expected[i]!;
    const got = facts.shape(v)?.map((d) => d.constValue());
    if (!got || got.length !== want.dims.length || got.some((d, k) => d !== want.dims[k])) {
      result.failures.push(`shape of ${v.name}: [${facts.shape(v)?.map(String).join(', ') ?? '?'}] vs [${want.dims.join(', ')}]`);
    }
    if (facts.dtype(v) !== want.dtype) result.failures.push(`dtype of ${v.name}: ${facts.dtype(v)} vs ${want.dtype}`);
  });
  // Values: the same node with its inputs as constants.
  const computable = [...inputs, ...expected].every((t) => EVALUATED_DTYPES.has(t!.dtype));
  if (EVALUATED_OPS.has(node.opType) && computable && expected.every((t) => t!.size <= 4096)) {
    const constModel = loadModelFromBytes(readFileSync(`${dir}/model.onnx`));
    const g = constModel.graph;
    const feeds = [...g.inputs];
    g.setInputs([]);
    feeds.forEach((v, i) => g.attachInitializer(v, inputs[i]!));
    const constFacts = inferShapes(g, { maxConstantElements: 4096 });
    g.outputs.forEach((v, i) => {
      const got = constFacts.constant(v);
      const want = expected[i]!;
      if (!got) {
        result.failures.push(`no constant for ${v.name}`);
        return;
      }
      const a = got.toNumbers();
      const b = want.toNumbers();
      const tolerance = want.dtype === DType.FLOAT || want.dtype === DType.DOUBLE ? 1e-5 : 0;
      const bad = a.length !== b.length || a.some((x, k) => !(Math.abs(x - b[k]!) <= tolerance * Math.max(1, Math.abs(b[k]!)) || (Number.isNaN(x) && Number.isNaN(b[k]!))));
      if (bad || got.dtype !== want.dtype) result.failures.push(`values of ${v.name}: ${JSON.stringify(a.slice(0, 8))} vs ${JSON.stringify(b.slice(0, 8))} (dtype ${got.dtype} vs ${want.dtype})`);
    });
  }
  return result;
}

describe.skipIf(!existsSync(NODE_TESTS))('inferShapes and evaluateNode on the ONNX backend node tests', () => {
  it('match the expected outputs of every claimed single-node test', () => {
    const cases: Case[] = [];
    for (const name of readdirSync(NODE_TESTS).sort()) {
      const c = runCase(`${NODE_TESTS}/${name}`, name);
      if (c) cases.push(c);
    }
    const failed = cases.filter((c) => c.failures.length);
    if (process.env['SHAPE_PRINT']) for (const c of failed) console.log(c.name, c.failures);
    console.log(`ONNX node tests: ${cases.length} checked, ${failed.length} failed`);
    expect(cases.length).toBeGreaterThan(300);
    expect(failed.map((c) => `${c.name}: ${c.failures.join('; ')}`)).toEqual([]);
  });
});
