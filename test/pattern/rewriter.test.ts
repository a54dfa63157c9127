import { describe, expect, test } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { DType, Graph, Model, Tensor, attr, checkIndexes } from '../../src/ir/index.js';
import { type ApplyOptions, applyRule, applyRules, explain, rule } from '../../src/pattern/index.js';
import { floatInput, opTypes, scalar } from './helpers.js';

const verify: ApplyOptions = { onRewrite: ({ root }) => checkIndexes(root) };

const removeIdentity = rule({ name: 'remove-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') });

const fuseMulAdd = rule({
  name: 'fuse-mul-add',
  pattern: (op, x) => op.Add(op.Mul(x, op.constant('scale')), op.constant('shift')),
  replace: (b, m) => b.op.ScaleShift(m.value('x'), m.value('scale'), m.value('shift'), { _domain: 'com.example', alpha: attr.float(1) }),
});

describe('rewriting', () => {
  test('removing an Identity chain keeps the graph output name and its type', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const relu = g.addNode({ op: 'Relu', inputs: [x], name: 'relu' });
    const i1 = g.addNode({ op: 'Identity', inputs: [relu.output()], name: 'i1' });
    const i2 = g.addNode({ op: 'Identity', inputs: [i1.output()], outputs: ['y'], outputTypes: [{ dtype: DType.FLOAT, shape: [2, 3] }], name: 'i2' });
    g.setOutputs([i2.output()]);
    const report = applyRules(g, [removeIdentity], verify);
    expect(opTypes(g)).toEqual(['Relu']);
    expect(g.outputs.map((o) => o.name)).toEqual(['y']);
    expect(g.outputs[0]!.producer).toBe(relu);
    expect(g.outputs[0]!.type).toEqual({ dtype: DType.FLOAT, shape: [2, 3] });
    expect(report.rules[0]).toMatchObject({ rule: 'remove-identity', matched: 2, applied: 2, skipped: [], rejected: [] });
    expect(report).toMatchObject({ converged: true, nodesBefore: 3, nodesAfter: 1 });
    checkIndexes(g);
  });

  test('an Identity from a graph input to a graph output stays (the interface would change)', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const id = g.addNode({ op: 'Identity', inputs: [x], outputs: ['y'], name: 'passthrough' });
    g.setOutputs([id.output()]);
    const report = applyRules(g, [removeIdentity], verify);
    expect(opTypes(g)).toEqual(['Identity']);
    expect(g.inputs.map((v) => v.name)).toEqual(['x']);
    expect(report.rules[0]!.skipped).toEqual([
      { node: 'passthrough', reason: "graph output 'y' would become graph input 'x' (the model's interface would change)" },
    ]);
    expect(report.rules[0]!.applied).toBe(0);
  });

  test('fusion builds named nodes, imports the custom domain, and removes dead constants', () => {
    const model = new Model();
    const g = model.graph;
    model.opsetImports.set('', 17);
    const x = floatInput(g, 'x');
    const mul = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 2, 'scale')], name: '/block/Mul' });
    const add = g.addNode({ op: 'Add', inputs: [scalar(g, 1, 'shift'), mul.output()], outputs: ['y'], name: '/block/Add' });
    g.setOutputs([add.output()]);
    const report = applyRules(model, [fuseMulAdd], verify);
    expect(report.rules[0]!.applied).toBe(1);
    const [fused] = g.nodes;
    expect(g.nodes).toHaveLength(1);
    expect(fused).toMatchObject({ opType: 'ScaleShift', domain: 'com.example', name: '/block/Add/ScaleShift' });
    expect(fused!.inputs.map((v) => v?.name)).toEqual(['x', 'scale', 'shift']);
    expect(fused!.attr('alpha')).toEqual({ kind: 'float', value: 1 });
    expect(fused!.output().name).toBe('y');
    expect(model.opsetImports.get('com.example')).toBe(1);
    expect(g.initializers.map((v) => v.name).sort()).toEqual(['scale', 'shift']);
  });

  test('a match whose interior value is read elsewhere is refused, with the reader named', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const mul = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 2, 'scale')], name: 'mul' });
    const add = g.addNode({ op: 'Add', inputs: [mul.output(), scalar(g, 1, 'shift')], name: 'add' });
    const spy = g.addNode({ op: 'Relu', inputs: [mul.output()], name: 'spy' });
    g.setOutputs([add.output(), spy.output()]);
    const before = opTypes(g);
    const report = applyRules(g, [fuseMulAdd], verify);
    expect(opTypes(g)).toEqual(before);
    const reason = "unsafe: 'mul_output_0' computed inside the match by 'mul' is also read by 'spy' outside it";
    expect(report.rules[0]).toMatchObject({ matched: 1, applied: 0, skipped: [{ node: 'add', reason }] });
    const why = explain(fuseMulAdd, add);
    expect(!why.ok && why.failure).toEqual({ kind: 'unsafe', message: reason, anchor: 'add' });
  });

  test('an interior value that is a graph output is refused too', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const mul = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 2, 'scale')], name: 'mul' });
    const add = g.addNode({ op: 'Add', inputs: [mul.output(), scalar(g, 1, 'shift')], name: 'add' });
    g.setOutputs([add.output(), mul.output()]);
    const report = applyRules(g, [fuseMulAdd], verify);
    expect(report.rules[0]!.skipped[0]!.reason).toBe("unsafe: 'mul_output_0' computed inside the match by 'mul' is a graph output");
  });

  test('an escaping interior value is allowed when the replacement provides it', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const mul = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 2, 'scale')], name: 'mul' });
    const add = g.addNode({ op: 'Add', inputs: [mul.output(), scalar(g, 1, 'shift')], name: 'add' });
    const spy = g.addNode({ op: 'Relu', inputs: [mul.output()], name: 'spy' });
    g.setOutputs([add.output(), spy.output()]);
    const r = rule({
      name: 'split-scale-shift',
      pattern: (op, x) => op.Add(op.Mul(x, op.constant('scale')).as('scaled'), op.constant('shift')),
      provides: ['scaled'],
      replace: (b, m) => {
        const scaled = b.op.Mul(m.value('x'), m.value('scale'));
        return { outputs: [b.op.Add(scaled, m.value('shift'))], provides: { scaled } };
      },
    });
    const report = applyRules(g, [r], { ...verify, maxIterations: 1 });
    expect(report.rules[0]!.applied).toBe(1);
    expect(spy.input(0).producer?.name).toBe('add/Mul');
    expect(mul.graph).toBeUndefined();
    expect(add.graph).toBeUndefined();
  });

  test('check rejections are reported per site; declined replacements are skipped', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const a = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 2, 'two')], name: 'by_two' });
    const b = g.addNode({ op: 'Mul', inputs: [a.output(), scalar(g, 0, 'zero')], name: 'by_zero' });
    const c = g.addNode({ op: 'Mul', inputs: [b.output(), scalar(g, 3, 'three')], name: 'by_three' });
    g.setOutputs([c.output()]);
    const r = rule({
      name: 'nonzero-scale',
      pattern: (op, x) => op.Mul(x, op.constant('k')),
      check: (m) => m.tensor('k').toNumbers()[0] !== 0 || 'scale is zero',
      replace: (_b, m) => (m.tensor('k').toNumbers()[0] === 3 ? undefined : m.value('x')),
    });
    const report = applyRules(g, [r], verify);
    expect(report.rules[0]!.rejected).toEqual([{ node: 'by_zero', reason: 'check failed: scale is zero' }]);
    expect(report.rules[0]!.skipped).toEqual([{ node: 'by_three', reason: 'the replacement declined' }]);
    expect(report.rules[0]!.applied).toBe(1);
    expect(opTypes(g)).toEqual(['Mul', 'Mul']);
    expect(b.input(0)).toBe(x);
  });

  test('a replacement that throws leaves the graph as it was and the error names the site', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const relu = g.addNode({ op: 'Relu', inputs: [x], name: 'relu' });
    g.setOutputs([relu.output()]);
    const r = rule({
      name: 'broken',
      pattern: (op, x) => op.Relu(x),
      replace: (b, m) => {
        b.op.Neg(m.value('x'));
        b.initializer(Tensor.float32([1]), 'one');
        return b.op.Abs(m.value('typo'));
      },
    });
    expect(() => applyRules(g, [r])).toThrow(OnnxSurgeonError);
    expect(() => applyRules(g, [r])).toThrow(/node 'relu'.*no capture 'typo'/);
    expect(opTypes(g)).toEqual(['Relu']);
    expect(g.initializers).toHaveLength(0);
    checkIndexes(g);
  });

  test('returning the wrong number of outputs is a usage error and leaves the graph unchanged', () => {
    const g = new Graph();
    const relu = g.addNode({ op: 'Relu', inputs: [floatInput(g, 'x')], name: 'relu' });
    g.setOutputs([relu.output()]);
    const r = rule({ name: 'two', pattern: (op, x) => op.Relu(x), replace: (b, m) => [b.op.Neg(m.value('x')), b.op.Abs(m.value('x'))] });
    expect(() => applyRules(g, [r])).toThrow(/returned 2 value\(s\) for 1 pattern output/);
    expect(opTypes(g)).toEqual(['Relu']);
  });

  test('applying a converged rule set again changes nothing (idempotence)', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    let v = x;
    for (let i = 0; i < 3; i++) {
      v = g.addNode({ op: 'Identity', inputs: [v], name: `id${i}` }).output();
      v = g.addNode({ op: 'Mul', inputs: [v, scalar(g, 2, `s${i}`)], name: `mul${i}` }).output();
      v = g.addNode({ op: 'Add', inputs: [v, scalar(g, 1, `b${i}`)], name: `add${i}` }).output();
    }
    g.setOutputs([v]);
    const first = applyRules(g, [removeIdentity, fuseMulAdd], verify);
    expect(first.rules.map((r) => r.applied)).toEqual([3, 3]);
    const snapshot = g.nodes.map((n) => `${n.opType}:${n.inputs.map((i) => i?.name).join(',')}`);
    const second = applyRules(g, [removeIdentity, fuseMulAdd], verify);
    expect(second.rules.map((r) => r.applied)).toEqual([0, 0]);
    expect(second.iterations).toBe(1);
    expect(g.nodes.map((n) => `${n.opType}:${n.inputs.map((i) => i?.name).join(',')}`)).toEqual(snapshot);
  });

  test('rules that feed each other run to a fixpoint, and the node order stays topological', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    // Identity between Mul and Add hides the fusion until the Identity is gone.
    const mul = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 2, 's')], name: 'mul' });
    const id = g.addNode({ op: 'Identity', inputs: [mul.output()], name: 'id' });
    const add = g.addNode({ op: 'Add', inputs: [id.output(), scalar(g, 1, 'b')], name: 'add' });
    const tail = g.addNode({ op: 'Relu', inputs: [add.output()], name: 'tail' });
    g.setOutputs([tail.output()]);
    const report = applyRules(g, [fuseMulAdd, removeIdentity], verify);
    expect(opTypes(g)).toEqual(['ScaleShift', 'Relu']);
    expect(report.iterations).toBe(3);
    const limited = (() => {
      const h = new Graph();
      const y = floatInput(h, 'x');
      const m = h.addNode({ op: 'Mul', inputs: [y, scalar(h, 2, 's')], name: 'mul' });
      const i = h.addNode({ op: 'Identity', inputs: [m.output()], name: 'id' });
      const a = h.addNode({ op: 'Add', inputs: [i.output(), scalar(h, 1, 'b')], name: 'add' });
      h.setOutputs([a.output()]);
      return applyRules(h, [fuseMulAdd, removeIdentity], { maxIterations: 1 });
    })();
    expect(limited.converged).toBe(false);
  });

  test('subgraphs of If are rewritten too, and outer values stay untouched', () => {
    const model = new Model();
    const g = model.graph;
    const cond = g.addInput('cond', { dtype: DType.BOOL, shape: [] });
    const x = floatInput(g, 'x');
    const thenBranch = new Graph('then', g);
    const id = thenBranch.addNode({ op: 'Identity', inputs: [x], name: 'then_id' });
    const neg = thenBranch.addNode({ op: 'Neg', inputs: [id.output()], name: 'then_neg' });
    thenBranch.setOutputs([neg.output()]);
    const elseBranch = new Graph('else', g);
    const relu = elseBranch.addNode({ op: 'Relu', inputs: [x], name: 'else_relu' });
    elseBranch.setOutputs([relu.output()]);
    const ifNode = g.addNode({ op: 'If', inputs: [cond], attributes: { then_branch: { kind: 'graph', value: thenBranch }, else_branch: { kind: 'graph', value: elseBranch } }, name: 'if' });
    g.setOutputs([ifNode.output()]);
    const report = applyRules(model, [removeIdentity], verify);
    expect(report.rules[0]!.applied).toBe(1);
    expect(thenBranch.nodes.map((n) => n.opType)).toEqual(['Neg']);
    expect(neg.input(0)).toBe(x);
    checkIndexes(g);
    const noRecurse = applyRule(thenBranch, removeIdentity);
    expect(noRecurse.applied).toBe(0);
  });

  test('the builder makes multi-output nodes, initializers and typed attributes', () => {
    const model = new Model();
    const g = model.graph;
    const x = floatInput(g, 'x', [4]);
    const neg = g.addNode({ op: 'Neg', inputs: [x], name: 'neg' });
    g.setOutputs([neg.output()]);
    const r = rule({
      name: 'split-and-join',
      pattern: (op, x) => op.Neg(x),
      replace: (b, m) => {
        const split = b.node({ op: 'Split', inputs: [m.value('x')], outputs: 2, attributes: { axis: attr.int(0) } });
        const halves = split.outputs.map((h) => b.op.Neg(h));
        b.requireOpset('com.example', 3);
        const joined = b.op.Concat(halves[0], halves[1], { axis: 0, _name: 'join' });
        return b.op.Mul(joined, b.initializer(Tensor.float32([1]), 'one'), { note: 'x', ratios: [0.5, 2], perm: [1, 0], names: ['a', 'b'] });
      },
    });
    applyRules(model, [r], { ...verify, maxIterations: 1 });
    expect(opTypes(g)).toEqual(['Split', 'Neg', 'Neg', 'Concat', 'Mul']);
    expect(g.nodes.map((n) => n.name)).toEqual(['neg/Split', 'neg/Neg', 'neg/Neg_1', 'join', 'neg/Mul']);
    const mul = g.nodes[4]!;
    expect(mul.attrString('note')).toBe('x');
    expect(mul.attr('ratios')).toEqual({ kind: 'floats', value: [0.5, 2] });
    expect(mul.attrInts('perm')).toEqual([1, 0]);
    expect(mul.attr('names')?.kind).toBe('strings');
    expect(mul.input(1).initializer?.toNumbers()).toEqual([1]);
    expect(mul.input(1).name).toBe('neg/one');
    expect(model.opsetImports.get('com.example')).toBe(3);
    expect(g.outputs[0]!.producer).toBe(mul);
  });
});
