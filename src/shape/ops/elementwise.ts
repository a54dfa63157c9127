import { DType } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { isIntegerDType } from '../facts.js';
import { broadcastShapes, broadcastValues } from './broadcast.js';
import type { OpContext, OpHandler } from './context.js';

/** How two (or more) element values combine; undefined = not known exactly. */
type Combine = (args: DimExpr[], ctx: OpContext) => DimExpr | undefined;

const TRUE = DimExpr.const(1);
const FALSE = DimExpr.const(0);

function truth(b: boolean): DimExpr {
  return b ? TRUE : FALSE;
}

/** ONNX integer `Div` truncates toward zero (as onnxruntime does). */
function divide(a: DimExpr, b: DimExpr, integer: boolean): DimExpr | undefined {
  const exact = a.divExact(b);
  if (exact) return exact;
  if (!integer) return undefined;
  const x = a.constBigInt();
  const y = b.constBigInt();
  if (x !== undefined && y !== undefined) return y === 0n ? undefined : DimExpr.const(x / y);
  // Floor equals truncation for a non-negative dividend and positive divisor.
  if (y !== undefined && y > 0n && a.isNonNegative()) return a.floorDivConst(y);
  return undefined;
}

function modulo(a: DimExpr, b: DimExpr, cStyle: boolean): DimExpr | undefined {
  const x = a.constBigInt();
  const y = b.constBigInt();
  if (x !== undefined && y !== undefined) {
    if (y === 0n) return undefined;
    const r = x % y;
    if (cStyle || r === 0n || (r < 0n) === (y < 0n)) return DimExpr.const(r);
    return DimExpr.const(r + y);
  }
  if (y !== undefined && y > 0n && (!cStyle || a.isNonNegative())) return a.modConst(y);
  return undefined;
}

function power(a: DimExpr, b: DimExpr): DimExpr | undefined {
  const e = b.constValue();
  if (e === undefined || e < 0 || e > 16 || !Number.isInteger(e)) return undefined;
  let out = DimExpr.const(1);
  for (let i = 0; i < e; i++) out = out.mul(a);
  return out;
}

const POSSIBLE_SIGNS: Record<ReturnType<DimExpr['sign']>, (-1 | 0 | 1)[]> = {
  zero: [0], positive: [1], negative: [-1], nonNegative: [0, 1], nonPositive: [-1, 0], unknown: [-1, 0, 1],
};

/** A comparison is known when it has the same outcome for every sign `a - b` can have. */
function compare(a: DimExpr, b: DimExpr, test: (sign: -1 | 0 | 1) => boolean): DimExpr | undefined {
  const outcomes = new Set(POSSIBLE_SIGNS[a.sub(b).sign()].map(test));
  return outcomes.size === 1 ? truth(outcomes.has(true)) : undefined;
}

function bool(a: DimExpr): boolean | undefined {
  const c = a.constBigInt();
  return c === undefined ? undefined : c !== 0n;
}

function logical(fn: (x: boolean, y: boolean) => boolean): Combine {
  return ([a, b]) => {
    const x = bool(a!);
    const y = bool(b!);
    return x === undefined || y === undefined ? undefined : truth(fn(x, y));
  };
}

const COMBINE: Record<string, Combine> = {
  Add: ([a, b]) => a!.add(b!),
  Sub: ([a, b]) => a!.sub(b!),
  Mul: ([a, b]) => a!.mul(b!),
  Div: ([a, b], ctx) => divide(a!, b!, isIntegerDType(ctx.dtype(0))),
  Mod: ([a, b], ctx) => modulo(a!, b!, ctx.attrInt('fmod', 0) === 1),
  Pow: ([a, b]) => power(a!, b!),
  Max: (args) => args.reduce((x, y) => DimExpr.max(x, y)),
  Min: (args) => args.reduce((x, y) => DimExpr.min(x, y)),
  Sum: (args) => args.reduce((x, y) => x.add(y)),
  Equal: ([a, b]) => compare(a!, b!, (s) => s === 0),
  Less: ([a, b]) => compare(a!, b!, (s) => s < 0),
  LessOrEqual: ([a, b]) => compare(a!, b!, (s) => s <= 0),
  Greater: ([a, b]) => compare(a!, b!, (s) => s > 0),
  GreaterOrEqual: ([a, b]) => compare(a!, b!, (s) => s >= 0),
  And: logical((x, y) => x && y),
  Or: logical((x, y) => x || y),
  Xor: logical((x, y) => x !== y),
};

