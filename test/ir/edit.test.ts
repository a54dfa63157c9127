import { describe, expect, it } from 'vitest';
import {
  DType, Graph, GraphEdit, Model, Tensor, attr, checkIndexes, graphsWithin, isOnnxDomain, liveNodes, markLiveNodes, normalizeDomain, usesAfter,
} from '../../src/ir/index.js';
import { modelToBytes } from '../../src/serde/index.js';

function chain(): { g: Graph; x: ReturnType<Graph['addInput']>; relu: ReturnType<Graph['addNode']>; neg: ReturnType<Graph['addNode']> } {
  const g = new Graph();
  const x = g.addInput('x', { dtype: DType.FLOAT, shape: [2] });
  const relu = g.addNode({ op: 'Relu', inputs: [x], name: 'relu' });
  const neg = g.addNode({ op: 'Neg', inputs: [relu.output()], name: 'neg' });
  g.setOutputs([neg.output()]);
  return { g, x, relu, neg };
}

describe('GraphEdit', () => {
  it('builds detached: the graph, its names and its uses are untouched until commit', () => {
    const { g, x, relu, neg } = chain();
    const model = new Model(g);
    const before = modelToBytes(model);
    const edit = new GraphEdit(g, model);
    const abs = edit.node({ op: 'Abs', inputs: [x], name: 'relu' });
    const k = edit.initializer(Tensor.float32([2]), 'k');
    const mul = edit.node({ op: 'Mul', inputs: [abs.output(), k], name: 'mul', domain: 'com.example' });
    edit.requireOpset('com.example', 1);
    edit.declareType(mul.output(), { dtype: DType.FLOAT, shape: [2] });
    edit.replaceAllUsesWith(relu.output(), mul.output());
    edit.removeWhenUnused([relu]);
    expect(abs.graph).toBeUndefined();
    expect(x.uses).toHaveLength(1);
    expect(g.nodeCount).toBe(2);
    expect(g.value('k')).toBeUndefined();
    expect(edit.readersOf(x)).toEqual([{ node: abs, index: 0 }]);
    expect(edit.replacementOf(relu.output())).toBe(mul.output());
    expect(edit.typeOf(mul.output())).toEqual({ dtype: DType.FLOAT, shape: [2] });
    expect(edit.owns(abs) && edit.owns(k) && !edit.owns(relu)).toBe(true);
    expect(Buffer.from(modelToBytes(model)).equals(Buffer.from(before))).toBe(true);

    edit.commit();
    checkIndexes(g);
    expect(g.nodes.map((n) => n.name)).toEqual(['neg', 'relu_1', 'mul']);
    expect(abs.output().name).toBe('relu_1_output_0');
    expect(neg.input(0)).toBe(mul.output());
    expect(relu.graph).toBeUndefined();
    expect(g.initializers.map((v) => v.name)).toEqual(['k']);
    expect(model.opsetImports.get('com.example')).toBe(1);
    expect(g.valueInfoOrder).toContain(mul.output());
    expect(() => edit.commit()).toThrow(/already committed/);
  });

  it('names exactly as addNode would (same claims, same order)', () => {
    const a = chain();
    const b = chain();
    const viaAdd = ['Abs', 'Abs', 'Sqrt'].map((op) => a.g.addNode({ op, inputs: [a.x], outputs: 2 }));
    const edit = new GraphEdit(b.g);
    const viaEdit = ['Abs', 'Abs', 'Sqrt'].map((op) => edit.node({ op, inputs: [b.x], outputs: 2 }));
    edit.commit();
    expect(viaEdit.map((n) => [n.name, ...n.outputs.map((o) => o.name)])).toEqual(viaAdd.map((n) => [n.name, ...n.outputs.map((o) => o.name)]));
  });

  it('refuses inputs that are not values of the graph', () => {
    const { g } = chain();
    const other = new Graph('other');
    const y = other.addInput('y');
    expect(() => new GraphEdit(g).node({ op: 'Relu', inputs: [y] })).toThrow(/input 0 of 'Relu_0' is not a value of graph 'main'/);
  });

  it('a dropped edit leaves no trace (nothing to roll back)', () => {
    const { g, x } = chain();
    const names = [...g.values()].map((v) => v.name);
    const edit = new GraphEdit(g);
    edit.node({ op: 'Abs', inputs: [x], name: 'abs' });
    edit.initializer(Tensor.int64([1]), 'one');
    expect([...g.values()].map((v) => v.name)).toEqual(names);
    expect(x.uses).toHaveLength(1);
    expect(g.names.has('one')).toBe(false);
  });
});

