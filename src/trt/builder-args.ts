/**
 * The mapping from build options to the native builder's argv, kept pure so that every option's
 * effect on the command line is unit-tested without TensorRT.
 */
import { formatShape, type InputProfile } from './profiles.js';

/**
 * Everything that reaches the builder's command line (paths already resolved by the caller).
 *
 * @group Native builder
 */
export interface BuilderInvocation {
  /** ONNX model to parse. */
  onnxPath: string;
  /** Engine file to write. */
  enginePath: string;
  /** Allow FP16 kernels through BuilderFlag::kFP16 (weakly typed builds). */
  fp16: boolean;
  /** Strongly typed network (TensorRT 9.1-10.x; 11.x always is). */
  stronglyTyped?: boolean;
  /** Plugin layers (layer or output tensor names) pinned to FP32 in an FP16 build. */
  fp32PluginLayers?: readonly string[];
  /** `NAME:VERSION` plugins that must be registered before parsing. */
  requiredPlugins?: readonly string[];
  /** Allow TF32 for FP32 math (TensorRT's default is on). */
  tf32: boolean;
  /** Workspace pool limit in MiB; undefined keeps TensorRT's default. */
  workspaceMiB?: number;
  /** Timing cache file to read and update. */
  timingCache?: string;
  /** Timed inference iterations; undefined or 0 skips the benchmark. */
  benchmarkIterations?: number;
  /** Untimed iterations before timing (builder default 20). */
  warmupIterations?: number;
  /** Ask for per-layer precision events even without FP16. */
  layerReport?: boolean;
  /** Forward TensorRT's info-level messages. */
  verbose?: boolean;
}

/**
 * Builds the builder's argv. Only dynamic inputs get a `--shape`: static ones need no profile
 * entry and TensorRT takes their shape from the network.
 *
 * @example
 * ```ts
 * const profiles = deriveProfiles(model.graph, parseShapeSpecs(['feat0:1x64x32x32/2x64x32x32/4x64x32x32']));
 * builderArgs({ onnxPath: 'm.onnx', enginePath: 'm.engine', fp16: true, tf32: true }, profiles);
 * // ['--onnx', 'm.onnx', '--engine', 'm.engine', '--fp16', '--shape', 'feat0:1x64x32x32/...']
 * ```
 * @group Native builder
 */
export function builderArgs(invocation: BuilderInvocation, profiles: readonly InputProfile[]): string[] {
  const args = ['--onnx', invocation.onnxPath, '--engine', invocation.enginePath];
  if (invocation.fp16) args.push('--fp16');
  if (invocation.stronglyTyped) args.push('--strongly-typed');
  for (const layer of invocation.fp32PluginLayers ?? []) args.push('--fp32-plugin-layer', layer);
  for (const plugin of invocation.requiredPlugins ?? []) args.push('--require-plugin', plugin);
  if (!invocation.tf32) args.push('--no-tf32');
  if (invocation.workspaceMiB !== undefined) args.push('--workspace-mib', String(invocation.workspaceMiB));
  for (const profile of profiles) {
    if (!profile.dynamic) continue;
    args.push('--shape', `${profile.input}:${formatShape(profile.min)}/${formatShape(profile.opt)}/${formatShape(profile.max)}`);
  }
  if (invocation.timingCache !== undefined) args.push('--timing-cache', invocation.timingCache);
  if (invocation.benchmarkIterations) {
    args.push('--benchmark', String(invocation.benchmarkIterations));
    if (invocation.warmupIterations !== undefined) args.push('--warmup', String(invocation.warmupIterations));
  }
  if (invocation.layerReport && !invocation.fp16) args.push('--layer-report');
  if (invocation.verbose) args.push('--verbose');
  return args;
}
