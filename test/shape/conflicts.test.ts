import { describe, expect, it } from 'vitest';
import { DType, Graph, Model, Tensor, attr } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { shapeConflicts } from '../../src/shape/conflicts.js';
import { inferShapes } from '../../src/shape/infer.js';
import { OnnxSurgeonError } from '../../src/errors.js';

/** A one-node model over inputs of the given static shapes. */
function model(op: string, shapes: number[][], extra: { constants?: Tensor[]; attributes?: Record<string, ReturnType<typeof attr.int>> } = {}): Model {
  const g = new Graph();
  const inputs = shapes.map((s, i) => g.addInput(`x${i}`, { dtype: DType.FLOAT, shape: s }));
  const constants = (extra.constants ?? []).map((t, i) => g.addInitializer(t, `c${i}`));
  const node = g.addNode({ op, inputs: [...inputs, ...constants], ...(extra.attributes ? { attributes: extra.attributes } : {}) });
  g.setOutputs([node.output(0)]);
  const m = new Model(g);
  m.opsetImports.set('', 18);
  return m;
}

const conflicts = (m: Model): string[] => shapeConflicts(m.graph, inferShapes(m.graph)).map((c) => c.detail);

describe('shape conflicts (sizes that cannot fit for any run)', () => {
  it('finds what onnxruntime refuses', () => {
    expect(conflicts(model('Add', [[2, 3], [4]]))[0]).toMatch(/do not broadcast \(sizes 3 and 4 on axis -1\)/);
    expect(conflicts(model('MatMul', [[2, 3], [4, 5]]))[0]).toMatch(/inner sizes 3 and 4 differ/);
    expect(conflicts(model('Concat', [[2, 3], [4, 5]], { attributes: { axis: attr.int(0) } }))[0]).toMatch(/sizes 3 and 5 on axis 1/);
    expect(conflicts(model('Reshape', [[2, 3]], { constants: [Tensor.int64([4, 2])] }))[0]).toMatch(/6 elements/);
    expect(conflicts(model('Split', [[6]], { constants: [Tensor.int64([2, 3])] }))[0]).toMatch(/adding up to 5/);
  });

  it('accepts what fits, and never judges symbolic or legacy broadcasts', () => {
    expect(conflicts(model('Add', [[2, 3], [1, 3]]))).toEqual([]);
    expect(conflicts(model('Mul', [[5, 1, 3], [4, 1]]))).toEqual([]);
    expect(conflicts(model('MatMul', [[7, 2, 3], [3, 5]]))).toEqual([]);
    expect(conflicts(model('Reshape', [[2, 3]], { constants: [Tensor.int64([3, -1])] }))).toEqual([]);
    expect(conflicts(model('Split', [[6]], { constants: [Tensor.int64([2, 4])] }))).toEqual([]);
  });

  it('makes fuse-msda refuse a model that cannot run, unless told to go on', () => {
    const m = model('MatMul', [[2, 3], [4, 5]]);
    expect(() => fuseMsda(m)).toThrow(OnnxSurgeonError);
    expect(() => fuseMsda(m)).toThrow(/MatMul multiplies \[2, 3\] by \[4, 5\].*cannot run/);
    expect(fuseMsda(m, { allowInvalid: true }).sitesFound).toBe(0);
  });
});
