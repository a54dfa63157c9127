import { describe, expect, test } from 'vitest';
import { DType, Graph, Tensor, attr, attrNumber } from '../../src/ir/index.js';
import { explain, explainAll, findMatches, matchAt, pattern } from '../../src/pattern/index.js';
import { floatInput, scalar } from './helpers.js';

describe('basic structure and captures', () => {
  test('Mul(Sub(x, 1), scale) binds x and scale and lists the matched nodes', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const s = floatInput(g, 's');
    const sub = g.addNode({ op: 'Sub', inputs: [x, scalar(g, 1, 'one')], name: 'sub' });
    const mul = g.addNode({ op: 'Mul', inputs: [sub.output(), s], name: 'mul' });
    g.setOutputs([mul.output()]);
    const p = pattern((op, x) => op.Mul(op.Sub(x, 1), op.any('scale')));
    expect(p.toString()).toBe('Mul(Sub(x, 1), scale)');
    const [m, ...rest] = findMatches(g, p);
    expect(rest).toHaveLength(0);
    expect(m!.value('x')).toBe(x);
    expect(m!.value('scale')).toBe(s);
    expect(m!.nodes.map((n) => n.name)).toEqual(['sub', 'mul']);
    expect(m!.outputs).toEqual([mul.output()]);
    expect(m!.anchor).toBe(mul);
  });

  test('a wildcard used twice must be the same value', () => {
    const g = new Graph();
    const a = floatInput(g, 'a');
    const b = floatInput(g, 'b');
    const square = g.addNode({ op: 'Mul', inputs: [a, a], name: 'square' });
    const product = g.addNode({ op: 'Mul', inputs: [a, b], name: 'product' });
    g.setOutputs([square.output(), product.output()]);
    const p = pattern((op, x) => op.Mul(x, x));
    expect(findMatches(g, p).map((m) => m.anchor.name)).toEqual(['square']);
    const why = explain(p, product);
    expect(why.ok).toBe(false);
    if (!why.ok) expect(why.failure.message).toMatch(/is graph input '(a|b)', but the pattern needs the same value there as its 'x', graph input '(a|b)'$/);
  });

  test('capture accessors fail loudly on unknown names and list the known ones', () => {
    const g = new Graph();
    const relu = g.addNode({ op: 'Relu', inputs: [floatInput(g, 'x')], name: 'r' });
    g.setOutputs([relu.output()]);
    const [m] = findMatches(g, pattern((op, x) => op.Relu(x).as('act')));
    expect(m!.node('act')).toBe(relu);
    expect(() => m!.value('nope')).toThrow(/no capture 'nope'.*one of 'act', 'x'/);
    expect(m!.has('x')).toBe(true);
    expect(m!.has('nope')).toBe(false);
  });

  test('parameter names come from the function, or from options.inputs', () => {
    const p1 = pattern((op, query, key) => op.MatMul(query, key));
    expect(p1.inputs.map((i) => i.captureName)).toEqual(['query', 'key']);
    const p2 = pattern(function named(op, left, right) { return op.Add(left, right); });
    expect(p2.inputs.map((i) => i.captureName)).toEqual(['left', 'right']);
    const p3 = pattern((op, a) => op.Neg(a), { inputs: ['renamed'] });
    expect(p3.inputs.map((i) => i.captureName)).toEqual(['renamed']);
  });

  test('a pattern must be rooted at an op', () => {
    expect(() => pattern((op) => op.any('x'))).toThrow(/must be an op/);
  });
});

