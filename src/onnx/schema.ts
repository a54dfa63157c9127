/**
 * Loads `schemas/onnx.proto` with protobufjs and compiles its reflection into small descriptors the
 * codec walks (one array lookup per field on the hot path instead of protobufjs objects).
 *
 * The schema text is read at run time, found by walking up from this module's folder, so the same
 * code works from TypeScript sources (vitest: `src/onnx/`) and from compiled `dist/src/onnx/`.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { OnnxSurgeonError } from '../errors.js';
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

/** Typed-array element types the codec supports for `[packed = true]` fields. */
const TYPED_ARRAY_KINDS: ReadonlySet<string> = new Set(['float', 'double', 'int32', 'int64', 'uint64']);

let cached: CompiledSchema | undefined;

/** The compiled ONNX schema (loaded once, on first use). */
export function onnxSchema(): CompiledSchema {
  cached ??= compileSchema(readFileSync(findSchemaFile(), 'utf8'));
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

/** Path of `schemas/onnx.proto`, searched upwards from this module's folder. */
export function findSchemaFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 6; level++) {
    const candidate = join(dir, 'schemas', 'onnx.proto');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new OnnxSurgeonError('internal', 'schemas/onnx.proto not found above the onnx codec module', {
    file: fileURLToPath(import.meta.url),
  });
}

/** Compiles protobuf source text into codec descriptors. Exported for tests. */
export function compileSchema(protoSource: string): CompiledSchema {
  const root = protobuf.parse(protoSource, { keepCase: false }).root;
  root.resolveAll();
  const types: protobuf.Type[] = [];
  collectTypes(root, types);

  const messages = new Map<string, MessageDescriptor>();
  const pending: { field: FieldDescriptor; typeName: string }[] = [];
  for (const type of types) {
    const fullName = type.fullName.replace(/^\./, '');
    const packageName = 'onnx.';
    const displayName = fullName.startsWith(packageName) ? fullName.slice(packageName.length) : fullName;
    const fields: FieldDescriptor[] = [];
    for (const field of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
      const resolved = field.resolvedType;
      const isMessage = resolved instanceof protobuf.Type;
      const kind: ScalarKind | 'message' = isMessage
        ? 'message'
        : resolved instanceof protobuf.Enum
          ? 'enum'
          : (field.type as ScalarKind);
      if (kind !== 'message' && !(kind in WIRE_TYPE_OF)) {
        throw new OnnxSurgeonError('internal', `unsupported field type '${field.type}' in ${fullName}.${field.name}`);
      }
      const wireType = kind === 'message' ? WireType.LENGTH_DELIMITED : WIRE_TYPE_OF[kind];
      const packable = field.repeated && kind !== 'message' && wireType !== WireType.LENGTH_DELIMITED;
      const typedArray = packable && field.packed && TYPED_ARRAY_KINDS.has(kind);
      const oneofSiblings = field.partOf ? field.partOf.fieldsArray.filter((f) => f !== field).map((f) => f.name) : [];
      const descriptor: FieldDescriptor = {
        number: field.id,
        name: field.name,
        kind,
        repeated: field.repeated,
        wireType,
        packable,
        typedArray,
        oneofSiblings,
      };
      if (isMessage) pending.push({ field: descriptor, typeName: resolved.fullName.replace(/^\./, '') });
      fields.push(descriptor);
    }
    const byNumber: (FieldDescriptor | undefined)[] = [];
    for (const f of fields) byNumber[f.number] = f;
    messages.set(fullName, { fullName, displayName, fields, byNumber });
  }
  for (const { field, typeName } of pending) field.messageType = messages.get(typeName);
  return { messages };
}

function collectTypes(namespace: protobuf.NamespaceBase, out: protobuf.Type[]): void {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested);
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) collectTypes(nested, out);
  }
}
