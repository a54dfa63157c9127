/**
 * The comparer of loaded node bytes with the IR's fields (src/onnx/node-match.ts) against the
 * rule it stands for: decode the node (decode.ts) and compare its fields, absent name, op type
 * and domain as `''`, absent overload and doc string as `undefined`, absent metadata as no list.
 * On every node of the backend test models and the fixtures and on random nodes, each compared
 * with fields that agree and with fields changed one at a time (a character, a prefix, non-ASCII
 * look-alikes, an input more or less, metadata as no list or as an empty one); wherever it answers
 * it must give the rule's answer, and it must answer for every node the node decoder takes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessageBytes } from '../../src/onnx/decode.js';
import { decodeModelWithNodeRanges } from '../../src/onnx/codec.js';
import { decodePlainNode } from '../../src/onnx/node-decoder.js';
import { DIFFERENT, type NodeFields, matchPlainNode } from '../../src/onnx/node-match.js';
import type { NodeProto } from '../../src/onnx/proto-types.js';
import { RawMessage } from '../../src/onnx/raw-message.js';
import { messageDescriptor } from '../../src/onnx/schema.js';
import { Rng } from '../fuzz/mutate.js';
import { onnxFiles, place, randomNodeBytes, type PlacedBytes } from './node-samples.js';

const TESTDATA = '/usr/share/libonnx-testdata/data';
const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');
const present = fs.existsSync(TESTDATA);
if (!present && process.env.CI) throw new Error(`${TESTDATA} is missing under CI (apt-get install libonnx-testdata)`);

const NODE = messageDescriptor('onnx.NodeProto');

/** The fields a loader's IR node holds for this decoded node. */
function fieldsOf(n: NodeProto): NodeFields {
  return {
    opType: n.opType ?? '', domain: n.domain ?? '', name: n.name ?? '', overload: n.overload, docString: n.docString,
    metadataProps: n.metadataProps?.map((e): [string, string] => [e.key ?? '', e.value ?? '']),
    inputs: (n.input ?? []).map((name) => (name === '' ? undefined : { name })),
    outputs: (n.output ?? []).map((name) => ({ name })),
  };
}

/** The rule: decode, then compare field by field. */
function rule(n: NodeProto, f: NodeFields): number {
  const same =
    f.opType === (n.opType ?? '') && f.domain === (n.domain ?? '') && f.name === (n.name ?? '') && f.overload === n.overload &&
    f.docString === n.docString && samePairs(f.metadataProps, n.metadataProps?.map((e) => [e.key ?? '', e.value ?? ''] as const)) &&
    sameNames(f.inputs, n.input ?? []) && sameNames(f.outputs, n.output ?? []);
  return same ? (n.attribute?.length ?? 0) : DIFFERENT;
}

function sameNames(values: NodeFields['inputs'], names: readonly string[]): boolean {
  return values.length === names.length && values.every((v, i) => (v?.name ?? '') === names[i]);
}

function samePairs(a: NodeFields['metadataProps'], b: readonly (readonly [string, string])[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every(([k, v], i) => k === b[i]![0] && v === b[i]![1]);
}

/** Strings near `s`: one character changed, cut, extended, or a non-ASCII look-alike. */
function near(rng: Rng, s: string): string {
  switch (rng.int(7)) {
    case 0: return s === '' ? 'x' : s.slice(0, -1);
    case 1: return `${s}${rng.pick(['x', 'é', '\u0080', ''])}`;
    case 2: {
      if (s === '') return 'é';
      const i = rng.int(s.length);
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 1) + s.slice(i + 1);
    }
    case 3: return s.replace(/[a-z]/, 'é');
    case 4: return Buffer.from(s, 'utf8').toString('latin1'); // the bytes as characters: same length for ASCII
    case 5: return `é${s}`;
    default: return '';
  }
}

