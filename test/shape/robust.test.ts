import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DType, Graph, Tensor, type Value, attr, checkIndexes } from '../../src/ir/index.js';
import { foldConstants, inferShapes } from '../../src/shape/index.js';

const OPS = [
  'Shape', 'Size', 'Gather', 'Slice', 'Split', 'Concat', 'Unsqueeze', 'Squeeze', 'Reshape', 'Transpose', 'Expand',
  'Flatten', 'Cast', 'Identity', 'ConstantOfShape', 'Range', 'Add', 'Sub', 'Mul', 'Div', 'Mod', 'Max', 'Equal', 'Where',
  'Neg', 'Relu', 'Softmax', 'MatMul', 'Gemm', 'Conv', 'MaxPool', 'Resize', 'GridSample', 'ReduceSum', 'TopK',
  'NonZero', 'Tile', 'Pad', 'Einsum', 'LayerNormalization', 'If', 'Loop', 'Unknown',
];

interface Step {
  op: string;
  inputs: number[];
  axis: number;
  ints: number[];
  outputs: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom(...OPS),
  inputs: fc.array(fc.nat(), { minLength: 0, maxLength: 4 }),
  axis: fc.integer({ min: -4, max: 4 }),
  ints: fc.array(fc.integer({ min: -3, max: 5 }), { maxLength: 4 }),
  outputs: fc.integer({ min: 1, max: 2 }),
});

/** A random (often malformed) graph over a few typed inputs and small int64 constants. */
function build(steps: Step[], constants: number[][]): Graph {
  const g = new Graph('fuzz');
  const pool: Value[] = [
    g.addInput('x', { dtype: DType.FLOAT, shape: ['n', 4, 'h', 3] }),
    g.addInput('y', { dtype: DType.INT64, shape: [2] }),
    g.addInput('z', { dtype: DType.FLOAT, shape: [null, 'h'] }),
  ];
  for (const c of constants) pool.push(g.addInitializer(Tensor.int64(c), 'c'));
  for (const s of steps) {
    const inputs = s.inputs.map((i) => pool[i % pool.length]!);
    const node = g.addNode({
      op: s.op, inputs, outputs: s.outputs,
      attributes: { axis: attr.int(s.axis), perm: attr.ints(s.ints), axes: attr.ints(s.ints), to: attr.int(DType.INT64), equation: attr.string('ij,jk->ik') },
    });
    pool.push(...node.outputs);
  }
  g.setOutputs(pool.slice(-2));
  return g;
}

describe('inference and folding never throw', () => {
  it('on random, mostly malformed graphs', () => {
    fc.assert(fc.property(
      fc.array(step, { minLength: 1, maxLength: 25 }),
      fc.array(fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }), { maxLength: 4 }),
      (steps, constants) => {
        const g = build(steps, constants);
        const facts = inferShapes(g, { writeBack: true });
        for (const v of g.values()) {
          const shape = facts.shape(v);
          if (shape) expect(shape.every((d) => typeof d.toString() === 'string')).toBe(true);
        }
        foldConstants(g);
        checkIndexes(g);
      },
    ), { numRuns: Number(process.env["FUZZ_RUNS"] ?? 300) });
  });
});