describe('liveness', () => {
  it('liveNodes answers for the graph as it will be once pending edits are in', () => {
    const { g, x, relu, neg } = chain();
    expect(liveNodes(g)).toEqual(new Set([relu, neg]));
    const edit = new GraphEdit(g);
    const abs = edit.node({ op: 'Abs', inputs: [x], name: 'abs' });
    edit.replaceAllUsesWith(relu.output(), abs.output());
    const live = liveNodes(g, [edit]);
    expect(live.has(relu)).toBe(false);
    expect(live.has(abs) && live.has(neg)).toBe(true);
    expect(usesAfter(relu.output(), [edit])).toEqual([]);
    expect(usesAfter(x, [edit]).map((u) => u.node)).toEqual([relu, abs]);
  });

  it('cleanup removes what no output depends on, whatever the node order', () => {
    const { g, x } = chain();
    // A dead chain appended consumer-first (not topological): one cleanup removes all of it.
    const dead1 = g.addNode({ op: 'Abs', inputs: [x], name: 'dead1' });
    const dead2 = g.addNode({ op: 'Abs', inputs: [dead1.output()], name: 'dead2' });
    g._nodes.delete(dead1);
    g._nodes.add(dead1);
    g.addInitializer(Tensor.float32([1]), 'unused');
    expect(g.cleanup()).toEqual({ nodes: 2, initializers: 1 });
    expect(dead2.graph).toBeUndefined();
    expect(g.value(dead1.output().name)).toBeUndefined();
    checkIndexes(g);
    expect(g.cleanup()).toEqual({ nodes: 0, initializers: 0 });
  });

  it('reads inside subgraphs keep their producers alive', () => {
    const g = new Graph();
    const x = g.addInput('x');
    const cond = g.addInput('cond', { dtype: DType.BOOL, shape: [] });
    const scale = g.addNode({ op: 'Abs', inputs: [x], name: 'scale' });
    const branch = new Graph('then', g);
    const inner = branch.addNode({ op: 'Neg', inputs: [scale.output()], name: 'inner' });
    branch.setOutputs([inner.output()]);
    const orBranch = new Graph('else', g);
    const other = orBranch.addNode({ op: 'Identity', inputs: [x], name: 'other' });
    orBranch.setOutputs([other.output()]);
    const ifNode = g.addNode({ op: 'If', inputs: [cond], name: 'if', attributes: { then_branch: { kind: 'graph', value: branch }, else_branch: { kind: 'graph', value: orBranch } } });
    g.setOutputs([ifNode.output()]);
    expect(liveNodes(g).has(scale)).toBe(true);
    expect(g.cleanup().nodes).toBe(0);
    expect([...graphsWithin(g)].map((s) => s.name)).toEqual(['main', 'then', 'else']);
  });
});

