/**
 * A decoder written out by hand for the NodeProtos of a model's main graph, the messages the IR
 * build decodes most (a large model has about a hundred thousand of them, each decoded right
 * before its IR node is built: codec.ts `decodeGraphNode`). It builds exactly the objects the
 * reflective decoder (decode.ts) builds with the loader's ranges: the same fields, created in
 * the same order, the same Int64 numbers and bigints, the same views into the buffer, and
 * `$start`/`$end` on every AttributeProto and TensorProto.
 *
 * It knows only what exporters write: a node's names, inputs, outputs, op type, domain,
 * overload, doc string and metadata; attributes holding numbers, strings, their lists and
 * tensors; and tensors holding dims, a data type, a name, raw or string data, a doc string and a
 * data location. On anything else (another field, a repeated `t`, an unknown field) and on anything
 * malformed it gives up and returns `undefined`, so that the reflective decoder decodes the node
 * and reports its problem, with the path and offset it always has.
 *
 * A field added to the schema is not read here, so it goes to decode.ts until this module learns
 * it (and test/onnx/node-decoder.test.ts proves the two agree). The cursor is module state (no
 * reader object per node): decoding never re-enters.
 */

import type { AttributeProto, NodeProto, StringStringEntryProto, TensorProto } from './proto-types.js';
import { decodeUtf8 } from './utf8.js';
import { int64FromWords } from './wire-reader.js';

/** A decoded message with where its body lies in the buffer. */
type Ranged<T> = T & { $start: number; $end: number };

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Thrown (never out of this module) when the bytes need the reflective decoder. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain('not a plain node');

/** Read position in the buffer being decoded. */
let pos = 0;
/** Low and high 32 bits (unsigned) of the last varint. */
let lo = 0;
let hi = 0;
/** A view for float reads of the buffer being decoded, made on first need and let go after. */
let floatView: DataView | undefined;

/**
 * Decodes the NodeProto body `bytes[start, end)` as decode.ts does with the loader's ranges
 * (without the node's own `$start`/`$end`, which the caller adds), or returns `undefined` for
 * bytes it leaves to decode.ts.
 */
export function decodePlainNode(bytes: Uint8Array, start: number, end: number): NodeProto | undefined {
  // decode.ts refuses big-endian hosts: leave them to it.
  if (!IS_LITTLE_ENDIAN) return undefined;
  pos = start;
  try {
    return readNode(bytes, end);
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  } finally {
    floatView = undefined;
  }
}

/**
 * The output names of the NodeProto body `bytes[start, end)`, or `undefined` when the bytes are
 * not simple to scan. It succeeds only where codec.ts's own scan would, with the same names.
 */
