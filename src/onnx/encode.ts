/**
 * Reflective protobuf encoder: the inverse of `decode.ts`.
 *
 * Two passes: {@link measureMessage} computes every (sub)message size and packed payload size once
 * (recorded in visiting order), then {@link writeMessage} emits fields in field-number order followed by the
 * message's `$unknown` bytes. Same object in, same bytes out.
 */

import { OnnxSurgeonError } from '../errors.js';
import type { FieldDescriptor, MessageDescriptor, ScalarKind } from './schema.js';
import { utf8ByteLength } from './scratch-bytes.js';
import { RawMessage } from './raw-message.js';
import { holeSource } from './sparse-read.js';
import { WireType } from './wire-reader.js';
import type { ChunkedWriter } from './wire-writer.js';

/**
 * Sizes computed by the measuring pass, in visiting order (each message's body size before its
 * descendants', packed payload sizes where their field is met); the writing pass visits the same
 * fields in the same order and consumes them with a cursor. Cheaper than a Map keyed by object
 * for models with hundreds of thousands of messages.
 */
export class SizeList {
  readonly values: number[] = [];
  cursor = 0;

  /** The next size in visiting order. */
  next(): number {
    return this.values[this.cursor++]!;
  }
}

type AnyMessage = Record<string, unknown> & { $unknown?: Uint8Array[] };

/** An encode failure with the message path filled in while unwinding. */
class EncodeFailure extends Error {
  readonly path: string[] = [];
}

const TWO_POW_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Words of the last {@link toWords} conversion (avoids allocating a pair per number). */
let wordLo = 0;
let wordHi = 0;

/** Size in bytes of the body of `message` (without its own tag and length). */
export function measureMessage(descriptor: MessageDescriptor, message: AnyMessage, sizes: SizeList): number {
  try {
    return measureInto(descriptor, message, sizes);
  } catch (error) {
    throw toEncodeError(descriptor, error);
  }
}

/** Writes the body of `message`; `sizes` must come from {@link measureMessage} on the same object. */
export function writeMessage(descriptor: MessageDescriptor, message: AnyMessage, sizes: SizeList, writer: ChunkedWriter): void {
  sizes.cursor = 1; // slot 0 is the top message's own size
  try {
    writeInto(descriptor, message, sizes, writer);
  } catch (error) {
    throw toEncodeError(descriptor, error);
  }
}

function toEncodeError(descriptor: MessageDescriptor, error: unknown): unknown {
  if (error instanceof EncodeFailure) {
    const path = [descriptor.displayName, ...error.path].join('.');
    return new OnnxSurgeonError('encode', `${path}: ${error.message}`);
  }
  return error;
}

function measureInto(descriptor: MessageDescriptor, message: AnyMessage, sizes: SizeList): number {
  if (typeof message !== 'object' || message === null) throw new EncodeFailure(`expected a message object, found ${typeof message}`);
  if (message instanceof RawMessage) {
    sizes.values.push(message.byteLength);
    return message.byteLength;
  }
  const slot = sizes.values.length;
  sizes.values.push(0);
  let total = 0;
  for (const field of descriptor.fields) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    try {
      total += measureField(field, value, sizes);
    } catch (error) {
      if (error instanceof EncodeFailure) error.path.unshift(field.name);
      throw error;
    }
  }
  const unknown = message.$unknown;
  if (unknown) for (const raw of unknown) total += raw.byteLength;
  sizes.values[slot] = total;
  return total;
}

function measureField(field: FieldDescriptor, value: unknown, sizes: SizeList): number {
  const tagBytes = varint32Size((field.number << 3) >>> 0);
  if (field.kind === 'message') {
    const messageType = field.messageType!;
    if (!field.repeated) {
      const body = measureInto(messageType, value as AnyMessage, sizes);
      return tagBytes + varint32Size(body) + body;
    }
    const list = asList(value);
    let total = 0;
    for (let i = 0; i < list.length; i++) {
      let body: number;
      try {
        body = measureInto(messageType, list[i] as AnyMessage, sizes);
      } catch (error) {
        if (error instanceof EncodeFailure) error.path.unshift(`[${i}]`);
        throw error;
      }
      total += tagBytes + varint32Size(body) + body;
    }
    return total;
  }
  if (!field.repeated) return tagBytes + scalarSize(field.kind, value);
  const list = asList(value);
  if (list.length === 0) return 0;
  if (field.packable) {
    const payload = packedPayloadSize(field.kind, list);
    sizes.values.push(payload);
    return tagBytes + varint32Size(payload) + payload;
  }
  let total = 0;
  for (let i = 0; i < list.length; i++) total += tagBytes + scalarSize(field.kind, list[i]);
  return total;
}