describe('liveness marks', () => {
  it('answer as liveNodes does, with pending edits and subgraph reads, and refuse to answer once stale', () => {
    const g = new Graph();
    const x = g.addInput('x');
    const cond = g.addInput('cond', { dtype: DType.BOOL, shape: [] });
    const scale = g.addNode({ op: 'Abs', inputs: [x], name: 'scale' });
    const dead = g.addNode({ op: 'Neg', inputs: [x], name: 'dead' });
    const replaced = g.addNode({ op: 'Relu', inputs: [scale.output()], name: 'replaced' });
    const branch = new Graph('then', g);
    const inner = branch.addNode({ op: 'Neg', inputs: [scale.output()], name: 'inner' });
    const innerUp = branch.addNode({ op: 'Abs', inputs: [inner.output()], name: 'innerUp' });
    branch.setOutputs([innerUp.output()]);
    const orBranch = new Graph('else', g);
    orBranch.setOutputs([orBranch.addNode({ op: 'Identity', inputs: [x], name: 'other' }).output()]);
    const ifNode = g.addNode({ op: 'If', inputs: [cond], name: 'if', attributes: { then_branch: { kind: 'graph', value: branch }, else_branch: { kind: 'graph', value: orBranch } } });
    const add = g.addNode({ op: 'Add', inputs: [ifNode.output(), replaced.output()], name: 'add' });
    g.setOutputs([add.output()]);
    const edit = new GraphEdit(g);
    const made = edit.node({ op: 'Sqrt', inputs: [x], name: 'made' });
    edit.replaceAllUsesWith(replaced.output(), made.output());
    const everyNode = [...graphsWithin(g)].flatMap((sub) => sub.nodes).concat(made);
    for (const pending of [[], [edit]]) {
      const expected = liveNodes(g, pending);
      const marks = markLiveNodes(g, pending);
      expect(marks.size).toBe(expected.size);
      expect(everyNode.filter((n) => marks.has(n))).toEqual(everyNode.filter((n) => expected.has(n)));
    }
    expect(liveNodes(g, [edit]).has(replaced)).toBe(false);
    expect(liveNodes(g).has(dead) || liveNodes(g, [edit]).has(dead)).toBe(false);
    const older = markLiveNodes(g);
    markLiveNodes(g, [edit]);
    // An older answer is not quietly wrong: nodes are marked by the newest walk only.
    expect(() => older.has(scale)).toThrow(/newer liveness walk/);
  });
});

describe('values and domains', () => {
  it('graph input/output flags follow every way the lists change', () => {
    const { g, x, relu, neg } = chain();
    expect([x.isGraphInput, neg.output().isGraphOutput, relu.output().isGraphOutput]).toEqual([true, true, false]);
    g.setOutputs([relu.output(), relu.output()]);
    expect([neg.output().isGraphOutput, relu.output().isGraphOutput]).toEqual([false, true]);
    g.setOutputs([relu.output()]);
    expect(relu.output().isGraphOutput).toBe(true);
    g.setInputs([]);
    expect(x.isGraphInput).toBe(false);
    g.markInput(x);
    g.markInput(x);
    expect([x.isGraphInput, g.inputs.length]).toEqual([true, 1]);
    const abs = g.addNode({ op: 'Abs', inputs: [x] });
    g.replaceAllUsesWith(relu.output(), abs.output());
    expect([relu.output().isGraphOutput, abs.output().isGraphOutput]).toEqual([false, true]);
  });

  it('Value.constant() reads initializers and every Constant form; graph-input defaults are not constants', () => {
    const g = new Graph();
    const w = g.addInitializer(Tensor.float32([1, 2]), 'w');
    const d = g.addInitializer(Tensor.float32([3]), 'd');
    g.markInput(d);
    const ints = g.addNode({ op: 'Constant', attributes: { value_ints: attr.ints([4, -1]) } }).output();
    const onnx = g.addNode({ op: 'Constant', domain: 'ai.onnx', attributes: { value_float: attr.float(0.5) } }).output();
    const custom = g.addNode({ op: 'Constant', domain: 'com.example', attributes: { value_float: attr.float(0.5) } }).output();
    expect(w.constant()?.toNumbers()).toEqual([1, 2]);
    expect(d.constant()).toBeUndefined();
    expect(ints.constant()?.toNumbers()).toEqual([4, -1]);
    expect(onnx.constant()?.dims).toEqual([]);
    expect(custom.constant()).toBeUndefined();
  });

  it('toNumbers decodes float16 and bfloat16 (data() stays raw bits)', () => {
    const half = Tensor.fromArray(DType.FLOAT16, [4], new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00]));
    expect(half.toNumbers()).toEqual([1, -2, 2 ** -24, Infinity]);
    expect([...(half.data() as Uint16Array)]).toEqual([0x3c00, 0xc000, 0x0001, 0x7c00]);
    const bf = Tensor.fromArray(DType.BFLOAT16, [3], new Uint16Array([0x3f80, 0xc040, 0x3e80]));
    expect(bf.toNumbers()).toEqual([1, -3, 0.25]);
  });

  it('one ONNX-domain predicate', () => {
    expect(['', 'ai.onnx', 'com.microsoft', 'trt.plugins'].map(isOnnxDomain)).toEqual([true, true, false, false]);
    expect(normalizeDomain('ai.onnx')).toBe('');
    expect(normalizeDomain('com.microsoft')).toBe('com.microsoft');
  });
});
