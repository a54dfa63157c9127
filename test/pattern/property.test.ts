/**
 * Property tests: random DAGs of elementwise ops, random sequences of rewrites. After every
 * rewrite the indexes must be consistent, the node order topological, the graph outputs keep
 * their names, and the graph must compute exactly the same numbers (all rewrites used here are
 * exact in IEEE float32 arithmetic, so equality is bitwise).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DType, Graph, Tensor, type Value, checkIndexes } from '../../src/ir/index.js';
import { type Rule, applyRule, rule } from '../../src/pattern/index.js';

const WIDTH = 4;
const UNARY = ['Neg', 'Relu', 'Identity', 'Abs'] as const;
const BINARY = ['Add', 'Mul', 'Sub'] as const;

/** A tiny float32 evaluator for the handful of ops these graphs use (scalars broadcast). */
function evaluate(graph: Graph, feeds: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const env = new Map<Value, Float32Array>();
  for (const input of graph.inputs) env.set(input, feeds.get(input.name)!);
  for (const init of graph.initializers) env.set(init, init.initializer!.data() as Float32Array);
  const read = (v: Value | undefined): Float32Array => {
    const data = v && env.get(v);
    if (!data) throw new Error(`'${v?.name}' read before it is computed (node order is not topological)`);
    return data;
  };
  const map = (inputs: readonly (Value | undefined)[], f: (...xs: number[]) => number): Float32Array => {
    const arrays = inputs.map(read);
    const out = new Float32Array(WIDTH);
    for (let i = 0; i < WIDTH; i++) out[i] = Math.fround(f(...arrays.map((a) => a[a.length === 1 ? 0 : i]!)));
    return out;
  };
  for (const node of graph.nodes) {
    const ins = node.inputs;
    let out: Float32Array;
    switch (node.opType) {
      case 'Add': out = map(ins, (a, b) => a + b); break;
      case 'Sub': out = map(ins, (a, b) => a - b); break;
      case 'Mul': out = map(ins, (a, b) => a * b); break;
      case 'Neg': out = map(ins, (a) => -a); break;
      case 'Abs': out = map(ins, (a) => Math.abs(a)); break;
      case 'Relu': out = map(ins, (a) => Math.max(a, 0)); break;
      case 'Identity': out = read(ins[0]); break;
      // The fused op rounds like the two ops it replaces, so fusion is exact.
      case 'MulAdd': out = map(ins, (x, a, b) => Math.fround(x * a) + b); break;
      default: throw new Error(`evaluator: unsupported op ${node.opType}`);
    }
    env.set(node.output(), out);
  }
  return new Map(graph.outputs.map((o) => [o.name, read(o)]));
}

/** The rewrites applied in random order. */
const RULES: Rule[] = [
  rule({ name: 'fold-identity', pattern: (op, x) => op.Identity(x), replace: (_b, m) => m.value('x') }),
  rule({ name: 'swap-add', pattern: (op, a, b) => op.Add(a, b, { _commutative: false }), replace: (b, m) => b.op.Add(m.value('b'), m.value('a')) }),
  rule({
    name: 'fuse-mul-add',
    pattern: (op, x, a, bias) => op.Add(op.Mul(x, a), bias),
    replace: (b, m) => b.op.MulAdd(m.value('x'), m.value('a'), m.value('bias'), { _domain: 'test' }),
  }),
  rule({ name: 'double-negation', pattern: (op, x) => op.Neg(op.Neg(x)), replace: (_b, m) => m.value('x') }),
  rule({ name: 'sub-to-add-neg', pattern: (op, x, y) => op.Sub(x, y), replace: (b, m) => b.op.Add(m.value('x'), b.op.Neg(m.value('y'))) }),
];

interface NodeChoice { op: string; a: number; b: number; constant: number[] | null }

const nodeChoice = fc.record({
  op: fc.constantFrom<string>(...UNARY, ...BINARY),
  a: fc.nat(),
  b: fc.nat(),
  constant: fc.option(fc.oneof(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: WIDTH, maxLength: WIDTH }), fc.tuple(fc.integer({ min: -4, max: 4 }))), { nil: null }),
});

