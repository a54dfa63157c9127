/**
 * Reflective protobuf decoder: walks the compiled schema descriptors and builds plain objects
 * (see `proto-types.ts` for the conventions: presence, Int64, typed arrays, views, `$unknown`).
 *
 * Hostile input is expected: lengths are checked before use, nesting is bounded, wire types of
 * known fields are enforced, and strings must be valid UTF-8. Failures are {@link WireError}s whose
 * `path` is filled in while the error unwinds through nested messages.
 */

import type { FieldDescriptor, MessageDescriptor, ScalarKind } from './schema.js';
import { RawMessage } from './raw-message.js';
import { decodeUtf8 as decodeStrictUtf8 } from './utf8.js';
import { WireError, WireReader, WireType } from './wire-reader.js';

/** Deepest message nesting accepted (protobuf's own default recursion limit). */
export const MAX_MESSAGE_DEPTH = 100;

/** A decoded message object before it is typed. */
export type DecodedMessage = Record<string, unknown> & { $unknown?: Uint8Array[] };

/**
 * Messages of these types get `$start`/`$end`: where their body lies in the decoded buffer (the
 * loader keeps that instead of the message, see serde/node-bytes.ts).
 */
export type RecordRanges = ReadonlySet<MessageDescriptor>;

/**
 * A repeated message field left undecoded at one nesting depth (1: the top message's own
 * fields): its entries become {@link RawMessage}s, to be decoded by the caller one at a time.
 */
export interface SkippedField {
  field: FieldDescriptor;
  depth: number;
}

type TypedNumberArray = Float32Array | Float64Array | Int32Array | BigInt64Array | BigUint64Array;

/** Parts collected for one typed-array field: packed runs (typed arrays) and single elements. */
type TypedParts = (TypedNumberArray | number | bigint)[];

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes `bytes[start, end)` as one message of type `descriptor`. */
export function decodeMessageBytes(
  descriptor: MessageDescriptor,
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  ranges?: RecordRanges,
  skipped?: SkippedField,
): DecodedMessage {
  if (!IS_LITTLE_ENDIAN) {
    throw new WireError('big-endian hosts are not supported (typed-array views assume little-endian)', 0);
  }
  const reader = new WireReader(bytes, start, end);
  const target: DecodedMessage = {};
  decodeInto(reader, descriptor, target, 1, ranges, skipped);
  return target;
}

/** Decodes fields until `reader.end` into `target` (merging, as protobuf does for repeats). */
function decodeInto(
  reader: WireReader, descriptor: MessageDescriptor, target: DecodedMessage, depth: number, ranges: RecordRanges | undefined, skipped?: SkippedField,
): void {
  if (depth > MAX_MESSAGE_DEPTH) {
    throw new WireError(`messages nested deeper than ${MAX_MESSAGE_DEPTH}`, reader.pos);
  }
  const bytes = reader.bytes;
  const end = reader.end;
  let typedParts: Map<FieldDescriptor, TypedParts> | undefined;

  while (reader.pos < end) {
    const tagStart = reader.pos;
    const tag = reader.readTag();
    const fieldNumber = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNumber === 0) throw new WireError('invalid field number 0', tagStart);
    if (wireType === WireType.END_GROUP) throw new WireError(`unexpected end-group tag (field ${fieldNumber})`, tagStart);

    const field = descriptor.byNumber[fieldNumber];
    if (field === undefined) {
      reader.skipField(wireType, fieldNumber, MAX_MESSAGE_DEPTH - depth);
      (target.$unknown ??= []).push(bytes.subarray(tagStart, reader.pos));
      continue;
    }

    if (field.kind === 'message') {
      expectWireType(field, wireType, WireType.LENGTH_DELIMITED, tagStart);
      if (skipped && field === skipped.field && depth === skipped.depth) {
        const length = reader.readLength();
        repeatedList(target, field).push(new RawMessage(bytes, reader.pos, reader.pos + length));
        reader.pos += length;
      } else decodeSubmessage(reader, field, target, depth, ranges, skipped);
    } else if (!field.repeated) {
      expectWireType(field, wireType, field.wireType, tagStart);
      target[field.name] = readScalar(reader, field.kind);
    } else if (wireType === WireType.LENGTH_DELIMITED && field.packable) {
      const length = reader.readLength();
      const packedEnd = reader.pos + length;
      if (field.typedArray) {
        typedParts ??= new Map();
        let parts = typedParts.get(field);
        if (!parts) typedParts.set(field, (parts = []));
        parts.push(readPackedTyped(reader, field.kind, packedEnd));
      } else {
        const list = repeatedList(target, field);
        const outerEnd = reader.end;
        reader.end = packedEnd;
        const kind = field.kind as ScalarKind;
        while (reader.pos < packedEnd) list.push(readScalar(reader, kind));
        reader.end = outerEnd;
      }
    } else {
      expectWireType(field, wireType, field.wireType, tagStart);
      const value = readScalar(reader, field.kind);
      if (field.typedArray) {
        typedParts ??= new Map();
        let parts = typedParts.get(field);
        if (!parts) typedParts.set(field, (parts = []));
        parts.push(value as number | bigint);
      } else {
        repeatedList(target, field).push(value);
      }
    }
    if (field.oneofSiblings.length !== 0) {
      for (const sibling of field.oneofSiblings) delete target[sibling];
    }
  }
  if (reader.pos !== end) throw new WireError('field runs past the end of its message', reader.pos);

  if (typedParts) {
    for (const [field, parts] of typedParts) {
      const existing = target[field.name] as TypedNumberArray | undefined;
      target[field.name] = joinTypedParts(field.kind as ScalarKind, existing ? [existing, ...parts] : parts);
    }
  }
}

