import { DType } from '../../ir/index.js';
import { DimExpr } from '../dim-expr.js';
import { broadcastShapes, broadcastValues } from './broadcast.js';
import { type OpHandler, facts } from './context.js';
import { COMBINE, VALUE_MAPS, quotientRounding, select } from './value-arith.js';

const COMPARISONS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/** Broadcasting binary/variadic ops (Add ... Xor, Max/Min/Sum/Mean, PRelu, BitShift). */
const broadcasting: OpHandler = (ctx) => {
  const op = ctx.node.opType;
  const indexes = ctx.presentInputs();
  const shape = broadcastShapes(indexes.map((i) => ctx.shape(i)));
  const inputDtype = ctx.dtype(indexes[0] ?? 0);
  const dtype = COMPARISONS.has(op) ? DType.BOOL : inputDtype;
  const combine = COMBINE[op];
  // Values combine only when every input has them (activations have none: nothing to build).
  let values: DimExpr[] | undefined;
  if (combine && indexes.every((i) => ctx.values(i))) {
    const fmod = ctx.attrInt('fmod', 0) === 1;
    values = broadcastValues(shape, indexes.map((i) => ({ shape: ctx.shape(i), values: ctx.values(i) })), (args) => combine(args, inputDtype, fmod));
  }
  return [facts(dtype, shape, values)];
};

const where: OpHandler = (ctx) => {
  const shape = broadcastShapes([ctx.shape(0), ctx.shape(1), ctx.shape(2)]);
  const dtype = ctx.dtype(1) ?? ctx.dtype(2);
  const values = broadcastValues(shape, [0, 1, 2].map((i) => ({ shape: ctx.shape(i), values: ctx.values(i) })), ([c, x, y]) => select(c!, x!, y!));
  return [facts(dtype, shape, values)];
};

/** Rounding ops that can also read through a float `Div` of integers (see {@link quotientRounding}). */
const ROUNDING: Record<string, 'floor' | 'ceil'> = { Floor: 'floor', Ceil: 'ceil' };

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
  const rounding = ROUNDING[op];
  if (!out && rounding) out = quotientRounding(ctx.node.inputs[0], ctx.factsOf, rounding);
  return [facts(dtype, shape, out)];
};

/** Clip keeps constant values when the bounds are constant. */
const clip: OpHandler = (ctx) => {
  const out = unary(ctx)[0]!;
  const min = ctx.has(1) ? ctx.values(1)?.[0] : undefined;
  const max = ctx.has(2) ? ctx.values(2)?.[0] : undefined;
  if (out.values && (!ctx.has(1) || min) && (!ctx.has(2) || max)) {
    out.values = out.values.map((v) => {
      let r = v;
      if (min) r = DimExpr.max(r, min);
      if (max) r = DimExpr.min(r, max);
      return r;
    });
  }
  return [out];
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
