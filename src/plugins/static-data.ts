/**
 * What is statically known about a value: the dims and element type of its constant data
 * (`Value.constant()`, exact), else of its declared or inferred type. Plugin contracts only check
 * what these say; anything unknown is skipped.
 */
import type { Dim, DTypeCode, TensorType, Value } from '../ir/index.js';
import { DType } from '../ir/index.js';

/**
 * The best known shape of `value`: the dims of its constant data when it has some (they are
 * exact), else the shape of its type (`type`, default `value.type`), else undefined (rank unknown).
 *
 * @example
 * ```ts
 * staticShape(node.input(0)); // ['batch', 1360, 8, 32]
 * ```
 * @group Contracts
 */
export function staticShape(value: Value, type: TensorType | undefined = value.type): readonly Dim[] | undefined {
  const constant = value.constant();
  if (constant) return constant.dims;
  return type?.shape;
}

/**
 * The known element type of `value` (of its constant data, else of `type`, default `value.type`),
 * or undefined when unknown.
 *
 * @example
 * ```ts
 * staticDtype(node.input(1)) === DType.INT32;
 * ```
 * @group Contracts
 */
export function staticDtype(value: Value, type: TensorType | undefined = value.type): DTypeCode | undefined {
  const constant = value.constant();
  if (constant) return constant.dtype;
  const dtype = type?.dtype;
  return dtype === undefined || dtype === DType.UNDEFINED ? undefined : dtype;
}
