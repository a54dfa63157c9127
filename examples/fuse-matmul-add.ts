/**
 * Example: fuse `Add(MatMul(a, w), bias)` into `Gemm(a, w, bias)` where Gemm means the same thing.
 *
 * Usage: `node dist/examples/fuse-matmul-add.js [in.onnx] [out.onnx]`
 *
 * Gemm multiplies 2-D matrices only and broadcasts C to [M, N] one way, so the rule's check asks
 * for a 2-D `a` and `w` and a bias that broadcasts to [M, N] without growing the result. Shapes
 * come from the model's value types (shape inference fills them in for loaded models). Without
 * `in.onnx`, the example builds a two-layer MLP on a 2-D input (both layers fuse) plus the same
 * layer on a 3-D input (the check refuses, with the reason in the report), and checks the result
 * in onnxruntime on seeded random inputs.
 */
import {
  type Captures, DType, type Dim, Graph, Model, Tensor, type Value, applyRules, inferShapes, loadModel, rule,
} from '../src/index.js';
import { type ExampleResult, compareInOnnxruntime, finishExample, runAsScript } from './lib/support.js';

const GEMM_TYPES: ReadonlySet<number> = new Set([DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16]);

/** Why `Add(MatMul(a, w), bias)` is not a Gemm, or `true`. */
function gemmCompatible(m: Captures): true | string {
  const a = m.value('a');
  const w = m.value('w');
  const bias = m.value('bias');
  const rankOf = (v: Value): number | undefined => v.type?.shape?.length;
  if (rankOf(a) !== 2) return `input '${a.name}' is ${describeShape(a.type?.shape)}, Gemm needs 2-D`;
  if (rankOf(w) !== 2) return `weight '${w.name}' is ${describeShape(w.type?.shape)}, Gemm needs 2-D`;
  if (!a.type || !GEMM_TYPES.has(a.type.dtype)) return `input '${a.name}' is not a floating-point tensor`;
  const n = w.type!.shape![1]!;
  const m0 = a.type.shape![0]!;
  const biasShape = bias.type?.shape;
  if (!biasShape) return `bias '${bias.name}' has an unknown shape`;
  // C broadcasts to [M, N]; a bias with more dims (or bigger ones) would grow the result, which Add allows and Gemm does not.
  if (biasShape.length > 2) return `bias '${bias.name}' is ${describeShape(biasShape)}, more than 2-D`;
  const [rows, cols] = biasShape.length === 2 ? biasShape : biasShape.length === 1 ? [1, biasShape[0]!] : [1, 1];
  const fits = (d: Dim, target: Dim): boolean => d === 1 || (d !== null && d === target);
  if (!fits(cols!, n) || !fits(rows!, m0)) return `bias '${bias.name}' is ${describeShape(biasShape)}, does not broadcast to [${m0}, ${n}]`;
  return true;
}

function describeShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : 'of unknown shape';
}

/** `Add(MatMul(a, w), bias)` → `Gemm(a, w, bias)` when the shapes allow (Add is matched in either operand order). */
export const fuseMatMulAdd = rule({
  name: 'fuse-matmul-add',
  description: 'MatMul followed by a bias Add is one Gemm on 2-D inputs',
  pattern: (op, a, w, bias) => op.Add(op.MatMul(a, w), bias),
  check: gemmCompatible,
  replace: (b, m) => b.op.Gemm(m.value('a'), m.value('w'), m.value('bias')),
});

/** A 2-layer MLP on x [4, 8] (fusable) and one layer on z [2, 4, 8] (not: 3-D). */
export function buildModel(): Model {
  const model = new Model(new Graph('mlp'));
  model.opsetImports.set('', 17);
  const g = model.graph;
  const weights = (name: string, rows: number, cols: number, seed: number): Value =>
    g.addInitializer(Tensor.float32(Array.from({ length: rows * cols }, (_, i) => Math.sin(seed + i) / 4), [rows, cols]), name);
  const vector = (name: string, n: number, seed: number): Value =>
    g.addInitializer(Tensor.float32(Array.from({ length: n }, (_, i) => Math.cos(seed + i)), [n]), name);
  const x = g.addInput('x', { dtype: DType.FLOAT, shape: [4, 8] });
  const z = g.addInput('z', { dtype: DType.FLOAT, shape: [2, 4, 8] });
  const w1 = weights('fc1.weight', 8, 16, 1);
  const b1 = vector('fc1.bias', 16, 2);
  const h = g.addNode({ op: 'MatMul', inputs: [x, w1], name: '/fc1/MatMul' }).output();
  const h1 = g.addNode({ op: 'Add', inputs: [b1, h], name: '/fc1/Add' }).output();
  const r = g.addNode({ op: 'Relu', inputs: [h1], name: '/act/Relu' }).output();
  const w2 = weights('fc2.weight', 16, 3, 3);
  const h2 = g.addNode({ op: 'MatMul', inputs: [r, w2], name: '/fc2/MatMul' }).output();
  const y = g.addNode({ op: 'Add', inputs: [h2, vector('fc2.bias', 3, 4)], outputs: ['y'], outputTypes: [{ dtype: DType.FLOAT, shape: [4, 3] }], name: '/fc2/Add' }).output();
  const zh = g.addNode({ op: 'MatMul', inputs: [z, w1], name: '/batched/MatMul' }).output();
  const zy = g.addNode({ op: 'Add', inputs: [zh, b1], outputs: ['z_out'], outputTypes: [{ dtype: DType.FLOAT, shape: [2, 4, 16] }], name: '/batched/Add' }).output();
  g.setOutputs([y, zy]);
  return model;
}

/** Runs the example: `argv` is `[in.onnx] [out.onnx]`. */
export async function main(argv: readonly string[] = []): Promise<ExampleResult> {
  const [input, output] = argv;
  const model = input ? await loadModel(input) : buildModel();
  const original = model.clone();
  // The check reads shapes: fill in the intermediate value types first.
  inferShapes(model.graph, { writeBack: true });
  const nodesBefore = model.graph.nodeCount;
  const report = applyRules(model, [fuseMatMulAdd]);
  const verification = await compareInOnnxruntime(original, model, 1e-5);
  return finishExample(model, nodesBefore, report, verification, output);
}

runAsScript(import.meta.url, 'fuse-matmul-add', main);
