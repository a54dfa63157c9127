import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { DType, Graph, Model, Tensor, attr, checkIndexes } from '../../src/ir/index.js';
import { loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';

function chain(): { model: Model; g: Graph } {
  const model = new Model();
  model.opsetImports.set('', 17);
  const g = model.graph;
  const x = g.addInput('x', { dtype: DType.FLOAT, shape: ['batch', 4] });
  const a = g.addNode({ op: 'Relu', inputs: [x], name: 'a', outputs: ['a_out'] });
  const b = g.addNode({ op: 'Neg', inputs: [a.output()], name: 'b', outputs: ['b_out'] });
  const c = g.addNode({ op: 'Add', inputs: [a.output(), b.output()], name: 'c', outputs: ['y'] });
  g.setOutputs([c.output()]);
  return { model, g };
}

describe('graph mutation keeps producers and uses right', () => {
  it('tracks uses and producers', () => {
    const { g } = chain();
    const a = g.value('a_out')!;
    expect(a.producer?.name).toBe('a');
    expect(a.uses.map((u) => `${u.node.name}#${u.index}`)).toEqual(['b#0', 'c#0']);
    checkIndexes(g);
  });

  it('replaceAllUsesWith rewires readers and keeps graph output names', () => {
    const { g } = chain();
    const x = g.value('x')!;
    const id = g.addNode({ op: 'Identity', inputs: [x], name: 'id' });
    g.replaceAllUsesWith(g.value('y')!, id.output());
    expect(g.outputs[0]!.name).toBe('y');
    expect(g.outputs[0]!.producer?.name).toBe('id');
    const removed = g.cleanup();
    expect(removed.nodes).toBe(3);
    expect(g.nodes.map((n) => n.name)).toEqual(['id']);
    checkIndexes(g);
  });

  it('refuses to remove a node whose output is read, names it', () => {
    const { g } = chain();
    const a = g.nodes.find((n) => n.name === 'a')!;
    expect(() => g.removeNode(a)).toThrow(/a_out.*still used/);
  });

  it('generates unique names deterministically', () => {
    const { g } = chain();
    const v1 = g.createValue('a_out');
    const v2 = g.createValue('a_out');
    expect([v1.name, v2.name]).toEqual(['a_out_1', 'a_out_2']);
    const n1 = g.addNode({ op: 'Relu', inputs: [v1], name: 'a' });
    expect(n1.name).toBe('a_1');
  });

  it('toposort is stable and detects cycles by name', () => {
    const { g } = chain();
    const before = g.nodes.map((n) => n.name);
    g.toposort();
    expect(g.nodes.map((n) => n.name)).toEqual(before);
    const a = g.nodes.find((n) => n.name === 'a')!;
    a.setInput(0, g.value('b_out'));
    expect(() => g.toposort()).toThrow(OnnxSurgeonError);
    expect(() => g.toposort()).toThrow(/cycle through .*'a'.*'b'|cycle through .*'b'.*'a'/);
  });

  it('sorts nodes appended out of order', () => {
    const { g } = chain();
    const late = g.addNode({ op: 'Sigmoid', inputs: [g.value('x')!], name: 'late' });
    g.nodes.find((n) => n.name === 'a')!.setInput(0, late.output());
    g.toposort();
    expect(g.nodes.map((n) => n.name)).toEqual(['late', 'a', 'b', 'c']);
  });

  it('cleanup removes unused initializers and is idempotent', () => {
    const { g } = chain();
    g.addInitializer(Tensor.float32([1, 2, 3]), 'unused');
    expect(g.cleanup()).toEqual({ nodes: 0, initializers: 1 });
    expect(g.cleanup()).toEqual({ nodes: 0, initializers: 0 });
  });

  it('subgraphs read outer values, count as uses, and survive clone and round trip', () => {
    const { model, g } = chain();
    const cond = g.addInput('cond', { dtype: DType.BOOL, shape: [] });
    const thenG = new Graph('then', g);
    const inner = thenG.addNode({ op: 'Identity', inputs: [g.value('b_out')!], name: 'inner', outputs: ['then_out'] });
    thenG.setOutputs([inner.output()]);
    const elseG = new Graph('else', g);
    const inner2 = elseG.addNode({ op: 'Identity', inputs: [g.value('a_out')!], name: 'inner2', outputs: ['else_out'] });
    elseG.setOutputs([inner2.output()]);
    const iff = g.addNode({ op: 'If', inputs: [cond], name: 'if', outputs: ['z'], attributes: { then_branch: { kind: 'graph', value: thenG }, else_branch: { kind: 'graph', value: elseG } } });
    g.setOutputs([...g.outputs, iff.output()]);
    expect(g.value('b_out')!.uses.map((u) => u.node.name)).toContain('inner');
    checkIndexes(g);
    // b is read only inside the subgraph now: cleanup must keep it.
    g.nodes.find((n) => n.name === 'c')!.setInput(1, g.value('a_out'));
    g.cleanup();
    expect(g.nodes.map((n) => n.name)).toContain('b');

    const copy = model.clone();
    checkIndexes(copy.graph);
    copy.graph.nodes.find((n) => n.name === 'a')!.setAttr('x', attr.int(1));
    expect(g.nodes.find((n) => n.name === 'a')!.attributes.size).toBe(0);
    const reloaded = loadModelFromBytes(modelToBytes(model));
    checkIndexes(reloaded.graph);
    expect(Buffer.from(modelToBytes(reloaded)).equals(Buffer.from(modelToBytes(copy.clone())))).toBe(false); // copy has the extra attribute
    expect(Buffer.from(modelToBytes(reloaded)).equals(Buffer.from(modelToBytes(model)))).toBe(true);
  });

  it('a loaded model names new nodes apart from every node it has, subgraphs included', () => {
    const { model, g } = chain();
    const cond = g.addInput('cond', { dtype: DType.BOOL, shape: [] });
    const thenG = new Graph('then', g);
    thenG.setOutputs([thenG.addNode({ op: 'Identity', inputs: [g.value('a_out')!], name: 'inner', outputs: ['then_out'] }).output()]);
    const elseG = new Graph('else', g);
    elseG.setOutputs([elseG.addNode({ op: 'Identity', inputs: [g.value('b_out')!], name: 'inner_1', outputs: ['else_out'] }).output()]);
    const iff = g.addNode({ op: 'If', inputs: [cond], name: 'if', outputs: ['z'], attributes: { then_branch: { kind: 'graph', value: thenG }, else_branch: { kind: 'graph', value: elseG } } });
    g.setOutputs([...g.outputs, iff.output()]);
    const loaded = loadModelFromBytes(modelToBytes(model)).graph;
    const made = ['inner', 'a', 'if', 'fresh', 'inner'].map((name) => loaded.addNode({ op: 'Relu', inputs: [loaded.value('x')!], name }).name);
    expect(made).toEqual(['inner_2', 'a_1', 'if_1', 'fresh', 'inner_3']);
  });

  it('property: random edit sequences keep indexes equal to a recomputation', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(50), fc.nat(50), fc.nat(3)), { minLength: 1, maxLength: 40 }), (edits) => {
      const g = new Graph();
      const values = [g.addInput('in0'), g.addInput('in1')];
      for (const [i, j, kind] of edits) {
        const a = values[i % values.length]!;
        const b = values[j % values.length]!;
        if (kind === 0) values.push(g.addNode({ op: 'Add', inputs: [a, b] }).output());
        else if (kind === 1) values.push(g.addNode({ op: 'Relu', inputs: [a] }).output());
        else if (kind === 2 && a.producer && b !== a && !dependsOn(b, a)) g.replaceAllUsesWith(a, b);
        else if (kind === 3 && a.producer && b.producer) a.producer.setInput(0, b.producer === a.producer ? undefined : b);
        checkIndexes(g);
      }
      g.setOutputs([values[values.length - 1]!]);
      try {
        g.toposort();
        g.cleanup();
      } catch (e) {
        if (!(e instanceof OnnxSurgeonError)) throw e;
      }
      checkIndexes(g);
    }), { numRuns: 200 });
  });
});

function dependsOn(v: import('../../src/ir/index.js').Value, on: import('../../src/ir/index.js').Value): boolean {
  const seen = new Set<unknown>();
  const stack = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (x === on) return true;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const i of x.producer?.inputs ?? []) if (i) stack.push(i);
  }
  return false;
}
