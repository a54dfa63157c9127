/**
 * A reusable, deterministic mutator of ONNX bytes for fuzzing: every case is a pure function of a
 * seed and a corpus, so a failure is replayed from the seed the test prints.
 *
 * Three levels of mutation:
 * - bytes: bit flips, truncation, random splices (what a damaged download looks like);
 * - wire: the file parsed into a tree of protobuf fields along the ONNX schema, then fields are
 *   duplicated, dropped, given huge declared lengths or wrong wire types, or nested very deeply,
 *   and the tree is re-serialized with consistent lengths (so the damage is exactly the one meant);
 * - model: the file decoded to messages, then ONNX-level nonsense is planted (negative dims, dims
 *   whose product overflows, raw_data shorter than dims say, string tensors where floats are
 *   expected, wrong dtypes, dangling or cyclic wiring, hostile external data, absurd attribute
 *   and shape-constant values), and re-encoded;
 * plus random messages generated from the schema and random (schema-valid) operator graphs.
 */

import { encodeMessage, decodeModel, type AttributeProto, type ModelProto, type NodeProto, type TensorProto } from '../../src/onnx/index.js';
import { messageDescriptor, type FieldDescriptor, type MessageDescriptor, type ScalarKind } from '../../src/onnx/schema.js';

// ---------------------------------------------------------------------------------------------
// Deterministic random numbers

/** A small seeded PRNG (mulberry32): same seed, same sequence, on every platform. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Next uint32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Wire-level tree

/** One protobuf field occurrence: either raw payload or, for known message fields, children. */
export interface WireField {
  number: number;
  wireType: number;
  /** Payload bytes: varint bytes, fixed bytes, or the content of a length-delimited field. */
  raw?: Uint8Array;
  /** Parsed sub-message (length-delimited fields the schema declares as messages). */
  children?: WireField[];
  /** Declared length to write instead of the real one (a lie, for huge-length mutations). */
  lengthOverride?: bigint;
  /** Schema type of `children`, when known. */
  messageType?: MessageDescriptor;
}

/**
 * Parses `bytes` into a field tree, descending into fields the schema declares as messages.
 * Returns undefined when the bytes are not well-formed protobuf (then only byte mutations apply).
 */
export function parseWire(bytes: Uint8Array, descriptor: MessageDescriptor = messageDescriptor('onnx.ModelProto')): WireField[] | undefined {
  try {
    return parseFields(bytes, 0, bytes.length, descriptor, 0);
  } catch {
    return undefined;
  }
}

function parseFields(bytes: Uint8Array, start: number, end: number, descriptor: MessageDescriptor | undefined, depth: number): WireField[] {
  if (depth > 200) throw new Error('too deep');
  const out: WireField[] = [];
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = readVarint(bytes, pos, end);
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    pos = afterTag;
    if (wireType === 0) {
      const [, next] = readVarint(bytes, pos, end);
      out.push({ number, wireType, raw: bytes.subarray(pos, next) });
      pos = next;
    } else if (wireType === 1 || wireType === 5) {
      const width = wireType === 1 ? 8 : 4;
      if (pos + width > end) throw new Error('short');
      out.push({ number, wireType, raw: bytes.subarray(pos, pos + width) });
      pos += width;
    } else if (wireType === 2) {
      const [length, next] = readVarint(bytes, pos, end);
      const payloadEnd = next + Number(length);
      if (payloadEnd > end) throw new Error('short');
      const field = descriptor?.byNumber[number];
      if (field?.kind === 'message' && field.messageType) {
        out.push({ number, wireType, children: parseFields(bytes, next, payloadEnd, field.messageType, depth + 1), messageType: field.messageType });
      } else {
        out.push({ number, wireType, raw: bytes.subarray(next, payloadEnd) });
      }
      pos = payloadEnd;
    } else {
      throw new Error('group or bad wire type');
    }
  }
  return out;
}

function readVarint(bytes: Uint8Array, start: number, end: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let pos = start; pos < end && pos < start + 10; pos++) {
    const b = bytes[pos]!;
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [value, pos + 1];
    shift += 7n;
  }
  throw new Error('bad varint');
}

