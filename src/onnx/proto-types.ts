/**
 * Plain-object shapes of the ONNX protobuf messages in `schemas/onnx.proto`, as produced by the
 * decoder and accepted by the encoder in `codec.ts`.
 *
 * Conventions (the IR's serde layer relies on them):
 * - Field names are the protobufjs camelCase of the proto names (`ir_version` -> `irVersion`).
 * - proto2 presence is kept: a scalar or message key exists iff the field was on the wire, so
 *   `{ f: 0 }` differs from `{}`. The encoder writes exactly the keys that are not `undefined`.
 *   Repeated fields are absent when empty (an empty array is accepted and writes nothing).
 * - 64-bit integers are {@link Int64}: a `number` when within `Number.MAX_SAFE_INTEGER`, else a
 *   `bigint`. The encoder accepts either.
 * - `bytes` fields, `rawData` and `stringData` elements are `Uint8Array` views into the decoded
 *   buffer (never copies), so weights are not duplicated in memory.
 * - TensorProto's packed numeric data fields decode to typed arrays (little-endian hosts).
 * - Every message may carry `$unknown`: raw bytes (tag and payload) of fields this schema does not
 *   know, in wire order; the encoder writes them back unchanged after the known fields.
 *
 * @module
 */

/** A 64-bit integer: `number` when it is a safe integer, `bigint` otherwise (e.g. INT64_MAX). */
export type Int64 = number | bigint;

/** Fields every message object may carry. */
export interface MessageBase {
  /** Raw bytes (tag + payload) of each field unknown to the schema, in wire order. */
  $unknown?: Uint8Array[];
}

/** `TensorProto.DataType` number; see `dtypes.ts` for names and sizes. */
export type DataTypeNumber = number;

/** `AttributeProto.AttributeType` numbers. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** `TensorProto.DataLocation` numbers. */
export const DataLocation = {
  DEFAULT: 0,
  EXTERNAL: 1,
} as const;

/** A key/value pair; ONNX's substitute for a map (order kept, duplicates possible). */
export interface StringStringEntryProto extends MessageBase {
  key?: string;
  value?: string;
}

/** An operator set a model or function imports: domain ('' = ai.onnx) and version. */
export interface OperatorSetIdProto extends MessageBase {
  domain?: string;
  version?: Int64;
}

/** The top-level ONNX file. */
export interface ModelProto extends MessageBase {
  irVersion?: Int64;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntryProto[];
  trainingInfo?: TrainingInfoProto[];
  functions?: FunctionProto[];
  configuration?: DeviceConfigurationProto[];
}

/** A computation graph (the main graph, a subgraph attribute, or a training graph). */
export interface GraphProto extends MessageBase {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: SparseTensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  quantizationAnnotation?: TensorAnnotation[];
  metadataProps?: StringStringEntryProto[];
}

/** One operator invocation. */
export interface NodeProto extends MessageBase {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  docString?: string;
  metadataProps?: StringStringEntryProto[];
  deviceConfigurations?: NodeDeviceConfigurationProto[];
}

/** A named attribute value; `type` says which value field is used. */
export interface AttributeProto extends MessageBase {
  name?: string;
  refAttrName?: string;
  docString?: string;
  /** An {@link AttributeType} number. */
  type?: number;
  f?: number;
  i?: Int64;
  /** UTF-8 text in practice, but typed as bytes by ONNX; a view into the decoded buffer. */
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparseTensor?: SparseTensorProto;
  tp?: TypeProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparseTensors?: SparseTensorProto[];
  typeProtos?: TypeProto[];
}

/** Name, type and shape of a value. */
export interface ValueInfoProto extends MessageBase {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps?: StringStringEntryProto[];
}

/** Which part of a larger tensor this TensorProto holds. */
export interface TensorSegment extends MessageBase {
  begin?: Int64;
  end?: Int64;
}

/** A dense tensor; its data lives in exactly one of the data fields, or in external data. */
export interface TensorProto extends MessageBase {
  dims?: Int64[];
  /** A `DataType` number (see `dtypes.ts`). */
  dataType?: DataTypeNumber;
  segment?: TensorSegment;
  floatData?: Float32Array;
  int32Data?: Int32Array;
  stringData?: Uint8Array[];
  int64Data?: BigInt64Array;
  name?: string;
  docString?: string;
  /** Little-endian element bytes; a view into the decoded buffer. */
  rawData?: Uint8Array;
  /** `location`, `offset`, `length`, `checksum` entries when `dataLocation` is EXTERNAL. */
  externalData?: StringStringEntryProto[];
  /** A {@link DataLocation} number. */
  dataLocation?: number;
  doubleData?: Float64Array;
  uint64Data?: BigUint64Array;
  metadataProps?: StringStringEntryProto[];
}

/** A sparse tensor in COO form. */
export interface SparseTensorProto extends MessageBase {
  values?: TensorProto;
  indices?: TensorProto;
  dims?: Int64[];
}

/** One dimension: a fixed size, a symbolic name, or neither (unknown). */
export interface TensorShapeDimension extends MessageBase {
  dimValue?: Int64;
  dimParam?: string;
  denotation?: string;
}

/** A tensor shape; absent shape means unknown rank. */
export interface TensorShapeProto extends MessageBase {
  dim?: TensorShapeDimension[];
}

/** `TypeProto.Tensor`. */
export interface TypeProtoTensor extends MessageBase {
  elemType?: DataTypeNumber;
  shape?: TensorShapeProto;
}

/** `TypeProto.Sequence`. */
export interface TypeProtoSequence extends MessageBase {
  elemType?: TypeProto;
}

/** `TypeProto.Map`. */
export interface TypeProtoMap extends MessageBase {
  keyType?: DataTypeNumber;
  valueType?: TypeProto;
}

