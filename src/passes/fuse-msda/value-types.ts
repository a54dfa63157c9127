import { type DTypeCode, dtypeName } from '../../ir/index.js';
import { holdsEveryValue } from '../../ir/exact-casts.js';
import { ViewError } from '../../layout/view.js';
import type { Step } from './paths.js';

/**
 * Follows the element type along steps that must not change any value (the value and the
 * weights the plugin reads, the samples on their way to the weighting): every Cast must hold
 * every value the tensor can have at that point, so a round trip through a narrower type fails
 * while a widening (float16 -> float32) or a cast back to where the values came from passes.
 * Returns the element type at the end.
 */
export function exactTypeAlong(rootType: DTypeCode, steps: readonly Step[], what: string): DTypeCode {
  let dtype = rootType;
  const valueSet = rootType;
  for (const step of steps) {
    if (step.kind === 'layout') continue;
    if (step.kind !== 'cast') throw new ViewError(`'${step.node.label}' (${step.node.opType}) changes the values of ${what}`);
    if (!holdsEveryValue(step.to, valueSet)) {
      throw new ViewError(`'${step.node.label}' casts ${what} from ${typeName(dtype)} to ${typeName(step.to)}, which rounds ${what === 'the attention weights' || what === 'the samples' ? 'them' : 'it'}`);
    }
    dtype = step.to;
  }
  return dtype;
}

/** The PyTorch-style name users know an element type by (`float32`, not ONNX's `FLOAT`). */
export function typeName(dtype: DTypeCode): string {
  const names: Record<number, string> = { 1: 'float32', 11: 'float64', 10: 'float16', 16: 'bfloat16' };
  return names[dtype] ?? dtypeName(dtype);
}
