import { dataTypeInfo } from '../onnx/dtypes.js';
import type { Tensor } from './tensor.js';
import { DType, type DTypeCode } from './types.js';

/**
 * A tensor's elements as numbers, read from its bytes in place: how `Tensor.toNumbers()` reads
 * the integer, float32/64 and bool types, without the typed-array view (or, for the shape
 * constants that sit at odd offsets of a model file, the aligned copy plus view) that `data()`
 * builds per tensor: shape inference of a model of 40,000 constants pays for those allocations.
 */

/** Bytes per element of the types {@link tensorNumbers} reads. */
const WIDTH = new Map<DTypeCode, number>([
  [DType.INT64, 8], [DType.DOUBLE, 8], [DType.FLOAT, 4], [DType.INT32, 4], [DType.UINT32, 4],
  [DType.INT16, 2], [DType.UINT16, 2], [DType.INT8, 1], [DType.UINT8, 1], [DType.BOOL, 1],
]);

/** Scratch for reinterpreting float bits (and int64 beyond the safe integers). */
const scratch = new Uint8Array(8);
const scratchFloat32 = new Float32Array(scratch.buffer, 0, 1);
const scratchFloat64 = new Float64Array(scratch.buffer, 0, 1);
const scratchInt64 = new BigInt64Array(scratch.buffer, 0, 1);

/** 2^32, for joining the two halves of an int64. */
const TWO_32 = 4294967296;

/** True for the element types {@link tensorNumbers} reads. */
export function readsAsNumbers(dtype: DTypeCode): boolean {
  return WIDTH.has(dtype);
}

/**
 * The elements of a tensor of a type {@link readsAsNumbers} accepts, as `Number()` of what its
 * `data()` holds: one number per whole element the bytes hold (little-endian, like the typed
 * arrays of the platforms Node runs on). Throws where `t.bytes()` throws.
 */
export function tensorNumbers(t: Tensor): number[] {
  const bytes = t.bytes();
  const dtype = t.dtype;
  const width = WIDTH.get(dtype)!;
  const count = Math.floor(bytes.byteLength / width);
  const out = new Array<number>(count);
  if (dtype !== DType.INT64 && bytes.byteOffset % width === 0) {
    // Aligned: one view of the bytes' own type, read directly (int64 is read in halves: no bigint).
    const view = new (dataTypeInfo(dtype)!.storage as NumberArrayConstructor)(bytes.buffer, bytes.byteOffset, count);
    for (let i = 0; i < count; i++) out[i] = view[i]!;
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = element(bytes, i * width, dtype);
  return out;
}

/** The typed arrays of the number types {@link tensorNumbers} views. */
type NumberArrayConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayLike<number>;

/**
 * The element of `dtype` at byte `o`, as the typed array of its type reads it, as a number: for
 * int64 and for misaligned wider types (one-byte types are always aligned, so they never come here).
 */
function element(b: Uint8Array, o: number, dtype: DTypeCode): number {
  switch (dtype) {
    case DType.UINT16: return b[o]! | (b[o + 1]! << 8);
    case DType.INT16: return ((b[o]! | (b[o + 1]! << 8)) << 16) >> 16;
    case DType.INT32: return int32At(b, o);
    case DType.UINT32: return int32At(b, o) >>> 0;
    case DType.INT64: return Number(int64At(b, o));
    case DType.FLOAT:
      copyToScratch(b, o, 4);
      return scratchFloat32[0]!;
    default:
      copyToScratch(b, o, 8);
      return scratchFloat64[0]!;
  }
}

/**
 * The int64 at byte `o`, exactly: a number when safe (`|high half| < 2^21`: high * 2^32 + low),
 * else a bigint.
 */
export function int64At(b: Uint8Array, o: number): number | bigint {
  const high = int32At(b, o + 4);
  if (high < 0x200000 && high >= -0x200000) return high * TWO_32 + (int32At(b, o) >>> 0);
  copyToScratch(b, o, 8);
  return scratchInt64[0]!;
}

function int32At(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

function copyToScratch(b: Uint8Array, o: number, n: number): void {
  for (let k = 0; k < n; k++) scratch[k] = b[o + k]!;
}
