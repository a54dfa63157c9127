/**
 * Default tolerances by element type, the judging type of a mixed pair, and the words the report
 * uses for them (the printed would-pass tolerance must itself pass: it is rounded up).
 */
import { describe, expect, it } from 'vitest';
import { DType } from '../../src/ir/index.js';
import {
  DEFAULT_TOLERANCES, defaultTolerances, describeTolerances, formatTolerance, judgePlausibility, judgingDType, precisionName, tolerancesFor,
} from '../../src/verify/tolerance.js';

describe('tolerances by element type', () => {
  it('has a default per type: float32/float64 1e-4/1e-5, float16 1e-2, bfloat16 4e-2, integers and bool exact', () => {
    expect(defaultTolerances(DType.FLOAT)).toEqual({ rtol: 1e-4, atol: 1e-5 });
    expect(defaultTolerances(DType.DOUBLE)).toEqual({ rtol: 1e-4, atol: 1e-5 });
    expect(defaultTolerances(DType.FLOAT16)).toEqual({ rtol: 1e-2, atol: 1e-2 });
    expect(defaultTolerances(DType.BFLOAT16)).toEqual({ rtol: 4e-2, atol: 4e-2 });
    for (const dtype of [DType.INT64, DType.INT32, DType.UINT8, DType.BOOL]) expect(defaultTolerances(dtype)).toEqual({ rtol: 0, atol: 0 });
    expect(DEFAULT_TOLERANCES).toEqual({ rtol: 1e-4, atol: 1e-5, nanEqual: false });
  });

  it('judges a pair by its coarser float type, integers only when both are', () => {
    expect(judgingDType(DType.FLOAT16, DType.FLOAT)).toBe(DType.FLOAT16);
    expect(judgingDType(DType.FLOAT, DType.FLOAT16)).toBe(DType.FLOAT16);
    expect(judgingDType(DType.DOUBLE, DType.FLOAT)).toBe(DType.FLOAT);
    expect(judgingDType(DType.BFLOAT16, DType.FLOAT16)).toBe(DType.BFLOAT16);
    expect(judgingDType(DType.INT64, DType.FLOAT)).toBe(DType.FLOAT);
    expect(judgingDType(DType.INT64, DType.INT32)).toBe(DType.INT64);
    expect(precisionName(DType.FLOAT)).toBe('float32');
    expect(precisionName(DType.DOUBLE)).toBe('float64');
  });

  it('describes what was applied and where it came from', () => {
    expect(describeTolerances(tolerancesFor(DType.FLOAT16, DType.FLOAT16))).toBe('float16 defaults (rtol 0.01, atol 0.01)');
    expect(describeTolerances(tolerancesFor(DType.FLOAT16, DType.FLOAT16, { rtol: 1e-3 }))).toBe('rtol 0.001 (given), atol 0.01 (float16 default)');
    expect(describeTolerances(tolerancesFor(DType.FLOAT, DType.FLOAT, { rtol: 0, atol: 2, nanEqual: true }))).toBe('rtol 0, atol 2 (given), NaN equals NaN');
    expect(describeTolerances(tolerancesFor(DType.INT64, DType.INT64))).toBe('exact (int64)');
  });

  it('prints a would-pass tolerance rounded up to two digits', () => {
    expect(formatTolerance(0.004883)).toBe('4.9e-3');
    expect(formatTolerance(0.0049)).toBe('4.9e-3');
    expect(formatTolerance(0.00999)).toBe('1e-2');
    expect(formatTolerance(0.236)).toBe('2.4e-1');
    expect(formatTolerance(0)).toBe('0');
    expect(formatTolerance(Infinity)).toBe('Infinity');
    for (const x of [1.234e-7, 0.31, 7.77, 180.4]) expect(Number(formatTolerance(x))).toBeGreaterThanOrEqual(x);
  });

  it('counts ulps at the output scale: 8 rounding, 32 unusual, beyond that not rounding', () => {
    // float16 ulp at [2, 4) is 2^-9.
    expect(judgePlausibility(8 * 2 ** -9, 3, DType.FLOAT16).verdict).toBe('rounding');
    expect(judgePlausibility(9 * 2 ** -9, 3, DType.FLOAT16).verdict).toBe('unusual');
    expect(judgePlausibility(33 * 2 ** -9, 3, DType.FLOAT16).verdict).toBe('beyond');
    // float32 ulp at [1, 2) is 2^-23; an all-zero reference is measured at scale 1.
    expect(judgePlausibility(2 ** -22, 1.5, DType.FLOAT).ulps).toBeCloseTo(2, 12);
    expect(judgePlausibility(2 ** -22, 0, DType.FLOAT).ulps).toBeCloseTo(2, 12);
    expect(judgePlausibility(1, 5, DType.INT64).verdict).toBe('exact');
  });
});