export function scanPlainNodeOutputs(bytes: Uint8Array, start: number, end: number): string[] | undefined {
  pos = start;
  const outputs: string[] = [];
  try {
    while (pos < end) {
      const tag = readTag(bytes, end);
      if (tag === OUTPUT) outputs.push(readString(bytes, end));
      else if (tag >>> 3 === 0) throw NOT_PLAIN;
      else skipField(bytes, end, tag & 7);
    }
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
  return outputs;
}

// Tags (field number << 3 | wire type) of the fields read here.
const INPUT = (1 << 3) | 2;
const OUTPUT = (2 << 3) | 2;
const NODE_NAME = (3 << 3) | 2;
const OP_TYPE = (4 << 3) | 2;
const ATTRIBUTE = (5 << 3) | 2;
const NODE_DOC_STRING = (6 << 3) | 2;
const DOMAIN = (7 << 3) | 2;
const OVERLOAD = (8 << 3) | 2;
const METADATA_PROPS = (9 << 3) | 2;

function readNode(bytes: Uint8Array, end: number): NodeProto {
  const node: NodeProto = {};
  while (pos < end) {
    switch (readTag(bytes, end)) {
      case INPUT: (node.input ??= []).push(readString(bytes, end)); break;
      case OUTPUT: (node.output ??= []).push(readString(bytes, end)); break;
      case NODE_NAME: node.name = readString(bytes, end); break;
      case OP_TYPE: node.opType = readString(bytes, end); break;
      case ATTRIBUTE: {
        const list = (node.attribute ??= []);
        const length = readLength(bytes, end);
        list.push(readAttribute(bytes, pos, pos + length));
        break;
      }
      case NODE_DOC_STRING: node.docString = readString(bytes, end); break;
      case DOMAIN: node.domain = readString(bytes, end); break;
      case OVERLOAD: node.overload = readString(bytes, end); break;
      case METADATA_PROPS: {
        const list = (node.metadataProps ??= []);
        const length = readLength(bytes, end);
        list.push(readStringPair(bytes, pos + length));
        break;
      }
      default: throw NOT_PLAIN;
    }
  }
  return node;
}

const KEY = (1 << 3) | 2;
const VALUE = (2 << 3) | 2;

/** A StringStringEntryProto ending at `end` (torch's dynamo exporter gives every node some). */
function readStringPair(bytes: Uint8Array, end: number): StringStringEntryProto {
  const entry: StringStringEntryProto = {};
  while (pos < end) {
    switch (readTag(bytes, end)) {
      case KEY: entry.key = readString(bytes, end); break;
      case VALUE: entry.value = readString(bytes, end); break;
      default: throw NOT_PLAIN;
    }
  }
  return entry;
}

const ATTRIBUTE_NAME = (1 << 3) | 2;
const F = (2 << 3) | 5;
const I = (3 << 3) | 0;
const S = (4 << 3) | 2;
const T = (5 << 3) | 2;
const FLOATS_PACKED = (7 << 3) | 2;
const FLOATS_ONE = (7 << 3) | 5;
const INTS_PACKED = (8 << 3) | 2;
const INTS_ONE = (8 << 3) | 0;
const STRINGS = (9 << 3) | 2;
const ATTRIBUTE_DOC_STRING = (13 << 3) | 2;
const TYPE = (20 << 3) | 0;
const REF_ATTR_NAME = (21 << 3) | 2;

/** The AttributeProto body `[start, end)`; `pos` is at `start`. */
function readAttribute(bytes: Uint8Array, start: number, end: number): Ranged<AttributeProto> {
  const attribute: Ranged<AttributeProto> = { $start: start, $end: end };
  while (pos < end) {
    switch (readTag(bytes, end)) {
      case ATTRIBUTE_NAME: attribute.name = readString(bytes, end); break;
      case F: attribute.f = readFloat(bytes, end); break;
      case I: attribute.i = readInt64(bytes, end); break;
      case S: attribute.s = readBytes(bytes, end); break;
      case T: {
        // A second `t` merges into the first in protobuf: decode.ts does that.
        if (attribute.t !== undefined) throw NOT_PLAIN;
        const length = readLength(bytes, end);
        attribute.t = readTensor(bytes, pos, pos + length);
        break;
      }
      case FLOATS_PACKED: readPackedFloats(bytes, end, (attribute.floats ??= [])); break;
      case FLOATS_ONE: (attribute.floats ??= []).push(readFloat(bytes, end)); break;
      case INTS_PACKED: readPackedInt64s(bytes, end, (attribute.ints ??= [])); break;
      case INTS_ONE: (attribute.ints ??= []).push(readInt64(bytes, end)); break;
      case STRINGS: (attribute.strings ??= []).push(readBytes(bytes, end)); break;
      case ATTRIBUTE_DOC_STRING: attribute.docString = readString(bytes, end); break;
      case TYPE: attribute.type = readInt32(bytes, end); break;
      case REF_ATTR_NAME: attribute.refAttrName = readString(bytes, end); break;
      default: throw NOT_PLAIN;
    }
  }
  return attribute;
}

const DIMS_PACKED = (1 << 3) | 2;
const DIMS_ONE = (1 << 3) | 0;
const DATA_TYPE = (2 << 3) | 0;
const STRING_DATA = (6 << 3) | 2;
const TENSOR_NAME = (8 << 3) | 2;
const RAW_DATA = (9 << 3) | 2;
const TENSOR_DOC_STRING = (12 << 3) | 2;
const DATA_LOCATION = (14 << 3) | 0;

/** The TensorProto body `[start, end)`; `pos` is at `start`. Typed data fields are left to decode.ts. */
function readTensor(bytes: Uint8Array, start: number, end: number): Ranged<TensorProto> {
  const tensor: Ranged<TensorProto> = { $start: start, $end: end };
  while (pos < end) {
    switch (readTag(bytes, end)) {
      case DIMS_PACKED: readPackedInt64s(bytes, end, (tensor.dims ??= [])); break;
      case DIMS_ONE: (tensor.dims ??= []).push(readInt64(bytes, end)); break;
      case DATA_TYPE: tensor.dataType = readInt32(bytes, end); break;
      case STRING_DATA: (tensor.stringData ??= []).push(readBytes(bytes, end)); break;
      case TENSOR_NAME: tensor.name = readString(bytes, end); break;
      case RAW_DATA: tensor.rawData = readBytes(bytes, end); break;
      case TENSOR_DOC_STRING: tensor.docString = readString(bytes, end); break;
      case DATA_LOCATION: tensor.dataLocation = readInt32(bytes, end); break;
      default: throw NOT_PLAIN;
    }
  }
  return tensor;
}

/** Reads a varint of up to 10 bytes into `lo`/`hi`, exactly as WireReader.readVarint64 does. */
function readVarint(bytes: Uint8Array, end: number): void {
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

function readTag(bytes: Uint8Array, end: number): number {
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
function readLength(bytes: Uint8Array, end: number): number {
  readVarint(bytes, end);
  if (hi !== 0 || lo > end - pos) throw NOT_PLAIN;
  return lo;
}

function readString(bytes: Uint8Array, end: number): string {
  const length = readLength(bytes, end);
  const start = pos;
  pos += length;
  try {
    return decodeUtf8(bytes, start, pos);
  } catch {
    throw NOT_PLAIN;
  }
}

/** A `bytes` field: a view into the buffer, as decode.ts gives. */
function readBytes(bytes: Uint8Array, end: number): Uint8Array {
  const length = readLength(bytes, end);
  const start = pos;
  pos += length;
  return bytes.subarray(start, pos);
}

/** int32 and enum fields: the low 32 bits, signed. */
function readInt32(bytes: Uint8Array, end: number): number {
  readVarint(bytes, end);
  return lo | 0;
}

function readInt64(bytes: Uint8Array, end: number): number | bigint {
  readVarint(bytes, end);
  return int64FromWords(lo, hi);
}

/** A little-endian float32, read through a DataView as decode.ts reads it (the same NaN bits). */
function readFloat(bytes: Uint8Array, end: number): number {
  if (end - pos < 4) throw NOT_PLAIN;
  floatView ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = floatView.getFloat32(pos, true);
  pos += 4;
  return value;
}

function readPackedFloats(bytes: Uint8Array, end: number, list: number[]): void {
  const length = readLength(bytes, end);
  const packedEnd = pos + length;
  // A run that is no multiple of 4 bytes fails in readFloat, as it does in decode.ts.
  while (pos < packedEnd) list.push(readFloat(bytes, packedEnd));
}

function readPackedInt64s(bytes: Uint8Array, end: number, list: (number | bigint)[]): void {
  const length = readLength(bytes, end);
  const packedEnd = pos + length;
  while (pos < packedEnd) list.push(readInt64(bytes, packedEnd));
}

/** Skips a field of wire type varint, fixed64, length-delimited or fixed32 (groups are not plain). */
function skipField(bytes: Uint8Array, end: number, wireType: number): void {
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
