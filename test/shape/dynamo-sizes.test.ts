/**
 * A hand-built graph in the dynamo exporter's style: an image goes through a stride-32 Conv/Pool
 * stem, three levels are flattened into one value tensor, and the same level sizes are also
 * computed the way dynamo writes them, as integer arithmetic on Shape(image): `(h - 1) // s + 1`
 * through truncating Div, torchlib's sign-corrected floor_divide, and the float form
 * `Cast(Floor(Div(Cast(h), s)))`. Inference must identify the two spellings of the token count,
 * refuse the identity where it does not hold (no Conv: h = 0 is admissible), and agree with
 * onnxruntime at several sizes.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { type AttributeValue, DType, Model, Tensor, type Value } from '../../src/ir/index.js';
import { DimExpr, inferShapes } from '../../src/shape/index.js';
import { seededRandom } from '../../src/random.js';
import { compareWithOrt, intermediateValues, runWithOutputs } from './ort-probe.js';

const ints = (value: number[]): AttributeValue => ({ kind: 'ints', value });
const int = (value: number): AttributeValue => ({ kind: 'int', value });

interface Built {
  model: Model;
  /** Token count of the flattened Conv levels. */
  value: Value;
  /** Reshape target whose element 1 is dynamo's token count. */
  target: Value;
  /** The three spellings of the stride-8 level height. */
  heights: Value[];
}

function build(convLive: boolean): Built {
  const model = new Model();
  model.opsetImports.set('', 18);
  const g = model.graph;
  let n = 0;
  const op = (type: string, inputs: (Value | undefined)[], attributes: Record<string, AttributeValue> = {}): Value =>
    g.addNode({ op: type, inputs, attributes, outputs: [`${type}_${n++}`] }).output();
  const i64 = (values: number[], dims?: number[]): Value => g.addInitializer(Tensor.int64(values, dims), `i${n++}`);
  const weight = (shape: number[]): Value => {
    const next = seededRandom(n);
    return g.addInitializer(Tensor.float32(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() - 0.5), shape), `w${n++}`);
  };
  const image = g.addInput('image', { dtype: DType.FLOAT, shape: ['n', 3, 'h', 'w'] });
  const conv = (x: Value, k: number, s: number, p: number, channels: number, from: number): Value =>
    op('Conv', [x, weight([channels, from, k, k])], { strides: ints([s, s]), pads: ints([p, p, p, p]), kernel_shape: ints([k, k]) });
  // The stem: onnxruntime runs it only for h, w >= 1 (the Conv's window must fit).
  let x = conv(image, 7, 2, 3, 4, 3);
  x = op('MaxPool', [x], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) });
  const channels = 4;
  const levels: Value[] = [];
  for (let l = 0; l < 3; l++) {
    x = conv(x, 3, 2, 1, channels, channels);
    levels.push(op('Transpose', [op('Reshape', [conv(x, 1, 1, 0, 8, channels), i64([0, 8, -1])])], { perm: ints([0, 2, 1]) }));
  }
  const value = op('Concat', levels, { axis: int(1) });
  // Dynamo's spelling of the same sizes, from Shape(image).
  const dim = (axis: number): Value => op('Squeeze', [op('Shape', [image], { start: int(axis), end: int(axis + 1) })]);
  const [h, w] = [dim(2), dim(3)];
  const ceilStride = (d: Value, s: number): Value => op('Add', [op('Div', [op('Sub', [d, i64([1], [])]), i64([s], [])]), i64([1], [])]);
  const tokens = [8, 16, 32].map((s) => op('Mul', [ceilStride(h, s), ceilStride(w, s)]));
  const total = op('Add', [op('Add', [tokens[0]!, tokens[1]!]), tokens[2]!]);
  const target = op('Concat', [op('Unsqueeze', [dim(0), i64([0])]), op('Unsqueeze', [total, i64([0])]), i64([2, 4])], { axis: int(0) });
  const reshaped = op('Reshape', [value, target]);
  // torchlib's floor_divide: Div(a, b) - ((a < 0) == (b > 0) and a % b != 0), here on h - 1.
  const a = op('Sub', [h, i64([1], [])]);
  const b = i64([8], []);
  const offset = op('And', [op('Equal', [op('Less', [a, i64([0], [])]), op('Greater', [b, i64([0], [])])]), op('Cast', [op('Mod', [a, b])], { to: int(DType.BOOL) })]);
  const floorForm = op('Add', [op('Sub', [op('Div', [a, b]), op('Cast', [offset], { to: int(DType.INT64) })]), i64([1], [])]);
  const floatForm = op('Add', [op('Cast', [op('Floor', [op('Div', [op('Cast', [a], { to: int(DType.FLOAT) }), g.addInitializer(Tensor.float32([8], []), 'eight')])])], { to: int(DType.INT64) }), i64([1], [])]);
  // A Conv that feeds no output is removed before running: it proves nothing about h.
  g.setOutputs(convLive ? [reshaped, floorForm, floatForm] : [target, floorForm, floatForm]);
  return { model, value, target, heights: [ceilStride(h, 8), floorForm, floatForm] };
}