/** Encodes a non-negative integer (up to 2^64 - 1) as a varint. */
export function varint(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** Serializes a field tree (lengths recomputed, except where a field lies about its length). */
export function serializeWire(fields: readonly WireField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  writeFields(fields, parts);
  return concat(parts);
}

function writeFields(fields: readonly WireField[], parts: Uint8Array[]): number {
  let total = 0;
  for (const f of fields) {
    const tag = varint((BigInt(f.number) << 3n) | BigInt(f.wireType));
    parts.push(tag);
    total += tag.length;
    if (f.wireType !== 2) {
      parts.push(f.raw ?? new Uint8Array(0));
      total += f.raw?.length ?? 0;
      continue;
    }
    let payload: Uint8Array;
    if (f.children) {
      const inner: Uint8Array[] = [];
      writeFields(f.children, inner);
      payload = concat(inner);
    } else {
      payload = f.raw ?? new Uint8Array(0);
    }
    const length = varint(f.lengthOverride ?? BigInt(payload.length));
    parts.push(length, payload);
    total += length.length + payload.length;
  }
  return total;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Every field of the tree with its parent list, depth first. */
function allFields(fields: WireField[], out: { field: WireField; siblings: WireField[] }[] = []): { field: WireField; siblings: WireField[] }[] {
  for (const f of fields) {
    out.push({ field: f, siblings: fields });
    if (f.children) allFields(f.children, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The mutations

/** Every kind of case the mutator makes. */
export const MUTATION_KINDS = [
  'bit-flip',
  'truncate',
  'splice',
  'duplicate-field',
  'drop-field',
  'huge-length',
  'wrong-wire-type',
  'deep-nesting',
  'negative-dim',
  'overflow-dims',
  'short-raw-data',
  'string-for-float',
  'wrong-dtype',
  'bad-wiring',
  'hostile-external-data',
  'absurd-attributes',
  'absurd-shape-constants',
  'random-proto',
  'random-graph',
] as const;

/** One kind of mutation. */
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** A generated input and how it was made. */
export interface FuzzCase {
  seed: number;
  kind: MutationKind;
  /** Index of the corpus entry it started from (-1 for generated-from-nothing cases). */
  source: number;
  bytes: Uint8Array;
}

/**
 * Makes the case for `seed`: picks a mutation kind and a corpus entry from the seed, applies it
 * (sometimes twice, stacking two kinds). Deterministic.
 *
 * @example
 * ```ts
 * const corpus = [readFileSync('model.onnx')];
 * const c = makeCase(1234, corpus); // c.kind, c.bytes
 * ```
 */
export function makeCase(seed: number, corpus: readonly Uint8Array[], kind?: MutationKind): FuzzCase {
  const rng = new Rng(seed);
  const chosen = kind ?? rng.pick(MUTATION_KINDS);
  if (chosen === 'random-proto') return { seed, kind: chosen, source: -1, bytes: randomProtoModel(rng) };
  if (chosen === 'random-graph') return { seed, kind: chosen, source: -1, bytes: randomGraphModel(rng) };
  const source = rng.int(corpus.length);
  let bytes = mutate(chosen, corpus[source]!, rng);
  // Stack a second, cheap mutation now and then: bugs often need two things wrong at once.
  if (rng.chance(0.15)) bytes = mutate(rng.pick(['bit-flip', 'duplicate-field', 'drop-field', 'wrong-dtype', 'short-raw-data'] as const), bytes, rng);
  return { seed, kind: chosen, source, bytes };
}

/** Applies one mutation of `kind` to `input` (never modifies `input`). */
export function mutate(kind: MutationKind, input: Uint8Array, rng: Rng): Uint8Array {
  switch (kind) {
    case 'bit-flip': return bitFlip(input, rng);
    case 'truncate': return input.slice(0, rng.chance(0.5) ? rng.int(64) : rng.int(input.length));
    case 'splice': return splice(input, rng);
    case 'duplicate-field': return onWire(input, rng, duplicateField);
    case 'drop-field': return onWire(input, rng, dropField);
    case 'huge-length': return onWire(input, rng, hugeLength);
    case 'wrong-wire-type': return onWire(input, rng, wrongWireType);
    case 'deep-nesting': return deepNesting(input, rng);
    case 'negative-dim':
    case 'overflow-dims':
    case 'short-raw-data':
    case 'string-for-float':
    case 'wrong-dtype':
    case 'bad-wiring':
    case 'hostile-external-data':
    case 'absurd-attributes':
    case 'absurd-shape-constants':
      return onModel(input, rng, MODEL_MUTATIONS[kind]);
    case 'random-proto': return randomProtoModel(rng);
    case 'random-graph': return randomGraphModel(rng);
  }
}

function bitFlip(input: Uint8Array, rng: Rng): Uint8Array {
  const out = input.slice();
  if (!out.length) return out;
  const flips = rng.range(1, 16);
  for (let i = 0; i < flips; i++) {
    // Half the flips land in the first 4 KiB, where the graph structure (not weights) usually is.
    const at = rng.chance(0.5) ? rng.int(Math.min(out.length, 4096)) : rng.int(out.length);
    out[at]! ^= 1 << rng.int(8);
  }
  return out;
}

function splice(input: Uint8Array, rng: Rng): Uint8Array {
  const at = rng.int(input.length + 1);
  const len = rng.range(1, 64);
  const noise = new Uint8Array(len);
  for (let i = 0; i < len; i++) noise[i] = rng.next() & 0xff;
  const cut = rng.chance(0.5) ? rng.int(32) : 0;
  return concat([input.subarray(0, at), noise, input.subarray(Math.min(input.length, at + cut))]);
}

function onWire(input: Uint8Array, rng: Rng, edit: (tree: WireField[], rng: Rng) => void): Uint8Array {
  const tree = parseWire(input);
  if (!tree) return bitFlip(input, rng);
  edit(tree, rng);
  return serializeWire(tree);
}

function pickField(tree: WireField[], rng: Rng, filter: (f: WireField) => boolean = () => true): { field: WireField; siblings: WireField[] } | undefined {
  const fields = allFields(tree).filter((e) => filter(e.field));
  return fields.length ? rng.pick(fields) : undefined;
}

function duplicateField(tree: WireField[], rng: Rng): void {
  const count = rng.range(1, 3);
  for (let i = 0; i < count; i++) {
    const hit = pickField(tree, rng);
    if (!hit) return;
    const at = rng.chance(0.5) ? hit.siblings.indexOf(hit.field) + 1 : hit.siblings.length;
    hit.siblings.splice(at, 0, structuredCloneField(hit.field));
  }
}

function structuredCloneField(f: WireField): WireField {
  const out: WireField = { number: f.number, wireType: f.wireType };
  if (f.raw) out.raw = f.raw;
  if (f.children) out.children = f.children.map(structuredCloneField);
  if (f.messageType) out.messageType = f.messageType;
  if (f.lengthOverride !== undefined) out.lengthOverride = f.lengthOverride;
  return out;
}

function dropField(tree: WireField[], rng: Rng): void {
  const count = rng.range(1, 3);
  for (let i = 0; i < count; i++) {
    const hit = pickField(tree, rng);
    if (!hit) return;
    hit.siblings.splice(hit.siblings.indexOf(hit.field), 1);
  }
}

/** Declared lengths a hostile file might carry. */
const HUGE_LENGTHS: readonly bigint[] = [2n ** 31n, 2n ** 31n - 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 30n];

function hugeLength(tree: WireField[], rng: Rng): void {
  // Prefer the large payloads (raw_data): a naive reader would allocate what they declare.
  const hit = pickField(tree, rng, (f) => f.wireType === 2 && (rng.chance(0.3) || (f.raw?.length ?? 0) > 1024));
  if (!hit) return;
  const payload = hit.field.raw?.length ?? 0;
  hit.field.lengthOverride = rng.chance(0.8) ? rng.pick(HUGE_LENGTHS) : BigInt(payload + rng.range(1, 16));
}

function wrongWireType(tree: WireField[], rng: Rng): void {
  const hit = pickField(tree, rng);
  if (!hit) return;
  const f = hit.field;
  const wireType = rng.pick([0, 1, 2, 5].filter((w) => w !== f.wireType));
  // Keep a payload of a plausible size for the new wire type, so the damage is the type alone.
  const raw = f.children ? serializeWire(f.children) : (f.raw ?? new Uint8Array(0));
  delete f.children;
  delete f.messageType;
  f.wireType = wireType;
  if (wireType === 0) f.raw = varint(raw.length ? raw[0]! & 0x7f : 0);
  else if (wireType === 1) f.raw = padTo(raw, 8);
  else if (wireType === 5) f.raw = padTo(raw, 4);
  else f.raw = raw;
}

function padTo(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(bytes.subarray(0, n));
  return out;
}

// Field numbers (schemas/onnx.proto) used to build nested structures on the wire.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_VALUE_INFO = 13;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTR_NAME = 1;
const ATTR_G = 6;
const ATTR_TYPE = 20;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_SEQUENCE = 4;
const SEQUENCE_ELEM = 1;

function lenField(number: number, payload: Uint8Array): Uint8Array {
  return concat([varint((number << 3) | 2), varint(payload.length), payload]);
}

function varintField(number: number, value: number): Uint8Array {
  return concat([varint(number << 3), varint(value)]);
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Appends a deeply nested structure to the model's graph: If-subgraphs inside If-subgraphs,
 * sequence-of-sequence types, or unknown groups inside groups. Depths straddle the decoder's limit.
 */
function deepNesting(input: Uint8Array, rng: Rng): Uint8Array {
  const which = rng.int(3);
  let addition: Uint8Array;
  if (which === 0) {
    // Each subgraph level is three messages deep (GraphProto > NodeProto > AttributeProto).
    const levels = rng.pick([5, 20, 31, 32, 33, 34, 40, 200, 1000]);
    let graph: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < levels; i++) {
      const attribute = concat([lenField(ATTR_NAME, text('then_branch')), lenField(ATTR_G, graph), varintField(ATTR_TYPE, 5)]);
      const node = concat([lenField(NODE_OP_TYPE, text('If')), lenField(NODE_ATTRIBUTE, attribute)]);
      graph = lenField(GRAPH_NODE, node);
    }
    addition = graph;
  } else if (which === 1) {
    const levels = rng.pick([10, 45, 48, 49, 50, 60, 500, 3000]);
    let type: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < levels; i++) type = lenField(TYPE_SEQUENCE, lenField(SEQUENCE_ELEM, type));
    addition = lenField(GRAPH_VALUE_INFO, concat([lenField(VALUE_INFO_NAME, text(`deep_${levels}`)), lenField(VALUE_INFO_TYPE, type)]));
  } else {
    // Unknown field 999 as nested groups: start-group tags, then matching end-group tags.
    const levels = rng.pick([10, 99, 100, 101, 1000, 100000]);
    const start = varint((999 << 3) | 3);
    const end = varint((999 << 3) | 4);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < levels; i++) parts.push(start);
    for (let i = 0; i < levels; i++) parts.push(end);
    addition = concat(parts);
  }
  // The addition is a run of GraphProto fields: append it to the model's graph (field 7).
  const tree = parseWire(input);
  const graphField = tree?.find((f) => f.number === MODEL_GRAPH && f.children);
  if (!tree || !graphField) return concat([input, lenField(MODEL_GRAPH, addition)]);
  const graphBytes = concat([serializeWire(graphField.children!), addition]);
  delete graphField.children;
  graphField.raw = graphBytes;
  return serializeWire(tree);
}

// ---------------------------------------------------------------------------------------------
// Model-level mutations (on decoded messages)

type ModelEdit = (model: ModelProto, rng: Rng) => void;

function onModel(input: Uint8Array, rng: Rng, edit: ModelEdit): Uint8Array {
  let model: ModelProto;
  try {
    model = decodeModel(input);
  } catch {
    return bitFlip(input, rng);
  }
  edit(model, rng);
  return encodeMessage('onnx.ModelProto', model);
}

/** Every tensor in the model: initializers and attribute tensors (Constant values). */
function tensorsOf(model: ModelProto): TensorProto[] {
  const out: TensorProto[] = [...(model.graph?.initializer ?? [])];
  for (const node of model.graph?.node ?? []) for (const a of node.attribute ?? []) if (a.t) out.push(a.t);
  return out;
}

function pickTensor(model: ModelProto, rng: Rng, filter: (t: TensorProto) => boolean = () => true): TensorProto | undefined {
  const tensors = tensorsOf(model).filter(filter);
  return tensors.length ? rng.pick(tensors) : undefined;
}

const isFloat = (t: TensorProto): boolean => t.dataType === 1 || t.dataType === 10 || t.dataType === 11;
const isInt = (t: TensorProto): boolean => t.dataType === 7 || t.dataType === 6;

const MODEL_MUTATIONS: Record<
  'negative-dim' | 'overflow-dims' | 'short-raw-data' | 'string-for-float' | 'wrong-dtype' | 'bad-wiring' | 'hostile-external-data' | 'absurd-attributes' | 'absurd-shape-constants',
  ModelEdit
> = {
  'negative-dim': (model, rng) => {
    const where = rng.int(3);
    if (where === 0) {
      const t = pickTensor(model, rng);
      if (!t) return;
      const dims = [...(t.dims ?? [1])];
      dims[rng.int(dims.length)] = rng.pick([-1, -2, -(2 ** 31), -(2 ** 53) + 1, -(2n ** 63n)]);
      t.dims = dims;
    } else {
      // Negative dim_value in a declared type (graph input, output or value_info).
      const infos = [...(model.graph?.input ?? []), ...(model.graph?.output ?? []), ...(model.graph?.valueInfo ?? [])];
      const withShape = infos.filter((i) => i.type?.tensorType?.shape?.dim?.length);
      if (!withShape.length) return;
      const dims = rng.pick(withShape).type!.tensorType!.shape!.dim!;
      dims[rng.int(dims.length)] = { dimValue: rng.pick([-1, -7, -(2 ** 40)]) };
    }
  },
  'overflow-dims': (model, rng) => {
    const t = pickTensor(model, rng);
    if (t) {
      t.dims = rng.pick<TensorProto['dims']>([
        [2 ** 31, 2 ** 31, 2 ** 31],
        [2 ** 53 - 1, 3],
        [2n ** 62n],
        [2 ** 32, 2 ** 32, 0],
        [65536, 65536, 65536, 65536],
        [2 ** 31],
        [1, 2 ** 40],
      ]);
    }
    // Also declare absurd static shapes on graph inputs: shape inference multiplies them.
    const input = model.graph?.input?.find((i) => i.type?.tensorType?.shape?.dim?.length);
    if (input && rng.chance(0.5)) input.type!.tensorType!.shape!.dim = input.type!.tensorType!.shape!.dim!.map(() => ({ dimValue: rng.pick([2 ** 31, 2 ** 52, 2n ** 62n]) }));
  },
  'short-raw-data': (model, rng) => {
    const t = pickTensor(model, rng, (x) => (x.rawData?.length ?? 0) > 0);
    if (!t) return;
    const cut = rng.chance(0.5) ? 1 : rng.range(1, t.rawData!.length);
    t.rawData = t.rawData!.subarray(0, t.rawData!.length - cut);
  },
  'string-for-float': (model, rng) => {
    const t = pickTensor(model, rng, (x) => isFloat(x) || (isInt(x) && rng.chance(0.5)));
    if (!t) return;
    const how = rng.int(3);
    const strings = Array.from({ length: rng.int(6) }, (_, i) => text(`s${i}`));
    if (how === 0) {
      // A proper string tensor where the graph expects numbers.
      t.dataType = 8;
      delete t.rawData;
      t.stringData = strings;
    } else if (how === 1) {
      // Numeric dtype, data in string_data.
      delete t.rawData;
      delete t.floatData;
      delete t.int64Data;
      t.stringData = strings;
    } else {
      // String dtype but raw_data (invalid per the spec).
      t.dataType = 8;
    }
  },
  'wrong-dtype': (model, rng) => {
    const t = pickTensor(model, rng);
    if (!t) return;
    t.dataType = rng.pick([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 21, 22, 23, 24, 99, -1, 2 ** 31 - 1]);
  },
  'bad-wiring': (model, rng) => {
    const nodes = model.graph?.node ?? [];
    if (!nodes.length) return;
    const node = rng.pick(nodes);
    const how = rng.int(6);
    if (how === 0) node.input = [...(node.input ?? []), 'no_such_value'];
    else if (how === 1) {
      // Cycle: read an output of a later node (or its own output).
      const later = nodes[Math.min(nodes.length - 1, nodes.indexOf(node) + rng.int(8))]!;
      const out = later.output?.[0];
      if (out && node.input?.length) node.input[rng.int(node.input.length)] = out;
    } else if (how === 2) {
      // Two producers of one name.
      const other = rng.pick(nodes);
      if (other.output?.length && node.output?.length) node.output[0] = other.output[0]!;
    } else if (how === 3) node.input = (node.input ?? []).slice(0, rng.int((node.input ?? []).length));
    else if (how === 4) node.input = [...(node.input ?? []), ...(node.input ?? [])];
    else {
      // Graph output naming nothing, or a node output renamed to ''.
      if (rng.chance(0.5) && model.graph?.output?.length) model.graph.output[0]!.name = 'dangling_output';
      else if (node.output?.length) node.output[rng.int(node.output.length)] = '';
    }
  },
  'hostile-external-data': (model, rng) => {
    const t = pickTensor(model, rng, (x) => x.rawData !== undefined);
    if (!t) return;
    delete t.rawData;
    t.dataLocation = 1;
    const location = rng.pick(['../../../../etc/passwd', '/etc/passwd', '/dev/zero', 'data.bin', 'sub/../../x', '..', '', 'a\u0000b', 'C:\\x', '\\\\server\\share', 'model.onnx']);
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: rng.pick(['0', '-1', '4096', '99999999999999999999', 'abc', '1e3']) },
      { key: 'length', value: rng.pick(['0', '2147483648', '18446744073709551615', '16', '-5']) },
    ];
    if (rng.chance(0.3)) t.externalData = t.externalData.slice(rng.int(2));
  },
  'absurd-attributes': (model, rng) => {
    const nodes = (model.graph?.node ?? []).filter((n) => n.attribute?.length);
    if (!nodes.length) return;
    const node = rng.pick(nodes);
    const a = rng.pick(node.attribute!);
    mutateAttribute(a, rng);
  },
  'absurd-shape-constants': (model, rng) => {
    // Integer constants feed Reshape/Slice/Gather/Expand: the shape logic must not trust them.
    const count = rng.range(1, 4);
    for (let i = 0; i < count; i++) {
      const t = pickTensor(model, rng, isInt);
      if (!t) return;
      const n = t.dims?.reduce<number>((a, b) => a * Number(b), 1) ?? 1;
      const values = new BigInt64Array(Math.max(0, Math.min(n, 64)));
      for (let k = 0; k < values.length; k++) values[k] = BigInt(rng.pick([0, -1, -2, 1, 7, 2 ** 31, 2 ** 40, -(2 ** 40), 2 ** 62, Number.MAX_SAFE_INTEGER]));
      if (rng.chance(0.2)) values[rng.int(values.length || 1)] = rng.chance(0.5) ? 2n ** 63n - 1n : -(2n ** 63n);
      if (values.length !== n) continue;
      t.dataType = 7;
      delete t.int32Data;
      delete t.int64Data;
      t.rawData = new Uint8Array(values.buffer);
    }
  },
};

function mutateAttribute(a: AttributeProto, rng: Rng): void {
  const how = rng.int(6);
  if (how === 0 && a.ints) a.ints = a.ints.map(() => rng.pick([-1, 0, 2 ** 31, -(2 ** 31), 2n ** 53n, 2n ** 63n - 1n, 99]));
  else if (how === 1 && a.i !== undefined) a.i = rng.pick([-1, 0, 1, 2 ** 31, -(2 ** 40), 2n ** 63n - 1n, 99]);
  else if (how === 2) {
    // A type that disagrees with the populated field.
    a.type = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 99]);
  } else if (how === 3 && a.f !== undefined) a.f = rng.pick([Number.NaN, Infinity, -Infinity, 1e300, -0]);
  else if (how === 4 && a.s !== undefined) a.s = rng.pick([text(''), text('nonsense'), new Uint8Array([0xff, 0xfe]), text('x'.repeat(1000))]);
  else {
    // Swap the payload for a different kind.
    delete a.i;
    delete a.ints;
    delete a.s;
    delete a.t;
    if (rng.chance(0.5)) a.floats = [1.5, Number.NaN];
    else a.strings = [text('a')];
  }
}

