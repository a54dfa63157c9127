/**
 * Arithmetic at single points: the constants of `2*loc - 1`, pairs of ops that cancel in real
 * numbers but round in floating point, and broadcasts that raise a tensor's rank. The proof must
 * hold in the tensor's own dtype for every value, and follow the rank broadcasting gives.
 */
import { DType, type Model, type Node } from '../../../src/index.js';
import { constant, floats, forgetTypesFrom, insertChain, insertOp, int64s, nodeKey, nodeNamed } from '../edit.js';
import { type MutantDraft, type MutationClass, resolvePoint } from '../mutant.js';
import { type AffineStep, affineSteps, floatTypeOf, rankOf } from './common.js';

/** The smallest positive subnormal of each float type. */
const SMALLEST_DENORMAL: Record<number, number> = { [DType.FLOAT]: 2 ** -149, [DType.FLOAT16]: 2 ** -24, [DType.DOUBLE]: 2 ** -1074 };

/** One unit in the last place above and below a positive normal `x` in `dtype`. */
function neighbours(x: number, dtype: number): { up: number; down: number } {
  const mantissaBits = dtype === DType.FLOAT16 ? 10 : dtype === DType.DOUBLE ? 52 : 23;
  const magnitude = Math.abs(x);
  const exponent = Math.floor(Math.log2(magnitude));
  const ulp = 2 ** (exponent - mantissaBits);
  const below = magnitude === 2 ** exponent ? ulp / 2 : ulp;
  return x > 0 ? { up: x + ulp, down: x - below } : { up: x + below, down: x - ulp };
}

/** Edits of one affine step: its constant's value, shape and dtype, and the op itself. */
function stepDrafts(step: AffineStep, role: 'scale' | 'shift'): MutantDraft[] {
  const key = nodeKey(step.node);
  const c = step.constant;
  const dataSlot = 1 - step.constantSlot;
  const drafts: MutantDraft[] = [];
  const setConstant = (param: string, values: number[], dims: readonly number[] = step.dims, dtype = step.dtype): void => {
    drafts.push({
      node: key, param: `${role}:${param}`,
      apply: (m) => {
        const n = nodeNamed(m, key);
        n.setInput(step.constantSlot, constant(m, floats(dtype, values, dims)));
        forgetTypesFrom(n.output(0));
      },
    });
  };
  const rewrite = (param: string, edit: (m: Model, n: Node) => void): void => {
    drafts.push({ node: key, param: `${role}:${param}`, apply: (m) => { const n = nodeNamed(m, key); edit(m, n); forgetTypesFrom(n.output(0)); } });
  };
  const { up, down } = neighbours(c, step.dtype);
  setConstant('+1ulp', [up]);
  setConstant('-1ulp', [down]);
  setConstant('negated', [-c]);
  setConstant('doubled', [2 * c]);
  setConstant('zero', [0]);
  setConstant('denormal', [SMALLEST_DENORMAL[step.dtype]! * Math.sign(c)]);
  setConstant('xy-equal', [c, c], [2]);
  setConstant('x-only', role === 'scale' ? [c, 1] : [c, 0], [2]);
  setConstant('y+1ulp', [c, up], [2]);
  setConstant('as-float64', [c], step.dims, DType.DOUBLE);
  setConstant('as-float16', [c], step.dims, step.dtype === DType.FLOAT16 ? DType.FLOAT : DType.FLOAT16);
  rewrite('commuted', (_m, n) => {
    const a = n.input(0);
    n.setInput(0, n.input(1));
    n.setInput(1, a);
  });
  const op = step.node.opType;
  if (role === 'scale') {
    rewrite(`as-div(${1 / c})`, (m, n) => { n.opType = 'Div'; n.setInput(step.constantSlot, constant(m, floats(step.dtype, [1 / c], step.dims))); });
    rewrite(`as-div(${neighbours(1 / c, step.dtype).up})`, (m, n) => { n.opType = 'Div'; n.setInput(step.constantSlot, constant(m, floats(step.dtype, [neighbours(1 / c, step.dtype).up], step.dims))); });
    if (c === 2) rewrite('as-add(x,x)', (_m, n) => { n.opType = 'Add'; n.setInput(step.constantSlot, n.input(dataSlot)); });
    rewrite(`as-mul(${2 * c})-mul(0.5)`, (m, n) => {
      n.setInput(step.constantSlot, constant(m, floats(step.dtype, [2 * c], step.dims)));
      insertOp(m, { value: n.output(0) }, 'Mul', [constant(m, floats(step.dtype, [0.5]))]);
    });
  } else if (step.constantSlot === 1) {
    const flipped = op === 'Sub' ? 'Add' : 'Sub';
    rewrite(`as-${flipped.toLowerCase()}(${-c})`, (m, n) => { n.opType = flipped; n.setInput(1, constant(m, floats(step.dtype, [-c], step.dims))); });
    rewrite(`as-${flipped.toLowerCase()}(${neighbours(-c, step.dtype).down})`, (m, n) => { n.opType = flipped; n.setInput(1, constant(m, floats(step.dtype, [neighbours(-c, step.dtype).down], step.dims))); });
    rewrite(`split(${c / 2}+${c / 2})`, (m, n) => {
      n.setInput(1, constant(m, floats(step.dtype, [c / 2], step.dims)));
      insertOp(m, { value: n.output(0) }, op, [constant(m, floats(step.dtype, [c / 2]))]);
    });
  }
  return drafts;
}

