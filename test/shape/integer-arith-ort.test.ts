/**
 * Symbolic integer arithmetic against onnxruntime: every scalar built below from two input dims
 * (`n`, `m`, with negative intermediate values) is inferred symbolically once, then evaluated at
 * several sizes and compared with what onnxruntime computes. This pins the rounding of integer
 * Div (toward zero), both Mod conventions, the sign-corrected floor division the dynamo exporter
 * writes, comparisons/Where/logic on shape scalars and the float round trips.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type AttributeValue, DType, Model, Tensor, type Value } from '../../src/ir/index.js';
import { modelToBytes } from '../../src/serde/index.js';
import { evaluateNode, inferShapes } from '../../src/shape/index.js';

const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  ints: (value: number[]): AttributeValue => ({ kind: 'ints', value }),
};

/** The graph: scalars derived from the lengths of two inputs, every one a graph output. */
function buildModel(): { model: Model; outputs: Value[]; needsBound: Set<Value> } {
  const model = new Model();
  model.opsetImports.set('', 18);
  const g = model.graph;
  const outputs: Value[] = [];
  let count = 0;
  const op = (type: string, inputs: Value[], attributes: Record<string, AttributeValue> = {}, keep = true): Value => {
    const v = g.addNode({ op: type, inputs, attributes, outputs: [`v${count++}_${type}`] }).output();
    if (keep) outputs.push(v);
    return v;
  };
  const i64 = (x: number): Value => g.addInitializer(Tensor.int64([x], []), `c${count++}`);
  const lengthOf = (name: string): Value => {
    const x = g.addInput(name, { dtype: DType.FLOAT, shape: [name] });
    return op('Squeeze', [op('Shape', [x], {}, false)], {}, false);
  };
  const n = lengthOf('n');
  const m = lengthOf('m');
  const a = op('Sub', [n, i64(40)]); // negative for n < 40
  const b = op('Sub', [m, i64(3)]); // negative for m < 3 (m = 3 is never fed: a zero divisor)
  for (const k of [7, -7]) {
    op('Div', [a, i64(k)]);
    op('Mod', [a, i64(k)]);
    op('Mod', [a, i64(k)], { fmod: attr.int(1) });
  }
  op('Div', [a, b]);
  op('Mod', [a, b]);
  op('Mod', [a, b], { fmod: attr.int(1) });
  // The exporter's sym-int floordiv: Div, valid for the non-negative (h - 1) // 32 of sizes.
  op('Add', [op('Div', [op('Sub', [n, i64(1)]), i64(32)]), i64(1)]);
  // torchlib's aten.floor_divide for signed ints: Div - ((a < 0) == (b > 0) and a % b != 0).
  for (const [x, y] of [[a, i64(7)], [a, b], [n, i64(8)]] as [Value, Value][]) {
    const offset = op('And', [
      op('Equal', [op('Less', [x, i64(0)]), op('Greater', [y, i64(0)])]),
      op('Cast', [op('Mod', [x, y])], { to: attr.int(DType.BOOL) }),
    ]);
    op('Sub', [op('Div', [x, y]), op('Cast', [offset], { to: attr.int(DType.INT64) })]);
  }
  op('Abs', [a]);
  op('Neg', [a]);
  op('Sign', [a]);
  op('Max', [a, i64(0)]);
  op('Min', [a, b]);
  op('Where', [op('Less', [a, i64(0)]), op('Neg', [a]), a]);
  op('Where', [op('GreaterOrEqual', [n, i64(16)]), n, i64(16)]);
  op('Not', [op('Equal', [a, b])]);
  op('Or', [op('LessOrEqual', [n, m]), op('Cast', [a], { to: attr.int(DType.BOOL) })]);
  op('Xor', [op('Greater', [n, m]), op('Less', [n, m])]);
  // Int32 and float forms are exact only while the values fit (n bounded): they need a range.
  const boundedFrom = outputs.length;
  const a32 = op('Cast', [a], { to: attr.int(DType.INT32) });
  op('Div', [a32, g.addInitializer(Tensor.int32([5], []), 'five')]);
  // Floor / ceil / trunc of a float quotient (div rounding_mode='floor', math.ceil(a / 7)).
  const af = op('Cast', [a], { to: attr.int(DType.FLOAT) }, false);
  const q = op('Div', [af, g.addInitializer(Tensor.float32([7], []), 'seven')], {}, false);
  op('Cast', [op('Floor', [q], {}, false)], { to: attr.int(DType.INT64) });
  op('Cast', [op('Ceil', [q], {}, false)], { to: attr.int(DType.INT64) });
  op('Cast', [q], { to: attr.int(DType.INT64) });
  op('Cast', [op('Mul', [af, g.addInitializer(Tensor.float32([3], []), 'three')], {}, false)], { to: attr.int(DType.INT64) });
  for (const v of outputs) v.type = undefined;
  g.setOutputs(outputs);
  return { model, outputs, needsBound: new Set(outputs.slice(boundedFrom)) };
}