const COMPARISONS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/** Broadcasting binary/variadic ops (Add ... Xor, Max/Min/Sum/Mean, PRelu, BitShift). */
const broadcasting: OpHandler = (ctx) => {
  const op = ctx.node.opType;
  const indexes = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.has(i));
  const shape = broadcastShapes(indexes.map((i) => ctx.shape(i)));
  const dtype = COMPARISONS.has(op) ? DType.BOOL : ctx.dtype(indexes[0] ?? 0);
  const combine = COMBINE[op];
  const values = combine
    ? broadcastValues(shape, indexes.map((i) => ({ shape: ctx.shape(i), values: ctx.values(i) })), (args) => combine(args, ctx))
    : undefined;
  return [{ ...(dtype !== undefined && { dtype }), ...(shape && { shape }), ...(values && { values }) }];
};

const where: OpHandler = (ctx) => {
  const shape = broadcastShapes([ctx.shape(0), ctx.shape(1), ctx.shape(2)]);
  const dtype = ctx.dtype(1) ?? ctx.dtype(2);
  const values = broadcastValues(
    shape,
    [0, 1, 2].map((i) => ({ shape: ctx.shape(i), values: ctx.values(i) })),
    ([c, x, y]) => {
      const b = bool(c!);
      return b === undefined ? (x!.equals(y!) ? x : undefined) : b ? x : y;
    },
  );
  return [{ ...(dtype !== undefined && { dtype }), ...(shape && { shape }), ...(values && { values }) }];
};

/** Unary ops that keep shape and type; some keep integer values too. */
const VALUE_MAPS: Record<string, (v: DimExpr) => DimExpr | undefined> = {
  Neg: (v) => v.neg(),
  Abs: (v) => (v.isNonNegative() ? v : v.neg().isNonNegative() ? v.neg() : undefined),
  Relu: (v) => (v.isNonNegative() ? v : v.neg().isNonNegative() ? DimExpr.const(0) : undefined),
  Floor: (v) => v,
  Ceil: (v) => v,
  Round: (v) => v,
  Identity: (v) => v,
  Sign: (v) => {
    const s = v.sign();
    return s === 'zero' ? FALSE : s === 'positive' ? TRUE : s === 'negative' ? DimExpr.const(-1) : undefined;
  },
  Not: (v) => {
    const b = bool(v);
    return b === undefined ? undefined : truth(!b);
  },
};

const BOOL_UNARY = new Set(['Not', 'IsNaN', 'IsInf']);

const unary: OpHandler = (ctx) => {
  const op = ctx.node.opType;
  const { shape, values } = ctx.facts(0);
  const dtype = BOOL_UNARY.has(op) ? DType.BOOL : ctx.dtype(0);
  const map = VALUE_MAPS[op];
  let out: DimExpr[] | undefined;
  if (map && values) {
    out = [];
    for (const v of values) {
      const r = map(v);
      if (!r) {
        out = undefined;
        break;
      }
      out.push(r);
    }
  }
  return [{ ...(dtype !== undefined && { dtype }), ...(shape && { shape }), ...(out && { values: out }) }];
};

/** Clip keeps constant values when the bounds are constant. */
const clip: OpHandler = (ctx) => {
  const facts = unary(ctx)[0]!;
  const min = ctx.has(1) ? ctx.values(1)?.[0] : undefined;
  const max = ctx.has(2) ? ctx.values(2)?.[0] : undefined;
  if (facts.values && (!ctx.has(1) || min) && (!ctx.has(2) || max)) {
    facts.values = facts.values.map((v) => {
      let r = v;
      if (min) r = DimExpr.max(r, min);
      if (max) r = DimExpr.min(r, max);
      return r;
    });
  }
  return [facts];
};

const BROADCASTING_OPS = [
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Sum', 'Mean', 'Equal', 'Less', 'LessOrEqual',
  'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'PRelu', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor',
];

const UNARY_OPS = [
  'Neg', 'Abs', 'Sqrt', 'Exp', 'Log', 'Erf', 'Relu', 'Sigmoid', 'Tanh', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan',
  'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Floor', 'Ceil', 'Round', 'Reciprocal', 'Sign', 'Not', 'IsNaN', 'IsInf',
  'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Mish',
  'ThresholdedRelu', 'Softmax', 'LogSoftmax', 'Hardmax', 'CumSum', 'InstanceNormalization', 'LpNormalization',
  'MeanVarianceNormalization', 'LRN', 'BitwiseNot', 'Shrink', 'Trilu', 'ReverseSequence',
];

/** Handlers for elementwise ops, by op type. */
export const elementwiseHandlers: Record<string, OpHandler> = {
  ...Object.fromEntries(BROADCASTING_OPS.map((op) => [op, broadcasting])),
  ...Object.fromEntries(UNARY_OPS.map((op) => [op, unary])),
  Where: where,
  Clip: clip,
};