// ---------------------------------------------------------------------------------------------
// Random messages from the schema

/**
 * A random ModelProto built by walking the schema: random presence, random scalars (with edge
 * values), random repeats, bounded depth. It always has a graph so the IR builder gets exercised.
 */
export function randomProtoModel(rng: Rng): Uint8Array {
  const model = randomMessage(messageDescriptor('onnx.ModelProto'), rng, 0) as ModelProto;
  model.irVersion ??= rng.pick([3, 7, 8, 9, 10]);
  model.graph ??= randomMessage(messageDescriptor('onnx.GraphProto'), rng, 1) as ModelProto['graph'];
  return encodeMessage('onnx.ModelProto', model);
}

const MAX_RANDOM_DEPTH = 7;
const NAMES = ['x', 'y', 'w', 'a', 'b', '', 'out', 'x_1', 'input', 'output'];

function randomMessage(descriptor: MessageDescriptor, rng: Rng, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const presence = depth === 0 ? 0.7 : Math.max(0.1, 0.5 - depth * 0.06);
  for (const field of descriptor.fields) {
    if (!rng.chance(presence)) continue;
    if (field.kind === 'message') {
      if (depth >= MAX_RANDOM_DEPTH) continue;
      const make = (): Record<string, unknown> => randomMessage(field.messageType!, rng, depth + 1);
      out[field.name] = field.repeated ? Array.from({ length: rng.int(4) }, make) : make();
    } else if (field.repeated) {
      const n = rng.int(5);
      const values = Array.from({ length: n }, () => randomScalar(field, rng));
      out[field.name] = field.typedArray ? typedArrayOf(field.kind, values) : values;
    } else {
      out[field.name] = randomScalar(field, rng);
    }
  }
  return out;
}