export const affineConstant: MutationClass = {
  name: 'affine-constant',
  description: 'Changes the 2 or the 1 of 2*loc-1: one ulp off, negated, zero, a denormal, per-axis vectors, another dtype, commuted operands, and equivalent spellings (Div by 0.5, Add(x,x), Add(-1)).',
  generate(context) {
    const { scale, shift } = affineSteps(context);
    return [...(scale ? stepDrafts(scale, 'scale') : []), ...(shift ? stepDrafts(shift, 'shift') : [])];
  },
};

/** Pairs that are the identity in real numbers; only the powers of two are exact in floating point. */
const CANCELLING: { param: string; steps: [string, number][] }[] = [
  { param: 'add-sub(1e8)', steps: [['Add', 1e8], ['Sub', 1e8]] },
  { param: 'add-sub(65536)', steps: [['Add', 65536], ['Sub', 65536]] },
  { param: 'add-sub(3)', steps: [['Add', 3], ['Sub', 3]] },
  { param: 'mul-mul(3,1/3)', steps: [['Mul', 3], ['Mul', 1 / 3]] },
  { param: 'mul-mul(10,0.1)', steps: [['Mul', 10], ['Mul', 0.1]] },
  { param: 'mul-mul(1e-38,1e38)', steps: [['Mul', 1e-38], ['Mul', 1e38]] },
  { param: 'div-mul(3)', steps: [['Div', 3], ['Mul', 3]] },
  { param: 'mul-div(10)', steps: [['Mul', 10], ['Div', 10]] },
  { param: 'mul-mul(4,0.25)(exact)', steps: [['Mul', 4], ['Mul', 0.25]] },
  { param: 'div-mul(2)(exact)', steps: [['Div', 2], ['Mul', 2]] },
];

export const affineRoundoff: MutationClass = {
  name: 'affine-roundoff',
  description: 'Inserts op pairs that cancel in real numbers but round in float32/float16 (x+1e8-1e8, x*3*(1/3), x*1e-38*1e38 through denormals, x/3*3), plus exact power-of-two controls.',
  generate(context) {
    const drafts: MutantDraft[] = [];
    for (const point of context.points) {
      if (!['locations', 'affine-mid', 'grid', 'value', 'weights', 'summed'].includes(point.name)) continue;
      const dtype = floatTypeOf(context, context.model.graph.value(point.value)!);
      for (const pair of CANCELLING) {
        drafts.push({
          node: point.value, param: `${pair.param}@${point.name}`,
          apply: (m) => { insertChain(m, resolvePoint(m, point), pair.steps.map(([op, c]) => ({ op, extra: [constant(m, floats(dtype, [c]))] }))); },
        });
      }
    }
    return drafts;
  },
};

export const broadcastRank: MutationClass = {
  name: 'broadcast-rank',
  description: 'Broadcasts raise the rank: the affine constants or an inserted Mul by ones of shape [1,1,1,1,1,1,1] (later axes move), against same-rank ones (equivalent).',
  generate(context) {
    const drafts: MutantDraft[] = [];
    const { scale, shift } = affineSteps(context);
    for (const [role, step] of [['scale', scale], ['shift', shift]] as const) {
      if (!step) continue;
      const key = nodeKey(step.node);
      const rank = rankOf(context, step.node.output(0));
      const ranks = [7, ...(rank ? [rank, rank + 1] : [])];
      for (const r of [...new Set(ranks)]) {
        drafts.push({
          node: key, param: `${role}-constant-rank${r}`,
          apply: (m) => { const n = nodeNamed(m, key); n.setInput(step.constantSlot, constant(m, floats(step.dtype, [step.constant], Array(r).fill(1)))); forgetTypesFrom(n.output(0)); },
        });
      }
    }
    for (const point of context.points) {
      const value = context.model.graph.value(point.value)!;
      const dtype = floatTypeOf(context, value);
      const rank = rankOf(context, value);
      for (const r of [...new Set([7, ...(rank ? [rank, rank + 1] : [])])]) {
        drafts.push({
          node: point.value, param: `ones-rank${r}@${point.name}`,
          apply: (m) => { const n = insertOp(m, resolvePoint(m, point), 'Mul', [constant(m, floats(dtype, [1], Array(r).fill(1)))]); forgetTypesFrom(n.output(0)); },
        });
      }
      if (rank) {
        // Up to rank 7 and back down: the identity, through a view of another rank.
        drafts.push({
          node: point.value, param: `ones-rank7-squeezed@${point.name}`,
          apply: (m) => {
            const [, squeeze] = insertChain(m, resolvePoint(m, point), [
              { op: 'Mul', extra: [constant(m, floats(dtype, [1], Array(7).fill(1)))] },
              { op: 'Squeeze', extra: [constant(m, int64s([...Array(7 - rank).keys()]))] },
            ]);
            forgetTypesFrom(squeeze!.output(0));
          },
        });
      }
    }
    return drafts;
  },
};