function decodeSubmessage(
  reader: WireReader, field: FieldDescriptor, target: DecodedMessage, depth: number, ranges: RecordRanges | undefined, skipped: SkippedField | undefined,
): void {
  const length = reader.readLength();
  const subEnd = reader.pos + length;
  const outerEnd = reader.end;
  const messageType = field.messageType!;
  let child: DecodedMessage;
  let segment: string;
  if (field.repeated) {
    const list = repeatedList(target, field);
    segment = `${field.name}[${list.length}]`;
    child = {};
    list.push(child);
  } else {
    segment = field.name;
    // A repeated occurrence of a singular message merges into the first (protobuf semantics).
    child = (target[field.name] as DecodedMessage | undefined) ?? {};
    target[field.name] = child;
  }
  if (ranges?.has(messageType)) {
    child.$start = reader.pos;
    child.$end = subEnd;
  }
  reader.end = subEnd;
  try {
    decodeInto(reader, messageType, child, depth + 1, ranges, skipped);
  } catch (error) {
    if (error instanceof WireError) error.path.unshift(segment);
    throw error;
  }
  reader.end = outerEnd;
}

function repeatedList(target: DecodedMessage, field: FieldDescriptor): unknown[] {
  let list = target[field.name] as unknown[] | undefined;
  if (!list) target[field.name] = list = [];
  return list;
}

function expectWireType(field: FieldDescriptor, found: number, expected: number, offset: number): void {
  if (found !== expected) {
    throw new WireError(`field '${field.name}' (#${field.number}) has wire type ${found}, expected ${expected}`, offset);
  }
}

/** Reads one scalar of the given kind (tag already consumed, wire type already checked). */
function readScalar(reader: WireReader, kind: ScalarKind): unknown {
  switch (kind) {
    case 'int32':
    case 'enum':
      reader.readVarint64();
      return reader.lo | 0;
    case 'uint32':
      reader.readVarint64();
      return reader.lo;
    case 'int64':
      reader.readVarint64();
      return reader.int64();
    case 'uint64':
      reader.readVarint64();
      return reader.uint64();
    case 'sint32': {
      reader.readVarint64();
      const v = reader.lo;
      return (v >>> 1) ^ -(v & 1);
    }
    case 'sint64': {
      reader.readVarint64();
      const zigzag = (BigInt(reader.hi) << 32n) | BigInt(reader.lo);
      const value = (zigzag >> 1n) ^ -(zigzag & 1n);
      return narrowBigInt(value);
    }
    case 'bool':
      reader.readVarint64();
      return reader.lo !== 0 || reader.hi !== 0;
    case 'float':
      return reader.readFloat();
    case 'double':
      return reader.readDouble();
    case 'fixed32':
      return reader.readFixed32();
    case 'sfixed32':
      return reader.readFixed32() | 0;
    case 'fixed64':
      reader.readFixed64();
      return reader.uint64();
    case 'sfixed64':
      reader.readFixed64();
      return reader.int64();
    case 'string': {
      const length = reader.readLength();
      const start = reader.pos;
      reader.pos += length;
      return decodeUtf8(reader.bytes, start, length);
    }
    case 'bytes': {
      const length = reader.readLength();
      const start = reader.pos;
      reader.pos += length;
      return reader.bytes.subarray(start, start + length);
    }
  }
}

