/**
 * Casts at single points of every path. Only value-preserving casts may be looked through
 * (float16 -> float32 -> float64 widening, and back to exactly the type a value came from when
 * nothing narrowed in between); a round trip through a narrower type (float16, bfloat16, an
 * integer, bool) changes the numbers and must end the proof.
 */
import { DType, attr } from '../../../src/index.js';
import { constant, floats, insertCast, insertChain, nodeKey, nodeNamed, valueNamed } from '../edit.js';
import { type MutantDraft, type MutationClass, resolvePoint } from '../mutant.js';
import { DTYPE_NAMES, affineSteps, floatTypeOf } from './common.js';

const ROUND_TRIPS = [DType.FLOAT16, DType.BFLOAT16, DType.INT32, DType.INT64, DType.INT8, DType.UINT8, DType.BOOL, DType.DOUBLE, DType.FLOAT];

export const castRoundTrip: MutationClass = {
  name: 'cast-roundtrip',
  description: 'Inserts Cast(T) -> Cast(back) at one point (T = float16, bfloat16, int32, int64, int8, uint8, bool: narrowing; float64, float32: exact).',
  generate(context) {
    const drafts: MutantDraft[] = [];
    for (const point of context.points) {
      const own = floatTypeOf(context, context.model.graph.value(point.value)!);
      for (const to of ROUND_TRIPS) {
        const param = to === own ? `${DTYPE_NAMES[to]}(own type)@${point.name}` : `${DTYPE_NAMES[to]}@${point.name}`;
        drafts.push({
          node: point.value, param,
          apply: (m) => {
            const there = insertCast(m, resolvePoint(m, point), to);
            insertCast(m, { value: there.output(0) }, own);
          },
        });
      }
    }
    return drafts;
  },
};

export const castFloat64: MutationClass = {
  name: 'cast-float64',
  description: 'Computes in float64 and narrows back: the whole 2*loc-1 in float64 (exact), a float64 round trip (exact), a float64 scale by 1+2^-12 before narrowing (not the plugin math).',
  generate(context) {
    const drafts: MutantDraft[] = [];
    const { scale, shift } = affineSteps(context);
    const locations = context.points.find((p) => p.name === 'locations');
    if (scale && shift && locations) {
      // Back to the own type right after whichever step is nearer the GridSample (the chain is nearest first).
      const chain = context.site.sharedGridChain;
      const last = chain.indexOf(scale.node) < chain.indexOf(shift.node) ? scale.node : shift.node;
      const lastOutput = last.output(0).name;
      const own = floatTypeOf(context, context.model.graph.value(locations.value)!);
      const scaleNode = nodeKey(scale.node);
      const shiftNode = nodeKey(shift.node);
      drafts.push({
        node: scaleNode, param: 'affine-in-float64',
        apply: (m) => {
          insertCast(m, resolvePoint(m, locations), DType.DOUBLE);
          for (const step of [scale, shift]) {
            const node = nodeNamed(m, step === scale ? scaleNode : shiftNode);
            node.setInput(step.constantSlot, constant(m, floats(DType.DOUBLE, [step.constant], step.dims)));
            for (const out of node.outputs) delete out.type;
          }
          insertCast(m, { value: valueNamed(m, lastOutput) }, own);
        },
      });
    }
    for (const point of context.points) {
      const own = floatTypeOf(context, context.model.graph.value(point.value)!);
      drafts.push({
        node: point.value, param: `float64-scale(1+2^-12)@${point.name}`,
        apply: (m) => {
          insertChain(m, resolvePoint(m, point), [
            { op: 'Cast', attributes: { to: attr.int(DType.DOUBLE) } },
            { op: 'Mul', extra: [constant(m, floats(DType.DOUBLE, [1 + 2 ** -12]))] },
            { op: 'Cast', attributes: { to: attr.int(own) } },
          ]);
        },
      });
    }
    return drafts;
  },
};