describe('commutative ops', () => {
  test('Add(Mul(x, 2), -1) matches Add(-1, Mul(2, x)) and the operand order is irrelevant', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const mul = g.addNode({ op: 'Mul', inputs: [scalar(g, 2, 'two'), x], name: 'mul' });
    const add = g.addNode({ op: 'Add', inputs: [scalar(g, -1, 'minus_one'), mul.output()], name: 'add' });
    g.setOutputs([add.output()]);
    const p = pattern((op, x) => op.Add(op.Mul(x, 2), -1));
    const [m] = findMatches(g, p);
    expect(m?.value('x')).toBe(x);
  });

  test('a non-commutative op keeps its order: Sub(x, 1) does not match Sub(1, x)', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const sub = g.addNode({ op: 'Sub', inputs: [scalar(g, 1, 'one'), x], name: 'sub' });
    g.setOutputs([sub.output()]);
    const p = pattern((op, x) => op.Sub(x, 1));
    expect(findMatches(g, p)).toHaveLength(0);
    const why = explain(p, sub);
    expect(!why.ok && why.failure.message).toBe("input 1 of 'sub' is graph input 'x', expected the constant 1");
  });

  test('a check can reject one operand order and accept the other', () => {
    const g = new Graph();
    const a = floatInput(g, 'a');
    const b = floatInput(g, 'b', [4]);
    const add = g.addNode({ op: 'Add', inputs: [a, b], name: 'add' });
    g.setOutputs([add.output()]);
    const p = pattern((op, first, second) => op.Add(first, second));
    const attempt = matchAt(p, add, { check: (m) => m.value('first').type?.shape?.length === 1 });
    expect(attempt.ok && attempt.captures.value('first')).toBe(b);
  });

  test('Sum with three inputs matches any permutation', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const relu = g.addNode({ op: 'Relu', inputs: [x], name: 'relu' });
    const neg = g.addNode({ op: 'Neg', inputs: [x], name: 'neg' });
    const sum = g.addNode({ op: 'Sum', inputs: [neg.output(), x, relu.output()], name: 'sum' });
    g.setOutputs([sum.output()]);
    const p = pattern((op, x) => op.Sum(op.Relu(x), op.Neg(x), x));
    expect(findMatches(g, p)).toHaveLength(1);
    const strict = pattern((op, x) => op.Sum(op.Relu(x), op.Neg(x), x, { _commutative: false }));
    expect(findMatches(g, strict)).toHaveLength(0);
  });
});

