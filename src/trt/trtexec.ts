/**
 * The trtexec command line equivalent to a build (TensorRT's own command-line builder, for users
 * who build there): the same profiles, precision flags and MSDA pins, checked against
 * `samples/common/sampleOptions.cpp` of TensorRT 8.6.1, 10.13 and 11.1 (11.x has no `--fp16`,
 * `--layerPrecisions` or `--precisionConstraints`, and `--stronglyTyped` is a no-op there).
 * trtexec loads libnvinfer_plugin, where MultiscaleDeformableAttnPlugin_TRT lives, by itself.
 */
import type { PrecisionPlan } from './precision-plan.js';
import { type InputProfile, formatShape } from './profiles.js';
import type { TensorRtFeatures } from './tensorrt-features.js';

/**
 * What the command reproduces.
 *
 * @group Build
 */
export interface TrtexecRequest {
  /** The (fused) model given to `build`. */
  onnxPath: string;
  enginePath: string;
  features: TensorRtFeatures;
  plan: PrecisionPlan;
  profiles: readonly InputProfile[];
  /** Layer names of the MSDA plugin nodes (the ONNX node names, as TensorRT's parser names layers). */
  msdaLayerNames: readonly string[];
  tf32: boolean;
  msdaFp16: boolean;
  workspaceMiB?: number;
  timingCache?: string;
  benchmarkIterations?: number;
  /** libnvinfer_plugin found by discovery, for the comment that names it. */
  pluginLibrary?: string;
}

/**
 * Shell lines: a `convert --fp16` first when the plan converts the model, then trtexec (one
 * argument per line, joined with `\`).
 *
 * @example
 * ```ts
 * const features = tensorRtFeatures(10, 8);
 * const { precision, profiles } = planBuild(model, features, { file: 'm.onnx', fp16: true, stronglyTyped: false, msdaFp16: false, allowGridSample: false, shapes: [] });
 * trtexecCommand({ onnxPath: 'm.onnx', enginePath: 'm.engine', features, plan: precision, profiles, msdaLayerNames: ['msda'], tf32: true, msdaFp16: false }).join('\n');
 * ```
 * @group Build
 */
export function trtexecCommand(request: TrtexecRequest): string[] {
  const lines: string[] = [];
  const { plan, features } = request;
  let model = request.onnxPath;
  if (plan.convertToFp16) {
    model = request.onnxPath.replace(/(\.onnx)?$/, '.fp16.onnx');
    lines.push(`# TensorRT ${features.version} builds FP16 from FP16 tensor types: convert the model first`);
    lines.push(`onnx-surgeon convert --fp16${request.msdaFp16 ? ' --msda-fp16' : ''} ${shellQuote(request.onnxPath)} -o ${shellQuote(model)}`);
  }
  lines.push(`# MultiscaleDeformableAttnPlugin_TRT is in libnvinfer_plugin${request.pluginLibrary ? ` (${request.pluginLibrary})` : ''}, which trtexec loads itself`);
  const args = [`--onnx=${shellQuote(model)}`, `--saveEngine=${shellQuote(request.enginePath)}`];
  const dynamic = request.profiles.filter((p) => p.dynamic);
  if (dynamic.length) {
    for (const [flag, pick] of [['minShapes', 'min'], ['optShapes', 'opt'], ['maxShapes', 'max']] as const) {
      args.push(shellQuote(`--${flag}=${dynamic.map((p) => `${trtexecName(p.input)}:${formatShape(p[pick])}`).join(',')}`));
    }
  }
  if (plan.builderFp16Flag) args.push('--fp16');
  if (plan.fp32PluginLayers.length && request.msdaLayerNames.length) {
    const spec = request.msdaLayerNames.map((name) => `${trtexecName(name)}:fp32`).join(',');
    args.push('--precisionConstraints=obey', shellQuote(`--layerPrecisions=${spec}`), shellQuote(`--layerOutputTypes=${spec}`));
  }
  // 9.1-10.x need the flag; 11.x types every network strongly (the flag is a deprecated no-op).
  if (plan.typing === 'strong' && features.strongTyping === 'optional') args.push('--stronglyTyped');
  if (!request.tf32) args.push('--noTF32');
  if (request.workspaceMiB !== undefined) args.push(`--memPoolSize=workspace:${request.workspaceMiB}`);
  if (request.timingCache !== undefined) args.push(`--timingCacheFile=${shellQuote(request.timingCache)}`);
  if (plan.builderFp16Flag || plan.typing === 'strong') args.push('--profilingVerbosity=detailed', '--dumpLayerInfo');
  if (request.benchmarkIterations) args.push(`--iterations=${request.benchmarkIterations}`);
  else args.push('--skipInference');
  lines.push(`trtexec ${args.join(' \\\n  ')}`);
  return lines;
}

/** trtexec splits specs at commas: a name holding one goes in single quotes (its quote form). */
function trtexecName(name: string): string {
  return name.includes(',') ? `'${name}'` : name;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
