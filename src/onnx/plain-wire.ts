/**
 * The wire reading shared by the hand-written readers of main-graph nodes: the decoder
 * (node-decoder.ts: bytes to NodeProto, at load) and the comparer (node-match.ts: bytes against
 * what the IR holds, at save). Each reads what exporters write and gives up on anything else by
 * throwing {@link NOT_PLAIN} (never out of those modules): their callers then use the reflective
 * decoder (decode.ts), which reads everything and reports every problem with its path and offset.
 *
 * The read position is one shared {@link cursor} (no reader object per node, a hundred thousand
 * times): reading never re-enters, and only these readers move it.
 */

import { decodeUtf8 } from './utf8.js';
import { int64FromWords } from './wire-reader.js';

/** Thrown (never out of the readers) when the bytes need the reflective decoder. */
export class NotPlain extends Error {}
export const NOT_PLAIN = new NotPlain('not a plain node');

// Tags (field number << 3 | wire type) of NodeProto's fields and of StringStringEntryProto's.
export const INPUT = (1 << 3) | 2;
export const OUTPUT = (2 << 3) | 2;
export const NODE_NAME = (3 << 3) | 2;
export const OP_TYPE = (4 << 3) | 2;
export const ATTRIBUTE = (5 << 3) | 2;
export const NODE_DOC_STRING = (6 << 3) | 2;
export const DOMAIN = (7 << 3) | 2;
export const OVERLOAD = (8 << 3) | 2;
export const METADATA_PROPS = (9 << 3) | 2;
export const KEY = (1 << 3) | 2;
export const VALUE = (2 << 3) | 2;

/** Whether typed reads agree with decode.ts, which refuses big-endian hosts. */
export const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The read position (readers move it with {@link seek} and the reads). */
export let pos = 0;
/** The low and high 32 bits (unsigned) of the last varint. */
let lo = 0;
let hi = 0;
/** A view for float reads of the buffer being read, made on first need ({@link seek} lets it go). */
let floatView: DataView | undefined;

/** Moves the read position to `to` (of a new buffer when `fresh`). */
export function seek(to: number, fresh = false): void {
  pos = to;
  if (fresh) floatView = undefined;
}

/** Reads a varint of up to 10 bytes into `lo`/`hi`, exactly as WireReader.readVarint64 does. */
export function readVarint(bytes: Uint8Array, end: number): void {
  let p = pos;
  let low = 0;
  let b: number;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= end) throw NOT_PLAIN;
    b = bytes[p++]!;
    low |= (b & 0x7f) << shift;
    if (b < 0x80) {
      lo = low >>> 0;
      hi = 0;
      pos = p;
      return;
    }
  }
  if (p >= end) throw NOT_PLAIN;
  b = bytes[p++]!;
  low |= (b & 0x0f) << 28;
  let high = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (let shift = 3; ; shift += 7) {
      if (p >= end || shift > 31) throw NOT_PLAIN;
      b = bytes[p++]!;
      high |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  lo = low >>> 0;
  hi = high >>> 0;
  pos = p;
}

export function readTag(bytes: Uint8Array, end: number): number {
  const b = bytes[pos]!;
  if (b < 0x80) {
    pos++;
    return b;
  }
  readVarint(bytes, end);
  if (hi !== 0) throw NOT_PLAIN;
  return lo;
}

/** A length prefix that fits in the bytes left before `end`. */
export function readLength(bytes: Uint8Array, end: number): number {
  const b = bytes[pos]!;
  // Most lengths (of names, of small messages) are one byte.
  if (b < 0x80 && pos < end) {
    pos++;
    if (b > end - pos) throw NOT_PLAIN;
    return b;
  }
  readVarint(bytes, end);
  if (hi !== 0 || lo > end - pos) throw NOT_PLAIN;
  return lo;
}

export function readString(bytes: Uint8Array, end: number): string {
  const length = readLength(bytes, end);
  const start = pos;
  pos += length;
  try {
    return decodeUtf8(bytes, start, pos);
  } catch {
    throw NOT_PLAIN;
  }
}

