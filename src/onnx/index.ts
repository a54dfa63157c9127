/**
 * The ONNX codec layer: bytes <-> plain protobuf message objects, external tensor data, and file
 * access. Knows nothing about graphs; the IR's serde module builds on it.
 *
 * @module
 */

export * from './proto-types.js';
export {
  decodeModel,
  decodeTensor,
  decodeMessage,
  encodeMessage,
  encodeModel,
  encodedModelSize,
  PASS_THROUGH_BYTES,
  MAX_PROTOBUF_BYTES,
  type DecodeContext,
} from './codec.js';
export { MAX_MESSAGE_DEPTH } from './decode.js';
export {
  DataType,
  dataTypeInfo,
  requireDataTypeInfo,
  dataTypeName,
  dataTypeFromName,
  elementByteSize,
  storageByteSize,
  type DataTypeName,
  type DataTypeCode,
  type DataTypeInfo,
  type StorageArrayConstructor,
  type TensorDataField,
} from './dtypes.js';
export {
  parseExternalData,
  externalDataEntries,
  resolveExternalLocation,
  readExternalData,
  readExternalDataChunks,
  EXTERNAL_DATA_CHUNK_BYTES,
  ExternalDataWriter,
  type ExternalDataRef,
  type ExternalDataWriterOptions,
} from './external-data.js';
export { readModelBytes, writeFileAtomic, type WriteFileAtomicOptions } from './files.js';
