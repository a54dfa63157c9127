/**
 * How a build gets its precision on a given TensorRT, decided before the builder runs:
 * - weakly typed (8.6-10.11, `fp16` without `stronglyTyped`): BuilderFlag::kFP16, and every MSDA
 *   plugin layer pinned to FP32 (layer precision + output types, obeyed) unless `msdaFp16`;
 * - strongly typed (always on 11.x and on 10.12+, whose weak typing is deprecated; on request on
 *   9.1-10.11): no precision flag. FP16 then comes from the model's tensor types, so an FP32 model
 *   is converted first (the float16 pass, which keeps the MSDA plugin float32 unless `msdaFp16`).
 *
 * Why MSDA stays FP32: with identical inputs, TensorRT's FP16 kernel of the plugin was measured
 * 2e-3 relative off on 16x16 maps and 2e-2 to 1e-1 on Deformable-DETR 800x1333 level sizes, and no
 * faster than FP32 (0.35 ms vs 0.34 ms, Lq = 22,223, H200) — docs/tensorrt.md.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { TensorRtFeatures } from './tensorrt-features.js';

/**
 * What the precision options ask for.
 *
 * @group Model checks and precision
 */
export interface PrecisionRequest {
  fp16: boolean;
  stronglyTyped: boolean;
  msdaFp16: boolean;
}

/**
 * What the model offers the decision.
 *
 * @group Model checks and precision
 */
export interface PrecisionModelFacts {
  /** Output tensor names of the MSDA plugin nodes (how the builder finds their layers). */
  msdaOutputs: readonly string[];
  /** True when some node computes in float32 (a strongly typed FP16 build must convert it). */
  hasFloat32Compute: boolean;
}

/**
 * The decided precision of one build.
 *
 * @group Model checks and precision
 */
export interface PrecisionPlan {
  typing: 'weak' | 'strong';
  /** Set BuilderFlag::kFP16 (weak typing). */
  builderFp16Flag: boolean;
  /** Plugin layers (by output tensor name) the builder pins to FP32. */
  fp32PluginLayers: string[];
  /** Convert the model with the float16 pass before building (strong typing, FP16, FP32 model). */
  convertToFp16: boolean;
  /** Precision of the MSDA plugin layers, and why, in the user's words. */
  msda: { precision: 'float32' | 'float16' | 'as typed in the model' | 'none'; reason: string };
  /** Why this typing, in the user's words. */
  typingReason: string;
}

/**
 * The measured figure the reports cite.
 *
 * @group Model checks and precision
 */
export const MSDA_FP16_ERROR = 'TensorRT\'s FP16 MSDA kernel measured 2e-2 to 1e-1 relative error at Deformable-DETR map sizes (docs/tensorrt.md)';

/**
 * Decides the precision plan, or throws a usage error for a request this TensorRT cannot do.
 *
 * @example
 * ```ts
 * planPrecision({ fp16: true, stronglyTyped: false, msdaFp16: false }, tensorRtFeatures(11, 1),
 *   { msdaOutputs: ['attn'], hasFloat32Compute: true });
 * // { typing: 'strong', builderFp16Flag: false, convertToFp16: true, msda: { precision: 'float32', ... }, ... }
 * ```
 * @group Model checks and precision
 */
export function planPrecision(request: PrecisionRequest, features: TensorRtFeatures, model: PrecisionModelFacts): PrecisionPlan {
  if (request.stronglyTyped && features.strongTyping === 'unavailable') {
    throw new OnnxSurgeonError('usage', `--strongly-typed needs TensorRT 9.1 or newer; this is TensorRT ${features.version}`);
  }
  const noMsda = model.msdaOutputs.length === 0;
  const strong = request.stronglyTyped || features.strongTyping === 'always' || (request.fp16 && !features.fp16BuilderFlag);
  const typingReason = request.stronglyTyped ? 'strongly typed (--strongly-typed)'
    : features.strongTyping === 'always' ? `strongly typed (TensorRT ${features.version} types every network from the model)`
    : strong ? `strongly typed (TensorRT ${features.version} deprecates the FP16 builder flag; 11.0 removed it)`
    : 'weakly typed';
  if (!strong) {
    const pin = request.fp16 && !request.msdaFp16 && !noMsda;
    return {
      typing: 'weak', builderFp16Flag: request.fp16, fp32PluginLayers: pin ? [...model.msdaOutputs] : [], convertToFp16: false, typingReason,
      msda: noMsda ? { precision: 'none', reason: 'no MSDA plugin node' }
        : !request.fp16 ? { precision: 'float32', reason: 'FP32 build' }
        : request.msdaFp16 ? { precision: 'float16', reason: '--msda-fp16: TensorRT may pick the FP16 kernel' }
        : { precision: 'float32', reason: `${MSDA_FP16_ERROR}; --msda-fp16 allows FP16` },
    };
  }
  const convert = request.fp16 && model.hasFloat32Compute;
  return {
    typing: 'strong', builderFp16Flag: false, fp32PluginLayers: [], convertToFp16: convert, typingReason,
    msda: noMsda ? { precision: 'none', reason: 'no MSDA plugin node' }
      : !convert ? { precision: 'as typed in the model', reason: 'strongly typed: the plugin runs in its tensors\' type' }
      : request.msdaFp16 ? { precision: 'float16', reason: '--msda-fp16: the float16 conversion converts its tensors too' }
      : { precision: 'float32', reason: `the float16 conversion keeps its tensors float32: ${MSDA_FP16_ERROR}; --msda-fp16 converts them` },
  };
}
