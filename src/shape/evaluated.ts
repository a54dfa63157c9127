import type { Tensor } from '../ir/index.js';
import { arrayOfTensor } from './evaluate.js';
import { type ValueFacts, arrayValues, constDims, tensorValues } from './facts.js';
import { type NDArray, storedArray, toTensor } from './ndarray.js';

/**
 * How evaluated constants travel between nodes during inference: as the evaluator's arrays, not
 * tensors. A chain of folded nodes (the reference points of a detection encoder: Expand, Div,
 * Reshape, Unsqueeze of a few thousand doubles) would otherwise pack every result into a typed
 * array and unpack it again for the next node; a tensor is packed only when someone asks
 * (`ShapeFacts.constant`, a handler), and is the one the evaluator's tensor API would have built.
 */

/** Facts of one evaluated output (the array as its tensor stores it, values when small). */
export function evaluatedFacts(a: NDArray): ValueFacts {
  const stored = storedArray(a);
  if (!stored) {
    // An int64 past the safe integers is clamped on packing: packed now, as the tensor API does.
    const t = toTensor(a);
    const values = tensorValues(t);
    const f: ValueFacts = { dtype: t.dtype, shape: constDims(t.dims), constant: t };
    if (values) f.values = values;
    return f;
  }
  const f: ValueFacts = { dtype: stored.dtype, shape: constDims(stored.dims), array: stored };
  const values = arrayValues(stored);
  if (values) f.values = values;
  return f;
}

/** The packed tensor of facts that hold an evaluated array (built once, then kept in the facts). */
export function packedConstant(f: ValueFacts & { array: NDArray }): Tensor {
  const t = toTensor(f.array);
  f.constant = t;
  return t;
}

/** Input facts as an evaluator array: the evaluated one, or the constant's (kept for the next reader). */
export function arrayOfFacts(f: ValueFacts, constant: Tensor | undefined): NDArray | undefined {
  if (f.array) return f.array;
  const a = constant && arrayOfTensor(constant);
  if (a) f.array = a;
  return a;
}
