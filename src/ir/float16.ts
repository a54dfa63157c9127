/**
 * 16-bit float conversions: IEEE 754 binary16 ("half", ONNX `float16`) both ways, and bfloat16 to
 * number. `Tensor.data()` and onnxruntime-node hand out 16-bit floats as raw `Uint16Array` bits
 * (Node 20 has no `Float16Array`); `Tensor.toNumbers()`, the plugin reference kernels and the
 * verifier decode them here, the one home of these conversions.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Decodes one float16 bit pattern (0..0xffff) to its exact numeric value.
 *
 * @example
 * ```ts
 * float16ToFloat32(0x3c00); // 1
 * float16ToFloat32(0xc000); // -2
 * float16ToFloat32(0x0001); // 5.960464477539063e-8 (smallest subnormal)
 * ```
 * @group Types and data
 */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Encodes a number as float16 bits with round-to-nearest-even (what CUDA's `__float2half` and
 * numpy's `astype(float16)` do). The number is first rounded to float32, as a float32 kernel
 * output would be, so double rounding matches a float32 -> float16 cast. Overflow gives ±Inf,
 * NaN gives a quiet NaN.
 *
 * @example
 * ```ts
 * float32ToFloat16(1);       // 0x3c00
 * float32ToFloat16(65520);   // 0x7c00 (rounds up to Infinity)
 * float32ToFloat16(1e-8);    // 0x0000 (underflows to +0)
 * ```
 * @group Types and data
 */
export function float32ToFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  // Unbiased exponent re-biased for half (bias 15 instead of 127).
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa right, rounding to nearest even.
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const halfMantissa = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const roundUp = remainder > halfway || (remainder === halfway && (halfMantissa & 1) === 1);
    return sign | (halfMantissa + (roundUp ? 1 : 0));
  }
  const halfMantissa = mantissa >>> 13;
  const remainder = mantissa & 0x1fff;
  const roundUp = remainder > 0x1000 || (remainder === 0x1000 && (halfMantissa & 1) === 1);
  // A carry out of the mantissa correctly bumps the exponent (and may reach Infinity).
  return (sign | (halfExponent << 10) | halfMantissa) + (roundUp ? 1 : 0);
}

/**
 * Decodes a whole float16 bit array to float32.
 *
 * @example
 * ```ts
 * float16ArrayToFloat32(new Uint16Array([0x3c00, 0x3800])); // Float32Array [1, 0.5]
 * ```
 * @group Types and data
 */
export function float16ArrayToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16ToFloat32(bits[i]!);
  return out;
}

/**
 * Encodes a whole float32 array as float16 bits (round-to-nearest-even).
 *
 * @example
 * ```ts
 * float32ArrayToFloat16(new Float32Array([1, 0.5])); // Uint16Array [0x3c00, 0x3800]
 * ```
 * @group Types and data
 */
export function float32ArrayToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16(values[i]!);
  return out;
}

/**
 * Decodes one bfloat16 bit pattern (the top 16 bits of a float32) to its exact numeric value.
 *
 * @example
 * ```ts
 * bfloat16ToFloat32(0x3f80); // 1
 * bfloat16ToFloat32(0xc040); // -3
 * ```
 * @group Types and data
 */
export function bfloat16ToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}