function writeInto(descriptor: MessageDescriptor, message: AnyMessage, sizes: SizeList, writer: ChunkedWriter): void {
  if (message instanceof RawMessage) {
    writer.writeBytes(message.view());
    return;
  }
  for (const field of descriptor.fields) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    writeField(field, value, sizes, writer);
  }
  const unknown = message.$unknown;
  if (unknown) for (const raw of unknown) writer.writeBytes(raw);
}

function writeField(field: FieldDescriptor, value: unknown, sizes: SizeList, writer: ChunkedWriter): void {
  if (field.kind === 'message') {
    const messageType = field.messageType!;
    const items = field.repeated ? asList(value) : [value];
    for (let i = 0; i < items.length; ) {
      const item = items[i];
      if (item instanceof RawMessage) {
        i = writeRawRun(field, items, i, sizes, writer);
        continue;
      }
      writer.writeTag(field.number, WireType.LENGTH_DELIMITED);
      writer.writeVarint32(sizes.next());
      writeInto(messageType, item as AnyMessage, sizes, writer);
      i++;
    }
    return;
  }
  if (!field.repeated) {
    writer.writeTag(field.number, field.wireType);
    writeScalar(field.kind, value, writer);
    return;
  }
  const list = asList(value);
  if (list.length === 0) return;
  if (field.packable) {
    writer.writeTag(field.number, WireType.LENGTH_DELIMITED);
    writer.writeVarint32(sizes.next());
    writePacked(field.kind, list, writer);
    return;
  }
  for (let i = 0; i < list.length; i++) {
    writer.writeTag(field.number, field.wireType);
    writeScalar(field.kind, list[i], writer);
  }
}

/**
 * Writes the {@link RawMessage} `items[i]` and those after it that lie one after another in the
 * same buffer, each right behind the very tag and length this field writes: the buffer's bytes
 * from the run's first tag to its last message's end are what writing them one by one gives, and
 * they are written as one piece (passed through as a view when large). A loaded graph's unchanged
 * nodes are such runs. Returns the index after the run.
 */
function writeRawRun(field: FieldDescriptor, items: ListLike, i: number, sizes: SizeList, writer: ChunkedWriter): number {
  const tag = ((field.number << 3) | WireType.LENGTH_DELIMITED) >>> 0;
  const first = items[i] as RawMessage;
  const bytes = first.bytes;
  const from = first.start - varint32Size(tag) - varint32Size(first.byteLength);
  let end = first.end;
  let next = i + 1;
  if (from >= 0 && hasPrefix(bytes, from, tag, first.byteLength)) {
    while (next < items.length) {
      const item = items[next];
      if (!(item instanceof RawMessage) || item.bytes !== bytes) break;
      if (item.start - varint32Size(tag) - varint32Size(item.byteLength) !== end || !hasPrefix(bytes, end, tag, item.byteLength)) break;
      end = item.end;
      next++;
    }
    // Measuring recorded one size per raw message and nothing else.
    sizes.cursor += next - i;
    writer.writeBytes(bytes.subarray(from, end));
    return next;
  }
  writer.writeTag(field.number, WireType.LENGTH_DELIMITED);
  writer.writeVarint32(sizes.next());
  writer.writeBytes(first.view());
  return next;
}

/** Whether `bytes` hold, at `at`, the varints `tag` and `length` as the writer writes them (minimal). */
function hasPrefix(bytes: Uint8Array, at: number, tag: number, length: number): boolean {
  const p = varintAt(bytes, at, tag);
  return p >= 0 && varintAt(bytes, p, length) >= 0;
}

