/**
 * CPU reference of TensorRT's `MultiscaleDeformableAttnPlugin_TRT` forward pass.
 *
 * The math is the im2col kernel TensorRT ships in `plugin/multiscaleDeformableAttnPlugin`, which
 * is Deformable DETR's CUDA kernel (the same one as mmcv's `ms_deform_attn_cuda_kernel.cuh`):
 * for each batch n, query q, head m, level l and point p, the normalized location (x, y) maps to
 * pixel coordinates `w = x*W - 0.5`, `h = y*H - 0.5` (pixel centres at integer + 0.5, i.e.
 * `grid_sample(align_corners=False)`), a bilinear sample is taken where each of the four
 * neighbours outside the level contributes zero, and `weight * sample` is accumulated into the
 * output row of (n, q, m). Samples whose (h, w) lie outside (-1, H) x (-1, W) are skipped, which
 * gives the same value as zero padding would (all four neighbours are outside then).
 *
 * Compute is in double precision and rounded to float32 (or float16) once at the end, so this is
 * the exact value the kernel approximates; the float32 kernel differs by float32 rounding only.
 */
import { OnnxSurgeonError } from '../../errors.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../ir/float16.js';

/**
 * Floating-point data as float32 values, or float16 bits (`Uint16Array`).
 *
 * @example
 * ```ts
 * import { float32ArrayToFloat16 } from 'onnx-surgeon/ir';
 * const half: MsdaFloatData = float32ArrayToFloat16([0.25, 0.75]);
 * ```
 * @group MSDA plugin
 */
export type MsdaFloatData = Float32Array | Uint16Array;

/**
 * Inputs of {@link msdaReference}; layouts are the plugin's, row-major.
 *
 * @example
 * ```ts
 * // One level of 1x1 pixels, one head of one channel, one query sampling one point.
 * const inputs: MsdaReferenceInputs = {
 *   value: new Float32Array([2]), valueShape: [1, 1, 1, 1],
 *   spatialShapes: new Int32Array([1, 1]), levelStartIndex: new Int32Array([0]),
 *   samplingLocations: new Float32Array([0.5, 0.5]), attentionWeights: new Float32Array([1]),
 *   Lq: 1, L: 1, P: 1,
 * };
 * msdaReference(inputs); // Float32Array [2]
 * ```
 * @group MSDA plugin
 */
export interface MsdaReferenceInputs {
  /** Value, layout [N, S, M, D]: float32, or float16 bits as `Uint16Array`. */
  value: MsdaFloatData;
  /** Dims of `value`: [N, S, M, D], with S = sum over levels of H*W. */
  valueShape: readonly [number, number, number, number];
  /** Spatial shapes [L, 2], rows (H, W). */
  spatialShapes: Int32Array;
  /** Level start index [L]: offset of each level's first pixel along S. */
  levelStartIndex: Int32Array;
  /** Sampling locations [N, Lq, M, L, P, 2], (x, y) normalized to [0, 1]. Same encoding as `value`. */
  samplingLocations: MsdaFloatData;
  /** Attention weights [N, Lq, M, L, P]. Same encoding as `value`. */
  attentionWeights: MsdaFloatData;
  /** Number of queries. */
  Lq: number;
  /** Number of levels. */
  L: number;
  /** Number of sampling points per level. */
  P: number;
}

/**
 * Computes the plugin's output [N, Lq, M, D] as float32. float16 inputs (passed as `Uint16Array`
 * bits) are decoded exactly to float32 first.
 *
 * @example
 * ```ts
 * // One 2x2 level, one head of width 1, one query sampling the exact centre of the level.
 * const out = msdaReference({
 *   value: new Float32Array([1, 2, 3, 4]), valueShape: [1, 4, 1, 1],
 *   spatialShapes: new Int32Array([2, 2]), levelStartIndex: new Int32Array([0]),
 *   samplingLocations: new Float32Array([0.5, 0.5]), attentionWeights: new Float32Array([1]),
 *   Lq: 1, L: 1, P: 1,
 * });
 * out[0]; // 2.5, the mean of the four pixels
 * ```
 * @group MSDA plugin
 */
export function msdaReference(inputs: MsdaReferenceInputs): Float32Array {
  const [N, S, M, D] = inputs.valueShape;
  const { Lq, L, P } = inputs;
  const value = asFloat32(inputs.value);
  const locations = asFloat32(inputs.samplingLocations);
  const weights = asFloat32(inputs.attentionWeights);
  checkSizes(inputs, value, locations, weights);

  const out = new Float32Array(N * Lq * M * D);
  const accumulator = new Float64Array(D);
  // Strides of value [N, S, M, D]: one pixel is M*D apart, one batch S*M*D.
  const pixelStride = M * D;
  for (let n = 0; n < N; n++) {
    for (let q = 0; q < Lq; q++) {
      for (let m = 0; m < M; m++) {
        accumulator.fill(0);
        // Sampling locations and weights of (n, q, m) are contiguous over (l, p).
        const samplingBase = ((n * Lq + q) * M + m) * L * P;
        for (let l = 0; l < L; l++) {
          const H = inputs.spatialShapes[2 * l]!;
          const W = inputs.spatialShapes[2 * l + 1]!;
          const levelBase = (n * S + inputs.levelStartIndex[l]!) * pixelStride + m * D;
          for (let p = 0; p < P; p++) {
            const sampling = samplingBase + l * P + p;
            const x = locations[2 * sampling]!;
            const y = locations[2 * sampling + 1]!;
            const weight = weights[sampling]!;
            const hIm = y * H - 0.5;
            const wIm = x * W - 0.5;
            if (!(hIm > -1 && wIm > -1 && hIm < H && wIm < W)) continue;
            accumulateBilinear(accumulator, value, levelBase, pixelStride, H, W, hIm, wIm, weight);
          }
        }
        const outBase = ((n * Lq + q) * M + m) * D;
        for (let d = 0; d < D; d++) out[outBase + d] = accumulator[d]!;
      }
    }
  }
  return out;
}

