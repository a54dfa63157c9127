/**
 * The comparison is honest: numpy.allclose semantics at the boundary, NaN never passes by default,
 * shapes must be equal, float16 is decoded exactly, dtype differences are reported; tolerances
 * follow the element type unless given, and a failure says what would have passed.
 */
import { describe, expect, it } from 'vitest';
import { DType, Tensor } from '../../src/ir/index.js';
import { RELATIVE_ERROR_FLOOR, compareOutput, missingOutput, toFloat64 } from '../../src/verify/compare.js';
import { DEFAULT_TOLERANCES } from '../../src/verify/tolerance.js';
import { float32ToFloat16 } from '../../src/ir/float16.js';

const f64 = (values: number[], dims?: number[]): Tensor => Tensor.fromArray(DType.DOUBLE, dims ?? [values.length], Float64Array.from(values));
const tol = DEFAULT_TOLERANCES;

describe('compareOutput', () => {
  it('uses |a-b| <= atol + rtol*|b| with b the reference (numpy.allclose)', () => {
    // b = 100: the bound is 1e-5 + 1e-2 = 0.01001.
    expect(compareOutput('y', f64([100.01]), f64([100]), tol).status).toBe('pass');
    expect(compareOutput('y', f64([100.0101]), f64([100]), tol).status).toBe('fail');
    // Asymmetric like numpy: the tolerance scales with the reference, not the actual value.
    const c = compareOutput('y', f64([0, 2e-5]), f64([1e-5, 0]), tol);
    expect(c.stats).toMatchObject({ elements: 2, mismatches: 1, nanMismatches: 0 });
    expect(c.stats!.maxAbsError).toBeCloseTo(2e-5, 15);
    expect(c.stats!.maxRelError).toBeCloseTo(2e-5 / RELATIVE_ERROR_FLOOR, -20);
    expect(c.stats!.worst).toEqual({ index: [1], actual: 2e-5, expected: 0 });
  });

  it('reports max abs and max rel error and the worst element by multi-index', () => {
    const c = compareOutput('y', f64([1, 2.5, 3, 4], [2, 2]), f64([1, 2, 3, 8], [2, 2]), tol);
    expect(c.status).toBe('fail');
    expect(c.stats).toEqual({
      elements: 4, maxAbsError: 4, maxRelError: 0.5, mismatches: 2, nanMismatches: 0, worst: { index: [1, 1], actual: 4, expected: 8 },
      scale: 8, passingAtol: 4 - 1e-4 * 8, passingRtol: (4 - 1e-5) / 8,
    });
    expect(c.reason).toBe('2 of 4 elements outside atol 0.00001 + rtol 0.0001*|ref|');
  });

  it('honours configurable tolerances', () => {
    const actual = f64([1.001]);
    const reference = f64([1]);
    expect(compareOutput('y', actual, reference, tol).status).toBe('fail');
    expect(compareOutput('y', actual, reference, { ...tol, rtol: 1e-3 }).status).toBe('pass');
    expect(compareOutput('y', actual, reference, { ...tol, rtol: 0, atol: 1.1e-3 }).status).toBe('pass');
    expect(compareOutput('y', actual, reference, { rtol: 0, atol: 0, nanEqual: false }).status).toBe('fail');
  });

  it('never passes NaN against a number, either way round', () => {
    for (const [a, b] of [[NaN, 1], [1, NaN]] as const) {
      const c = compareOutput('y', f64([0, a]), f64([0, b]), { ...tol, rtol: 1e9, atol: 1e9 });
      expect(c.status).toBe('fail');
      expect(c.stats).toMatchObject({ mismatches: 1, nanMismatches: 1, maxAbsError: 0 });
      expect(c.stats!.worst!.index).toEqual([1]);
    }
  });

  it('fails NaN against NaN by default and passes it only with nanEqual', () => {
    const byDefault = compareOutput('y', f64([NaN, 1]), f64([NaN, 1]), tol);
    expect(byDefault.status).toBe('fail');
    expect(byDefault.stats).toMatchObject({ mismatches: 1, nanMismatches: 1 });
    expect(byDefault.reason).toMatch(/1 of them NaN \(NaN never equals NaN without --nan-equal\)/);
    const allowed = compareOutput('y', f64([NaN, 1]), f64([NaN, 1]), { ...tol, nanEqual: true });
    expect(allowed.status).toBe('pass');
    expect(allowed.stats).toMatchObject({ mismatches: 0, nanMismatches: 0 });
  });

  it('matches equal infinities and fails infinity against a number', () => {
    expect(compareOutput('y', f64([Infinity, -Infinity]), f64([Infinity, -Infinity]), tol).stats).toMatchObject({ mismatches: 0, maxAbsError: 0 });
    const c = compareOutput('y', f64([Infinity, -Infinity]), f64([1e308, Infinity]), tol);
    expect(c.stats).toMatchObject({ mismatches: 2, maxAbsError: Infinity });
  });

  it('never passes outputs of different shapes, even with the same elements', () => {
    const c = compareOutput('y', f64([1, 2, 3, 4], [1, 4]), f64([1, 2, 3, 4], [2, 2]), tol);
    expect(c.status).toBe('fail');
    expect(c.stats).toBeUndefined();
    expect(c.reason).toBe("shape [1,4] differs from the reference's [2,2]");
    expect(compareOutput('y', f64([1], [1]), f64([1], []), tol).status).toBe('fail');
  });

  it('decodes float16 exactly and reports the dtype difference', () => {
    const values = [0.1, -2.5, 65504, 6e-8];
    const half = Tensor.fromArray(DType.FLOAT16, [4], Uint16Array.from(values, float32ToFloat16));
    expect(Array.from(toFloat64(half, 'h'))).toEqual([0.0999755859375, -2.5, 65504, 5.960464477539063e-8]);
    const c = compareOutput('y', half, Tensor.float32(values), { ...tol, rtol: 1e-3 });
    expect(c.dtypeDiffers).toBe(true);
    expect(c.tolerances).toMatchObject({ dtype: 'float16', rtol: 1e-3, given: ['rtol', 'atol'] });
    expect(c.actual).toEqual({ dtype: 'float16', shape: [4] });
    expect(c.reference).toEqual({ dtype: 'float', shape: [4] });
    expect(c.status).toBe('pass');
    expect(c.stats!.maxAbsError).toBeCloseTo(Math.fround(0.1) - 0.0999755859375, 12);
  });

  it('compares int64, bool and empty outputs', () => {
    expect(compareOutput('i', Tensor.int64([1, 2 ** 40]), Tensor.int64([1, 2 ** 40]), tol).stats).toMatchObject({ mismatches: 0 });
    expect(compareOutput('i', Tensor.int64([1, 3]), Tensor.fromArray(DType.INT32, [2], Int32Array.from([1, 2])), tol)).toMatchObject({
      status: 'fail', dtypeDiffers: true, stats: { mismatches: 1, maxAbsError: 1 },
    });
    // By default integers must match exactly (float32's rtol would let index 20000 pass as 20001).
    expect(compareOutput('i', Tensor.int64([20001]), Tensor.int64([20000]), tol).status).toBe('pass');
    const exact = compareOutput('i', Tensor.int64([20001]), Tensor.int64([20000]));
    expect(exact).toMatchObject({ status: 'fail', tolerances: { rtol: 0, atol: 0, dtype: 'int64', given: [] } });
    expect(exact.hint?.plausibility.verdict).toBe('exact');
    const bools = Tensor.fromArray(DType.BOOL, [2], Uint8Array.from([1, 0]));
    expect(compareOutput('b', bools, Tensor.fromArray(DType.BOOL, [2], Uint8Array.from([1, 1])), tol).stats!.mismatches).toBe(1);
    const empty = Tensor.fromArray(DType.FLOAT, [0, 5], new Float32Array(0));
    expect(compareOutput('e', empty, empty, tol)).toMatchObject({ status: 'pass', stats: { elements: 0, maxAbsError: 0 } });
  });

  it('makes an output on one side only an error, never a pass', () => {
    expect(missingOutput('boxes', 'rewritten', Tensor.float32([1]))).toEqual({
      name: 'boxes', status: 'error', reason: "the rewritten model has no output 'boxes'", reference: { dtype: 'float', shape: [1] }, dtypeDiffers: false,
    });
    expect(missingOutput('extra', 'reference', Tensor.float32([1])).status).toBe('error');
  });
});