function randomScalar(field: FieldDescriptor, rng: Rng): unknown {
  const kind = field.kind as ScalarKind;
  switch (kind) {
    case 'string':
      return field.name === 'opType' ? rng.pick(['Add', 'Reshape', 'GridSample', 'If', 'Loop', 'Constant', 'Foo', '']) : rng.pick(NAMES);
    case 'bytes': {
      const n = rng.pick([0, 1, 4, 8, 16, 33]);
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = rng.next() & 0xff;
      return b;
    }
    case 'float':
    case 'double':
      return rng.pick([0, 1, -1, 0.5, Number.NaN, Infinity, 1e30]);
    case 'bool':
      return rng.chance(0.5);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return rng.pick<number | bigint>([0, 1, 2, 3, -1, 7, 64, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, 2n ** 63n - 1n, -(2n ** 63n)]);
    case 'uint64':
    case 'fixed64':
      return rng.pick<number | bigint>([0, 1, 2, 7, 2 ** 40, 2n ** 64n - 1n]);
    case 'uint32':
    case 'fixed32':
      return rng.pick([0, 1, 7, 2 ** 32 - 1]);
    case 'enum':
      return rng.pick([0, 1, 2, 3, 7, 8, 10, 16, 99]);
    default:
      return rng.pick([0, 1, 2, 7, -1, 2 ** 31 - 1, -(2 ** 31)]);
  }
}

