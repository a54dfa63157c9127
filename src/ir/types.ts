/**
 * Element types and shapes as the IR sees them. Kept free of protobuf: the numeric codes are the
 * ONNX `TensorProto.DataType` values because they are the lingua franca of every ONNX tool.
 */

// The element-type table lives with the codec (it is the ONNX spec's table, not protobuf code);
// the IR exposes it under its own short names.
import { DataType, dataTypeInfo, dataTypeName } from '../onnx/dtypes.js';

/**
 * ONNX element type codes (`TensorProto.DataType`).
 *
 * @example
 * ```ts
 * const mask = graph.addInput('mask', { dtype: DType.BOOL, shape: ['batch', 100] });
 * mask.type?.dtype === DType.BOOL; // true
 * ```
 * @group IR
 */
export const DType = DataType;

/**
 * A numeric ONNX element type code (see {@link DType}).
 *
 * @group IR
 */
export type DTypeCode = number;

/**
 * Lower-case name of an element type (`float`, `int64`, ...); `dtype(N)` for unknown codes.
 *
 * @example
 * ```ts
 * dtypeName(DType.FLOAT16); // 'float16'
 * dtypeName(99);            // 'dtype(99)'
 * ```
 * @group IR
 */
export function dtypeName(code: DTypeCode): string {
  return dataTypeInfo(code) || code === DType.UNDEFINED ? dataTypeName(code).toLowerCase() : `dtype(${code})`;
}

/**
 * Bits per element. Sub-byte types (int4, uint4, float4e2m1, int2, uint2) are packed, first element
 * in the lowest bits, as the ONNX spec says. Returns 0 for string and unknown types.
 * @group Types and data
 */
export function dtypeBits(code: DTypeCode): number {
  return dataTypeInfo(code)?.bitsPerElement ?? 0;
}

/**
 * Bytes needed for `count` elements of `code` (rounded up for sub-byte types).
 *
 * @group Types and data
 */
export function dtypeByteLength(code: DTypeCode, count: number): number {
  return Math.ceil((dtypeBits(code) * count) / 8);
}

/**
 * One dimension of a value's shape: a number when static, a string when symbolic (an ONNX
 * `dim_param` such as `batch`), `null` when unknown.
 * @group IR
 */
export type Dim = number | string | null;

/**
 * Dims for messages: unknown dims as `?`.
 *
 * @example
 * ```ts
 * formatDims([1, 3, 'batch', null]); // '[1,3,batch,?]'
 * ```
 * @group Types and data
 */
export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/**
 * Element type and (optional) shape of a tensor-typed value.
 *
 * @group IR
 */
export interface TensorType {
  /** Element type code; {@link DType.UNDEFINED} when unknown. */
  dtype: DTypeCode;
  /** Dimensions, or `undefined` when even the rank is unknown. */
  shape?: Dim[];
}

/**
 * Number of elements of a fully static shape.
 *
 * @group Types and data
 */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  // Indexed: for-of allocates an iterator, which shows when 40,000 constants ask their size.
  for (let i = 0; i < dims.length; i++) n *= dims[i]!;
  return n;
}