describe('attributes, domains, optional inputs, leaves', () => {
  const softmaxGraph = (axis?: number): { g: Graph; node: ReturnType<Graph['addNode']> } => {
    const g = new Graph();
    const node = g.addNode({ op: 'Softmax', inputs: [floatInput(g, 'x')], name: 'sm', ...(axis === undefined ? {} : { attributes: { axis: attr.int(axis) } }) });
    g.setOutputs([node.output()]);
    return { g, node };
  };

  test('exact attribute values, with a readable mismatch', () => {
    const p = pattern((op, x) => op.Softmax(x, { axis: -1 }));
    expect(findMatches(softmaxGraph(-1).g, p)).toHaveLength(1);
    const { node } = softmaxGraph(1);
    const why = explain(p, node);
    expect(!why.ok && why.failure.message).toBe("attribute 'axis' of 'sm' is 1, expected -1");
    const absent = explain(p, softmaxGraph().node);
    expect(!absent.ok && absent.failure.message).toBe("attribute 'axis' of 'sm' is absent, expected -1");
  });

  test('attribute predicates handle defaults; lists and strings compare exactly', () => {
    const p = pattern((op, x) => op.Softmax(x, { axis: (a) => a === undefined || attrNumber(a) === -1 || 'not the last axis' }));
    expect(findMatches(softmaxGraph().g, p)).toHaveLength(1);
    expect(findMatches(softmaxGraph(-1).g, p)).toHaveLength(1);
    const why = explain(p, softmaxGraph(0).node);
    expect(!why.ok && why.failure.message).toBe("attribute 'axis' of 'sm' is 0: not the last axis");

    const g = new Graph();
    const t = g.addNode({ op: 'Transpose', inputs: [floatInput(g, 'x', [1, 2, 3])], attributes: { perm: attr.ints([0, 2, 1]) }, name: 't' });
    const r = g.addNode({ op: 'Resize', inputs: [t.output()], attributes: { mode: attr.string('linear') }, name: 'r' });
    g.setOutputs([r.output()]);
    expect(findMatches(g, pattern((op, x) => op.Resize(op.Transpose(x, { perm: [0, 2, 1] }), { mode: 'linear' })))).toHaveLength(1);
    const wrong = pattern((op, x) => op.Resize(op.Transpose(x, { perm: [0, 1, 2] })));
    const why2 = explain(wrong, r);
    expect(!why2.ok && why2.failure.message).toBe("attribute 'perm' of 't' is [0,2,1], expected [0,1,2]");
    const exact = pattern((op, x) => op.Resize(x, { _exactAttributes: true }));
    const why3 = explain(exact, r);
    expect(!why3.ok && why3.failure.message).toBe("'r' has attribute 'mode', which the pattern does not allow");
  });

  test('domains: custom domains must match; ai.onnx equals the default domain', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const custom = g.addNode({ op: 'Gelu', domain: 'com.microsoft', inputs: [x], name: 'gelu_ms' });
    const std = g.addNode({ op: 'Relu', domain: 'ai.onnx', inputs: [custom.output()], name: 'relu' });
    g.setOutputs([std.output()]);
    expect(findMatches(g, pattern((op, x) => op.Relu(x)))).toHaveLength(1);
    expect(findMatches(g, pattern((op, x) => op.domain('com.microsoft').Gelu(x)))).toHaveLength(1);
    expect(findMatches(g, pattern((op, x) => op.Gelu(x, { _domain: 'com.microsoft' })))).toHaveLength(1);
    const plain = pattern((op, x) => op.Relu(op.Gelu(x)));
    const why = explain(plain, std);
    expect(!why.ok && why.failure.message).toBe("input 0 of 'relu' is produced by 'com.microsoft.Gelu' ('gelu_ms'), expected 'Gelu'");
  });

  test('optional inputs match present and omitted inputs', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const lo = scalar(g, 0, 'lo');
    const clipBare = g.addNode({ op: 'Clip', inputs: [x], name: 'bare' });
    const clipMax = g.addNode({ op: 'Clip', inputs: [clipBare.output(), undefined, scalar(g, 6, 'hi')], name: 'max_only' });
    const clipBoth = g.addNode({ op: 'Clip', inputs: [clipMax.output(), lo, scalar(g, 6, 'hi6')], name: 'both' });
    g.setOutputs([clipBoth.output()]);
    const p = pattern((op, x) => op.Clip(x, op.optional(op.any('min')), op.optional(op.const(6, { name: 'max' }))));
    const ms = findMatches(g, p);
    expect(ms.map((m) => m.anchor.name)).toEqual(['bare', 'max_only', 'both']);
    expect(ms.map((m) => m.optionalValue('min')?.name)).toEqual([undefined, undefined, 'lo']);
    expect(ms.map((m) => m.has('max'))).toEqual([false, true, true]);
    expect(ms[1]!.tensor('max').toNumbers()).toEqual([6]);
    const required = pattern((op, x) => op.Clip(x, op.any('min')));
    const why = explain(required, clipBare);
    expect(!why.ok && why.failure.message).toBe("input 1 of 'bare' is omitted, expected min");
    const tooMany = explain(pattern((op, x) => op.Clip(x)), clipBoth);
    expect(!tooMany.ok && tooMany.failure.message).toBe("'both' has 3 inputs, expected 1");
  });

  test('graph-input and initializer leaves', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const w = g.addInitializer(Tensor.float32([1, 2, 3, 4, 5, 6], [3, 2]), 'w');
    const mm = g.addNode({ op: 'MatMul', inputs: [x, w], name: 'mm' });
    const mm2 = g.addNode({ op: 'MatMul', inputs: [mm.output(), floatInput(g, 'y', [2, 2])], name: 'mm2' });
    g.setOutputs([mm2.output()]);
    const p = pattern((op) => op.MatMul(op.input('a'), op.initializer('w')));
    expect(findMatches(g, p).map((m) => m.anchor.name)).toEqual(['mm']);
    const why = explain(p, mm2);
    expect(!why.ok && why.failure.message).toBe("input 0 of 'mm2' is 'mm_output_0' (from 'MatMul' 'mm'), expected a graph input");
  });
});