/** `TypeProto.Optional`. */
export interface TypeProtoOptional extends MessageBase {
  elemType?: TypeProto;
}

/** `TypeProto.SparseTensor`. */
export interface TypeProtoSparseTensor extends MessageBase {
  elemType?: DataTypeNumber;
  shape?: TensorShapeProto;
}

/** `TypeProto.Opaque` (ONNX-ML). */
export interface TypeProtoOpaque extends MessageBase {
  domain?: string;
  name?: string;
}

/** The type of a value; at most one of the `*Type` fields is set (a oneof). */
export interface TypeProto extends MessageBase {
  tensorType?: TypeProtoTensor;
  sequenceType?: TypeProtoSequence;
  mapType?: TypeProtoMap;
  optionalType?: TypeProtoOptional;
  sparseTensorType?: TypeProtoSparseTensor;
  opaqueType?: TypeProtoOpaque;
  denotation?: string;
}

/** Quantization parameters (scale/zero-point tensor names) attached to a tensor. */
export interface TensorAnnotation extends MessageBase {
  tensorName?: string;
  quantParameterTensorNames?: StringStringEntryProto[];
}

/** Initialization and training-step graphs of a trainable model. */
export interface TrainingInfoProto extends MessageBase {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initializationBinding?: StringStringEntryProto[];
  updateBinding?: StringStringEntryProto[];
}

/** A model-local function: an operator defined by a body of nodes. */
export interface FunctionProto extends MessageBase {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attributeProto?: AttributeProto[];
  node?: NodeProto[];
  docString?: string;
  opsetImport?: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  valueInfo?: ValueInfoProto[];
  metadataProps?: StringStringEntryProto[];
}

/** IR 11: a named set of devices a model can be distributed over. */
export interface DeviceConfigurationProto extends MessageBase {
  name?: string;
  numDevices?: number;
  device?: string[];
}

/** IR 11: how one node runs on a device configuration. */
export interface NodeDeviceConfigurationProto extends MessageBase {
  configurationId?: string;
  shardingSpec?: ShardingSpecProto[];
  pipelineStage?: number;
}

/** IR 11: how one tensor of a node is sharded. */
export interface ShardingSpecProto extends MessageBase {
  tensorName?: string;
  device?: Int64[];
  indexToDeviceGroupMap?: IntIntListEntryProto[];
  shardedDim?: ShardedDimProto[];
}

/** IR 11: sharding of one axis. */
export interface ShardedDimProto extends MessageBase {
  axis?: Int64;
  simpleSharding?: SimpleShardedDimProto[];
}

/** IR 11: a dimension (value or symbol, a oneof) split into `numShards` equal parts. */
export interface SimpleShardedDimProto extends MessageBase {
  dimValue?: Int64;
  dimParam?: string;
  numShards?: Int64;
}

/** IR 11: an int64 key with a list of int64 values. */
export interface IntIntListEntryProto extends MessageBase {
  key?: Int64;
  value?: Int64[];
}

/** Test-data container for a sequence value (`onnx-data.proto`). */
export interface SequenceProto extends MessageBase {
  name?: string;
  elemType?: number;
  tensorValues?: TensorProto[];
  sparseTensorValues?: SparseTensorProto[];
  sequenceValues?: SequenceProto[];
  mapValues?: MapProto[];
  optionalValues?: OptionalProto[];
}

/** Test-data container for a map value (`onnx-data.proto`). */
export interface MapProto extends MessageBase {
  name?: string;
  keyType?: DataTypeNumber;
  keys?: Int64[];
  stringKeys?: Uint8Array[];
  values?: SequenceProto;
}

/** Test-data container for an optional value (`onnx-data.proto`). */
export interface OptionalProto extends MessageBase {
  name?: string;
  elemType?: number;
  tensorValue?: TensorProto;
  sparseTensorValue?: SparseTensorProto;
  sequenceValue?: SequenceProto;
  mapValue?: MapProto;
  optionalValue?: OptionalProto;
}

/** Fully qualified names of the messages the codec knows, mapped to their object types. */
export interface OnnxMessageTypes {
  'onnx.ModelProto': ModelProto;
  'onnx.GraphProto': GraphProto;
  'onnx.NodeProto': NodeProto;
  'onnx.AttributeProto': AttributeProto;
  'onnx.ValueInfoProto': ValueInfoProto;
  'onnx.TensorProto': TensorProto;
  'onnx.TensorProto.Segment': TensorSegment;
  'onnx.SparseTensorProto': SparseTensorProto;
  'onnx.TensorShapeProto': TensorShapeProto;
  'onnx.TensorShapeProto.Dimension': TensorShapeDimension;
  'onnx.TypeProto': TypeProto;
  'onnx.TensorAnnotation': TensorAnnotation;
  'onnx.TrainingInfoProto': TrainingInfoProto;
  'onnx.FunctionProto': FunctionProto;
  'onnx.OperatorSetIdProto': OperatorSetIdProto;
  'onnx.StringStringEntryProto': StringStringEntryProto;
  'onnx.DeviceConfigurationProto': DeviceConfigurationProto;
  'onnx.NodeDeviceConfigurationProto': NodeDeviceConfigurationProto;
  'onnx.ShardingSpecProto': ShardingSpecProto;
  'onnx.ShardedDimProto': ShardedDimProto;
  'onnx.SimpleShardedDimProto': SimpleShardedDimProto;
  'onnx.IntIntListEntryProto': IntIntListEntryProto;
  'onnx.SequenceProto': SequenceProto;
  'onnx.MapProto': MapProto;
  'onnx.OptionalProto': OptionalProto;
}
