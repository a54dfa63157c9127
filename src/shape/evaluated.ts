import { DType, type Tensor, elementCount } from '../ir/index.js';
import { arrayOfTensor, evaluateArrays } from './evaluate.js';
import { MAX_TRACKED_ELEMENTS, type ValueFacts, arrayValues, constDims, newFacts, staticCount, tensorValues } from './facts.js';
import { type NDArray, storedArray, toTensor } from './ndarray.js';
import type { OpContext } from './ops/context.js';

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
    return newFacts(t.dtype, constDims(t.dims), tensorValues(t), t);
  }
  return newFacts(stored.dtype, constDims(stored.dims), arrayValues(stored), undefined, stored);
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

/** Total input elements the evaluator may read for one node (keeps weight-sized work out). */
const MAX_EVALUATED_INPUT_ELEMENTS = 1 << 16;

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A small int64 tensor whose every element is a known safe integer: for an op that only moves
 * elements, the evaluator would compute the same tensor from these values (within the safe
 * integers it is exact; beyond them it rounds, so it must decide).
 */
function exactSmallInt64(f: ValueFacts | undefined): boolean {
  if (!f || f.dtype !== DType.INT64 || !f.values || f.constant) return false;
  const count = staticCount(f.shape);
  if (count === undefined || count !== f.values.length || count > MAX_TRACKED_ELEMENTS) return false;
  for (let i = 0; i < f.values.length; i++) {
    const c = f.values[i]!.constBigInt();
    if (c === undefined || c > SAFE_MAX || c < -SAFE_MAX) return false;
  }
  return true;
}

/**
 * The evaluator's outputs for the node `ctx` points at, of a folded op type (see `OpRule.folds`),
 * when every input is constant and the outputs are small; undefined otherwise. `moves`: the op
 * only moves elements, and is not run when the handler's `results` already know every output
 * exactly. Most nodes read an activation and stop at it, so nothing is allocated before the
 * inputs are known to be constant.
 */
export function foldNode(
  ctx: OpContext,
  results: readonly (ValueFacts | undefined)[],
  moves: boolean,
  constantOf: (f: ValueFacts) => Tensor | undefined,
  maxConstantElements: number,
): ValueFacts[] | undefined {
  const node = ctx.node;
  if (moves && results.length === node.outputs.length && results.every(exactSmallInt64)) return undefined;
  let present = 0;
  let inputElements = 0;
  const slots = node.inputs;
  for (let i = 0; i < slots.length; i++) {
    if (!ctx.has(i)) continue;
    const f = ctx.facts(i);
    const size = f.array ? elementCount(f.array.dims) : constantOf(f)?.size;
    if (size === undefined) return undefined;
    inputElements += size;
    present++;
  }
  if (!present || inputElements > MAX_EVALUATED_INPUT_ELEMENTS) return undefined;
  for (let i = 0; i < node.outputs.length; i++) {
    const count = staticCount(results[i]?.shape);
    if (count === undefined || count > maxConstantElements) return undefined;
  }
  const arrays: (NDArray | undefined)[] = [];
  for (let i = 0; i < slots.length; i++) {
    if (!ctx.has(i)) {
      arrays.push(undefined);
      continue;
    }
    const f = ctx.facts(i);
    const a = arrayOfFacts(f, f.array ? undefined : constantOf(f));
    if (!a) return undefined;
    arrays.push(a);
  }
  return evaluateArrays(node, arrays)?.map(evaluatedFacts);
}
