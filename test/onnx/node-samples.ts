/**
 * Random NodeProto bytes for the differential test of the hand-written node decoder: every field
 * it reads, in every encoding protobuf allows (packed and not, non-minimal varints, negative and
 * huge int64s, odd floats, non-ASCII, invalid and long strings), mixed with what it leaves to the
 * reflective decoder (subgraphs, typed tensor data, unknown fields, groups, wrong wire types), and
 * damaged copies of any node bytes. Written against the wire format, not the codec under test.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Rng } from '../fuzz/mutate.js';
import { varint } from './wire-bytes.js';

function paddedVarint(rng: Rng, value: number | bigint): number[] {
  return varint(value, rng.chance(0.05) ? rng.range(1, 4) : 0);
}

function tag(rng: Rng, field: number, wireType: number): number[] {
  return paddedVarint(rng, (field << 3) | wireType);
}

function lengthField(rng: Rng, field: number, payload: number[]): number[] {
  return [...tag(rng, field, 2), ...paddedVarint(rng, payload.length), ...payload];
}

function varintField(rng: Rng, field: number, value: number | bigint): number[] {
  return [...tag(rng, field, 0), ...paddedVarint(rng, value)];
}

function float32Bytes(value: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return [...b];
}

const ASCII = 'abcXYZ019_/.:-';

/** Bytes of a string field: mostly ASCII names, sometimes non-ASCII, invalid or long. */
function stringBytes(rng: Rng): number[] {
  switch (rng.int(12)) {
    case 0: return [];
    case 1: return [...Buffer.from(rng.pick(['é', '中文', '😀', 'naïve/x', '\u0080', '\u07ff', '\uffff']), 'utf8')];
    case 2: return [0xef, 0xbb, 0xbf, ...Buffer.from('bom', 'utf8')];
    case 3: return rng.pick([[0xff], [0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x61, 0x80], [0xf4, 0x90, 0x80, 0x80]]);
    case 4: return [...Buffer.from('x'.repeat(rng.range(90, 140)), 'utf8')];
    case 5: return [rng.int(0x80)];
    default: {
      const length = rng.range(1, 40);
      return Array.from({ length }, () => ASCII.charCodeAt(rng.int(ASCII.length)));
    }
  }
}

function randomBytes(rng: Rng, max: number): number[] {
  return Array.from({ length: rng.int(max + 1) }, () => rng.int(256));
}

/** int64 values that test every branch of the number/bigint split. */
function int64(rng: Rng): number | bigint {
  return rng.pick<() => number | bigint>([
    () => rng.int(300),
    () => -rng.range(1, 300),
    () => 2 ** 53 - 1,
    () => 2 ** 53,
    () => -(2 ** 53) + 1,
    () => -(2 ** 53) - 1,
    () => 2n ** 63n - 1n,
    () => -(2n ** 63n),
    () => rng.next() * 4096 + rng.int(4096),
    () => BigInt(rng.next()) << BigInt(rng.int(33)),
  ])();
}

function float(rng: Rng): number {
  return rng.pick([0, -0, 1.5, -3.25e-7, NaN, Infinity, -Infinity, 3.4e38, 1e-45, rng.float()]);
}

/** A field unknown to the schema, of any wire type (groups included). */
function unknownField(rng: Rng): number[] {
  const field = rng.range(30, 200);
  switch (rng.int(5)) {
    case 0: return varintField(rng, field, int64(rng));
    case 1: return [...tag(rng, field, 1), 1, 2, 3, 4, 5, 6, 7, 8];
    case 2: return lengthField(rng, field, randomBytes(rng, 6));
    case 3: return [...tag(rng, field, 5), 1, 2, 3, 4];
    default: return [...tag(rng, field, 3), ...varintField(rng, 1, 7), ...tag(rng, field, 4)];
  }
}

function packedOrNot(rng: Rng, field: number, elements: number[][], wireType: number): number[] {
  if (rng.chance(0.5)) return lengthField(rng, field, elements.flat());
  return elements.flatMap((e) => [...tag(rng, field, wireType), ...e]);
}

function tensorBytes(rng: Rng, depth: number): number[] {
  const parts: number[][] = [];
  const count = rng.int(6);
  for (let k = 0; k < count; k++) {
    switch (rng.int(14)) {
      case 0: case 1: parts.push(packedOrNot(rng, 1, Array.from({ length: rng.int(4) }, () => paddedVarint(rng, int64(rng))), 0)); break;
      case 2: case 3: parts.push(varintField(rng, 2, rng.pick([1, 7, 11, -1, 2 ** 32 + 5]))); break;
      case 4: parts.push(lengthField(rng, 6, randomBytes(rng, 5))); break;
      case 5: parts.push(lengthField(rng, 8, stringBytes(rng))); break;
      case 6: case 7: parts.push(lengthField(rng, 9, randomBytes(rng, 16))); break;
      case 8: parts.push(lengthField(rng, 12, stringBytes(rng))); break;
      case 9: parts.push(varintField(rng, 14, rng.int(3))); break;
      case 10: parts.push(lengthField(rng, rng.pick([4, 5, 7, 10, 11]), randomBytes(rng, 8))); break;
      case 11: parts.push(lengthField(rng, rng.pick([3, 13, 16]), depth > 0 ? [] : randomBytes(rng, 3))); break;
      case 12: parts.push(unknownField(rng)); break;
      default: parts.push(varintField(rng, rng.pick([8, 9, 12]), 1)); // a wrong wire type
    }
  }
  return parts.flat();
}