function typedArrayOf(kind: FieldDescriptor['kind'], values: unknown[]): unknown {
  switch (kind) {
    case 'float': return Float32Array.from(values as number[]);
    case 'double': return Float64Array.from(values as number[]);
    case 'int32': return Int32Array.from(values as number[]);
    case 'int64': return BigInt64Array.from(values as (number | bigint)[], (v) => BigInt.asIntN(64, BigInt(v)));
    case 'uint64': return BigUint64Array.from(values as (number | bigint)[], (v) => BigInt.asUintN(64, BigInt(v)));
    default: return values;
  }
}

// ---------------------------------------------------------------------------------------------
// Random operator graphs

/** Ops the shape inference and the evaluator know, with the inputs and attributes they take. */
const RANDOM_OPS: readonly { op: string; inputs: number; optional?: number; attrs?: (rng: Rng) => AttributeProto[] }[] = [
  { op: 'Reshape', inputs: 2, attrs: (r) => (r.chance(0.3) ? [intAttr('allowzero', r.pick([0, 1, 5]))] : []) },
  { op: 'Transpose', inputs: 1, attrs: (r) => [intsAttr('perm', r.pick([[0], [1, 0], [0, 2, 1], [3, 2, 1, 0], [0, 0], [5, -1], []]))] },
  { op: 'Slice', inputs: 3, optional: 2 },
  { op: 'Gather', inputs: 2, attrs: (r) => [intAttr('axis', r.pick([0, 1, -1, 5, -9]))] },
  { op: 'Concat', inputs: 3, attrs: (r) => [intAttr('axis', r.pick([0, 1, -1, 7]))] },
  { op: 'Split', inputs: 2, attrs: (r) => [intAttr('axis', r.pick([0, 1, -1]))] },
  { op: 'Unsqueeze', inputs: 2 },
  { op: 'Squeeze', inputs: 2, optional: 1 },
  { op: 'Expand', inputs: 2 },
  { op: 'Tile', inputs: 2 },
  { op: 'ConstantOfShape', inputs: 1 },
  { op: 'Range', inputs: 3 },
  { op: 'Shape', inputs: 1, attrs: (r) => (r.chance(0.5) ? [intAttr('start', r.pick([-5, 0, 1, 9])), intAttr('end', r.pick([-1, 2, 100]))] : []) },
  { op: 'Size', inputs: 1 },
  { op: 'Cast', inputs: 1, attrs: (r) => [intAttr('to', r.pick([1, 6, 7, 9, 10, 11, 8, 0, 99]))] },
  { op: 'Add', inputs: 2 },
  { op: 'Mul', inputs: 2 },
  { op: 'Div', inputs: 2 },
  { op: 'Sub', inputs: 2 },
  { op: 'Mod', inputs: 2 },
  { op: 'Pow', inputs: 2 },
  { op: 'Where', inputs: 3 },
  { op: 'Equal', inputs: 2 },
  { op: 'MatMul', inputs: 2 },
  { op: 'Softmax', inputs: 1, attrs: (r) => [intAttr('axis', r.pick([-1, 0, 3]))] },
  { op: 'GridSample', inputs: 2, attrs: (r) => [intAttr('align_corners', r.pick([0, 1])), strAttr('mode', r.pick(['bilinear', 'nearest', 'bogus']))] },
  { op: 'Flatten', inputs: 1, attrs: (r) => [intAttr('axis', r.pick([0, 1, -1, 9]))] },
  { op: 'ReduceSum', inputs: 2, optional: 1 },
  { op: 'ReduceProd', inputs: 1, attrs: (r) => [intsAttr('axes', r.pick([[0], [-1], [7]]))] },
  { op: 'Einsum', inputs: 2, attrs: (r) => [strAttr('equation', r.pick(['ij,jk->ik', 'bij,bjk->bik', '...i,...i->...', 'ii->i', 'bad', ',->']))] },
  { op: 'Pad', inputs: 2 },
  { op: 'OneHot', inputs: 3 },
  { op: 'TopK', inputs: 2 },
  { op: 'NonZero', inputs: 1 },
  { op: 'Resize', inputs: 3, optional: 2 },
  { op: 'DepthToSpace', inputs: 1, attrs: (r) => [intAttr('blocksize', r.pick([0, 1, 2, -1]))] },
  { op: 'Conv', inputs: 2 },
  { op: 'Clip', inputs: 3, optional: 2 },
  { op: 'EyeLike', inputs: 1 },
  { op: 'ScatterND', inputs: 3 },
  { op: 'GatherND', inputs: 2 },
  { op: 'LayerNormalization', inputs: 2 },
];