describe('dynamo-style size arithmetic next to the Conv sizes it describes', () => {
  it('proves the token count S = sum(h_l * w_l) both ways once the Conv proves h, w >= 1', () => {
    const { model, value, target, heights } = build(true);
    const facts = inferShapes(model.graph);
    const convTokens = facts.shape(value)![1]!;
    const dynamoTokens = facts.values(target)![1]!;
    const level = (s: number, d: string): DimExpr => DimExpr.symbol(d, { min: 1 }).add(s - 1).floorDivConst(s);
    const expected = [8, 16, 32].reduce((acc, s) => acc.add(level(s, 'h').mul(level(s, 'w'))), DimExpr.const(0));
    expect(convTokens.toString()).toBe('floordiv(h + 15, 16)*floordiv(w + 15, 16) + floordiv(h + 31, 32)*floordiv(w + 31, 32) + floordiv(h + 7, 8)*floordiv(w + 7, 8)');
    expect(convTokens.equals(expected)).toBe(true);
    expect(dynamoTokens.equals(convTokens)).toBe(true);
    // The sign-corrected floor division is the same number; the float form needs h <= 2^24.
    expect(facts.values(heights[1]!)?.map(String)).toEqual(['floordiv(h + 7, 8)']);
    expect(facts.values(heights[2]!)).toBeUndefined();
    expect(inferShapes(model.graph, { inputDimRange: { max: 2 ** 24 } }).values(heights[2]!)?.map(String)).toEqual(['floordiv(h + 7, 8)']);
  });

  it('does not claim it where h = 0 is admissible (the Conv is dead; truncation and floor differ at 0)', () => {
    const { model, value, target } = build(false);
    const facts = inferShapes(model.graph);
    const dynamoTokens = facts.values(target)![1]!;
    expect(dynamoTokens.toString()).toContain('truncdiv(h - 1, 8)');
    expect(dynamoTokens.equals(facts.shape(value)![1]!)).toBe(false);
    // At h = w = 0 the floor spelling would say 0 tokens where the exporter's arithmetic computes 3.
    const floorSpelling = [8, 16, 32].reduce((acc, s) => acc.add(DimExpr.symbol('h').add(s - 1).floorDivConst(s).mul(DimExpr.symbol('w').add(s - 1).floorDivConst(s))), DimExpr.const(0));
    expect(dynamoTokens.evaluate({ h: 0, w: 0, n: 1 })).toBe(3);
    expect(floorSpelling.evaluate({ h: 0, w: 0 })).toBe(0);
  });

  it('agrees with onnxruntime on every intermediate value at several sizes', async () => {
    const { model } = build(true);
    const facts = inferShapes(model.graph, { inputDimRange: { max: 2 ** 24 } });
    const values = intermediateValues(model);
    for (const [batch, h, w] of [[1, 64, 64], [2, 33, 97], [1, 1, 1], [3, 40, 7]] as const) {
      const next = seededRandom(h * w);
      const feeds = { image: new ort.Tensor('float32', Float32Array.from({ length: batch * 3 * h * w }, () => next()), [batch, 3, h, w]) };
      const results = await runWithOutputs(model, values, (v) => facts.dtype(v), feeds);
      const report = compareWithOrt(values, facts, results, { n: batch, h, w });
      expect(report.mismatches).toEqual([]);
      expect(report.unknown).toEqual([]);
      expect(report.checked).toBe(values.length);
    }
  });
});
