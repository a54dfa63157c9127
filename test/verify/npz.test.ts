/**
 * `.npz` archives: the ones NumPy writes (stored and deflated, with NumPy's zip64 local extras)
 * read back exactly; ours round-trip; corrupt archives fail with a clear decode error.
 * (Checked once by hand: `numpy.load` and `zipfile.testzip` accept what formatNpz writes.)
 */
import { describe, expect, it } from 'vitest';
import { DType, Tensor } from '../../src/ir/index.js';
import { formatNpz, parseNpz, readNpz } from '../../src/io/npz.js';
import { OnnxSurgeonError } from '../../src/errors.js';
import { float16ToFloat32 } from '../../src/ir/float16.js';

/** What test/fixtures/verify/numpy-*.npz hold (written by numpy 1.24 `savez` / `savez_compressed`). */
function expectNumpyArrays(arrays: Map<string, Tensor>): void {
  expect([...arrays.keys()]).toEqual(['a', 'b', 'c', 'd']);
  const a = arrays.get('a')!;
  expect(a.dtype).toBe(DType.FLOAT);
  expect(a.dims).toEqual([3, 4]);
  expect(Array.from(a.data() as Float32Array)).toEqual(Array.from({ length: 12 }, (_, i) => Math.fround(i / 7)));
  const b = arrays.get('b')!;
  expect(b.dtype).toBe(DType.INT64);
  expect(b.dims).toEqual([2, 2]);
  expect(b.toNumbers()).toEqual([1, -2, 3, 40000]);
  const c = arrays.get('c')!;
  expect(c.dtype).toBe(DType.FLOAT16);
  const halves = Array.from(c.data() as Uint16Array, float16ToFloat32);
  expect(halves.slice(0, 3)).toEqual([1.5, -0.25, 65504]);
  expect(halves[3]).toBeNaN();
  const d = arrays.get('d')!;
  expect(d.dtype).toBe(DType.BOOL);
  expect(d.toNumbers()).toEqual([1, 0, 1]);
}

describe('npz', () => {
  it('reads numpy savez (stored) archives', () => {
    expectNumpyArrays(readNpz('test/fixtures/verify/numpy-stored.npz'));
  });

  it('reads numpy savez_compressed (deflated) archives', () => {
    expectNumpyArrays(readNpz('test/fixtures/verify/numpy-deflated.npz'));
  });

  for (const compress of [false, true]) {
    it(`round-trips ${compress ? 'deflated' : 'stored'} archives bit for bit`, () => {
      const source = readNpz('test/fixtures/verify/numpy-stored.npz');
      source.set('empty', Tensor.fromArray(DType.FLOAT, [0, 3], new Float32Array(0)));
      source.set('big', Tensor.fromArray(DType.FLOAT, [1000], new Float32Array(1000).fill(0.5)));
      const bytes = formatNpz(source, { compress });
      const back = parseNpz(bytes);
      expect([...back.keys()]).toEqual([...source.keys()]);
      for (const [name, tensor] of source) {
        expect(back.get(name)!.dtype).toBe(tensor.dtype);
        expect(back.get(name)!.dims).toEqual(tensor.dims);
        expect(Buffer.from(back.get(name)!.bytes()).equals(Buffer.from(tensor.bytes()))).toBe(true);
      }
      if (compress) expect(bytes.length).toBeLessThan(formatNpz(source).length - 3000); // 4000 bytes of 0.5 deflate well
    });
  }

  it('writes reproducible bytes (fixed timestamps)', () => {
    const arrays = { x: Tensor.float32([1, 2]) };
    expect(Buffer.from(formatNpz(arrays)).equals(Buffer.from(formatNpz(arrays)))).toBe(true);
  });

  const good = formatNpz({ x: Tensor.float32([1, 2, 3, 4]) });
  const corrupt: [string, () => Uint8Array, RegExp][] = [
    ['empty file', () => new Uint8Array(0), /not a zip archive/],
    ['not a zip', () => new TextEncoder().encode('hello, this is not an archive at all'), /not a zip archive/],
    ['truncated at the end', () => good.subarray(0, good.length - 5), /not a zip archive/],
    ['flipped data byte (CRC)', () => { const b = good.slice(); b[80] ^= 0xff; return b; }, /CRC-32/],
    ['member cut short', () => {
      // Drop 8 data bytes but keep the directory: the member no longer fits where it claims to.
      const cut = 40;
      const b = new Uint8Array(good.length - 8);
      b.set(good.subarray(0, cut));
      b.set(good.subarray(cut + 8), cut);
      const view = new DataView(b.buffer);
      const end = b.length - 22;
      view.setUint32(end + 16, view.getUint32(end + 16, true) - 8, true);
      return b;
    }, /truncated|local header|does not|CRC/],
    ['unknown compression method', () => {
      const b = good.slice();
      const view = new DataView(b.buffer);
      const directory = view.getUint32(b.length - 22 + 16, true);
      view.setUint16(directory + 10, 12, true); // bzip2
      return b;
    }, /compression method 12/],
    ['directory offset out of range', () => {
      const b = good.slice();
      new DataView(b.buffer).setUint32(b.length - 22 + 16, 0x7fffffff, true);
      return b;
    }, /central directory lies outside/],
  ];
  for (const [what, make, message] of corrupt) {
    it(`rejects a corrupt archive: ${what}`, () => {
      let caught: unknown;
      try {
        parseNpz(make(), 'bad.npz');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OnnxSurgeonError);
      expect((caught as OnnxSurgeonError).code).toBe('decode');
      expect((caught as OnnxSurgeonError).message).toMatch(message);
      expect((caught as OnnxSurgeonError).message).toMatch(/^decode error: bad\.npz/);
    });
  }

  it('names the file when it cannot be read', () => {
    expect(() => readNpz('test/fixtures/verify/does-not-exist.npz')).toThrow(/io error: test\/fixtures\/verify\/does-not-exist\.npz: cannot read/);
  });
});
