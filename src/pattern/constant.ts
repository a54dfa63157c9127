/**
 * Constant leaves: finding the tensor behind a value (initializer or `Constant` node) and
 * comparing it with what a pattern expects.
 */
import { DType, Tensor, type Value } from '../ir/index.js';

/**
 * The constant tensor a value always holds, or undefined. Initializers that are also graph inputs
 * are defaults the caller may override, so they are not constants.
 *
 * @example
 * ```ts
 * const t = constantTensorOf(node.input(1)); // Tensor for an initializer or Constant output
 * ```
 */
export function constantTensorOf(value: Value): Tensor | undefined {
  if (value.initializer) return value.isGraphInput ? undefined : value.initializer;
  const producer = value.producer;
  if (!producer || producer.opType !== 'Constant' || (producer.domain !== '' && producer.domain !== 'ai.onnx')) return undefined;
  for (const attribute of producer.attributes.values()) {
    const a = attribute.value;
    switch (attribute.name) {
      case 'value': return a.kind === 'tensor' ? a.value : undefined;
      case 'value_float': return a.kind === 'float' ? Tensor.float32([a.value], []) : undefined;
      case 'value_floats': return a.kind === 'floats' ? Tensor.float32(a.value) : undefined;
      case 'value_int': return a.kind === 'int' ? Tensor.int64([a.value], []) : undefined;
      case 'value_ints': return a.kind === 'ints' ? Tensor.int64(a.value) : undefined;
      default: break;
    }
  }
  return undefined;
}

/** Element `i` of a numeric tensor's `data()` as a JS number (16-bit floats decoded, int64 converted). @internal */
export function tensorElement(tensor: Tensor, data: ArrayLike<number | bigint>, i: number): number {
  const raw = data[i]!;
  if (tensor.dtype === DType.FLOAT16) return halfToNumber(Number(raw));
  if (tensor.dtype === DType.BFLOAT16) return bfloat16ToNumber(Number(raw));
  return Number(raw);
}

/**
 * Elements of a small numeric tensor as numbers, for messages and checks (16-bit floats decoded).
 *
 * @example
 * ```ts
 * tensorNumbers(Tensor.float32([0.5, 2])); // [0.5, 2]
 * ```
 */
export function tensorNumbers(tensor: Tensor): number[] {
  const data = tensor.data() as ArrayLike<number | bigint>;
  const out = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = tensorElement(tensor, data, i);
  return out;
}

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
 */
export function constantMismatch(tensor: Tensor, expected: number | readonly number[], tolerance?: number): string | undefined {
  if (!isNumeric(tensor.dtype)) return `a tensor of a non-numeric type`;
  const tol = tolerance ?? (tensor.dtype === DType.FLOAT16 || tensor.dtype === DType.BFLOAT16 ? 1e-3 : 1e-6);
  const data = tensor.data() as ArrayLike<number | bigint>;
  const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  if (typeof expected === 'number') {
    if (data.length === 0) return 'an empty tensor';
    for (let i = 0; i < data.length; i++) {
      if (!close(tensorElement(tensor, data, i), expected)) return describeTensor(tensor);
    }
    return undefined;
  }
  if (data.length !== expected.length) return describeTensor(tensor);
  for (let i = 0; i < data.length; i++) {
    if (!close(tensorElement(tensor, data, i), expected[i]!)) return describeTensor(tensor);
  }
  return undefined;
}

/**
 * `[1, 2]`, or `float[64,64] (4096 values)` for big tensors: short enough for one message line.
 *
 * @example
 * ```ts
 * describeTensor(Tensor.int64([1, 2])); // '[1, 2]'
 * ```
 */
export function describeTensor(tensor: Tensor): string {
  if (tensor.size <= 8 && isNumeric(tensor.dtype)) {
    const values = tensorNumbers(tensor).map((v) => String(Number.isInteger(v) ? v : Number(v.toPrecision(6))));
    return tensor.dims.length === 0 ? values[0]! : `[${values.join(', ')}]`;
  }
  return `a tensor of shape [${tensor.dims.join(',')}] (${tensor.size} values)`;
}

function isNumeric(dtype: number): boolean {
  return dtype !== DType.STRING && dtype !== DType.UNDEFINED && dtype < DType.FLOAT8E4M3FN && dtype !== DType.COMPLEX64 && dtype !== DType.COMPLEX128;
}

/** IEEE 754 binary16 bits to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 bits (the top half of a float32) to a number. */
function bfloat16ToNumber(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}