/** `f` with one field changed (or none). */
function changed(rng: Rng, f: NodeFields): NodeFields {
  const inputs = [...f.inputs];
  const outputs = [...f.outputs];
  const pairs = f.metadataProps?.map(([k, v]): [string, string] => [k, v]);
  switch (rng.int(12)) {
    case 0: return { ...f, name: near(rng, f.name) };
    case 1: return { ...f, opType: near(rng, f.opType) };
    case 2: return { ...f, domain: near(rng, f.domain) };
    case 3: return { ...f, overload: f.overload === undefined ? near(rng, '') : rng.chance(0.5) ? undefined : near(rng, f.overload) };
    case 4: return { ...f, docString: f.docString === undefined ? '' : rng.chance(0.5) ? undefined : near(rng, f.docString) };
    case 5: {
      if (inputs.length && rng.chance(0.7)) inputs[rng.int(inputs.length)] = rng.chance(0.3) ? undefined : { name: near(rng, inputs[0]?.name ?? '') };
      else if (rng.chance(0.5)) inputs.push({ name: 'extra' });
      else inputs.pop();
      return { ...f, inputs };
    }
    case 6: {
      if (outputs.length && rng.chance(0.7)) outputs[rng.int(outputs.length)] = { name: near(rng, outputs[0]!.name) };
      else if (rng.chance(0.5)) outputs.push({ name: '' });
      else outputs.pop();
      return { ...f, outputs };
    }
    case 7: return { ...f, metadataProps: pairs === undefined ? [] : undefined };
    case 8: {
      if (!pairs?.length) return { ...f, metadataProps: [...(pairs ?? []), ['k', 'v']] };
      const i = rng.int(pairs.length);
      pairs[i] = rng.chance(0.5) ? [near(rng, pairs[i]![0]), pairs[i]![1]] : [pairs[i]![0], near(rng, pairs[i]![1])];
      return { ...f, metadataProps: rng.chance(0.2) ? pairs.slice(1) : pairs };
    }
    default: return f;
  }
}

interface Tally {
  nodes: number;
  answered: number;
  different: number;
}

function check(s: PlacedBytes, rng: Rng, tally: Tally, failures: string[]): void {
  let n: NodeProto;
  try {
    n = decodeMessageBytes(NODE, s.bytes, s.start, s.end) as NodeProto;
  } catch {
    return; // never loaded, so never compared
  }
  tally.nodes++;
  const plain = decodePlainNode(s.bytes, s.start, s.end) !== undefined;
  const base = fieldsOf(n);
  for (const f of [base, changed(rng, base), changed(rng, base), changed(rng, changed(rng, base))]) {
    const expected = rule(n, f);
    const found = matchPlainNode(s.bytes, s.start, s.end, f);
    if (found !== undefined) tally.answered++;
    if (expected === DIFFERENT) tally.different++;
    const wrong = found === undefined ? plain : found !== expected;
    if (wrong && failures.length < 10) {
      failures.push(`${JSON.stringify(f)}: ${found} vs ${expected} (bytes ${Buffer.from(s.bytes.subarray(s.start, s.end)).toString('hex')})`);
    }
  }
}

describe('the node comparer answers as decoding and comparing does', () => {
  it.skipIf(!present)('on every main-graph node of the backend test models and the fixtures', () => {
    const rng = new Rng(7);
    const tally: Tally = { nodes: 0, answered: 0, different: 0 };
    const failures: string[] = [];
    for (const file of [...onnxFiles(TESTDATA), ...onnxFiles(FIXTURES)]) {
      const bytes = fs.readFileSync(file);
      for (const raw of decodeModelWithNodeRanges(bytes).graph?.node ?? []) {
        const r = raw as unknown as RawMessage;
        if (r instanceof RawMessage) check({ bytes, start: r.start, end: r.end }, rng, tally, failures);
      }
    }
    expect(failures).toEqual([]);
    expect(tally.nodes).toBeGreaterThan(50_000);
    expect(tally.answered / (tally.nodes * 4)).toBeGreaterThan(0.99);
    expect(tally.different).toBeGreaterThan(tally.nodes);
  });

  it('on random nodes of every field it reads or leaves', () => {
    const rng = new Rng(99);
    const tally: Tally = { nodes: 0, answered: 0, different: 0 };
    const failures: string[] = [];
    for (let k = 0; k < 30_000; k++) check(place(rng, randomNodeBytes(rng)), rng, tally, failures);
    expect(failures).toEqual([]);
    expect(tally.nodes).toBeGreaterThan(5_000);
    expect(tally.answered).toBeGreaterThan(tally.nodes);
    expect(tally.different).toBeGreaterThan(tally.nodes);
  });
});
