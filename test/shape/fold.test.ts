import { describe, expect, it } from 'vitest';
import { type AttributeValue, DType, Graph, Tensor, attr, checkIndexes } from '../../src/ir/index.js';
import { evaluateNode, foldConstants } from '../../src/shape/index.js';
import { Builder } from './build.js';

/** Evaluates one op on constant inputs. */
function evaluate(op: string, inputs: (Tensor | undefined)[], attributes: Record<string, AttributeValue> = {}, outputs = 1): Tensor[] | undefined {
  const g = new Graph();
  const values = inputs.map((t) => (t ? g.addInitializer(t, 'in') : undefined));
  const node = g.addNode({ op, inputs: values, attributes, outputs });
  return evaluateNode(node, node.inputs.map((v) => v?.initializer));
}

function one(op: string, inputs: (Tensor | undefined)[], attributes: Record<string, AttributeValue> = {}): { dims: readonly number[]; data: number[]; dtype: number } {
  const [t] = evaluate(op, inputs, attributes)!;
  return { dims: t!.dims, data: t!.toNumbers(), dtype: t!.dtype };
}

const i64 = (v: (number | bigint)[], dims?: number[]): Tensor => Tensor.int64(v, dims);
const f32 = (v: number[], dims?: number[]): Tensor => Tensor.float32(v, dims);

describe('evaluateNode', () => {
  it('slices with INT64_MAX ends, negative starts and negative steps', () => {
    const x = i64([1, 2, 3, 4, 5]);
    expect(one('Slice', [x, i64([-2]), i64([9223372036854775807n])]).data).toEqual([4, 5]);
    expect(one('Slice', [x, i64([-1]), i64([-9223372036854775807n]), i64([0]), i64([-2])]).data).toEqual([5, 3, 1]);
    expect(one('Slice', [x], { starts: attr.ints([1]), ends: attr.ints([3]) }).data).toEqual([2, 3]);
    const m = i64([0, 1, 2, 3, 4, 5], [2, 3]);
    expect(one('Slice', [m, i64([1]), i64([100]), i64([-1])])).toMatchObject({ dims: [2, 2], data: [1, 2, 4, 5] });
  });

  it('follows onnxruntime integer semantics: truncating Div, Mod signs, truncating Cast', () => {
    expect(one('Div', [i64([7, -7]), i64([2])]).data).toEqual([3, -3]);
    expect(one('Mod', [i64([7, -7, 7]), i64([3, 3, -3])]).data).toEqual([1, 2, -2]);
    expect(one('Mod', [i64([7, -7]), i64([3])], { fmod: attr.int(1) }).data).toEqual([1, -1]);
    expect(one('Cast', [f32([2.7, -2.7])], { to: attr.int(DType.INT64) }).data).toEqual([2, -2]);
    expect(one('Cast', [i64([0, 3])], { to: attr.int(DType.BOOL) })).toMatchObject({ dtype: DType.BOOL, data: [0, 1] });
    expect(one('Div', [f32([1]), f32([3])]).data).toEqual([Math.fround(1 / 3)]);
    expect(evaluate('Div', [i64([1]), i64([0])])).toBeUndefined();
  });

  it('computes Range (accumulating like onnxruntime), ConstantOfShape, Expand, Tile, Where/Equal', () => {
    expect(one('Range', [i64([1], []), i64([10], []), i64([3], [])]).data).toEqual([1, 4, 7]);
    const r = one('Range', [f32([0], []), f32([1], []), f32([0.1], [])]);
    let acc = 0;
    const want: number[] = [];
    for (let i = 0; i < 10; i++) {
      want.push(acc);
      acc = Math.fround(acc + Math.fround(0.1));
    }
    expect(r.data).toEqual(want);
    expect(one('ConstantOfShape', [i64([2, 3])], { value: attr.tensor(i64([7], [1])) })).toMatchObject({ dims: [2, 3], data: [7, 7, 7, 7, 7, 7] });
    expect(one('ConstantOfShape', [i64([2])])).toMatchObject({ dtype: DType.FLOAT, data: [0, 0] });
    expect(one('Expand', [i64([1, 2], [2, 1]), i64([2, 3])]).data).toEqual([1, 1, 1, 2, 2, 2]);
    expect(one('Tile', [i64([1, 2]), i64([3])]).data).toEqual([1, 2, 1, 2, 1, 2]);
    const eq = one('Equal', [i64([4, -1, 2]), i64([-1])]);
    expect(eq).toMatchObject({ dtype: DType.BOOL, data: [0, 1, 0] });
    const cond = Tensor.fromArray(DType.BOOL, [3], Uint8Array.from(eq.data));
    expect(one('Where', [cond, i64([1], []), i64([4, -1, 2])]).data).toEqual([4, 1, 2]);
  });

  it('moves data: Gather (negative indices), Concat, Transpose, Reshape, Squeeze/Unsqueeze, Split, reductions', () => {
    expect(one('Gather', [i64([10, 20, 30]), i64([-1, 0])]).data).toEqual([30, 10]);
    expect(one('Gather', [i64([0, 1, 2, 3, 4, 5], [2, 3]), i64([2], [])], { axis: attr.int(1) })).toMatchObject({ dims: [2], data: [2, 5] });
    expect(one('Concat', [i64([1]), i64([2, 3])], { axis: attr.int(0) }).data).toEqual([1, 2, 3]);
    expect(one('Transpose', [i64([0, 1, 2, 3, 4, 5], [2, 3])])).toMatchObject({ dims: [3, 2], data: [0, 3, 1, 4, 2, 5] });
    expect(one('Reshape', [i64([0, 1, 2, 3, 4, 5], [2, 3]), i64([0, -1])]).dims).toEqual([2, 3]);
    expect(one('Unsqueeze', [i64([5], []), i64([0])]).dims).toEqual([1]);
    expect(one('Squeeze', [i64([5], [1, 1]), i64([1])]).dims).toEqual([1]);
    const parts = evaluate('Split', [i64([1, 2, 3, 4, 5])], { num_outputs: attr.int(2) }, 2)!;
    expect(parts.map((t) => t.toNumbers())).toEqual([[1, 2, 3], [4, 5]]);
    expect(one('ReduceProd', [i64([2, 3, 4])], { keepdims: attr.int(0) })).toMatchObject({ dims: [], data: [24] });
    expect(one('ReduceSum', [i64([1, 2, 3, 4], [2, 2]), i64([1])]).data).toEqual([3, 7]);
    expect(one('Shape', [f32([0, 0, 0, 0, 0, 0], [1, 2, 3])], { start: attr.int(-2) }).data).toEqual([2, 3]);
  });

  it('declines what it cannot compute', () => {
    expect(evaluate('Conv', [f32([1], [1, 1, 1, 1]), f32([1], [1, 1, 1, 1])])).toBeUndefined();
    expect(evaluate('Gather', [i64([1, 2]), i64([5])])).toBeUndefined();
    const half = new Tensor({ dtype: DType.FLOAT16, dims: [1], storage: { kind: 'bytes', bytes: new Uint8Array(2) } });
    expect(evaluate('Identity', [half])).toBeUndefined();
  });
});