/** Size of the table of {@link readSharedString} (a power of two). */
const SHARED_SLOTS = 512;
/** Longest string shared: op types, domains and attribute names are short. */
const MAX_SHARED_LENGTH = 40;
const sharedStrings: (string | undefined)[] = new Array<string | undefined>(SHARED_SLOTS).fill(undefined);

/**
 * {@link readString} for the strings a model repeats on every node (op types, domains,
 * attribute names): an ASCII one equal to a string read before is that string, not a new one,
 * so a model of 95k nodes holds a few hundred of them instead of a few hundred thousand. A small
 * table keyed by a hash of the bytes, each slot holding the last string seen there, checked
 * against the bytes character by character (a collision only costs a decode).
 */
export function readSharedString(bytes: Uint8Array, end: number): string {
  const length = readLength(bytes, end);
  const start = pos;
  pos += length;
  if (length > MAX_SHARED_LENGTH) return decodeOrNotPlain(bytes, start, start + length);
  let hash = length;
  for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  const slot = (hash ^ (hash >>> 15)) & (SHARED_SLOTS - 1);
  const seen = sharedStrings[slot];
  if (seen !== undefined && seen.length === length) {
    let i = 0;
    while (i < length && seen.charCodeAt(i) === bytes[start + i]) i++;
    // `seen` is ASCII, so equal characters are equal bytes: the bytes decode to it.
    if (i === length) return seen;
  }
  const decoded = decodeOrNotPlain(bytes, start, start + length);
  if (isAscii(decoded)) sharedStrings[slot] = decoded;
  return decoded;
}

/** Only ASCII strings are shared: for them, equal characters mean equal bytes. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function decodeOrNotPlain(bytes: Uint8Array, start: number, end: number): string {
  try {
    return decodeUtf8(bytes, start, end);
  } catch {
    throw NOT_PLAIN;
  }
}

/** A `bytes` field: a view into the buffer, as decode.ts gives. */
export function readBytes(bytes: Uint8Array, end: number): Uint8Array {
  const length = readLength(bytes, end);
  const start = pos;
  pos += length;
  return bytes.subarray(start, pos);
}

/** int32 and enum fields: the low 32 bits, signed. */
export function readInt32(bytes: Uint8Array, end: number): number {
  readVarint(bytes, end);
  return lo | 0;
}

export function readInt64(bytes: Uint8Array, end: number): number | bigint {
  readVarint(bytes, end);
  return int64FromWords(lo, hi);
}

/**
 * A little-endian float32, read through a DataView as decode.ts reads it (the same NaN bits).
 * The view is made on first need; the reader that started at the buffer lets it go.
 */
export function readFloat(bytes: Uint8Array, end: number): number {
  if (end - pos < 4) throw NOT_PLAIN;
  const view = (floatView ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const value = view.getFloat32(pos, true);
  pos += 4;
  return value;
}

export function readPackedFloats(bytes: Uint8Array, end: number, list: number[]): void {
  const length = readLength(bytes, end);
  const packedEnd = pos + length;
  // A run that is no multiple of 4 bytes fails in readFloat, as it does in decode.ts.
  while (pos < packedEnd) list.push(readFloat(bytes, packedEnd));
}

export function readPackedInt64s(bytes: Uint8Array, end: number, list: (number | bigint)[]): void {
  const length = readLength(bytes, end);
  const packedEnd = pos + length;
  while (pos < packedEnd) list.push(readInt64(bytes, packedEnd));
}

/** Skips a field of wire type varint, fixed64, length-delimited or fixed32 (groups are not plain). */
export function skipField(bytes: Uint8Array, end: number, wireType: number): void {
  switch (wireType) {
    case 0: readVarint(bytes, end); return;
    case 1: if (end - pos < 8) throw NOT_PLAIN; pos += 8; return;
    case 2: {
      const length = readLength(bytes, end);
      pos += length;
      return;
    }
    case 5: if (end - pos < 4) throw NOT_PLAIN; pos += 4; return;
    default: throw NOT_PLAIN;
  }
}