describe('constants', () => {
  test('op.const matches initializers and Constant nodes, scalar or broadcast-equal', () => {
    const g = new Graph();
    const x = floatInput(g, 'x', [3]);
    const fromInit = g.addNode({ op: 'Mul', inputs: [x, g.addInitializer(Tensor.float32([0.5, 0.5, 0.5]), 'halves')], name: 'init' });
    const k = g.addNode({ op: 'Constant', attributes: { value: attr.tensor(Tensor.float32([0.5], [])) }, name: 'k' });
    const fromNode = g.addNode({ op: 'Mul', inputs: [fromInit.output(), k.output()], name: 'node' });
    const kf = g.addNode({ op: 'Constant', attributes: { value_float: attr.float(0.5) }, name: 'kf' });
    const fromFloat = g.addNode({ op: 'Mul', inputs: [fromNode.output(), kf.output()], name: 'float_attr' });
    const mixed = g.addNode({ op: 'Mul', inputs: [fromFloat.output(), g.addInitializer(Tensor.float32([0.5, 1, 0.5]), 'mixed')], name: 'mixed' });
    g.setOutputs([mixed.output()]);
    const p = pattern((op, x) => op.Mul(x, 0.5));
    expect(findMatches(g, p).map((m) => m.anchor.name)).toEqual(['init', 'node', 'float_attr']);
    const why = explain(p, mixed);
    expect(!why.ok && why.failure.message).toBe("input 1 of 'mixed' is the constant [0.5, 1, 0.5], expected 0.5");
    const list = pattern((op, x) => op.Mul(x, [0.5, 1, 0.5]));
    expect(findMatches(g, list).map((m) => m.anchor.name)).toEqual(['mixed']);
  });

  test('int64 and float16 constants compare by value; graph-input initializers are not constants', () => {
    const g = new Graph();
    const x = floatInput(g, 'x', [4]);
    const shape = g.addInitializer(Tensor.int64([2, 2]), 'shape');
    const reshape = g.addNode({ op: 'Reshape', inputs: [x, shape], name: 'reshape' });
    const half = g.addInitializer(Tensor.fromArray(DType.FLOAT16, [], new Uint16Array([0x3800])), 'half'); // 0.5
    const mul = g.addNode({ op: 'Mul', inputs: [reshape.output(), half], name: 'mul' });
    const overridable = g.addInput('bias', { dtype: DType.FLOAT, shape: [] });
    g.attachInitializer(overridable, Tensor.float32([1], []));
    const add = g.addNode({ op: 'Add', inputs: [mul.output(), overridable], name: 'add' });
    g.setOutputs([add.output()]);
    expect(findMatches(g, pattern((op, x) => op.Reshape(x, [2, 2])))).toHaveLength(1);
    expect(findMatches(g, pattern((op, x) => op.Mul(x, 0.5)))).toHaveLength(1);
    const bias = pattern((op, x) => op.Add(x, op.constant('b')));
    const why = explain(bias, add);
    expect(!why.ok && why.failure.message).toMatch(/input [01] of 'add' is graph input 'bias', expected the constant const\(b\)/);
  });

  test('op.constant captures the tensor and runs its predicate', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const div = g.addNode({ op: 'Div', inputs: [x, scalar(g, 8, 'eight')], name: 'div' });
    g.setOutputs([div.output()]);
    const p = pattern((op, x) => op.Div(x, op.constant('d', (t) => t.size === 1 || 'not a scalar')));
    const [m] = findMatches(g, p);
    expect(m!.tensor('d').toNumbers()).toEqual([8]);
    const vector = pattern((op, x) => op.Div(x, op.constant('d', (t) => t.size === 4 || `has ${t.size} element(s)`)));
    const why = explain(vector, div);
    expect(!why.ok && why.failure.message).toBe("input 1 of 'div' is the constant 8: has 1 element(s)");
  });
});

