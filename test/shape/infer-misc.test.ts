import { describe, expect, it } from 'vitest';
import { DType, Graph, Tensor, attr } from '../../src/ir/index.js';
import { inferShapes } from '../../src/shape/index.js';
import { Builder, dims, vals } from './build.js';

describe('inferShapes: constants, data-dependent ops, control flow, fallbacks', () => {
  it('reads every Constant value_* attribute', () => {
    const b = new Builder();
    const t = b.one('Constant', [], { value: attr.tensor(Tensor.int32([2, 3], [2])) });
    const f = b.one('Constant', [], { value_float: attr.float(0.5) });
    const fs = b.one('Constant', [], { value_floats: attr.floats([1, 2, 3]) });
    const i = b.one('Constant', [], { value_int: attr.int(7) });
    const is = b.one('Constant', [], { value_ints: attr.ints([4, -1]) });
    const s = b.one('Constant', [], { value_string: attr.string('x') });
    const ss = b.one('Constant', [], { value_strings: attr.strings(['a', 'b']) });
    const facts = inferShapes(b.graph);
    expect([facts.dtype(t), dims(facts, t), vals(facts, t)]).toEqual([DType.INT32, ['2'], ['2', '3']]);
    expect([facts.dtype(f), dims(facts, f), facts.constant(f)?.toNumbers()]).toEqual([DType.FLOAT, [], [0.5]]);
    expect([dims(facts, fs), facts.values(fs)]).toEqual([['3'], undefined]);
    expect([facts.dtype(i), dims(facts, i), vals(facts, i)]).toEqual([DType.INT64, [], ['7']]);
    expect(vals(facts, is)).toEqual(['4', '-1']);
    expect([facts.dtype(s), dims(facts, s)]).toEqual([DType.STRING, []]);
    expect(dims(facts, ss)).toEqual(['2']);
    expect(is.constant()?.toNumbers()).toEqual([4, -1]);
  });

  it('names data-dependent sizes with fresh, deterministic symbols (NonZero, TopK)', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 100]);
    const nz = b.one('NonZero', [x]);
    const [top, idx] = b.op('TopK', [x, b.ints([10])], { axis: attr.int(1) }, 2);
    const k = b.input('k', [1], DType.INT64);
    const [dynTop] = b.op('TopK', [x, k], {}, 2);
    const [oldTop] = b.op('TopK', [x], { k: attr.int(3) }, 2);
    const facts = inferShapes(b.graph);
    expect(dims(facts, nz)).toEqual(['2', `nonzero__${nz.name}`]);
    expect(facts.dtype(nz)).toBe(DType.INT64);
    expect(dims(facts, top!)).toEqual(['n', '10']);
    expect([facts.dtype(idx!), dims(facts, idx!)]).toEqual([DType.INT64, ['n', '10']]);
    expect(dims(facts, dynTop!)).toEqual(['n', `topk__${dynTop!.name}`]);
    expect(dims(facts, oldTop!)).toEqual(['n', '3']);
    expect(dims(inferShapes(b.graph), nz)).toEqual(dims(facts, nz));
  });

  it('gives unknown graph-input dims fresh symbols and applies bindings', () => {
    const b = new Builder();
    const x = b.input('x', ['batch', null, 3]);
    const y = b.one('Relu', [x]);
    const facts = inferShapes(b.graph);
    expect(dims(facts, y)).toEqual(['batch', 'unk__x_1', '3']);
    const bound = inferShapes(b.graph, { bindings: { batch: 4 } });
    expect(dims(bound, y)).toEqual(['4', 'unk__x_1', '3']);
    expect(facts.shape(y)![0]!.evaluate({ batch: 4 })).toBe(4);
  });

  it('never throws: unknown ops fall back to declared types, malformed nodes are just unknown', () => {
    const b = new Builder();
    const x = b.input('x', ['n', 8]);
    const custom = b.graph.addNode({ op: 'MyOp', domain: 'my.domain', inputs: [x], outputs: ['custom'], outputTypes: [{ dtype: DType.FLOAT16, shape: ['n', 4, null] }] }).output();
    const opaque = b.one('Mystery', [x]);
    const badAxis = b.one('Concat', [x, x], { axis: attr.int(7) });
    const badReshape = b.one('Reshape', [x, b.ints([3, -1, -1])]);
    const after = b.one('Relu', [custom]);
    const facts = inferShapes(b.graph);
    expect(facts.dtype(custom)).toBe(DType.FLOAT16);
    expect(dims(facts, after)).toEqual(['n', '4', 'unk__custom_2']);
    expect(facts.shape(opaque)).toBeUndefined();
    expect(facts.dtype(opaque)).toBeUndefined();
    expect(facts.shape(badAxis)).toBeUndefined();
    expect(dims(facts, badReshape)?.length).toBe(3);
  });

  it('infers If branches, picking the branch of a constant condition', () => {
    const outer = new Builder();
    const x = outer.input('x', ['n', 8]);
    const branch = (op: string, shape: number[]): Graph => {
      const g = new Graph(op, outer.graph);
      const y = g.addNode({ op: 'Reshape', inputs: [x, g.addInitializer(Tensor.int64(shape), 's')] }).output();
      g.setOutputs([y]);
      return g;
    };
    const thenGraph = branch('then', [-1, 4, 2]);
    const elseGraph = branch('else', [-1, 2, 4]);
    const cond = outer.input('cond', [], DType.BOOL);
    const dynamic = outer.one('If', [cond], { then_branch: { kind: 'graph', value: thenGraph }, else_branch: { kind: 'graph', value: elseGraph } });
    const always = outer.one('If', [outer.graph.addInitializer(Tensor.fromArray(DType.BOOL, [], Uint8Array.of(0)), 'f')], {
      then_branch: { kind: 'graph', value: branch('then2', [-1, 4, 2]) }, else_branch: { kind: 'graph', value: branch('else2', [-1, 2, 4]) },
    });
    const facts = inferShapes(outer.graph);
    expect(dims(facts, thenGraph.outputs[0]!)).toEqual(['n', '4', '2']);
    expect(dims(facts, dynamic)).toEqual(['n', `unk__${dynamic.name}_1`, `unk__${dynamic.name}_2`]);
    expect(facts.dtype(dynamic)).toBe(DType.FLOAT);
    expect(dims(facts, always)).toEqual(['n', '2', '4']);
  });

  it('infers Loop carried values and scan outputs', () => {
    const outer = new Builder();
    const init = outer.input('acc', ['n', 4]);
    const body = new Graph('body', outer.graph);
    body.addInput('i', { dtype: DType.INT64, shape: [] });
    const condIn = body.addInput('cond_in', { dtype: DType.BOOL, shape: [] });
    const acc = body.addInput('acc_in');
    const next = body.addNode({ op: 'Add', inputs: [acc, acc] }).output();
    const condOut = body.addNode({ op: 'Identity', inputs: [condIn] }).output();
    const scan = body.addNode({ op: 'ReduceSum', inputs: [acc, body.addInitializer(Tensor.int64([1]), 'ax')], attributes: { keepdims: attr.int(0) } }).output();
    body.setOutputs([condOut, next, scan]);
    const [carried, scanned] = outer.op('Loop', [outer.ints([3], []), undefined, init], { body: { kind: 'graph', value: body } }, 2);
    const facts = inferShapes(outer.graph);
    expect(dims(facts, next)).toEqual(['n', '4']);
    expect(dims(facts, carried!)).toEqual(['n', '4']);
    expect(dims(facts, scanned!)).toEqual([`loop__${scanned!.name}`, 'n']);
  });

  it('writes inferred types back without overwriting static dims, inputs or named output dims', () => {
    const b = new Builder();
    const x = b.input('x', ['batch', 64, 'h', 'w']);
    const y = b.one('Flatten', [x], { axis: attr.int(2) });
    const z = b.one('Transpose', [y], { perm: attr.ints([1, 0]) });
    y.type = { dtype: DType.FLOAT, shape: [null, 'old'] };
    z.type = { dtype: DType.FLOAT, shape: [null, 'tokens'] };
    const pinned = b.one('Relu', [x]);
    pinned.type = { dtype: DType.FLOAT, shape: [1, 64, 'height', 5] };
    const out = b.one('Relu', [z]);
    out.type = { dtype: DType.FLOAT, shape: ['tokens', null] };
    b.graph.setOutputs([out]);
    const unknown = b.one('Mystery', [x]);
    inferShapes(b.graph, { writeBack: true });
    expect(x.type).toEqual({ dtype: DType.FLOAT, shape: ['batch', 64, 'h', 'w'] });
    expect(y.type).toEqual({ dtype: DType.FLOAT, shape: ['batch*64', 'h*w'] });
    expect(z.type).toEqual({ dtype: DType.FLOAT, shape: ['h*w', 'batch*64'] });
    expect(pinned.type).toEqual({ dtype: DType.FLOAT, shape: [1, 64, 'h', 5] });
    expect(out.type).toEqual({ dtype: DType.FLOAT, shape: ['tokens', 'batch*64'] });
    expect(unknown.type).toBeUndefined();
  });
});
