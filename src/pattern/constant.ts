/**
 * Constant leaves: comparing the tensor behind a value (`Value.constant()`) with what a pattern
 * expects, and wording it in messages.
 */
import { DType, type Tensor } from '../ir/index.js';

/**
 * Why `tensor` does not equal `expected`, or undefined when it does. A number must equal every
 * element (scalars and broadcast-equal tensors); a list must equal the elements in order.
 * `tolerance` is relative (default 1e-6, or 1e-3 for 16-bit floats) with an absolute floor of the
 * same size, so `0.1` matches float32 `0.1`.
  *
  * @example
  * ```ts
  * constantMismatch(Tensor.float32([1, 1]), 1); // undefined (broadcast-equal)
  * constantMismatch(Tensor.float32([2]), 1);    // '[2]'
  * ```
 * @group Matching
 */
export function constantMismatch(tensor: Tensor, expected: number | readonly number[], tolerance?: number): string | undefined {
  if (!isNumeric(tensor.dtype)) return `a tensor of a non-numeric type`;
  const tol = tolerance ?? (tensor.dtype === DType.FLOAT16 || tensor.dtype === DType.BFLOAT16 ? 1e-3 : 1e-6);
  const data = tensor.toNumbers();
  const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  if (typeof expected === 'number') {
    if (data.length === 0) return 'an empty tensor';
    return data.every((x) => close(x, expected)) ? undefined : describeTensor(tensor);
  }
  if (data.length !== expected.length) return describeTensor(tensor);
  return data.every((x, i) => close(x, expected[i]!)) ? undefined : describeTensor(tensor);
}

/**
 * `[1, 2]`, or `float[64,64] (4096 values)` for big tensors: short enough for one message line.
 *
 * @example
 * ```ts
 * describeTensor(Tensor.int64([1, 2])); // '[1, 2]'
 * ```
 * @group Matching
 */
export function describeTensor(tensor: Tensor): string {
  if (tensor.size <= 8 && isNumeric(tensor.dtype)) {
    const values = tensor.toNumbers().map((v) => String(Number.isInteger(v) ? v : Number(v.toPrecision(6))));
    return tensor.dims.length === 0 ? values[0]! : `[${values.join(', ')}]`;
  }
  return `a tensor of shape [${tensor.dims.join(',')}] (${tensor.size} values)`;
}

function isNumeric(dtype: number): boolean {
  return dtype !== DType.STRING && dtype !== DType.UNDEFINED && dtype < DType.FLOAT8E4M3FN && dtype !== DType.COMPLEX64 && dtype !== DType.COMPLEX128;
}