describe('oneOf', () => {
  const build = (form: 'sub' | 'add'): Graph => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    if (form === 'sub') {
      const mul = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 2, 'two')], name: 'mul' });
      const sub = g.addNode({ op: 'Sub', inputs: [mul.output(), scalar(g, 1, 'one')], name: 'sub' });
      const relu = g.addNode({ op: 'Relu', inputs: [sub.output()], name: 'relu' });
      g.setOutputs([relu.output()]);
    } else {
      const mul = g.addNode({ op: 'Mul', inputs: [scalar(g, 2, 'two'), x], name: 'mul' });
      const add = g.addNode({ op: 'Add', inputs: [mul.output(), scalar(g, -1, 'minus_one')], name: 'add' });
      const relu = g.addNode({ op: 'Relu', inputs: [add.output()], name: 'relu' });
      g.setOutputs([relu.output()]);
    }
    return g;
  };
  const p = pattern((op, x) => {
    const doubled = op.Mul(x, 2);
    return op.Relu(op.oneOf(op.Sub(doubled, 1), op.Add(doubled, -1)).as('twoXMinus1'));
  });

  test('both exporter spellings of 2x-1 match one pattern, and the choice is reported', () => {
    for (const [form, choice] of [['sub', 0], ['add', 1]] as const) {
      const g = build(form);
      const [m] = findMatches(g, p);
      expect(m?.value('x')).toBe(g.value('x'));
      expect(m?.choice('twoXMinus1')).toBe(choice);
      expect(m?.nodes).toHaveLength(3);
    }
  });

  test('the failure shown is the deepest one among the alternatives', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const mul = g.addNode({ op: 'Mul', inputs: [x, scalar(g, 3, 'three')], name: 'mul' });
    const add = g.addNode({ op: 'Add', inputs: [mul.output(), scalar(g, -1, 'minus_one')], name: 'add' });
    const relu = g.addNode({ op: 'Relu', inputs: [add.output()], name: 'relu' });
    g.setOutputs([relu.output()]);
    const why = explain(p, relu);
    expect(!why.ok && why.failure.message).toMatch(/input [01] of 'mul' is (the constant 3, expected 2|graph input 'x', expected the constant 2)/);
  });
});

