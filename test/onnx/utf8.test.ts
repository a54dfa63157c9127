/**
 * The string decoder of the codec (src/onnx/utf8.ts) gives TextDecoder's strict answer for any
 * bytes: the same string, or an error where TextDecoder has one.
 */
import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../../src/onnx/utf8.js';
import { Rng } from '../fuzz/mutate.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function outcome(run: () => string): string {
  try {
    return `ok:${run()}`;
  } catch (error) {
    return `error:${(error as Error).name}`;
  }
}

/** Bytes that are mostly ASCII, with multi-byte, invalid and BOM sequences mixed in. */
function sampleBytes(rng: Rng): number[] {
  const out: number[] = [];
  const length = rng.pick([0, 1, 2, 5, 20, 95, 96, 97, 150, 300]);
  while (out.length < length) {
    switch (rng.int(10)) {
      case 0: out.push(...Buffer.from(rng.pick(['é', '中', '😀', '\uFEFF', '\u0000', '\u007f', '\u0080']), 'utf8')); break;
      case 1: out.push(rng.int(256)); break;
      default: out.push(rng.int(0x80));
    }
  }
  return out.slice(0, length);
}

describe('decodeUtf8', () => {
  it('decodes like a strict TextDecoder on random bytes, at any offset', () => {
    const rng = new Rng(8);
    let errors = 0;
    for (let k = 0; k < 20_000; k++) {
      const body = sampleBytes(rng);
      const before = rng.int(5);
      const bytes = new Uint8Array(before + body.length + rng.int(5)).fill(0x41);
      bytes.set(body, before);
      const expected = outcome(() => strict.decode(bytes.subarray(before, before + body.length)));
      if (expected.startsWith('error')) errors++;
      expect(outcome(() => decodeUtf8(bytes, before, before + body.length))).toBe(expected);
    }
    expect(errors).toBeGreaterThan(1000);
  });

  it('keeps a byte-order mark and decodes ASCII names', () => {
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]);
    expect(decodeUtf8(bom, 0, 4)).toBe('\uFEFFa');
    const ascii = Uint8Array.from(Buffer.from('/encoder/layers.0/Add_output_0'));
    expect(decodeUtf8(ascii, 0, ascii.length)).toBe('/encoder/layers.0/Add_output_0');
    expect(decodeUtf8(ascii, 3, 3)).toBe('');
  });
});