function intAttr(name: string, i: number): AttributeProto {
  return { name, type: 2, i };
}
function intsAttr(name: string, ints: number[]): AttributeProto {
  return { name, type: 7, ints };
}
function strAttr(name: string, s: string): AttributeProto {
  return { name, type: 3, s: text(s) };
}

/**
 * A random but well-formed model: random ops from {@link RANDOM_OPS} wired to earlier values,
 * small integer and float initializers with edge values (negative, zero, huge), random input
 * shapes (static, symbolic, unknown, huge), and now and then an If whose branches are themselves
 * random graphs.
 */
export function randomGraphModel(rng: Rng): Uint8Array {
  const graph = randomGraph(rng, 'g', 0);
  const model: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: rng.pick([13, 16, 17, 18, 20]) }],
    graph,
  };
  return encodeMessage('onnx.ModelProto', model);
}

function randomGraph(rng: Rng, prefix: string, depth: number): NonNullable<ModelProto['graph']> {
  const values: string[] = [];
  const inputs = [];
  const initializers: TensorProto[] = [];
  const inputCount = depth === 0 ? rng.range(1, 3) : 0;
  for (let i = 0; i < inputCount; i++) {
    const name = `${prefix}_in${i}`;
    const rank = rng.range(0, 5);
    const dim = Array.from({ length: rank }, () => rng.pick([{ dimValue: rng.range(0, 8) }, { dimParam: rng.pick(['N', 'H', 'W']) }, {}, { dimValue: 2 ** 40 }]));
    inputs.push({ name, type: { tensorType: { elemType: rng.pick([1, 1, 7, 10, 11, 9]), shape: { dim } } } });
    values.push(name);
  }
  const initCount = rng.range(1, 6);
  for (let i = 0; i < initCount; i++) {
    const name = `${prefix}_c${i}`;
    initializers.push(randomConstant(rng, name));
    values.push(name);
  }
  const nodes: NodeProto[] = [];
  const nodeCount = rng.range(1, 12);
  for (let i = 0; i < nodeCount; i++) {
    const out = `${prefix}_v${i}`;
    if (depth < 2 && rng.chance(0.06)) {
      const then = randomGraph(rng, `${prefix}_t${i}`, depth + 1);
      const otherwise = randomGraph(rng, `${prefix}_e${i}`, depth + 1);
      then.output = then.output?.slice(0, 1);
      otherwise.output = otherwise.output?.slice(0, 1);
      nodes.push({
        opType: 'If', name: `n_${out}`, input: [rng.pick(values)], output: [out],
        attribute: [{ name: 'then_branch', type: 5, g: then }, { name: 'else_branch', type: 5, g: otherwise }],
      });
      values.push(out);
      continue;
    }
    const spec = rng.pick(RANDOM_OPS);
    const count = spec.inputs - (spec.optional && rng.chance(0.4) ? rng.int(spec.optional + 1) : 0);
    const input = Array.from({ length: count }, () => (rng.chance(0.05) ? '' : rng.pick(values)));
    const outputs = spec.op === 'Split' ? [out, `${out}_b`] : spec.op === 'TopK' ? [out, `${out}_i`] : [out];
    nodes.push({ opType: spec.op, name: `n_${out}`, input, output: outputs, ...(spec.attrs && { attribute: spec.attrs(rng) }) });
    values.push(...outputs);
  }
  const outputNames = [...new Set([values[values.length - 1]!, rng.pick(values)])];
  return {
    name: prefix,
    node: nodes,
    initializer: initializers,
    input: inputs,
    output: outputNames.map((name) => ({ name })),
  };
}

function randomConstant(rng: Rng, name: string): TensorProto {
  const kind = rng.int(3);
  const rank = rng.range(0, 2);
  const dims = Array.from({ length: rank }, () => rng.range(0, 4));
  const n = dims.reduce((a, b) => a * b, 1);
  if (kind === 0) {
    const values = BigInt64Array.from({ length: n }, () => BigInt(rng.pick([0, 1, 2, 3, -1, -2, 4, 8, 2 ** 31, 2 ** 40, -(2 ** 40)])));
    return { name, dims, dataType: 7, rawData: new Uint8Array(values.buffer) };
  }
  if (kind === 1) {
    const values = Float32Array.from({ length: n }, () => rng.pick([0, 1, -1, 0.5, Number.NaN, 1e30]));
    return { name, dims, dataType: 1, rawData: new Uint8Array(values.buffer) };
  }
  const values = Int32Array.from({ length: n }, () => rng.pick([0, 1, 2, -1, 7]));
  return { name, dims, dataType: 6, rawData: new Uint8Array(values.buffer) };
}
