/**
 * Raw messages (a loaded model's unchanged nodes) that lie one after another in their buffer are
 * written as one piece of it (encode.ts `writeRawRun`): the bytes must be exactly those of writing
 * each one behind its own tag and length. Random lists mixing raw messages that follow each other
 * (behind minimal prefixes or not, in one buffer or two, with gaps, large and small) with plain
 * messages, against the bytes written by hand.
 */
import { describe, expect, it } from 'vitest';
import { concatChunks, encodeMessage, encodeModel } from '../../src/onnx/codec.js';
import type { GraphProto, NodeProto } from '../../src/onnx/proto-types.js';
import { RawMessage } from '../../src/onnx/raw-message.js';
import { Rng } from '../fuzz/mutate.js';

function varint(value: number, padding = 0): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  for (let i = 0; i < padding; i++) {
    out[out.length - 1]! |= 0x80;
    out.push(0);
  }
  return out;
}

/** GraphProto.node is field 1: tag 0x0a. */
const NODE_TAG = 0x0a;

interface Case {
  graph: GraphProto;
  expected: Uint8Array;
}

/** A graph of random nodes, raw ones laid out in buffers as a loaded file would hold them. */
function randomCase(rng: Rng): Case {
  const buffers = [new Uint8Array(1 << 19), new Uint8Array(1 << 12)];
  const used = [rng.int(4), rng.int(4)];
  const nodes: unknown[] = [];
  const expected: number[] = [];
  for (let k = rng.range(1, 30); k > 0; k--) {
    if (rng.chance(0.2)) {
      const node: NodeProto = { opType: 'Relu', name: `n${k}`, input: ['x'], output: [`y${k}`] };
      nodes.push(node);
      const body = encodeMessage('onnx.NodeProto', node);
      expected.push(NODE_TAG, ...varint(body.length), ...body);
      continue;
    }
    const which = rng.chance(0.8) ? 0 : 1;
    const buffer = buffers[which]!;
    const size = rng.chance(0.05) && which === 0 ? rng.range(70_000, 90_000) : rng.int(300);
    // Usually right after the last one, sometimes after a gap; prefixes usually minimal.
    if (rng.chance(0.2)) used[which]! += rng.range(1, 5);
    const prefix = rng.chance(0.1) ? [NODE_TAG, ...varint(size, 1)] : rng.chance(0.05) ? [NODE_TAG ^ 1, ...varint(size)] : [NODE_TAG, ...varint(size)];
    if (used[which]! + prefix.length + size > buffer.length) continue;
    buffer.set(prefix, used[which]!);
    const start = used[which]! + prefix.length;
    for (let i = 0; i < size; i++) buffer[start + i] = rng.int(256);
    used[which] = start + size;
    nodes.push(new RawMessage(buffer, start, start + size));
    expected.push(NODE_TAG, ...varint(size), ...buffer.subarray(start, start + size));
  }
  return { graph: { node: nodes as NodeProto[], name: 'g' }, expected: Uint8Array.from([...expected, 0x12, 1, 0x67]) };
}

describe('runs of raw messages are written as the bytes of each behind its tag and length', () => {
  it('on random lists of raw and plain nodes', () => {
    const rng = new Rng(31);
    for (let k = 0; k < 400; k++) {
      const { graph, expected } = randomCase(rng);
      expect(Buffer.from(encodeMessage('onnx.GraphProto', graph)).equals(Buffer.from(expected))).toBe(true);
      // Through encodeModel too, where large pieces pass through as views.
      const chunks = encodeModel({ irVersion: 8, graph });
      const model = concatChunks(chunks, chunks.reduce((n, c) => n + c.byteLength, 0));
      const graphBytes = [0x3a, ...varint(expected.length), ...expected];
      expect(Buffer.from(model).equals(Buffer.from([0x08, 0x08, ...graphBytes]))).toBe(true);
    }
  });
});
