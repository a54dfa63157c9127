/**
 * ONNX tensor element types (`TensorProto.DataType`): numbers, names, storage sizes, the typed
 * array that holds their raw little-endian bits, and the TensorProto field that holds them when
 * they are not in `raw_data`.
 *
 * Sub-byte types are packed: 4-bit types (INT4, UINT4, FLOAT4E2M1) store two elements per byte,
 * 2-bit types (INT2, UINT2) four per byte, first element in the lowest bits; an odd tail is padded
 * with zero bits. Their storage is a `Uint8Array` of packed bytes.
 */

import { OnnxSurgeonError } from '../errors.js';

/** `TensorProto.DataType` numbers. */
export const DataType = {
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
  UINT2: 25,
  INT2: 26,
} as const;

/** Name of a data type, e.g. `'FLOAT16'`. */
export type DataTypeName = keyof typeof DataType;

/** Number of a data type, e.g. `10`. */
export type DataTypeCode = (typeof DataType)[DataTypeName];

/** Typed arrays used as storage for tensor elements. */
export type StorageArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** The TensorProto field that holds a type's elements when `raw_data` is not used. */
export type TensorDataField = 'floatData' | 'int32Data' | 'stringData' | 'int64Data' | 'doubleData' | 'uint64Data';

/** Everything the codec and IR need to know about one element type. */
export interface DataTypeInfo {
  readonly code: number;
  readonly name: DataTypeName;
  /** Bits per element (complex: both parts; STRING: 0, variable length). */
  readonly bitsPerElement: number;
  /**
   * Typed array holding the raw bits, `undefined` for STRING. FLOAT16/BFLOAT16 use Uint16Array
   * (raw bits), FLOAT8 types and BOOL Uint8Array, COMPLEX64/128 interleave (re, im) in
   * Float32Array/Float64Array, sub-byte types Uint8Array of packed bytes.
   */
  readonly storage: StorageArrayConstructor | undefined;
  /** Storage elements per tensor element (2 for complex types, else 1; sub-byte types: see bits). */
  readonly storagePerElement: number;
  /** Field holding the elements outside `raw_data` (`int32Data` carries bits for small types). */
  readonly dataField: TensorDataField;
}

function info(
  name: DataTypeName,
  bitsPerElement: number,
  storage: StorageArrayConstructor | undefined,
  dataField: TensorDataField,
  storagePerElement = 1,
): DataTypeInfo {
  return { code: DataType[name], name, bitsPerElement, storage, storagePerElement, dataField };
}

const TABLE: readonly DataTypeInfo[] = [
  info('FLOAT', 32, Float32Array, 'floatData'),
  info('UINT8', 8, Uint8Array, 'int32Data'),
  info('INT8', 8, Int8Array, 'int32Data'),
  info('UINT16', 16, Uint16Array, 'int32Data'),
  info('INT16', 16, Int16Array, 'int32Data'),
  info('INT32', 32, Int32Array, 'int32Data'),
  info('INT64', 64, BigInt64Array, 'int64Data'),
  info('STRING', 0, undefined, 'stringData'),
  info('BOOL', 8, Uint8Array, 'int32Data'),
  info('FLOAT16', 16, Uint16Array, 'int32Data'),
  info('DOUBLE', 64, Float64Array, 'doubleData'),
  info('UINT32', 32, Uint32Array, 'uint64Data'),
  info('UINT64', 64, BigUint64Array, 'uint64Data'),
  info('COMPLEX64', 64, Float32Array, 'floatData', 2),
  info('COMPLEX128', 128, Float64Array, 'doubleData', 2),
  info('BFLOAT16', 16, Uint16Array, 'int32Data'),
  info('FLOAT8E4M3FN', 8, Uint8Array, 'int32Data'),
  info('FLOAT8E4M3FNUZ', 8, Uint8Array, 'int32Data'),
  info('FLOAT8E5M2', 8, Uint8Array, 'int32Data'),
  info('FLOAT8E5M2FNUZ', 8, Uint8Array, 'int32Data'),
  info('UINT4', 4, Uint8Array, 'int32Data'),
  info('INT4', 4, Uint8Array, 'int32Data'),
  info('FLOAT4E2M1', 4, Uint8Array, 'int32Data'),
  info('FLOAT8E8M0', 8, Uint8Array, 'int32Data'),
  info('UINT2', 2, Uint8Array, 'int32Data'),
  info('INT2', 2, Uint8Array, 'int32Data'),
];

const BY_CODE = new Map<number, DataTypeInfo>(TABLE.map((entry) => [entry.code, entry]));

/** Info for a data type number, or `undefined` for UNDEFINED (0) and unknown numbers. */
export function dataTypeInfo(code: number): DataTypeInfo | undefined {
  return BY_CODE.get(code);
}

/** Info for a data type number; throws for unknown numbers. */
export function requireDataTypeInfo(code: number, context: { tensor?: string; file?: string } = {}): DataTypeInfo {
  const found = BY_CODE.get(code);
  if (!found) throw new OnnxSurgeonError('shape', `unknown tensor data type ${code}`, { ...context, found: String(code) });
  return found;
}

/** Name of a data type number (`'FLOAT'`), or `'UNKNOWN(<n>)'`. */
export function dataTypeName(code: number): string {
  if (code === DataType.UNDEFINED) return 'UNDEFINED';
  return BY_CODE.get(code)?.name ?? `UNKNOWN(${code})`;
}

/** Data type number for a name (case-insensitive, e.g. `'float16'`), or `undefined`. */
export function dataTypeFromName(name: string): number | undefined {
  const upper = name.toUpperCase();
  return Object.prototype.hasOwnProperty.call(DataType, upper) ? DataType[upper as DataTypeName] : undefined;
}

/** Bytes per element for whole-byte types; `undefined` for STRING and sub-byte types. */
export function elementByteSize(code: number): number | undefined {
  const entry = BY_CODE.get(code);
  if (!entry || entry.bitsPerElement === 0 || entry.bitsPerElement % 8 !== 0) return undefined;
  return entry.bitsPerElement / 8;
}

/**
 * Bytes needed to store `elementCount` elements in `raw_data` (sub-byte types rounded up to whole
 * bytes); `undefined` for STRING and unknown types.
 */
export function storageByteSize(code: number, elementCount: number): number | undefined {
  const entry = BY_CODE.get(code);
  if (!entry || entry.bitsPerElement === 0) return undefined;
  return Math.ceil((elementCount * entry.bitsPerElement) / 8);
}