function buildGraph(inputCount: number, choices: readonly NodeChoice[], outputPicks: readonly number[]): Graph {
  const g = new Graph();
  const values: Value[] = [];
  for (let i = 0; i < inputCount; i++) values.push(g.addInput(`x${i}`, { dtype: DType.FLOAT, shape: [WIDTH] }));
  choices.forEach((c, i) => {
    const a = values[c.a % values.length]!;
    const unary = (UNARY as readonly string[]).includes(c.op);
    const b = c.constant
      ? g.addInitializer(Tensor.float32(c.constant, c.constant.length === 1 ? [] : [WIDTH]), `k${i}`)
      : values[c.b % values.length]!;
    values.push(g.addNode({ op: c.op, inputs: unary ? [a] : [a, b], name: `n${i}` }).output());
  });
  const outputs = new Set<Value>([values[values.length - 1]!]);
  for (const pick of outputPicks) outputs.add(values[inputCount + (pick % (values.length - inputCount))]!);
  g.setOutputs([...outputs]);
  return g;
}

const feedsArb = fc.array(fc.array(fc.integer({ min: -8, max: 8 }), { minLength: WIDTH, maxLength: WIDTH }), { minLength: 3, maxLength: 3 });

describe('random rewrites preserve indexes, order, interface and numbers', () => {
  test('random DAGs, random rewrite sequences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(nodeChoice, { minLength: 1, maxLength: 14 }),
        fc.array(fc.nat(), { maxLength: 2 }),
        fc.array(fc.nat({ max: RULES.length - 1 }), { minLength: 1, maxLength: 8 }),
        feedsArb,
        (inputCount, choices, outputPicks, ruleOrder, feedValues) => {
          const g = buildGraph(inputCount, choices, outputPicks);
          const feeds = new Map(g.inputs.map((v, i) => [v.name, Float32Array.from(feedValues[i]!)]));
          const expected = evaluate(g, feeds);
          const outputNames = g.outputs.map((o) => o.name);
          for (const index of ruleOrder) {
            applyRule(g, RULES[index]!, { onRewrite: ({ root }) => checkIndexes(root) });
            checkIndexes(g);
            expect(g.outputs.map((o) => o.name)).toEqual(outputNames);
            expect(evaluate(g, feeds)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300, seed: 20240611 },
    );
  });

  test('rules run to a fixpoint leave only the sites the safety rules protect', () => {
    fc.assert(
      fc.property(fc.array(nodeChoice, { minLength: 1, maxLength: 14 }), feedsArb, (choices, feedValues) => {
        const g = buildGraph(2, choices, [1]);
        const feeds = new Map(g.inputs.map((v, i) => [v.name, Float32Array.from(feedValues[i]!)]));
        const expected = evaluate(g, feeds);
        const rules = RULES.filter((r) => r.name !== 'swap-add');
        for (let i = 0; i < 20; i++) {
          const applied = rules.reduce((n, r) => n + applyRule(g, r).applied, 0);
          if (!applied) break;
        }
        checkIndexes(g);
        expect(evaluate(g, feeds)).toEqual(expected);
        // What may remain is only what the safety rules protect: graph interface and shared values.
        const interfaceBound = (out: Value, replacement: Value): boolean =>
          out.isGraphOutput && (replacement.isGraphInput || replacement.isGraphOutput);
        const private_ = (v: Value): boolean => v.uses.length === 1 && !v.isGraphOutput;
        for (const node of g.nodes) {
          expect(node.opType).not.toBe('Sub');
          if (node.opType === 'Identity') expect(interfaceBound(node.output(), node.input(0))).toBe(true);
          const inner = node.inputs[0]?.producer;
          if (node.opType === 'Neg' && inner?.opType === 'Neg') {
            expect(!private_(inner.output()) || interfaceBound(node.output(), inner.input(0))).toBe(true);
          }
          if (node.opType === 'Add') {
            for (const v of node.inputs) expect(v?.producer?.opType === 'Mul' && private_(v)).toBe(false);
          }
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