const SIZES: [number, number][] = [[1, 1], [5, 2], [39, 10], [40, 4], [41, 1], [47, 2], [60, 9], [100, 37], [12, 12]];

async function runOrt(model: Model, n: number, m: number): Promise<Record<string, number>> {
  const session = await ort.InferenceSession.create(modelToBytes(model));
  try {
    const r = await session.run({ n: new ort.Tensor('float32', new Float32Array(n), [n]), m: new ort.Tensor('float32', new Float32Array(m), [m]) });
    return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Number((t.data as ArrayLike<number | bigint | boolean>)[0])]));
  } finally {
    await session.release();
  }
}

describe('symbolic integer arithmetic agrees with onnxruntime', () => {
  it('at every size, for every scalar inference knows', async () => {
    const { model, outputs, needsBound } = buildModel();
    // Unbounded n: every int64 scalar is known; an int32 cast could wrap and float32 holds
    // integers exactly only up to 2^24, so those stay unknown until n is bounded.
    const plain = inferShapes(model.graph);
    const bounded = inferShapes(model.graph, { inputDimRange: { max: 1 << 20 } });
    for (const v of outputs) {
      if (needsBound.has(v)) expect(plain.values(v), v.name).toBeUndefined();
      else expect(plain.values(v)?.map(String), v.name).toEqual(bounded.values(v)?.map(String));
      expect(bounded.values(v), v.name).toBeDefined();
    }
    if (process.env['SHAPE_PRINT']) for (const v of outputs) console.log(v.name, plain.values(v)?.map(String), bounded.values(v)?.map(String));
    let compared = 0;
    for (const [n, m] of SIZES) {
      const got = await runOrt(model, n, m);
      for (const v of outputs) {
        const known = bounded.values(v)!;
        expect(known[0]!.evaluate({ n, m }), `${v.name} = ${known[0]} at n=${n}, m=${m}`).toBe(got[v.name]);
        compared++;
      }
    }
    expect(compared).toBe(SIZES.length * outputs.length);
  });

  it('folds constants with the same rounding (bigint-exact for int64)', () => {
    const node = (op: string, attributes: Record<string, AttributeValue> = {}) => {
      const model = new Model();
      const g = model.graph;
      return g.addNode({ op, inputs: [g.addInput('a', { dtype: DType.INT64 }), g.addInput('b', { dtype: DType.INT64 })], attributes });
    };
    const run = (op: string, a: (number | bigint)[], b: (number | bigint)[], attributes: Record<string, AttributeValue> = {}): (number | bigint)[] | undefined =>
      evaluateNode(node(op, attributes), [Tensor.int64(a), Tensor.int64(b)])?.[0]!.toNumbers();
    expect(run('Div', [7, -7, 7, -7, -1], [2, 2, -2, -2, 32])).toEqual([3, -3, -3, 3, 0]);
    expect(run('Mod', [7, -7, 7, -7, -1], [2, 2, -2, -2, 32])).toEqual([1, 1, -1, -1, 31]);
    expect(run('Mod', [7, -7, 7, -7, -1], [2, 2, -2, -2, 32], { fmod: attr.int(1) })).toEqual([1, -1, 1, -1, -1]);
    // 2^53 + 1 is not a double: the evaluator gives up rather than round.
    expect(evaluateNode(node('Div'), [Tensor.int64([(1n << 53n) + 1n]), Tensor.int64([1n])])).toBeUndefined();
    expect(evaluateNode(node('Mul'), [Tensor.int64([1 << 30]), Tensor.int64([1 << 30])])).toBeUndefined();
    expect(run('Div', [5], [0])).toBeUndefined();
  });
});
