/**
 * What each TensorRT version offers this project, from TensorRT's and onnx-tensorrt's own sources
 * (the table of docs/tensorrt.md): the MSDA plugin versions libnvinfer_plugin registers, how an
 * FP16 engine is obtained, and the highest ONNX opset its ONNX parser supports.
 */

/**
 * How a TensorRT version types a network.
 *
 * @group Discovery
 */
export type StrongTyping = 'unavailable' | 'optional' | 'always';

/**
 * The highest ONNX opset a TensorRT's ONNX parser supports, and where that figure comes from.
 *
 * @group Discovery
 */
export interface OpsetLimit {
  opset: number;
  source: string;
}

/**
 * What one TensorRT version offers.
 *
 * @group Discovery
 */
export interface TensorRtFeatures {
  /** `major.minor`. */
  version: string;
  /** `plugin_version`s of MultiscaleDeformableAttnPlugin_TRT that libnvinfer_plugin registers. */
  msdaPluginVersions: readonly string[];
  /** Strongly typed networks: none (8.6), `--strongly-typed` (9.1-10.x), every network (11.x). */
  strongTyping: StrongTyping;
  /**
   * Whether the builder makes FP16 engines from FP32 models with BuilderFlag::kFP16 (weak typing):
   * 8.6-10.11. TensorRT 10.12 deprecated weak typing and 11.0 removed the flag; there FP16 comes
   * from an FP16 ONNX model.
   */
  fp16BuilderFlag: boolean;
  /** The ONNX parser's opset limit. */
  opsetLimit: OpsetLimit;
}

const OPERATORS_MD = 'onnx-tensorrt docs/operators.md';

/** Highest opset per version range, newest rule first. */
const OPSET_LIMITS: { from: [number, number]; limit: OpsetLimit }[] = [
  { from: [11, 0], limit: { opset: 25, source: "NVIDIA's ONNX opset guide for TensorRT 11.x (ONNX 1.20)" } },
  { from: [10, 15], limit: { opset: 24, source: `${OPERATORS_MD} of TensorRT 10.15` } },
  { from: [10, 11], limit: { opset: 23, source: 'onnx-tensorrt 10.11 moved to ONNX 1.18 (opset 23; inferred from its changelog)' } },
  { from: [10, 6], limit: { opset: 22, source: 'onnx-tensorrt 10.6 moved to ONNX 1.17 (opset 22; inferred from its changelog)' } },
  { from: [10, 0], limit: { opset: 20, source: `${OPERATORS_MD} of TensorRT 10.0 and 10.1` } },
  { from: [9, 0], limit: { opset: 19, source: `${OPERATORS_MD} of TensorRT 9.0-9.3` } },
  { from: [8, 6], limit: { opset: 17, source: `${OPERATORS_MD} of TensorRT 8.6` } },
];

function atLeast(major: number, minor: number, [wantMajor, wantMinor]: [number, number]): boolean {
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/**
 * The features of TensorRT `major.minor` (8.6 or newer).
 *
 * @example
 * ```ts
 * tensorRtFeatures(8, 6).opsetLimit.opset;       // 17
 * tensorRtFeatures(10, 13).msdaPluginVersions;    // ['1', '2']
 * tensorRtFeatures(11, 1).fp16BuilderFlag;        // false
 * ```
 * @group Discovery
 */
export function tensorRtFeatures(major: number, minor: number): TensorRtFeatures {
  const limit = OPSET_LIMITS.find((rule) => atLeast(major, minor, rule.from)) ?? OPSET_LIMITS[OPSET_LIMITS.length - 1]!;
  return {
    version: `${major}.${minor}`,
    // Version "2" (IPluginV3) arrived in 10.11, which deprecated "1"; 11.1 still registers both.
    msdaPluginVersions: atLeast(major, minor, [10, 11]) ? ['1', '2'] : ['1'],
    strongTyping: major >= 11 ? 'always' : atLeast(major, minor, [9, 1]) ? 'optional' : 'unavailable',
    fp16BuilderFlag: !atLeast(major, minor, [10, 12]),
    opsetLimit: limit.limit,
  };
}

/**
 * Parses `8.6`, `10.13.0`, `11.1.0.106` into major and minor.
 *
 * @example
 * ```ts
 * parseTensorRtVersion('10.13.2'); // { major: 10, minor: 13 }
 * ```
 * @group Discovery
 */
export function parseTensorRtVersion(text: string): { major: number; minor: number } | undefined {
  const match = /^(\d+)\.(\d+)(?:\.\d+){0,2}$/.exec(text.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}
