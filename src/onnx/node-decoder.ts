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
 * it (and test/onnx/node-decoder.test.ts proves the two agree). The wire reading is plain-wire.ts;
 * op types, domains and attribute names come out shared (one string for every node that repeats
 * them: {@link readSharedString}).
 */

import {
  ATTRIBUTE, DOMAIN, INPUT, IS_LITTLE_ENDIAN, KEY, METADATA_PROPS, NODE_DOC_STRING, NODE_NAME, NOT_PLAIN, OP_TYPE, OUTPUT,
  OVERLOAD, VALUE, pos, readBytes, readFloat, readInt32, readInt64, readLength, readPackedFloats, readPackedInt64s,
  readSharedString, readString, readTag, seek, skipField,
} from './plain-wire.js';
import type { AttributeProto, NodeProto, StringStringEntryProto, TensorProto } from './proto-types.js';

/** A decoded message with where its body lies in the buffer. */
type Ranged<T> = T & { $start: number; $end: number };

/**
 * Decodes the NodeProto body `bytes[start, end)` as decode.ts does with the loader's ranges
 * (without the node's own `$start`/`$end`, which the caller adds), or returns `undefined` for
 * bytes it leaves to decode.ts.
 */
export function decodePlainNode(bytes: Uint8Array, start: number, end: number): NodeProto | undefined {
  // decode.ts refuses big-endian hosts: leave them to it.
  if (!IS_LITTLE_ENDIAN) return undefined;
  seek(start);
  try {
    return readNode(bytes, end);
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  } finally {
    seek(0, true);
  }
}

/**
 * Decodes the AttributeProto body `bytes[start, end)` of a main-graph node as
 * {@link decodePlainNode} decodes the node's attributes (`$start`/`$end` on it and on its
 * tensors), or returns `undefined` for bytes it leaves to decode.ts.
 */
export function decodePlainAttribute(bytes: Uint8Array, start: number, end: number): AttributeProto | undefined {
  if (!IS_LITTLE_ENDIAN) return undefined;
  seek(start);
  try {
    return readAttribute(bytes, start, end);
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  } finally {
    seek(0, true);
  }
}

/**
 * The output names of the NodeProto body `bytes[start, end)`, or `undefined` when the bytes are
 * not simple to scan. It succeeds only where codec.ts's own scan would, with the same names.
 */
export function scanPlainNodeOutputs(bytes: Uint8Array, start: number, end: number): string[] | undefined {
  seek(start);
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

function readNode(bytes: Uint8Array, end: number): NodeProto {
  const node: NodeProto = {};
  while (pos < end) {
    switch (readTag(bytes, end)) {
      case INPUT: (node.input ??= []).push(readString(bytes, end)); break;
      case OUTPUT: (node.output ??= []).push(readString(bytes, end)); break;
      case NODE_NAME: node.name = readString(bytes, end); break;
      case OP_TYPE: node.opType = readSharedString(bytes, end); break;
      case ATTRIBUTE: {
        const list = (node.attribute ??= []);
        const length = readLength(bytes, end);
        list.push(readAttribute(bytes, pos, pos + length));
        break;
      }
      case NODE_DOC_STRING: node.docString = readString(bytes, end); break;
      case DOMAIN: node.domain = readSharedString(bytes, end); break;
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

/** The AttributeProto body `[start, end)`; the cursor is at `start`. */
function readAttribute(bytes: Uint8Array, start: number, end: number): Ranged<AttributeProto> {
  const attribute: Ranged<AttributeProto> = { $start: start, $end: end };
  while (pos < end) {
    switch (readTag(bytes, end)) {
      case ATTRIBUTE_NAME: attribute.name = readSharedString(bytes, end); break;
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

/** The TensorProto body `[start, end)`; the cursor is at `start`. Typed data fields are left to decode.ts. */
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
