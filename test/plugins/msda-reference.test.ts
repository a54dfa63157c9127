import { describe, expect, it } from 'vitest';
import { float16ArrayToFloat32, float16ToFloat32, float32ArrayToFloat16, float32ToFloat16 } from '../../src/ir/float16.js';
import { msdaReference, msdaReferenceFloat16 } from '../../src/plugins/msda/reference.js';
import { type MsdaCase, randomInt, randomMsdaCase, seededRandom } from './random.js';

/**
 * A second, independent MSDA: PyTorch's `multi_scale_deformable_attn_pytorch` written out
 * literally. Each level is cut out of `value` into an image [N*M, D, H, W]; the grid is
 * `2*loc - 1`; `grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False)` is
 * PyTorch's formula (unnormalize, then nw/ne/sw/se weights from the opposite corner, each
 * corner read only when inside the image); the output sums weight * sample over levels and points.
 * It loops over every output element separately and shares no code with the reference.
 */
function bruteForceMsda(c: MsdaCase): Float64Array {
  const { N, M, D, Lq, L, P, S } = c;
  const valueAt = (n: number, s: number, m: number, d: number): number => c.value[((n * S + s) * M + m) * D + d]!;
  // images[l](b, d, y, x) with b = n*M + m, built the way PyTorch reshapes value_list[l].
  const images = c.levels.map(([H, W], l) => (b: number, d: number, y: number, x: number): number => {
    const n = Math.floor(b / M);
    const m = b % M;
    return valueAt(n, c.levelStartIndex[l]! + y * W + x, m, d);
  });
  const gridSample = (l: number, b: number, d: number, gx: number, gy: number): number => {
    const [H, W] = c.levels[l]!;
    const ix = ((gx + 1) * W - 1) / 2;
    const iy = ((gy + 1) * H - 1) / 2;
    const ixNw = Math.floor(ix), iyNw = Math.floor(iy);
    const ixNe = ixNw + 1, iyNe = iyNw;
    const ixSw = ixNw, iySw = iyNw + 1;
    const ixSe = ixNw + 1, iySe = iyNw + 1;
    const nw = (ixSe - ix) * (iySe - iy);
    const ne = (ix - ixSw) * (iySw - iy);
    const sw = (ixNe - ix) * (iy - iyNe);
    const se = (ix - ixNw) * (iy - iyNw);
    const inside = (y: number, x: number): boolean => y >= 0 && y < H && x >= 0 && x < W;
    let out = 0;
    if (inside(iyNw, ixNw)) out += images[l]!(b, d, iyNw, ixNw) * nw;
    if (inside(iyNe, ixNe)) out += images[l]!(b, d, iyNe, ixNe) * ne;
    if (inside(iySw, ixSw)) out += images[l]!(b, d, iySw, ixSw) * sw;
    if (inside(iySe, ixSe)) out += images[l]!(b, d, iySe, ixSe) * se;
    return out;
  };
  const out = new Float64Array(N * Lq * M * D);
  for (let n = 0; n < N; n++) for (let q = 0; q < Lq; q++) for (let m = 0; m < M; m++) for (let d = 0; d < D; d++) {
    let sum = 0;
    for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) {
      const i = ((((n * Lq + q) * M + m) * L + l) * P + p);
      const gx = 2 * c.samplingLocations[2 * i]! - 1;
      const gy = 2 * c.samplingLocations[2 * i + 1]! - 1;
      sum += c.attentionWeights[i]! * gridSample(l, n * M + m, d, gx, gy);
    }
    out[((n * Lq + q) * M + m) * D + d] = sum;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function runReference(c: MsdaCase): Float32Array {
  return msdaReference({
    value: c.value, valueShape: [c.N, c.S, c.M, c.D], spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex,
    samplingLocations: c.samplingLocations, attentionWeights: c.attentionWeights, Lq: c.Lq, L: c.L, P: c.P,
  });
}

describe('float16 helpers', () => {
  it('decodes known bit patterns', () => {
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0xc000)).toBe(-2);
    expect(float16ToFloat32(0x7bff)).toBe(65504);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16ToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16ToFloat32(0x7c00)).toBe(Infinity);
    expect(float16ToFloat32(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(float16ToFloat32(0x7e00))).toBe(true);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
  });

  it('round-trips every non-NaN float16 bit pattern', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >> 10) & 0x1f;
      if (exponent === 0x1f && (bits & 0x3ff)) continue;
      if (float32ToFloat16(float16ToFloat32(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('rounds to nearest, ties to even, and saturates to infinity', () => {
    // 1 + 2^-11 is halfway between 1 (even mantissa) and 1 + 2^-10.
    expect(float32ToFloat16(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3*2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): rounds up.
    expect(float32ToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float32ToFloat16(65519)).toBe(0x7bff);
    expect(float32ToFloat16(65520)).toBe(0x7c00);
    expect(float32ToFloat16(-1e6)).toBe(0xfc00);
    expect(float32ToFloat16(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal
    expect(float32ToFloat16(2 ** -25 * 1.5)).toBe(0x0001);
    expect(float32ToFloat16(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units
    expect(float32ToFloat16(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect([...float16ArrayToFloat32(float32ArrayToFloat16([0.5, -3.25]))]).toEqual([0.5, -3.25]);
  });
});

describe('msdaReference: hand-computed values', () => {
  const base = {
    value: new Float32Array([1, 2, 3, 4]), valueShape: [1, 4, 1, 1] as [number, number, number, number],
    spatialShapes: new Int32Array([2, 2]), levelStartIndex: new Int32Array([0]),
    attentionWeights: new Float32Array([1]), Lq: 1, L: 1, P: 1,
  };
  const at = (x: number, y: number): number => msdaReference({ ...base, samplingLocations: new Float32Array([x, y]) })[0]!;

  it('samples pixel centres, the level centre, and interpolates in x and y', () => {
    expect(at(0.25, 0.25)).toBe(1); // centre of pixel (0,0)
    expect(at(0.75, 0.25)).toBe(2); // x selects the column
    expect(at(0.25, 0.75)).toBe(3); // y selects the row
    expect(at(0.5, 0.5)).toBe(2.5);
    expect(at(0.5, 0.25)).toBe(1.5);
  });

  it('pads with zeros outside the level and skips samples past the window', () => {
    expect(at(0, 0.25)).toBeCloseTo(0.5, 12); // half of pixel (0,0), half of the zero column -1
    expect(at(0, 0)).toBeCloseTo(0.25, 12);
    expect(at(1, 0.75)).toBeCloseTo(2, 12);   // half of pixel (1,1) = 4
    expect(at(-0.25, 0.5)).toBe(0);           // w_im = -1: outside the window
    expect(at(1.25, 0.5)).toBe(0);            // w_im = W: outside the window
    expect(at(0.5, -0.01)).toBeCloseTo(((1 + 2) / 2) * (1 - 0.52), 6);
  });

  it('multiplies by the attention weight and adds levels and points', () => {
    const twoLevels = msdaReference({
      value: new Float32Array([1, 2, 3, 4, 10]), valueShape: [1, 5, 1, 1],
      spatialShapes: new Int32Array([2, 2, 1, 1]), levelStartIndex: new Int32Array([0, 4]),
      samplingLocations: new Float32Array([0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5]),
      attentionWeights: new Float32Array([0.5, 2, 0.25, 1]), Lq: 1, L: 2, P: 2,
    });
    expect(twoLevels[0]).toBeCloseTo(0.5 * 2.5 + 2 * 1 + 0.25 * 10 + 1 * 10, 6);
  });

  it('rejects a level that lies outside the value', () => {
    expect(() => msdaReference({ ...base, levelStartIndex: new Int32Array([1]), samplingLocations: new Float32Array([0.5, 0.5]) }))
      .toThrow(/level 0 \(2x2 from 1\) lies outside/);
  });
});

describe('msdaReference equals grid_sample(align_corners=False, zeros) brute force', () => {
  const random = seededRandom(20240611);
  const cases: { name: string; sizes: Parameters<typeof randomMsdaCase>[1] }[] = [
    { name: '1x1 level only', sizes: { N: 1, M: 1, D: 3, Lq: 7, P: 2, levels: [[1, 1]] } },
    { name: 'non-square 5x3 and 3x5', sizes: { N: 2, M: 2, D: 4, Lq: 6, P: 3, levels: [[5, 3], [3, 5]] } },
    { name: 'L=3 with a 1x1 level', sizes: { N: 1, M: 3, D: 2, Lq: 5, P: 4, levels: [[6, 4], [1, 1], [2, 7]] } },
    { name: 'L=5, M=8', sizes: { N: 2, M: 8, D: 2, Lq: 4, P: 1, levels: [[8, 8], [4, 4], [2, 2], [1, 1], [3, 1]] } },
  ];
  // Random sizes on top of the named ones: L = 1..5, P = 1..4, M = 1..8, N = 1..2.
  for (let k = 0; k < 24; k++) {
    const L = 1 + (k % 5);
    const levels = Array.from({ length: L }, (): [number, number] => [randomInt(random, 1, 7), randomInt(random, 1, 7)]);
    cases.push({
      name: `random #${k} (L=${L})`,
      sizes: { N: randomInt(random, 1, 2), M: randomInt(random, 1, 8), D: randomInt(random, 1, 5), Lq: randomInt(random, 1, 6), P: randomInt(random, 1, 4), levels },
    });
  }

  for (const { name, sizes } of cases) {
    it(`${name}: N=${sizes.N} M=${sizes.M} D=${sizes.D} Lq=${sizes.Lq} P=${sizes.P} levels=${JSON.stringify(sizes.levels)}`, () => {
      const c = randomMsdaCase(random, sizes);
      const expected = bruteForceMsda(c);
      const actual = runReference(c);
      expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-5);
      // The cases must exercise real sampling, not all-zero outputs.
      expect(expected.some((v) => Math.abs(v) > 0.1)).toBe(true);
    });
  }

  it('float16 inputs are decoded exactly and float16 output is the rounded float32 result', () => {
    const c = randomMsdaCase(random, { N: 2, M: 3, D: 4, Lq: 5, P: 2, levels: [[4, 3], [2, 2], [1, 1]] });
    const valueBits = float32ArrayToFloat16(c.value);
    const locationBits = float32ArrayToFloat16(c.samplingLocations);
    const weightBits = float32ArrayToFloat16(c.attentionWeights);
    const decoded: MsdaCase = {
      ...c, value: float16ArrayToFloat32(valueBits), samplingLocations: float16ArrayToFloat32(locationBits),
      attentionWeights: float16ArrayToFloat32(weightBits),
    };
    const inputs = {
      value: valueBits, valueShape: [c.N, c.S, c.M, c.D] as [number, number, number, number], spatialShapes: c.spatialShapes,
      levelStartIndex: c.levelStartIndex, samplingLocations: locationBits, attentionWeights: weightBits, Lq: c.Lq, L: c.L, P: c.P,
    };
    const fromHalf = msdaReference(inputs);
    expect(maxAbsDiff(fromHalf, bruteForceMsda(decoded))).toBeLessThan(1e-5);
    const halfOut = msdaReferenceFloat16(inputs);
    expect([...halfOut]).toEqual([...float32ArrayToFloat16(fromHalf)]);
    // float16 output is within half an ulp (2^-11 relative) of the float32 result.
    const back = float16ArrayToFloat32(halfOut);
    for (let i = 0; i < back.length; i++) expect(Math.abs(back[i]! - fromHalf[i]!)).toBeLessThanOrEqual(Math.abs(fromHalf[i]!) * 2 ** -11 + 2 ** -25);
  });
});
