/**
 * Whether a loaded NodeProto's bytes still say what the IR says, read straight from the bytes:
 * what a save asks of every loaded node (serde/node-bytes.ts), about as many times as the model
 * has nodes. It reads what the node decoder (node-decoder.ts) reads and gives up where it does,
 * returning `undefined`: the caller then decodes the node with decode.ts and compares the fields.
 * The answer is the one that comparison gives, field for field: a singular field read twice
 * counts as its last value, an absent `name`, `op_type` or `domain` as `''`, an absent
 * `overload` or `doc_string` as `undefined`, absent metadata as `undefined` (not as no entries).
 * Attributes are only counted: the caller compares each with its own bytes.
 */

import {
  ATTRIBUTE, DOMAIN, INPUT, IS_LITTLE_ENDIAN, KEY, METADATA_PROPS, NODE_DOC_STRING, NODE_NAME, NOT_PLAIN, OP_TYPE,
  OUTPUT, OVERLOAD, VALUE, pos, readLength, readTag, seek,
} from './plain-wire.js';
import { decodeUtf8 } from './utf8.js';

/** A node's fields other than its attributes, as the IR holds them; a name is read from `.name`. */
export interface NodeFields {
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly overload?: string | undefined;
  readonly docString?: string | undefined;
  readonly metadataProps?: readonly (readonly [string, string])[] | undefined;
  /** `undefined` for an omitted input, which is written as `''`. */
  readonly inputs: readonly ({ readonly name: string } | undefined)[];
  readonly outputs: readonly { readonly name: string }[];
}

/** {@link matchPlainNode}'s answer when the bytes say something else. */
export const DIFFERENT = -1;

/**
 * Compares the NodeProto body `bytes[start, end)` with `fields`: the number of attributes the
 * bytes hold when every other field agrees, {@link DIFFERENT} when one does not, `undefined`
 * when the bytes are not plain (decode them and compare).
 */
export function matchPlainNode(bytes: Uint8Array, start: number, end: number, fields: NodeFields): number | undefined {
  if (!IS_LITTLE_ENDIAN) return undefined;
  seek(start);
  try {
    return matchNode(bytes, end, fields);
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
}

function matchNode(bytes: Uint8Array, end: number, fields: NodeFields): number {
  const inputs = fields.inputs;
  const outputs = fields.outputs;
  let inputCount = 0;
  let outputCount = 0;
  let metadata = 0;
  let attributes = 0;
  // Where the last occurrence of each singular string field lies (-1: absent).
  let name = -1;
  let nameEnd = 0;
  let opType = -1;
  let opTypeEnd = 0;
  let domain = -1;
  let domainEnd = 0;
  let overload = -1;
  let overloadEnd = 0;
  let doc = -1;
  let docEnd = 0;
  while (pos < end) {
    const tag = readTag(bytes, end);
    if (tag === METADATA_PROPS) {
      // The IR's list must have this entry (no list at all is not the same as an empty one).
      const expected = fields.metadataProps?.[metadata++];
      if (expected === undefined || !matchPair(bytes, end, expected)) return DIFFERENT;
      continue;
    }
    if (!isNodeString(tag)) throw NOT_PLAIN;
    const length = readLength(bytes, end);
    const to = pos + length;
    seek(to);
    switch (tag) {
      case ATTRIBUTE: attributes++; break;
      // A repeated field's n-th entry is the n-th entry whatever follows: a difference is final.
      case INPUT: if (inputCount >= inputs.length || !sameString(bytes, to - length, to, inputs[inputCount++]?.name ?? '')) return DIFFERENT; break;
      case OUTPUT: if (outputCount >= outputs.length || !sameString(bytes, to - length, to, outputs[outputCount++]!.name)) return DIFFERENT; break;
      case NODE_NAME: name = to - length; nameEnd = to; break;
      case OP_TYPE: opType = to - length; opTypeEnd = to; break;
      case DOMAIN: domain = to - length; domainEnd = to; break;
      case OVERLOAD: overload = to - length; overloadEnd = to; break;
      default: doc = to - length; docEnd = to; break; // NODE_DOC_STRING
    }
  }
  if (inputCount !== inputs.length || outputCount !== outputs.length) return DIFFERENT;
  if (metadata !== (fields.metadataProps?.length ?? 0) || (metadata === 0 && fields.metadataProps !== undefined)) return DIFFERENT;
  const same =
    sameOrEmpty(bytes, name, nameEnd, fields.name) && sameOrEmpty(bytes, opType, opTypeEnd, fields.opType) &&
    sameOrEmpty(bytes, domain, domainEnd, fields.domain) && sameOrAbsent(bytes, overload, overloadEnd, fields.overload) &&
    sameOrAbsent(bytes, doc, docEnd, fields.docString);
  return same ? attributes : DIFFERENT;
}

/** The length-delimited fields of NodeProto read here (metadata entries aside). */
function isNodeString(tag: number): boolean {
  switch (tag) {
    case INPUT: case OUTPUT: case NODE_NAME: case OP_TYPE: case ATTRIBUTE: case NODE_DOC_STRING: case DOMAIN: case OVERLOAD: return true;
    default: return false;
  }
}

/** One StringStringEntryProto against `[key, value]` (each absent is `''`, the last one counts). */
function matchPair(bytes: Uint8Array, end: number, expected: readonly [string, string]): boolean {
  const length = readLength(bytes, end);
  const entryEnd = pos + length;
  let key = -1;
  let keyEnd = 0;
  let value = -1;
  let valueEnd = 0;
  while (pos < entryEnd) {
    const tag = readTag(bytes, entryEnd);
    if (tag !== KEY && tag !== VALUE) throw NOT_PLAIN;
    const fieldLength = readLength(bytes, entryEnd);
    const start = pos;
    seek(start + fieldLength);
    if (tag === KEY) {
      key = start;
      keyEnd = pos;
    } else {
      value = start;
      valueEnd = pos;
    }
  }
  return sameOrEmpty(bytes, key, keyEnd, expected[0]) && sameOrEmpty(bytes, value, valueEnd, expected[1]);
}

/** A singular string field that reads as `''` when absent (`start` -1). */
function sameOrEmpty(bytes: Uint8Array, start: number, end: number, s: string): boolean {
  return start < 0 ? s === '' : sameString(bytes, start, end, s);
}

/** A singular string field that reads as `undefined` when absent (`start` -1). */
function sameOrAbsent(bytes: Uint8Array, start: number, end: number, s: string | undefined): boolean {
  return start < 0 ? s === undefined : s !== undefined && sameString(bytes, start, end, s);
}

/**
 * Whether `bytes[start, end)` decode (as strict UTF-8) to `s`, without decoding them when they
 * are ASCII: each ASCII byte is one character, so an ASCII byte that differs from its character
 * settles it, and so do lengths that differ after an ASCII prefix as long as the shorter one.
 */
function sameString(bytes: Uint8Array, start: number, end: number, s: string): boolean {
  const length = end - start;
  const common = Math.min(length, s.length);
  for (let i = 0; i < common; i++) {
    const b = bytes[start + i]!;
    if (b >= 0x80) return decodesTo(bytes, start, end, s);
    if (b !== s.charCodeAt(i)) return false;
  }
  // Equal so far: when the bytes run on they decode to at least one more character.
  return length === s.length;
}

function decodesTo(bytes: Uint8Array, start: number, end: number, s: string): boolean {
  try {
    return decodeUtf8(bytes, start, end) === s;
  } catch {
    throw NOT_PLAIN;
  }
}
