/**
 * Everything a build decides before native code runs, given the model and what the TensorRT at
 * hand offers: model checks, profiles, opset warnings, plugin versions, the precision plan. Shared
 * by `buildEngine` and by `--print-trtexec` (which stops here and prints a command).
 */
import { OnnxSurgeonError, withContext } from '../errors.js';
import type { Model } from '../ir/index.js';
import { hasFloat32Compute } from '../passes/fp16/index.js';
import { MSDA_PLUGIN } from '../plugins/index.js';
import { type ModelCheckReport, checkModelForTensorRt } from './model-checks.js';
import { type OpsetWarning, checkOpsetSupport } from './opset-check.js';
import { type PrecisionPlan, planPrecision } from './precision-plan.js';
import { type InputProfile, deriveProfiles, parseShapeSpecs } from './profiles.js';
import type { TensorRtFeatures } from './tensorrt-features.js';

/**
 * What {@link planBuild} needs besides the model.
 *
 * @group Build
 */
export interface BuildPlanRequest {
  /** Model path, for messages. */
  file: string;
  fp16: boolean;
  stronglyTyped: boolean;
  msdaFp16: boolean;
  allowGridSample: boolean;
  shapes: readonly string[];
}

/**
 * The decided build.
 *
 * @group Build
 */
export interface BuildPlan {
  checks: ModelCheckReport;
  profiles: InputProfile[];
  opsetWarnings: OpsetWarning[];
  precision: PrecisionPlan;
  /** `plugin_version`s the model's MSDA nodes ask for (distinct, in order). */
  msdaPluginVersions: string[];
}

/**
 * Checks and plans the build of `model` on a TensorRT with `features`. Throws (exit 1) when the
 * model asks for an MSDA plugin version that TensorRT does not register, and for contract or
 * GridSample problems; throws a usage error for impossible precision requests.
 *
 * @example
 * ```ts
 * const plan = planBuild(model, tensorRtFeatures(10, 8), { file: 'detr.fused.onnx', fp16: true, stronglyTyped: false, msdaFp16: false, allowGridSample: false, shapes: [] });
 * plan.precision.fp32PluginLayers; // the MSDA layers pinned to FP32
 * ```
 * @group Build
 */
export function planBuild(model: Model, features: TensorRtFeatures, request: BuildPlanRequest, checked = checkBuildInput(model, request)): BuildPlan {
  const { checks, profiles } = checked;
  const msdaPluginVersions = [...new Set(checks.msdaNodes.map((n) => n.pluginVersion))];
  checkPluginVersions(checks, features, request.file);
  const precision = planPrecision(request, features, {
    msdaOutputs: checks.msdaNodes.map((n) => n.output),
    hasFloat32Compute: request.fp16 && hasFloat32Compute(model),
  });
  return { checks, profiles, opsetWarnings: checkOpsetSupport(model, features), precision, msdaPluginVersions };
}

/**
 * The checks that need no TensorRT (GridSample leftovers, plugin contracts, profiles), so a build
 * can refuse a model before looking for TensorRT.
 * @group Build
 */
export function checkBuildInput(model: Model, request: BuildPlanRequest): { checks: ModelCheckReport; profiles: InputProfile[] } {
  const checks = checkModelForTensorRt(model, { allowGridSample: request.allowGridSample, file: request.file });
  const profiles = withFile(() => deriveProfiles(model.graph, parseShapeSpecs(request.shapes)), request.file);
  return { checks, profiles };
}

/** Refuses MSDA nodes whose plugin version this TensorRT's libnvinfer_plugin does not register. */
function checkPluginVersions(checks: ModelCheckReport, features: TensorRtFeatures, file: string): void {
  const missing = checks.msdaNodes.filter((n) => !features.msdaPluginVersions.includes(n.pluginVersion));
  if (!missing.length) return;
  const versions = [...new Set(missing.map((n) => n.pluginVersion))];
  const nodes = missing.slice(0, 3).map((n) => `'${n.label}'`).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
  throw new OnnxSurgeonError('contract',
    `${MSDA_PLUGIN.opType} version ${versions.join(', ')} (node ${nodes}) is not registered by TensorRT ${features.version}, ` +
    `which registers version ${features.msdaPluginVersions.join(' and ')}: rewrite the model with ` +
    `\`onnx-surgeon fuse-msda --plugin-version ${features.msdaPluginVersions[0]}\`` +
    (versions.includes('2') ? ' (version 2 needs TensorRT 10.11 or newer)' : ''),
    { file, expected: `plugin_version ${features.msdaPluginVersions.join(' or ')}`, found: `plugin_version ${versions.join(', ')}` });
}

function withFile<T>(work: () => T, file: string): T {
  try {
    return work();
  } catch (error) {
    throw withContext(error, { file });
  }
}
