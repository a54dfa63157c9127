/**
 * What float16 does to a float32 tensor's values, and the converted tensor itself. The scan is
 * exact for round-to-nearest-even (what `float32ToFloat16`, numpy and CUDA do): a finite value of
 * magnitude >= 65520 becomes ±Infinity, a non-zero value of magnitude <= 2^-25 becomes ±0.
 */
import { DType, Tensor, float32ArrayToFloat16 } from '../../ir/index.js';

/** Largest finite float16. */
export const FLOAT16_MAX = 65504;

/** Smallest float32 magnitude that rounds to Infinity in float16 (halfway to 2^16, rounding up). */
const OVERFLOW_FROM = 65520;

/** Largest magnitude that rounds to zero: half the smallest subnormal (2^-24), a tie to even. */
const FLUSH_UP_TO = 2 ** -25;

/** How a float32 tensor's values fare in float16. */
export interface Float16Fit {
  /** Elements scanned. */
  elements: number;
  /** Finite values that would become ±Infinity. */
  overflow: number;
  /** Non-zero values that would become ±0. */
  flushedToZero: number;
  /** Largest finite magnitude (0 for an empty tensor). */
  maxAbs: number;
}

/**
 * Scans float32 data for values float16 cannot hold.
 *
 * @example
 * ```ts
 * float16Fit(new Float32Array([1, -1e9, 1e-12, 0])); // { elements: 4, overflow: 1, flushedToZero: 1, maxAbs: 1e9 }
 * ```
 */
export function float16Fit(values: Float32Array): Float16Fit {
  let overflow = 0;
  let flushedToZero = 0;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    const magnitude = Math.abs(values[i]!);
    if (magnitude === Number.POSITIVE_INFINITY || Number.isNaN(magnitude)) continue;
    if (magnitude > maxAbs) maxAbs = magnitude;
    if (magnitude >= OVERFLOW_FROM) overflow++;
    else if (magnitude !== 0 && magnitude <= FLUSH_UP_TO) flushedToZero++;
  }
  return { elements: values.length, overflow, flushedToZero, maxAbs };
}

/** The float32 elements of a float32 tensor (copied when its bytes are not 4-byte aligned). */
export function float32Values(tensor: Tensor): Float32Array {
  return tensor.data() as Float32Array;
}

/**
 * A float16 tensor with the values of a float32 one, rounded to nearest even. The conversion is
 * lazy: the float32 source is read again when the bytes are asked for (at save), so converting a
 * model never holds both copies of its weights.
 *
 * @example
 * ```ts
 * toFloat16Tensor(Tensor.float32([1, 0.5], [2], 'w')).data(); // Uint16Array [0x3c00, 0x3800]
 * ```
 */
export function toFloat16Tensor(source: Tensor): Tensor {
  const tensor = new Tensor({
    name: source.name,
    dtype: DType.FLOAT16,
    dims: source.dims,
    storage: {
      kind: 'lazy',
      byteLength: source.size * 2,
      describe: `${source.storageDescription}, converted to float16`,
      load: () => {
        const half = float32ArrayToFloat16(float32Values(source));
        return new Uint8Array(half.buffer, half.byteOffset, half.byteLength);
      },
    },
  });
  if (source.docString !== undefined) tensor.docString = source.docString;
  return tensor;
}
