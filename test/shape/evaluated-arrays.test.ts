/**
 * Inference keeps folded results as the evaluator's arrays and reads constants from their bytes
 * (src/shape/evaluated.ts, src/ir/tensor-numbers.ts, ndarray.ts): each shortcut must give exactly what
 * the tensor round trip it replaces gives, element for element (Object.is: -0 and NaN included).
 */
import { describe, expect, it } from 'vitest';
import { DType, type DTypeCode, Tensor } from '../../src/ir/index.js';
import {
  FloatArithmetic, type NDArray, arithmetic2, broadcastTo, elementwise2, fromTensor, gatherIndex, store, storedArray, toTensor,
} from '../../src/shape/ndarray.js';

const DTYPES: DTypeCode[] = [
  DType.INT64, DType.INT32, DType.INT16, DType.INT8, DType.UINT8, DType.UINT16, DType.UINT32, DType.FLOAT, DType.DOUBLE, DType.BOOL,
];

/** Numbers no typed array stores as they are: wrapping ints, -0, NaN, halves, float32 rounding, past 2^53, holes. */
const TRICKY = [0, -0, 1, -1, 2.5, -2.5, 127, 128, -129, 255, 256, 300, 32767, 40000, 65535, 70000, 2 ** 31, -(2 ** 31) - 1,
  2 ** 32 + 5, 2 ** 53 - 1, 2 ** 53 + 2, 16777217, 0.1, 1e39, NaN, Infinity, -Infinity];

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

describe('storedArray', () => {
  it('reads back exactly what packing into a tensor and unpacking gives, in every evaluated dtype', () => {
    for (const dtype of DTYPES) {
      const data = [...TRICKY];
      data.length = TRICKY.length + 2; // two holes at the end
      const a: NDArray = { dtype, dims: [data.length], data };
      const stored = storedArray(a);
      const roundTrip = fromTensor(toTensor(a))!;
      const exactInt64 = data.every((x) => Number.isSafeInteger(x));
      if (dtype === DType.INT64 && !exactInt64) {
        expect(stored).toBeUndefined();
        const safe: NDArray = { dtype, dims: [4], data: [0, -0, -(2 ** 53) + 1, 2 ** 40] };
        expect(same(storedArray(safe)!.data, fromTensor(toTensor(safe))!.data)).toBe(true);
        continue;
      }
      expect(stored!.dtype).toBe(roundTrip.dtype);
      expect(stored!.dims).toEqual(roundTrip.dims);
      expect(same(stored!.data, roundTrip.data), `dtype ${dtype}`).toBe(true);
    }
  });

  it('turns int64 -0 into 0 (as bigint storage does) and shares arrays that are already exact', () => {
    const negativeZero: NDArray = { dtype: DType.INT64, dims: [2], data: [-0, 3] };
    expect(Object.is(storedArray(negativeZero)!.data[0], 0)).toBe(true);
    const doubles: NDArray = { dtype: DType.DOUBLE, dims: [3], data: [0.5, -0, NaN] };
    expect(storedArray(doubles)!.data).toBe(doubles.data);
  });
});

/** What `toNumbers` gave before it read bytes in place: `Number()` of each element of `data()`. */
const viaData = (t: Tensor): number[] => Array.from(t.data() as ArrayLike<number | bigint>, (x) => Number(x));

describe('Tensor.toNumbers read in place', () => {
  it('equals Number() of data() for every evaluated dtype, at aligned and odd byte offsets', () => {
    for (const dtype of DTYPES) {
      const packed = toTensor({ dtype, dims: [TRICKY.length], data: TRICKY.map((x) => (dtype === DType.INT64 && !Number.isSafeInteger(x) ? 7 : x)) });
      const bytes = packed.bytes();
      for (const offset of [0, 1, 3, 8]) {
        const file = new Uint8Array(bytes.byteLength + 16);
        file.set(bytes, offset);
        const t = new Tensor({ dtype, dims: packed.dims, storage: { kind: 'bytes', bytes: file.subarray(offset, offset + bytes.byteLength) } });
        expect(same(t.toNumbers(), viaData(t)), `dtype ${dtype} offset ${offset}`).toBe(true);
      }
    }
  });

  it('reads int64 beyond the safe integers as Number() of the bigint', () => {
    const t = Tensor.int64([9223372036854775807n, -(2n ** 60n) - 1n, 2n ** 53n + 1n]);
    expect(t.toNumbers()).toEqual(viaData(t));
  });
});

describe('broadcast kernels', () => {
  /** gatherIndex one element at a time, as it was written first. */
  function naiveIndex(outDims: number[], inDims: number[]): number[] {
    const rank = outDims.length;
    const padded = [...new Array<number>(rank - inDims.length).fill(1), ...inDims];
    const out: number[] = [];
    const total = outDims.reduce((a, b) => a * b, 1);
    for (let f = 0; f < total; f++) {
      let rest = f;
      let src = 0;
      let stride = 1;
      for (let i = rank - 1; i >= 0; i--) {
        const k = rest % outDims[i]!;
        rest = Math.floor(rest / outDims[i]!);
        if (padded[i] !== 1) src += k * stride;
        stride *= padded[i]!;
      }
      out.push(src);
    }
    return out;
  }

  it('index tables match the element-by-element definition', () => {
    const cases: [number[], number[]][] = [[[4, 3], [3]], [[4, 3], [4, 1]], [[2, 3, 4], [3, 1]], [[2, 1, 5], [1, 5]], [[], []], [[6], [1]], [[2, 2, 2, 2], [2, 1, 2]]];
    for (const [outDims, inDims] of cases) expect(gatherIndex(outDims, inDims)).toEqual(naiveIndex(outDims, inDims));
  });

  it('Expand copies its source without an index table, rounded to its dtype', () => {
    const a: NDArray = { dtype: DType.FLOAT, dims: [3, 1], data: [0.1, 2, 16777217] };
    const out = broadcastTo(a, [2, 3, 4])!;
    expect(out.dims).toEqual([2, 3, 4]);
    expect(out.data).toEqual(gatherIndex([2, 3, 4], [3, 1]).map((i) => store(DType.FLOAT, a.data[i]!)));
  });

  it('float arithmetic in line equals elementwise2 with the operation as a function', () => {
    const a: NDArray = { dtype: DType.DOUBLE, dims: [2, 3], data: [1, -0, 2.5, NaN, 1e300, -7] };
    const b: NDArray = { dtype: DType.DOUBLE, dims: [3], data: [3, 0, -0] };
    const fns: [number, (x: number, y: number) => number][] = [
      [FloatArithmetic.Add, (x, y) => x + y], [FloatArithmetic.Sub, (x, y) => x - y],
      [FloatArithmetic.Mul, (x, y) => x * y], [FloatArithmetic.Div, (x, y) => x / y],
    ];
    for (const dtype of [DType.DOUBLE, DType.FLOAT]) {
      for (const [op, fn] of fns) {
        const inline = arithmetic2({ ...a, dtype }, { ...b, dtype }, dtype, op as FloatArithmetic)!;
        const called = elementwise2({ ...a, dtype }, { ...b, dtype }, dtype, fn)!;
        expect(same(inline.data, called.data)).toBe(true);
      }
    }
  });
});