function narrowBigInt(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Strict UTF-8 (invalid sequences are errors; utf8.ts says how short names stay flat strings). */
function decodeUtf8(bytes: Uint8Array, start: number, length: number): string {
  if (length === 0) return '';
  try {
    return decodeStrictUtf8(bytes, start, start + length);
  } catch {
    throw new WireError('invalid UTF-8 in string field', start);
  }
}

/** Reads a packed run `[reader.pos, packedEnd)` into a fresh typed array. */
function readPackedTyped(reader: WireReader, kind: ScalarKind, packedEnd: number): TypedNumberArray {
  const bytes = reader.bytes;
  const start = reader.pos;
  const length = packedEnd - start;
  if (kind === 'float' || kind === 'double') {
    const width = kind === 'float' ? 4 : 8;
    if (length % width !== 0) {
      throw new WireError(`packed ${kind} run of ${length} bytes is not a multiple of ${width}`, start);
    }
    // Uint8Array.prototype.slice copies into a fresh, aligned buffer (Buffer#slice would not copy).
    const copy = Uint8Array.prototype.slice.call(bytes, start, packedEnd);
    reader.pos = packedEnd;
    return kind === 'float' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
  }
  // Varint run: count terminator bytes first so the array is allocated once, at its final size.
  let count = 0;
  for (let i = start; i < packedEnd; i++) if (bytes[i]! < 0x80) count++;
  if (length > 0 && bytes[packedEnd - 1]! >= 0x80) throw new WireError('truncated varint at end of packed run', packedEnd - 1);
  const outerEnd = reader.end;
  reader.end = packedEnd;
  let result: TypedNumberArray;
  if (kind === 'int32') {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      reader.readVarint64();
      out[i] = reader.lo | 0;
    }
    result = out;
  } else if (kind === 'int64' || kind === 'uint64') {
    // Fill the 64-bit lanes through a 32-bit view (little-endian: low word first); no BigInt churn.
    const out = kind === 'int64' ? new BigInt64Array(count) : new BigUint64Array(count);
    const words = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) {
      reader.readVarint64();
      words[2 * i] = reader.lo;
      words[2 * i + 1] = reader.hi;
    }
    result = out;
  } else {
    throw new WireError(`packed ${kind} is not supported as a typed array`, start);
  }
  reader.end = outerEnd;
  return result;
}

/** Joins typed runs and single elements into one typed array of the field's element type. */
function joinTypedParts(kind: ScalarKind, parts: TypedParts): TypedNumberArray {
  if (parts.length === 1 && typeof parts[0] === 'object') return parts[0];
  let total = 0;
  for (const part of parts) total += typeof part === 'object' ? part.length : 1;
  const out = allocTyped(kind, total);
  let offset = 0;
  for (const part of parts) {
    if (typeof part === 'object') {
      (out as Float64Array).set(part as Float64Array, offset);
      offset += part.length;
    } else if (out instanceof BigInt64Array) {
      out[offset++] = BigInt.asIntN(64, BigInt(part));
    } else if (out instanceof BigUint64Array) {
      out[offset++] = BigInt.asUintN(64, BigInt(part));
    } else {
      out[offset++] = part as number;
    }
  }
  return out;
}

function allocTyped(kind: ScalarKind, length: number): TypedNumberArray {
  switch (kind) {
    case 'float':
      return new Float32Array(length);
    case 'double':
      return new Float64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint64':
      return new BigUint64Array(length);
    default:
      throw new WireError(`no typed array for ${kind}`, 0);
  }
}