describe('repeat', () => {
  /** Concat of per-level branches Mul(value, w_i), the shape of a multi-level gather. */
  const build = (levels: number, sharedValue = true): { g: Graph; concat: ReturnType<Graph['addNode']> } => {
    const g = new Graph();
    const value = floatInput(g, 'value');
    const other = floatInput(g, 'other');
    const branches = Array.from({ length: levels }, (_, i) => {
      const w = floatInput(g, `w${i}`);
      const src = sharedValue || i === 0 ? value : other;
      return g.addNode({ op: 'Mul', inputs: [src, w], name: `level${i}` }).output();
    });
    const concat = g.addNode({ op: 'Concat', inputs: [floatInput(g, 'prefix'), ...branches], attributes: { axis: attr.int(1) }, name: 'concat' });
    g.setOutputs([concat.output()]);
    return { g, concat };
  };
  const p = pattern((op, value) =>
    op.Concat(op.any('prefix'), op.repeat((op) => op.Mul(value, op.any('w')).as('branch'), { min: 2, max: 4 }).as('levels'), { axis: 1 }));

  test('shared captures bind once; per-copy captures become lists', () => {
    const { g } = build(3);
    const [m] = findMatches(g, p);
    expect(m!.value('value').name).toBe('value');
    expect(m!.valueList('w').map((v) => v?.name)).toEqual(['w0', 'w1', 'w2']);
    expect(m!.nodeList('branch').map((n) => n.name)).toEqual(['level0', 'level1', 'level2']);
    expect(m!.count('levels')).toBe(3);
    expect(m!.nodes).toHaveLength(4);
    expect(m!.value('prefix').name).toBe('prefix');
  });

  test('a shared capture that differs between copies fails, naming both values', () => {
    const { concat } = build(3, false);
    const why = explain(p, concat);
    expect(!why.ok && why.failure.message).toMatch(/input [01] of 'level1' is graph input '(other|w1)', but the pattern needs the same value there as its 'value', graph input 'value'$/);
  });

  test('copy counts outside min..max are refused with the count', () => {
    const why = explain(p, build(5).concat);
    expect(!why.ok && why.failure.message).toBe("'concat' has 6 inputs, so 5 copies of the repeat, expected 2..4");
    expect(findMatches(build(1).g, p)).toHaveLength(0);
    expect(findMatches(build(2).g, p)).toHaveLength(1);
  });

  test('long repeats (hundreds of copies) match without exhausting the stack', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const branches = Array.from({ length: 500 }, (_, i) => g.addNode({ op: 'Relu', inputs: [g.addNode({ op: 'Neg', inputs: [x], name: `neg${i}` }).output()], name: `relu${i}` }).output());
    const concat = g.addNode({ op: 'Concat', inputs: branches, name: 'concat' });
    g.setOutputs([concat.output()]);
    const p = pattern((op, x) => op.Concat(op.repeat((op) => op.Relu(op.Neg(x).as('negated'))).as('n')));
    const [m] = findMatches(g, p);
    expect(m!.count('n')).toBe(500);
    expect(m!.nodeList('negated').map((n) => n.name).slice(-2)).toEqual(['neg498', 'neg499']);
    expect(m!.nodes).toHaveLength(1001);
  });

  test('names listed in shared bind once even when created inside the body', () => {
    const g = new Graph();
    const value = floatInput(g, 'value');
    const scale = scalar(g, 2, 'scale');
    const a = g.addNode({ op: 'Mul', inputs: [value, scale], name: 'a' }).output();
    const b = g.addNode({ op: 'Mul', inputs: [value, scale], name: 'b' }).output();
    const concat = g.addNode({ op: 'Concat', inputs: [a, b], attributes: { axis: attr.int(0) }, name: 'concat' });
    g.setOutputs([concat.output()]);
    const shared = pattern((op, value) => op.Concat(op.repeat((op) => op.Mul(value, op.constant('scale')), { shared: ['scale'] })));
    const [m] = findMatches(g, shared);
    expect(m!.tensor('scale').toNumbers()).toEqual([2]);
    const perCopy = pattern((op, value) => op.Concat(op.repeat((op) => op.Mul(value, op.constant('scale')))));
    const [m2] = findMatches(g, perCopy);
    expect(m2!.tensorList('scale').map((t) => t.toNumbers()[0])).toEqual([2, 2]);
  });
});