/** The offset after the minimal varint `value` when `bytes` hold it at `at`, else -1. */
function varintAt(bytes: Uint8Array, at: number, value: number): number {
  let p = at;
  let v = value;
  while (v >= 0x80) {
    if (bytes[p++] !== ((v & 0x7f) | 0x80)) return -1;
    v >>>= 7;
  }
  return bytes[p++] === v ? p : -1;
}

/** Arrays and typed arrays, viewed uniformly. */
type ListLike = ArrayLike<unknown> & object;

function asList(value: unknown): ListLike {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value as unknown as ListLike;
  throw new EncodeFailure(`expected an array for a repeated field, found ${typeof value}`);
}

function scalarSize(kind: ScalarKind, value: unknown): number {
  switch (kind) {
    case 'int32':
    case 'enum':
      return int32Value(value) < 0 ? 10 : varint32Size(int32Value(value));
    case 'uint32':
      return varint32Size(uint32Value(value));
    case 'sint32':
      return varint32Size(zigzag32(int32Value(value)));
    case 'int64':
      toWords(value, true);
      return varint64Size(wordLo, wordHi);
    case 'uint64':
      toWords(value, false);
      return varint64Size(wordLo, wordHi);
    case 'sint64':
      zigzag64Words(value);
      return varint64Size(wordLo, wordHi);
    case 'bool':
      boolValue(value);
      return 1;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      numberValue(value);
      return 4;
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      if (kind === 'double') numberValue(value);
      else toWords(value, kind === 'sfixed64');
      return 8;
    case 'string': {
      if (typeof value !== 'string') throw new EncodeFailure(`expected a string, found ${typeof value}`);
      const n = utf8Length(value);
      return varint32Size(n) + n;
    }
    case 'bytes': {
      if (!(value instanceof Uint8Array)) throw new EncodeFailure(`expected a Uint8Array, found ${describe(value)}`);
      return varint32Size(value.byteLength) + value.byteLength;
    }
  }
}

function writeScalar(kind: ScalarKind, value: unknown, writer: ChunkedWriter): void {
  switch (kind) {
    case 'int32':
    case 'enum': {
      const v = int32Value(value);
      if (v < 0) writer.writeVarint64(v >>> 0, 0xffffffff);
      else writer.writeVarint32(v);
      return;
    }
    case 'uint32':
      writer.writeVarint32(uint32Value(value));
      return;
    case 'sint32':
      writer.writeVarint32(zigzag32(int32Value(value)));
      return;
    case 'int64':
    case 'uint64':
      toWords(value, kind === 'int64');
      writer.writeVarint64(wordLo, wordHi);
      return;
    case 'sint64':
      zigzag64Words(value);
      writer.writeVarint64(wordLo, wordHi);
      return;
    case 'bool':
      writer.writeVarint32(boolValue(value) ? 1 : 0);
      return;
    case 'float':
      writer.writeFloat(numberValue(value));
      return;
    case 'double':
      writer.writeDouble(numberValue(value));
      return;
    case 'fixed32':
    case 'sfixed32':
      writer.writeFixed32(numberValue(value));
      return;
    case 'fixed64':
    case 'sfixed64':
      toWords(value, kind === 'sfixed64');
      writer.writeFixed64(wordLo, wordHi);
      return;
    case 'string': {
      const text = value as string;
      const n = utf8Length(text);
      writer.writeVarint32(n);
      writer.writeString(text, n);
      return;
    }
    case 'bytes': {
      const bytes = value as Uint8Array;
      writer.writeVarint32(bytes.byteLength);
      // A payload the sparse reader left unread holds no bytes yet: copying it (as small fields
      // are copied) would write zeros. It stays a view of its own, filled from the file on save.
      if (holeSource(bytes)) writer.writeView(bytes);
      else writer.writeBytes(bytes);
      return;
    }
  }
}