const half = (values: number[]): Tensor => Tensor.fromArray(DType.FLOAT16, [values.length], Uint16Array.from(values, float32ToFloat16));

describe('compareOutput: tolerances by element type', () => {
  it('judges float16 by float16 defaults, float32 by float32 defaults, and the coarser of two sides', () => {
    // 2 float16 ulps at 2.75 (ulp 2^-9): rounding, passes float16's defaults, fails float32's.
    const a = half([2.75390625]);
    const b = half([2.7578125]);
    expect(compareOutput('y', a, b)).toMatchObject({ status: 'pass', tolerances: { dtype: 'float16', rtol: 0.01, atol: 0.01, given: [] } });
    expect(compareOutput('y', a, b, { rtol: 1e-4, atol: 1e-5 }).status).toBe('fail');
    expect(compareOutput('y', Tensor.float32([2.75390625]), Tensor.float32([2.7578125])).status).toBe('fail');
    // float16 against float32: judged as float16.
    expect(compareOutput('y', a, Tensor.float32([2.7578125])).tolerances!.dtype).toBe('float16');
    // Only rtol given: atol stays the dtype's.
    expect(compareOutput('y', a, b, { rtol: 0 }).tolerances).toMatchObject({ rtol: 0, atol: 0.01, given: ['rtol'] });
  });

  it('says on a failure what would have passed and whether it can be rounding', () => {
    const c = compareOutput('y', half([2.75390625, 1, 0.5]), half([2.7578125, 1, 0.5]), { rtol: 1e-4, atol: 1e-5 });
    expect(c.status).toBe('fail');
    // |diff| = 2^-8 = 0.00390625 at |ref| 2.7578125.
    expect(c.stats!.passingAtol).toBeCloseTo(0.00390625 - 1e-4 * 2.7578125, 12);
    expect(c.stats!.passingRtol).toBeCloseTo((0.00390625 - 1e-5) / 2.7578125, 12);
    expect(c.hint!.plausibility).toMatchObject({ verdict: 'rounding', ulps: 2 });
    expect(c.hint!.text).toBe("would pass with atol 3.7e-3 (at rtol 0.0001) or rtol 1.5e-3 (at atol 0.00001); the largest error is 2.0 float16 ulps at the output's scale (largest |reference| 2.76): plausible float16 rounding");
    // The printed tolerances really pass.
    expect(compareOutput('y', half([2.75390625]), half([2.7578125]), { rtol: 1e-4, atol: 3.7e-3 }).status).toBe('pass');

    const wrong = compareOutput('y', half([2.25]), half([2.7578125]));
    expect(wrong.status).toBe('fail');
    expect(wrong.hint!.plausibility).toMatchObject({ verdict: 'beyond' });
    expect(wrong.hint!.plausibility.ulps).toBeCloseTo(0.5078125 / 2 ** -9, 9);
    expect(wrong.hint!.text).toMatch(/260 float16 ulps at the output's scale \(largest \|reference\| 2\.76\): far beyond float16 rounding, the models compute different things$/);

    // float32: 20 ulps at 1.0 is unusual, not rounding.
    const unusual = compareOutput('y', Tensor.float32([1 + 20 * 2 ** -23]), Tensor.float32([1]), { rtol: 0, atol: 0 });
    expect(unusual.hint!.plausibility).toMatchObject({ verdict: 'unusual' });
    expect(unusual.hint!.plausibility.ulps).toBeCloseTo(20, 6);
  });

  it('gives no tolerance hint for NaN-only failures and says when no finite tolerance passes', () => {
    expect(compareOutput('y', Tensor.float32([NaN]), Tensor.float32([1])).hint).toBeUndefined();
    const inf = compareOutput('y', Tensor.float32([Infinity, 1.5]), Tensor.float32([1, 1]));
    expect(inf.hint!.text).toMatch(/^no finite tolerance passes \(an infinity differs\)/);
    // A reference 0 with an error above atol: no rtol passes, an atol does.
    const zero = compareOutput('y', Tensor.float32([0.5]), Tensor.float32([0]));
    expect(zero.stats!.passingRtol).toBe(Infinity);
    expect(zero.hint!.text).toMatch(/^would pass with atol 5e-1 \(at rtol 0\.0001\);/);
  });
});