/**
 * Like {@link msdaReference} but returns float16 bits (round-to-nearest-even of the float32
 * result), for comparing against a float16 engine output.
 *
 * @example
 * ```ts
 * import { float32ArrayToFloat16 } from 'onnx-surgeon/ir';
 * const bits = msdaReferenceFloat16({
 *   value: float32ArrayToFloat16([2]), valueShape: [1, 1, 1, 1],
 *   spatialShapes: new Int32Array([1, 1]), levelStartIndex: new Int32Array([0]),
 *   samplingLocations: float32ArrayToFloat16([0.5, 0.5]), attentionWeights: float32ArrayToFloat16([1]),
 *   Lq: 1, L: 1, P: 1,
 * }); // Uint16Array [0x4000] (2 in float16)
 * ```
 * @group MSDA plugin
 */
export function msdaReferenceFloat16(inputs: MsdaReferenceInputs): Uint16Array {
  return float32ArrayToFloat16(msdaReference(inputs));
}

/**
 * Adds `weight * bilinear(h, w)` for all D channels of one head. Neighbours outside
 * [0, H-1] x [0, W-1] contribute zero, exactly like the kernel's four guarded loads.
 */
function accumulateBilinear(
  accumulator: Float64Array, value: Float32Array, levelBase: number, pixelStride: number,
  H: number, W: number, hIm: number, wIm: number, weight: number,
): void {
  const hLow = Math.floor(hIm);
  const wLow = Math.floor(wIm);
  const lh = hIm - hLow;
  const lw = wIm - wLow;
  addCorner(accumulator, value, levelBase, pixelStride, H, W, hLow, wLow, (1 - lh) * (1 - lw) * weight);
  addCorner(accumulator, value, levelBase, pixelStride, H, W, hLow, wLow + 1, (1 - lh) * lw * weight);
  addCorner(accumulator, value, levelBase, pixelStride, H, W, hLow + 1, wLow, lh * (1 - lw) * weight);
  addCorner(accumulator, value, levelBase, pixelStride, H, W, hLow + 1, wLow + 1, lh * lw * weight);
}

function addCorner(
  accumulator: Float64Array, value: Float32Array, levelBase: number, pixelStride: number,
  H: number, W: number, row: number, column: number, scale: number,
): void {
  if (row < 0 || row > H - 1 || column < 0 || column > W - 1) return;
  const base = levelBase + (row * W + column) * pixelStride;
  for (let d = 0; d < accumulator.length; d++) accumulator[d]! += scale * value[base + d]!;
}

function asFloat32(data: MsdaFloatData): Float32Array {
  return data instanceof Uint16Array ? float16ArrayToFloat32(data) : data;
}

function checkSizes(inputs: MsdaReferenceInputs, value: Float32Array, locations: Float32Array, weights: Float32Array): void {
  const [N, S, M, D] = inputs.valueShape;
  const { Lq, L, P } = inputs;
  const expect = (what: string, found: number, expected: number): void => {
    if (found !== expected) {
      throw new OnnxSurgeonError('shape', `msdaReference: ${what} has ${found} elements`, { tensor: what, expected: String(expected), found: String(found) });
    }
  };
  expect('value', value.length, N * S * M * D);
  expect('spatialShapes', inputs.spatialShapes.length, 2 * L);
  expect('levelStartIndex', inputs.levelStartIndex.length, L);
  expect('samplingLocations', locations.length, N * Lq * M * L * P * 2);
  expect('attentionWeights', weights.length, N * Lq * M * L * P);
  for (let l = 0; l < L; l++) {
    const H = inputs.spatialShapes[2 * l]!;
    const W = inputs.spatialShapes[2 * l + 1]!;
    const start = inputs.levelStartIndex[l]!;
    if (start < 0 || start + H * W > S) {
      // The GPU kernel would read out of bounds here; the reference refuses instead.
      throw new OnnxSurgeonError('shape', `msdaReference: level ${l} (${H}x${W} from ${start}) lies outside the value's S = ${S} pixels`, {
        tensor: 'levelStartIndex', expected: `0 <= start and start + H*W <= ${S}`, found: `start ${start}, H*W ${H * W}`,
      });
    }
  }
}