function packedPayloadSize(kind: ScalarKind, list: ListLike): number {
  const n = list.length;
  switch (kind) {
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return 4 * n;
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return 8 * n;
    case 'bool':
      return n;
    default: {
      if (list instanceof BigInt64Array || list instanceof BigUint64Array) {
        const words = new Uint32Array(list.buffer, list.byteOffset, 2 * n);
        let total = 0;
        for (let i = 0; i < n; i++) total += varint64Size(words[2 * i]!, words[2 * i + 1]!);
        return total;
      }
      let total = 0;
      for (let i = 0; i < n; i++) total += scalarSize(kind, list[i]);
      return total;
    }
  }
}

function writePacked(kind: ScalarKind, list: ListLike, writer: ChunkedWriter): void {
  const n = list.length;
  // Typed arrays of the wire's own element type are written as their bytes (little-endian host).
  if ((kind === 'float' && list instanceof Float32Array) || (kind === 'double' && list instanceof Float64Array)) {
    writer.writeBytes(new Uint8Array(list.buffer, list.byteOffset, list.byteLength));
    return;
  }
  if (list instanceof BigInt64Array || list instanceof BigUint64Array) {
    const words = new Uint32Array(list.buffer, list.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) writer.writeVarint64(words[2 * i]!, words[2 * i + 1]!);
    return;
  }
  for (let i = 0; i < n; i++) writeScalar(kind, list[i], writer);
}

function numberValue(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new EncodeFailure(`expected a number, found ${describe(value)}`);
}

function int32Value(value: unknown): number {
  const v = numberValue(value);
  if (!Number.isInteger(v) || v < -2147483648 || v > 4294967295) throw new EncodeFailure(`expected a 32-bit integer, found ${v}`);
  return v | 0;
}

function uint32Value(value: unknown): number {
  const v = numberValue(value);
  if (!Number.isInteger(v) || v < 0 || v > 4294967295) throw new EncodeFailure(`expected an unsigned 32-bit integer, found ${v}`);
  return v >>> 0;
}

function boolValue(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw new EncodeFailure(`expected a boolean, found ${describe(value)}`);
}

function zigzag32(v: number): number {
  return ((v << 1) ^ (v >> 31)) >>> 0;
}

/** Splits an int64/uint64 (number or bigint) into {@link wordLo}/{@link wordHi} (two's complement). */
function toWords(value: unknown, signed: boolean): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || (!signed && value < 0)) {
      throw new EncodeFailure(`expected a ${signed ? 'safe' : 'non-negative safe'} integer or a bigint, found ${value}`);
    }
    if (value >= 0) {
      wordLo = value >>> 0;
      wordHi = Math.floor(value / TWO_POW_32) >>> 0;
    } else {
      const magnitude = -value;
      const lo = magnitude >>> 0;
      const hi = Math.floor(magnitude / TWO_POW_32) >>> 0;
      wordLo = (~lo + 1) >>> 0;
      wordHi = (~hi + (wordLo === 0 ? 1 : 0)) >>> 0;
    }
    return;
  }
  if (typeof value === 'bigint') {
    if (signed ? value < INT64_MIN || value > INT64_MAX : value < 0n || value > UINT64_MAX) {
      throw new EncodeFailure(`${value} is out of ${signed ? 'int64' : 'uint64'} range`);
    }
    const bits = BigInt.asUintN(64, value);
    wordLo = Number(bits & 0xffffffffn);
    wordHi = Number(bits >> 32n);
    return;
  }
  throw new EncodeFailure(`expected an integer (number or bigint), found ${describe(value)}`);
}

function zigzag64Words(value: unknown): void {
  const v = typeof value === 'bigint' ? value : BigInt(numberValue(value));
  if (v < INT64_MIN || v > INT64_MAX) throw new EncodeFailure(`${v} is out of int64 range`);
  const encoded = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  wordLo = Number(encoded & 0xffffffffn);
  wordHi = Number(encoded >> 32n);
}

/** UTF-8 byte length; short ASCII strings (most names) are counted without a native call. */
function utf8Length(text: string): number {
  if (text.length <= 32) {
    let ascii = true;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return text.length;
  }
  return utf8ByteLength(text);
}

function varint32Size(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  const bits = 64 - Math.clz32(hi);
  return Math.ceil(bits / 7);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
