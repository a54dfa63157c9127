/**
 * The hand-written node decoder (src/onnx/node-decoder.ts) against the reflective decoder
 * (decode.ts), which is what `decodeGraphNode` ran alone before: on every node of ONNX's backend
 * test models and of the fixtures, on random nodes of every field it reads or leaves, and on
 * damaged copies of both. Whatever it decodes must be the reflective decoder's object exactly
 * (keys in the same order, numbers vs bigints, typed-array classes, views at the same offsets of
 * the same buffer, `$start`/`$end`); `decodeGraphNode` and `graphNodeOutputs` must give the same
 * results and the same errors as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { decodeGraphNode, decodeModelWithNodeRanges, graphNodeOutputs } from '../../src/onnx/codec.js';
import { decodeMessageBytes } from '../../src/onnx/decode.js';
import { decodePlainNode, scanPlainNodeOutputs } from '../../src/onnx/node-decoder.js';
import { RawMessage } from '../../src/onnx/raw-message.js';
import { messageDescriptor } from '../../src/onnx/schema.js';
import { WireError, WireReader } from '../../src/onnx/wire-reader.js';
import { Rng } from '../fuzz/mutate.js';
import { mutate, onnxFiles, place, randomNodeBytes, type PlacedBytes } from './node-samples.js';

const TESTDATA = '/usr/share/libonnx-testdata/data';
const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
const present = fs.existsSync(TESTDATA);
if (!present && process.env.CI) throw new Error(`${TESTDATA} is missing under CI (apt-get install libonnx-testdata)`);

const NODE = messageDescriptor('onnx.NodeProto');
const RANGES = new Set(['onnx.NodeProto', 'onnx.AttributeProto', 'onnx.TensorProto'].map((name) => messageDescriptor(name)));
const INDEX = 3;

type Outcome = { value: unknown } | { error: string };

/** What decodeGraphNode returned before: the reflective decode, its error as the loader words it. */
function reference(s: PlacedBytes): Outcome {
  try {
    const node = decodeMessageBytes(NODE, s.bytes, s.start, s.end, RANGES);
    node.$start = s.start;
    node.$end = s.end;
    return { value: node };
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    return { error: `ModelProto.${['graph', `node[${INDEX}]`, ...error.path].join('.')}: ${error.reason} at byte offset ${error.offset}` };
  }
}

/** graphNodeOutputs before: a scan of field 2, or `undefined` where it did not scan. */
function referenceOutputs(s: PlacedBytes): string[] | undefined {
  const outputs: string[] = [];
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    const reader = new WireReader(s.bytes, s.start, s.end);
    while (reader.pos < reader.end) {
      const tag = reader.readTag();
      if (tag === 18) {
        const length = reader.readLength();
        outputs.push(length === 0 ? '' : strict.decode(s.bytes.subarray(reader.pos, reader.pos + length)));
        reader.pos += length;
      } else {
        if (tag >>> 3 === 0 || (tag & 7) === 4) return undefined;
        reader.skipField(tag & 7, tag >>> 3, 64);
      }
    }
    return reader.pos === reader.end ? outputs : undefined;
  } catch {
    return undefined;
  }
}

function attempt(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    if (!(error instanceof OnnxSurgeonError)) throw error;
    return { error: error.detail };
  }
}