describe('multi-output nodes and multi-output patterns', () => {
  test('Split outputs: output(k) is output k of the same node', () => {
    const g = new Graph();
    const x = floatInput(g, 'x', [4]);
    const split = g.addNode({ op: 'Split', inputs: [x], outputs: 2, name: 'split' });
    const mul = g.addNode({ op: 'Mul', inputs: [split.output(1), split.output(0)], name: 'mul' });
    const swapped = g.addNode({ op: 'Sub', inputs: [split.output(1), split.output(0)], name: 'sub' });
    g.setOutputs([mul.output(), swapped.output()]);
    const halves = pattern((op, x) => {
      const s = op.Split(x, { _outputs: 2 });
      return op.Sub(s.output(0), s.output(1));
    });
    expect(findMatches(g, halves)).toHaveLength(0);
    const why = explain(halves, swapped);
    expect(!why.ok && why.failure.message).toBe("input 0 of 'sub' is output 1 of 'split', expected output 0 of 'Split'");
    const product = pattern((op, x) => {
      const s = op.Split(x, { _outputs: 2 });
      return op.Mul(s, s.output(1));
    });
    expect(findMatches(g, product)).toHaveLength(1);
  });

  test('a pattern with two outputs finds the second one forward from a shared input', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const sig = g.addNode({ op: 'Sigmoid', inputs: [x], name: 'sig' });
    const tanh = g.addNode({ op: 'Tanh', inputs: [x], name: 'tanh' });
    g.setOutputs([sig.output(), tanh.output()]);
    const p = pattern((op, x) => [op.Sigmoid(x), op.Tanh(x)]);
    const [m] = findMatches(g, p);
    expect(m!.outputs.map((v) => v.producer?.name)).toEqual(['sig', 'tanh']);
    const missing = pattern((op, x) => [op.Sigmoid(x), op.Exp(x)]);
    const why = explain(missing, sig);
    expect(!why.ok && why.failure.message).toBe("no consumer of 'x' matches pattern output 1 (Exp(x))");
  });
});

describe('search', () => {
  test('matches are non-overlapping and in graph order of their anchors', () => {
    const g = new Graph();
    let v = floatInput(g, 'x');
    for (let i = 0; i < 5; i++) v = g.addNode({ op: 'Relu', inputs: [v], name: `r${i}` }).output();
    g.setOutputs([v]);
    const p = pattern((op, x) => op.Relu(op.Relu(x)));
    expect(findMatches(g, p).map((m) => m.nodes.map((n) => n.name).join('+'))).toEqual(['r0+r1', 'r2+r3']);
    const failures: string[] = [];
    findMatches(g, p, { trace: true, onFailure: (node, f) => failures.push(`${node.name}: ${f.message}`) });
    expect(failures).toEqual([
      "r0: input 0 of 'r0' is graph input 'x', expected the output of 'Relu'",
      "r2: 'r1' is already part of another match",
      "r4: 'r3' is already part of another match",
    ]);
  });

  test('explainAll lists the reason for every candidate', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const a = g.addNode({ op: 'Add', inputs: [x, x], name: 'a' });
    const b = g.addNode({ op: 'Add', inputs: [a.output(), scalar(g, 1, 'one')], name: 'b' });
    g.setOutputs([b.output()]);
    const reasons = explainAll(g, pattern((op, x) => op.Add(op.Exp(x), 1))).map(({ node, attempt }) => [node.name, attempt.ok ? 'ok' : attempt.failure.message]);
    expect(reasons).toEqual([
      ['a', "input 0 of 'a' is graph input 'x', expected the output of 'Exp'"],
      ['b', "input 0 of 'b' is produced by 'Add' ('a'), expected 'Exp'"],
    ]);
  });

  test('a oneOf at the root anchors on every alternative op, in graph order', () => {
    const g = new Graph();
    const x = floatInput(g, 'x');
    const a = g.addNode({ op: 'Relu', inputs: [x], name: 'a' });
    const b = g.addNode({ op: 'Sigmoid', inputs: [a.output()], name: 'b' });
    const c = g.addNode({ op: 'Relu', inputs: [b.output()], name: 'c' });
    g.setOutputs([c.output()]);
    const p = pattern((op, x) => op.oneOf(op.Sigmoid(x), op.Relu(x)));
    expect(p.anchorOps()).toEqual([{ op: 'Sigmoid', domain: '' }, { op: 'Relu', domain: '' }]);
    expect(findMatches(g, p).map((m) => m.anchor.name)).toEqual(['a', 'b', 'c']);
  });
});