function attributeBytes(rng: Rng): number[] {
  const parts: number[][] = [];
  const count = rng.int(6);
  for (let k = 0; k < count; k++) {
    switch (rng.int(20)) {
      case 0: case 1: parts.push(lengthField(rng, 1, stringBytes(rng))); break;
      case 2: parts.push([...tag(rng, 2, 5), ...float32Bytes(float(rng))]); break;
      case 3: parts.push(varintField(rng, 3, int64(rng))); break;
      case 4: parts.push(lengthField(rng, 4, randomBytes(rng, 8))); break;
      case 5: case 6: parts.push(lengthField(rng, 5, tensorBytes(rng, 0))); break;
      case 7: parts.push(packedOrNot(rng, 7, Array.from({ length: rng.int(4) }, () => float32Bytes(float(rng))), 5)); break;
      case 8: case 9: parts.push(packedOrNot(rng, 8, Array.from({ length: rng.int(5) }, () => paddedVarint(rng, int64(rng))), 0)); break;
      case 10: parts.push(lengthField(rng, 9, randomBytes(rng, 4))); break;
      case 11: parts.push(lengthField(rng, 13, stringBytes(rng))); break;
      case 12: case 13: parts.push(varintField(rng, 20, rng.pick([1, 2, 3, 4, 6, 7, 8, -5, 2 ** 40]))); break;
      case 14: parts.push(lengthField(rng, 21, stringBytes(rng))); break;
      case 15: parts.push(lengthField(rng, rng.pick([6, 10, 11, 14, 15, 22, 23]), [])); break;
      case 16: parts.push(unknownField(rng)); break;
      case 17: parts.push(lengthField(rng, 7, randomBytes(rng, 7))); break; // packed floats of any length
      default: parts.push(varintField(rng, rng.pick([1, 4, 5, 13, 21]), 3)); // a wrong wire type
    }
  }
  return parts.flat();
}

function metadataEntryBytes(rng: Rng): number[] {
  const parts: number[][] = [];
  for (let k = rng.int(4); k > 0; k--) {
    const choice = rng.int(8);
    if (choice < 6) parts.push(lengthField(rng, rng.pick([1, 2]), stringBytes(rng)));
    else if (choice === 6) parts.push(unknownField(rng));
    else parts.push(varintField(rng, rng.pick([1, 2]), 5)); // a wrong wire type
  }
  return parts.flat();
}

/** The bytes of one random NodeProto body. */
export function randomNodeBytes(rng: Rng): Uint8Array {
  const parts: number[][] = [];
  const count = rng.int(10);
  for (let k = 0; k < count; k++) {
    const field = rng.int(16);
    if (field <= 3) parts.push(lengthField(rng, rng.pick([1, 2]), stringBytes(rng)));
    else if (field <= 5) parts.push(lengthField(rng, rng.pick([3, 4, 6, 7, 8]), stringBytes(rng)));
    else if (field <= 10) parts.push(lengthField(rng, 5, attributeBytes(rng)));
    else if (field === 11) parts.push(lengthField(rng, rng.pick([9, 9, 9, 10]), metadataEntryBytes(rng)));
    else if (field === 12) parts.push(unknownField(rng));
    else if (field === 13) parts.push(varintField(rng, rng.pick([1, 2, 3, 5]), 1)); // a wrong wire type
    else if (field === 14) parts.push(rng.pick([[0x00], [0x04], [0x0c], [0x07, 0x01], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80]]));
    else parts.push(lengthField(rng, 5, []));
  }
  return Uint8Array.from(parts.flat());
}

/** A node body placed at a random offset of a fresh buffer (views must keep their offsets). */
export interface PlacedBytes {
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** Copies `body` into a new buffer with random bytes around it. */
export function place(rng: Rng, body: Uint8Array): PlacedBytes {
  const before = rng.int(9);
  const bytes = new Uint8Array(before + body.length + rng.int(9));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  bytes.set(body, before);
  return { bytes, start: before, end: before + body.length };
}

/** A damaged copy of `body`: flipped bits or bytes, a truncation, an overrun, inserted or lost bytes. */
export function mutate(rng: Rng, body: Uint8Array): PlacedBytes {
  const copy = [...body];
  const at = (): number => rng.int(Math.max(copy.length, 1));
  const placed = (): PlacedBytes => place(rng, Uint8Array.from(copy));
  switch (rng.int(6)) {
    case 0: {
      const i = at();
      if (copy.length > 0) copy[i] = copy[i]! ^ (1 << rng.int(8));
      return placed();
    }
    case 1: {
      for (let k = rng.range(1, 3); k > 0 && copy.length > 0; k--) copy[at()] = rng.int(256);
      return placed();
    }
    case 2: copy.length = rng.int(copy.length + 1); return placed();
    case 3: {
      // The node's end runs into whatever follows it in the buffer.
      const result = placed();
      return { ...result, end: Math.min(result.bytes.length, result.end + rng.range(1, 8)) };
    }
    case 4: copy.splice(at(), 0, ...randomBytes(rng, 3)); return placed();
    default: copy.splice(at(), rng.range(1, 3)); return placed();
  }
}

/** Every `.onnx` file under `root`, depth first in name order (none when it does not exist). */
export function onnxFiles(root: string, out: string[] = []): string[] {
  if (!fs.existsSync(root)) return out;
  for (const e of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) onnxFiles(p, out);
    else if (e.name.endsWith('.onnx')) out.push(p);
  }
  return out;
}