/** The first difference between two decoded values, or `undefined` when they are the same. */
function difference(a: unknown, b: unknown, at = 'node'): string | undefined {
  if (typeof a !== typeof b) return `${at}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b) ? undefined : `${at}: ${String(a)} vs ${String(b)}`;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${at}: ${x.constructor.name} vs ${y.constructor.name}`;
  if (ArrayBuffer.isView(x)) {
    const u = x as unknown as Uint8Array;
    const v = y as unknown as Uint8Array;
    // bytes fields are views of the buffer decoded; numeric typed arrays are fresh copies.
    if (u instanceof Uint8Array && (u.buffer !== v.buffer || u.byteOffset !== v.byteOffset)) return `${at}: views differ`;
    if (u.length !== v.length) return `${at}: lengths differ`;
    return u.every((e, i) => Object.is(e, v[i])) ? undefined : `${at}: elements differ`;
  }
  const keys = Object.keys(x);
  if (keys.join() !== Object.keys(y).join()) return `${at}: keys ${keys.join()} vs ${Object.keys(y).join()}`;
  for (const key of keys) {
    const found = difference(x[key], y[key], `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** Counts of what the hand-written decoder took and left, for the coverage checks. */
interface Tally {
  nodes: number;
  plain: number;
  plainAttributes: Set<string>;
}

function newTally(): Tally {
  return { nodes: 0, plain: 0, plainAttributes: new Set() };
}

/** Checks one node body every way; returns a description of the first disagreement. */
function check(s: PlacedBytes, tally: Tally): string | undefined {
  tally.nodes++;
  const expected = reference(s);
  const plain = decodePlainNode(s.bytes, s.start, s.end);
  if (plain !== undefined) {
    tally.plain++;
    if (!('value' in expected)) return `plain decode accepted bytes the reflective decoder rejects: ${expected.error}`;
    Object.assign(plain, { $start: s.start, $end: s.end });
    const found = difference(plain, expected.value);
    if (found) return `plain decode: ${found}`;
    for (const a of plain.attribute ?? []) for (const [key] of Object.entries(a)) tally.plainAttributes.add(key === 't' ? `t:${Object.keys(a.t!).join(',')}` : key);
    if (plain.metadataProps) tally.plainAttributes.add('node.metadataProps');
  }
  const raw = new RawMessage(s.bytes, s.start, s.end);
  const actual = attempt(() => decodeGraphNode(raw, INDEX));
  if ('error' in expected) {
    if (!('error' in actual) || actual.error !== expected.error) return `decodeGraphNode: ${JSON.stringify(actual)} vs error ${expected.error}`;
  } else {
    if (!('value' in actual)) return `decodeGraphNode threw ${actual.error}`;
    const found = difference(actual.value, expected.value);
    if (found) return `decodeGraphNode: ${found}`;
  }
  return checkOutputs(s, raw, expected);
}

function checkOutputs(s: PlacedBytes, raw: RawMessage, expected: Outcome): string | undefined {
  const scanned = referenceOutputs(s);
  const plain = scanPlainNodeOutputs(s.bytes, s.start, s.end);
  if (plain !== undefined && (scanned === undefined || plain.join('\0') !== scanned.join('\0'))) return `plain scan: ${plain} vs ${scanned}`;
  const actual = attempt(() => graphNodeOutputs(raw, INDEX));
  if (scanned !== undefined) return 'value' in actual && (actual.value as string[]).join('\0') === scanned.join('\0') ? undefined : `outputs: ${JSON.stringify(actual)}`;
  const wanted = 'error' in expected ? expected.error : `node ${INDEX} decodes but its outputs do not scan`;
  return 'error' in actual && actual.error === wanted ? undefined : `outputs: ${JSON.stringify(actual)} vs error ${wanted}`;
}

/** Every NodeProto of a model (main graph, subgraphs, functions) as its place in the file's bytes. */
function nodeBodies(bytes: Uint8Array): PlacedBytes[] {
  const found: PlacedBytes[] = [];
  const visit = (value: unknown, key: string): void => {
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
    if (Array.isArray(value)) {
      for (const entry of value) {
        const node = entry as { start?: number; end?: number; $start?: number; $end?: number };
        if (key === 'node' && entry instanceof RawMessage) found.push({ bytes, start: entry.start, end: entry.end });
        else if (key === 'node' && node.$start !== undefined) found.push({ bytes, start: node.$start, end: node.$end! });
        visit(entry, key);
      }
      return;
    }
    for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(decodeModelWithNodeRanges(bytes), 'model');
  return found;
}

function checkAll(samples: Iterable<PlacedBytes>, tally: Tally, failures: string[]): void {
  for (const s of samples) {
    const found = check(s, tally);
    if (found && failures.length < 10) failures.push(`${found} (bytes ${Buffer.from(s.bytes.subarray(s.start, s.end)).toString('hex')})`);
  }
}

describe('the hand-written node decoder decodes as the reflective decoder does', () => {
  it.skipIf(!present)('on every node of the backend test models and the fixtures, and damaged copies of them', () => {
    const files = [...onnxFiles(TESTDATA), ...onnxFiles(FIXTURES)];
    expect(files.length).toBeGreaterThan(1100);
    const tally = newTally();
    const damaged = newTally();
    const failures: string[] = [];
    const rng = new Rng(15);
    for (const file of files) {
      const bodies = nodeBodies(fs.readFileSync(file));
      checkAll(bodies, tally, failures);
      const some = Array.from({ length: Math.min(bodies.length, 6) }, () => rng.pick(bodies));
      checkAll(some.flatMap((b) => Array.from({ length: 16 }, () => mutate(rng, b.bytes.subarray(b.start, b.end)))), damaged, failures);
    }
    expect(failures).toEqual([]);
    // Real exports are almost all plain; what is not (subgraphs, typed tensor data) goes the old way.
    expect(tally.nodes).toBeGreaterThan(50_000);
    expect(tally.plain / tally.nodes).toBeGreaterThan(0.99);
    expect([...tally.plainAttributes].sort()).toEqual(expect.arrayContaining(['f', 'i', 'ints', 's', 'strings', 'type', 't:$start,$end,dims,dataType,rawData', 'node.metadataProps']));
    expect(damaged.nodes).toBeGreaterThan(30_000);
    expect(damaged.plain).toBeGreaterThan(damaged.nodes / 10);
  });

  it('on random nodes of every field it reads or leaves, and damaged copies of them', () => {
    const rng = new Rng(2024);
    const tally = newTally();
    const failures: string[] = [];
    for (let k = 0; k < 20_000; k++) {
      const body = randomNodeBytes(rng);
      checkAll([place(rng, body), mutate(rng, body), mutate(rng, body)], tally, failures);
    }
    expect(failures).toEqual([]);
    expect(tally.plain).toBeGreaterThan(tally.nodes / 10);
    expect(tally.plain).toBeLessThan(tally.nodes * 0.9);
    const read = ['f', 'floats', 'i', 'ints', 's', 'strings', 'type', 'docString', 'refAttrName', 'node.metadataProps'];
    expect([...tally.plainAttributes]).toEqual(expect.arrayContaining(read));
    const tensorFields = new Set([...tally.plainAttributes].filter((k) => k.startsWith('t:')).flatMap((k) => k.slice(2).split(',')));
    expect([...tensorFields].sort()).toEqual(['$end', '$start', 'dataLocation', 'dataType', 'dims', 'docString', 'name', 'rawData', 'stringData']);
  });

  it('a decoded node is the reflective decoder\'s to the last detail (a hand-checked example)', () => {
    // Constant: output "y", attribute value = tensor{dims [2], data_type 7, raw_data 16 bytes}, type TENSOR;
    // Unsqueeze-like ints attribute with -1 (a 10-byte varint) and 2^60 (a bigint), packed.
    const tensor = [0x08, 0x02, 0x10, 0x07, 0x4a, 0x10, ...new Array<number>(16).fill(1)];
    const value = [0x0a, 0x05, ...Buffer.from('value'), 0x2a, tensor.length, ...tensor, 0xa0, 0x01, 0x04];
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const big = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
    const axes = [0x0a, 0x04, ...Buffer.from('axes'), 0x42, minusOne.length + big.length, ...minusOne, ...big];
    const body = Uint8Array.from([0x12, 0x01, 0x79, 0x22, 0x08, ...Buffer.from('Constant'), 0x2a, value.length, ...value, 0x2a, axes.length, ...axes]);
    const s = place(new Rng(1), body);
    const node = decodeGraphNode(new RawMessage(s.bytes, s.start, s.end), 0);
    expect(node.output).toEqual(['y']);
    expect(node.opType).toBe('Constant');
    expect(node.attribute![0]!.t!.dims).toEqual([2]);
    expect(node.attribute![0]!.t!.rawData!.byteOffset).toBe(s.bytes.byteOffset + s.start + 3 + 10 + 2 + 7 + 2 + 6);
    expect(node.attribute![1]!.ints).toEqual([-1, 2n ** 60n]);
    expect(Object.keys(node.attribute![0]!)).toEqual(['$start', '$end', 'name', 't', 'type']);
    expect(decodePlainNode(s.bytes, s.start, s.end)).toBeDefined();
    expect(check(s, newTally())).toBeUndefined();
  });
});
