/** Helpers the mutation classes share: reading a site's constants and naming dtypes. */
import { DType, type Node, type Value } from '../../../src/index.js';
import type { SiteContext } from '../mutant.js';

/** The scalar-constant arithmetic of `2*loc - 1`: the node, its constant slot and its number. */
export interface AffineStep {
  node: Node;
  constantSlot: number;
  constant: number;
  /** Element type and dims of the constant as exported. */
  dtype: number;
  dims: readonly number[];
}

/** The Mul (scale) and Sub/Add (shift) of the site's `2*loc - 1`, when it has that form. */
export function affineSteps(context: SiteContext): { scale?: AffineStep; shift?: AffineStep } {
  const out: { scale?: AffineStep; shift?: AffineStep } = {};
  for (const node of context.site.sharedGridChain) {
    const step = scalarStep(node);
    if (!step) continue;
    if (node.opType === 'Mul' && !out.scale) out.scale = step;
    if ((node.opType === 'Sub' || node.opType === 'Add') && !out.shift) out.shift = step;
  }
  return out;
}

function scalarStep(node: Node): AffineStep | undefined {
  for (let slot = 0; slot < node.inputs.length; slot++) {
    const tensor = node.input(slot).constant();
    if (tensor && tensor.size === 1) return { node, constantSlot: slot, constant: tensor.toNumbers()[0]!, dtype: tensor.dtype, dims: tensor.dims };
  }
  return undefined;
}

/** Rank of a value in the unmutated model, from the probe. */
export function rankOf(context: SiteContext, value: Value): number | undefined {
  return context.probed(value)?.dims.length;
}

/** Float element type a point carries (float32 unless the probe says float16/float64). */
export function floatTypeOf(context: SiteContext, value: Value): number {
  return context.probed(value)?.dtype ?? DType.FLOAT;
}

/** Short dtype names for ids. */
export const DTYPE_NAMES: Record<number, string> = {
  [DType.FLOAT]: 'float32', [DType.FLOAT16]: 'float16', [DType.BFLOAT16]: 'bfloat16', [DType.DOUBLE]: 'float64',
  [DType.INT32]: 'int32', [DType.INT64]: 'int64', [DType.INT8]: 'int8', [DType.UINT8]: 'uint8', [DType.BOOL]: 'bool',
};

/** The next float32 above and below `x` (for constants one ulp away from the exported ones). */
export function float32Neighbours(x: number): { up: number; down: number } {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  const base = bits[0]!;
  bits[0] = x >= 0 ? base + 1 : base - 1;
  const up = f[0]!;
  bits[0] = x > 0 ? base - 1 : base + 1;
  const down = f[0]!;
  return { up, down };
}

/** Axis in [0, rank). */
export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Levels a class mutates one at a time: the first and the last (distinct). */
export function sampleLevels(context: SiteContext): number[] {
  const last = context.site.levels.length - 1;
  return last > 0 ? [0, last] : [0];
}
