/**
 * What is statically known about a value: its constant data (initializer or `Constant` node), its
 * shape, its element type. Plugin contracts only check what these say; anything unknown is skipped.
 */
import { type Dim, DType, type DTypeCode, Tensor, type Value } from '../ir/index.js';

/**
 * The constant tensor behind `value`: its initializer, or the tensor a `Constant` node produces
 * (`value`, `value_int`, `value_ints`, `value_float`, `value_floats` forms). Undefined when the
 * value is computed at run time (or is a graph input that merely has a default initializer).
 *
 * @example
 * ```ts
 * const shapes = staticTensor(node.input(1));
 * if (shapes) console.log(shapes.toNumbers()); // [32, 32, 16, 16]
 * ```
 */
export function staticTensor(value: Value): Tensor | undefined {
  // A graph input with an initializer is only a default: the caller may feed another tensor.
  if (value.initializer) return value.isGraphInput ? undefined : value.initializer;
  const producer = value.producer;
  if (!producer || producer.opType !== 'Constant' || (producer.domain !== '' && producer.domain !== 'ai.onnx')) return undefined;
  const tensor = producer.attr('value');
  if (tensor?.kind === 'tensor') return tensor.value;
  const int = producer.attr('value_int');
  if (int?.kind === 'int') return Tensor.int64([int.value], []);
  const ints = producer.attr('value_ints');
  if (ints?.kind === 'ints') return Tensor.int64(ints.value);
  const float = producer.attr('value_float');
  if (float?.kind === 'float') return Tensor.float32([float.value], []);
  const floats = producer.attr('value_floats');
  if (floats?.kind === 'floats') return Tensor.float32(floats.value);
  return undefined;
}

/**
 * The best known shape of `value`: the dims of its constant data when it has some (they are
 * exact), else its declared/inferred type's shape, else undefined (rank unknown).
 *
 * @example
 * ```ts
 * staticShape(node.input(0)); // ['batch', 1360, 8, 32]
 * ```
 */
export function staticShape(value: Value): readonly Dim[] | undefined {
  const constant = staticTensor(value);
  if (constant) return constant.dims;
  return value.type?.shape;
}

/**
 * The known element type of `value`, or undefined when unknown.
 *
 * @example
 * ```ts
 * staticDtype(node.input(1)) === DType.INT32;
 * ```
 */
export function staticDtype(value: Value): DTypeCode | undefined {
  const constant = staticTensor(value);
  if (constant) return constant.dtype;
  const dtype = value.type?.dtype;
  return dtype === undefined || dtype === DType.UNDEFINED ? undefined : dtype;
}
