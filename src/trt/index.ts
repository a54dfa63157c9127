/**
 * TensorRT engine building: discovery of TensorRT/CUDA, compilation and caching of the native
 * builder (native/), optimization profiles, and {@link buildEngine}, which ties them together
 * (`onnx-surgeon/trt`).
 *
 * @example
 * ```ts
 * import { buildEngine } from 'onnx-surgeon/trt';
 * const report = await buildEngine({ input: 'detr.fused.onnx', output: 'detr.engine' });
 * ```
 * @group TensorRT
 * @module onnx-surgeon/trt
 */
export { type BuildOptions, type BuildReport, type LatencyStats, type TrtexecOptions, buildEngine, trtexecCommandFor } from './build.js';
export { type BuildPlan, type BuildPlanRequest, checkBuildInput, planBuild } from './build-plan.js';
export { type BuilderInfo, queryBuilder } from './builder-info.js';
export { type BuilderInvocation, builderArgs } from './builder-args.js';
export {
  BUILDER_BINARY_NAME, type CompilePlan, type CompiledBuilder, type CompilerInfo, type EnsureBuilderOptions,
  builderCacheKey, builderCacheRoot, cmakeCommands, directCompileCommand, ensureBuilder, findCompiler, hashBuilderSources,
} from './compile.js';
export {
  type CudaInstall, type DiscoveryOptions, type TensorRtInstall, TENSORRT_HEADERS, TENSORRT_LIBRARIES, discoverCuda, discoverTensorRt,
} from './discover.js';
export { BUILDER_PROTOCOL, type BuilderEvent, type NetworkTensor, parseBuilderEvent } from './events.js';
export { type LayerPrecision, type LayerPrecisionKind, classifyLayer, fp32Layers } from './layer-precision.js';
export { type ModelCheckOptions, type ModelCheckReport, type MsdaNodeInfo, checkModelForTensorRt } from './model-checks.js';
export { type OpsetWarning, checkOpsetSupport } from './opset-check.js';
export { MSDA_FP16_ERROR, type PrecisionModelFacts, type PrecisionPlan, type PrecisionRequest, planPrecision } from './precision-plan.js';
export { type OpsetLimit, type StrongTyping, type TensorRtFeatures, parseTensorRtVersion, tensorRtFeatures } from './tensorrt-features.js';
export { type TrtexecRequest, trtexecCommand } from './trtexec.js';
export { type InputProfile, type ShapeRange, type ShapeSpec, deriveProfiles, formatShape, parseShapeSpec, parseShapeSpecs } from './profiles.js';
export { type BuilderRun, type RunBuilderOptions, runBuilder } from './run-builder.js';
export { type MissingComponent, ToolchainMissingError } from './toolchain-error.js';
export { type TensorRtVersion, parseTensorRtVersionHeader } from './version-header.js';
