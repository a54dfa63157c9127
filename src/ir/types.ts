/**
 * Element types and shapes as the IR sees them. Kept free of protobuf: the numeric codes are the
 * ONNX `TensorProto.DataType` values because they are the lingua franca of every ONNX tool.
 */

/** ONNX element type codes (`TensorProto.DataType`). */
export const DType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
} as const;

/** A numeric ONNX element type code (see {@link DType}). */
export type DTypeCode = number;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DType).map(([name, code]) => [code, name.toLowerCase()]),
);

/** Lower-case name of an element type (`float`, `int64`, ...); `dtype(N)` for unknown codes. */
export function dtypeName(code: DTypeCode): string {
  return NAMES[code] ?? `dtype(${code})`;
}

/**
 * Bits per element. Sub-byte types (int4, uint4, float4e2m1) pack two elements per byte, low
 * nibble first, as the ONNX spec says. Returns 0 for string and unknown types.
 */
export function dtypeBits(code: DTypeCode): number {
  switch (code) {
    case DType.FLOAT: case DType.INT32: case DType.UINT32: return 32;
    case DType.UINT8: case DType.INT8: case DType.BOOL:
    case DType.FLOAT8E4M3FN: case DType.FLOAT8E4M3FNUZ: case DType.FLOAT8E5M2: case DType.FLOAT8E5M2FNUZ:
    case DType.FLOAT8E8M0: return 8;
    case DType.UINT16: case DType.INT16: case DType.FLOAT16: case DType.BFLOAT16: return 16;
    case DType.INT64: case DType.UINT64: case DType.DOUBLE: case DType.COMPLEX64: return 64;
    case DType.COMPLEX128: return 128;
    case DType.UINT4: case DType.INT4: case DType.FLOAT4E2M1: return 4;
    default: return 0;
  }
}

/** Bytes needed for `count` elements of `code` (rounded up for sub-byte types). */
export function dtypeByteLength(code: DTypeCode, count: number): number {
  return Math.ceil((dtypeBits(code) * count) / 8);
}

/**
 * One dimension of a value's shape: a number when static, a string when symbolic (an ONNX
 * `dim_param` such as `batch`), `null` when unknown.
 */
export type Dim = number | string | null;

/** Element type and (optional) shape of a tensor-typed value. */
export interface TensorType {
  /** Element type code; {@link DType.UNDEFINED} when unknown. */
  dtype: DTypeCode;
  /** Dimensions, or `undefined` when even the rank is unknown. */
  shape?: Dim[];
}

/** Number of elements of a fully static shape. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
