/**
 * The ONNX schema as the codec walks it: small descriptors (one array lookup per field on the hot
 * path instead of protobufjs objects), linked once on first use from `schema-data.ts`, which
 * `scripts/gen-schema.ts` compiles from `schemas/onnx.proto` with protobufjs. Nothing parses
 * .proto text at run time, and protobufjs is not a run-time dependency.
 */

import { OnnxSurgeonError } from '../errors.js';
import { ONNX_MESSAGES } from './schema-data.js';
import { WireType } from './wire-reader.js';

/** Protobuf scalar types the codec handles (`enum` decodes like int32). */
export type ScalarKind =
  | 'double'
  | 'float'
  | 'int64'
  | 'uint64'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'sint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed32'
  | 'sfixed64'
  | 'bool'
  | 'enum'
  | 'string'
  | 'bytes';

/** One field as `schema-data.ts` stores it (what the .proto says; wire details are derived). */
export interface FieldData {
  readonly number: number;
  /** Object key (protobufjs camelCase). */
  readonly name: string;
  readonly kind: ScalarKind | 'message';
  readonly repeated: boolean;
  /** Declared `[packed = true]`. */
  readonly packed: boolean;
  /** Full name of the field's message type, for `kind === 'message'`. */
  readonly messageType?: string;
  /** Names of the other members of this field's oneof. */
  readonly oneofSiblings: readonly string[];
}

/** One message as `schema-data.ts` stores it. */
export interface MessageData {
  /** Fully qualified name without leading dot, e.g. `onnx.TensorProto`. */
  readonly fullName: string;
  /** Fields sorted by number. */
  readonly fields: readonly FieldData[];
}

/** One field of a message, as the codec needs it. */
export interface FieldDescriptor {
  /** Field number on the wire. */
  readonly number: number;
  /** Object key (protobufjs camelCase). */
  readonly name: string;
  /** Scalar kind, or 'message'. */
  readonly kind: ScalarKind | 'message';
  readonly repeated: boolean;
  /** Wire type of one element (what a non-packed occurrence carries). */
  readonly wireType: number;
  /** Repeated numeric field: may arrive packed (wire type 2) and is written packed. */
  readonly packable: boolean;
  /**
   * Declared `[packed = true]` in the schema: decodes to a typed array (TensorProto data fields).
   * Other repeated numbers decode to plain arrays.
   */
  readonly typedArray: boolean;
  /** Resolved message type for `kind === 'message'`. */
  messageType?: MessageDescriptor;
  /** Names of the other members of this field's oneof (cleared when this one is decoded). */
  readonly oneofSiblings: readonly string[];
}

/** One message type. */
export interface MessageDescriptor {
  /** Fully qualified name without leading dot, e.g. `onnx.TensorProto`. */
  readonly fullName: string;
  /** Name used in error paths, e.g. `TensorProto` or `TypeProto.Tensor`. */
  readonly displayName: string;
  /** Fields sorted by number (the encoding order). */
  readonly fields: readonly FieldDescriptor[];
  /** Field lookup by number (sparse). */
  readonly byNumber: readonly (FieldDescriptor | undefined)[];
}

/** The compiled schema: every message type by full name. */
export interface CompiledSchema {
  readonly messages: ReadonlyMap<string, MessageDescriptor>;
}

const WIRE_TYPE_OF: Record<ScalarKind, number> = {
  double: WireType.FIXED64,
  float: WireType.FIXED32,
  int64: WireType.VARINT,
  uint64: WireType.VARINT,
  int32: WireType.VARINT,
  uint32: WireType.VARINT,
  sint32: WireType.VARINT,
  sint64: WireType.VARINT,
  fixed32: WireType.FIXED32,
  fixed64: WireType.FIXED64,
  sfixed32: WireType.FIXED32,
  sfixed64: WireType.FIXED64,
  bool: WireType.VARINT,
  enum: WireType.VARINT,
  string: WireType.LENGTH_DELIMITED,
  bytes: WireType.LENGTH_DELIMITED,
};

/** True for the protobuf scalar types the codec handles. */
export function isScalarKind(kind: string): kind is ScalarKind {
  return Object.hasOwn(WIRE_TYPE_OF, kind);
}

/** Typed-array element types the codec supports for `[packed = true]` fields. */
const TYPED_ARRAY_KINDS: ReadonlySet<string> = new Set(['float', 'double', 'int32', 'int64', 'uint64']);

let cached: CompiledSchema | undefined;

/** The compiled ONNX schema (linked once, on first use). */
export function onnxSchema(): CompiledSchema {
  cached ??= linkSchema(ONNX_MESSAGES);
  return cached;
}

/** Looks up a message type by full name (`onnx.ModelProto`; the `onnx.` prefix may be omitted). */
export function messageDescriptor(typeName: string): MessageDescriptor {
  const messages = onnxSchema().messages;
  const found = messages.get(typeName) ?? messages.get(`onnx.${typeName}`);
  if (!found) {
    throw new OnnxSurgeonError('usage', `unknown message type '${typeName}'`, {
      expected: 'a message of schemas/onnx.proto, e.g. onnx.ModelProto',
      found: typeName,
    });
  }
  return found;
}

/** Turns stored message data into codec descriptors: wire types, packing, field lookup, message links. */
export function linkSchema(data: readonly MessageData[]): CompiledSchema {
  const messages = new Map<string, MessageDescriptor>();
  const pending: { field: FieldDescriptor; typeName: string }[] = [];
  const packageName = 'onnx.';
  for (const message of data) {
    const { fullName } = message;
    const displayName = fullName.startsWith(packageName) ? fullName.slice(packageName.length) : fullName;
    const fields = message.fields.map((field): FieldDescriptor => {
      const wireType = field.kind === 'message' ? WireType.LENGTH_DELIMITED : WIRE_TYPE_OF[field.kind];
      const packable = field.repeated && field.kind !== 'message' && wireType !== WireType.LENGTH_DELIMITED;
      const descriptor: FieldDescriptor = {
        number: field.number,
        name: field.name,
        kind: field.kind,
        repeated: field.repeated,
        wireType,
        packable,
        typedArray: packable && field.packed && TYPED_ARRAY_KINDS.has(field.kind),
        oneofSiblings: field.oneofSiblings,
      };
      if (field.messageType !== undefined) pending.push({ field: descriptor, typeName: field.messageType });
      return descriptor;
    });
    const byNumber: (FieldDescriptor | undefined)[] = [];
    for (const f of fields) byNumber[f.number] = f;
    messages.set(fullName, { fullName, displayName, fields, byNumber });
  }
  for (const { field, typeName } of pending) {
    field.messageType = messages.get(typeName);
    if (!field.messageType) throw new OnnxSurgeonError('internal', `schema: field ${field.name} names unknown message type '${typeName}'`);
  }
  return { messages };
}