describe('foldConstants', () => {
  it('folds Shape→Gather→Unsqueeze→Concat of a static input into an initializer Reshape target', () => {
    const b = new Builder();
    const x = b.input('x', [2, 1360, 64]);
    const s = b.one('Shape', [x]);
    const batch = b.one('Gather', [s, b.ints([0], [])]);
    const n8 = b.one('Mul', [batch, b.one('Constant', [], { value: attr.tensor(i64([8], [])) })]);
    const target = b.one('Concat', [b.one('Unsqueeze', [n8, b.ints([0])]), b.ints([170, -1])], { axis: attr.int(0) });
    const y = b.one('Reshape', [x, target]);
    b.graph.setOutputs([y]);
    const targetName = target.name;
    const { folded } = foldConstants(b.graph);
    checkIndexes(b.graph);
    expect(folded).toBe(6);
    expect(b.graph.nodes.map((n) => n.opType)).toEqual(['Reshape']);
    const reshape = b.graph.nodes[0]!;
    expect(reshape.input(1).initializer?.toNumbers()).toEqual([16, 170, -1]);
    expect(reshape.input(1).name).toBe(targetName);
    expect(reshape.input(1).constant()?.dtype).toBe(DType.INT64);
    expect(b.graph.initializers).toHaveLength(1);
  });

  it('keeps dynamic shape arithmetic, big constants and weights; keeps graph output names', () => {
    const b = new Builder();
    const x = b.input('x', ['batch', 64]);
    const batch = b.one('Gather', [b.one('Shape', [x]), b.ints([0], [])]);
    const big = b.one('Constant', [], { value: attr.tensor(Tensor.float32(new Array(2000).fill(1), [2000])) });
    const weight = b.graph.addInitializer(Tensor.float32(new Array(4096).fill(0.5), [64, 64]), 'w');
    const copy = b.one('Identity', [weight]);
    const mm = b.one('MatMul', [x, copy]);
    const small = b.one('Add', [b.ints([1, 2]), b.ints([10])]);
    const tiny = b.one('Constant', [], { value_ints: attr.ints([3]) });
    b.graph.setOutputs([batch, big, mm, small, tiny]);
    const smallName = small.name;
    const { folded } = foldConstants(b.graph, { maxElements: 1024 });
    checkIndexes(b.graph);
    expect(folded).toBe(2);
    expect(b.graph.nodes.map((n) => n.opType).sort()).toEqual(['Constant', 'Gather', 'Identity', 'MatMul', 'Shape']);
    const outs = b.graph.outputs;
    expect(outs[3]!.name).toBe(smallName);
    expect(outs[3]!.initializer?.toNumbers()).toEqual([11, 12]);
    expect(outs[4]!.initializer?.toNumbers()).toEqual([3]);
    expect(b.graph.initializers.filter((v) => v.initializer!.size >= 1024)).toHaveLength(1);
  });

  it('honours maxElements', () => {
    const b = new Builder();
    const c = b.one('ConstantOfShape', [b.ints([4, 4])]);
    const y = b.one('Relu', [b.input('x', [4, 4])]);
    b.graph.setOutputs([b.one('Add', [y, c])]);
    expect(foldConstants(b.graph, { maxElements: 8 }).folded).toBe(0);
    expect(foldConstants(b.graph, { maxElements: 16 }).folded).toBe(1);
    expect(b.graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'Add']);
  });
});
