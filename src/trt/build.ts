/**
 * `buildEngine`: fused ONNX -> serialized TensorRT engine. Everything that can be decided without
 * building (model checks, profiles, opset warnings, plugin versions, precision plan) is decided
 * first (build-plan.ts), against what the builder's TensorRT offers; then, for a strongly typed
 * FP16 build of an FP32 model, a float16 copy is written; the builder runs and its events become
 * a {@link BuildReport} (build-result.ts). `trtexecCommandFor` plans the same build and prints the
 * equivalent trtexec command instead.
 */
import { resolve } from 'node:path';
import { OnnxSurgeonError, withContext } from '../errors.js';
import { WritePlan } from '../files/write-plan.js';
import type { Model } from '../ir/index.js';
import type { Float16Report } from '../passes/fp16/index.js';
import { MSDA_PLUGIN } from '../plugins/index.js';
import { loadModel, sourceFiles } from '../serde/index.js';
import { builderArgs } from './builder-args.js';
import { queryBuilder } from './builder-info.js';
import { checkBuildInput, planBuild } from './build-plan.js';
import { builderFailure, reportFrom } from './build-result.js';
import { ensureBuilder } from './compile.js';
import { type DiscoveryOptions, type TensorRtInstall, discoverCuda, discoverTensorRt } from './discover.js';
import type { BuilderEvent } from './events.js';
import { type Float16Copy, writeFloat16Copy } from './fp16-model.js';
import type { LayerPrecision } from './layer-precision.js';
import type { ModelCheckReport } from './model-checks.js';
import type { OpsetWarning } from './opset-check.js';
import type { PrecisionPlan } from './precision-plan.js';
import type { InputProfile } from './profiles.js';
import { progressPrinter } from './progress.js';
import { runBuilder } from './run-builder.js';
import { type TensorRtFeatures, parseTensorRtVersion, tensorRtFeatures } from './tensorrt-features.js';
import { trtexecCommand } from './trtexec.js';

/**
 * Options of {@link buildEngine}.
 *
 * @group Build
 */
export interface BuildOptions {
  /** The (fused) ONNX model. */
  input: string;
  /** Where to write the serialized engine. */
  output: string;
  /**
   * Build an FP16 engine (default false). TensorRT 8.6-10.11: BuilderFlag::kFP16 with the MSDA
   * plugin layers pinned to FP32; 10.12+ and 11.x (strongly typed): the model is converted with
   * the float16 pass first (MSDA tensors kept float32).
   */
  fp16?: boolean;
  /** Strongly typed network on TensorRT 9.1-10.x (11.x always is): precision from the model's types. */
  stronglyTyped?: boolean;
  /** Let the MSDA plugin run in FP16 (default false; its FP16 kernel is inaccurate, see docs/tensorrt.md). */
  msdaFp16?: boolean;
  /** Allow TF32 for FP32 math (default true, as in TensorRT). */
  tf32?: boolean;
  /** Workspace memory pool limit in MiB (default: TensorRT's, the whole device memory). */
  workspaceMiB?: number;
  /** `name:MIN/OPT/MAX` ranges for dynamic inputs (dims joined by `x`). */
  shapes?: readonly string[];
  /** Timing cache file: read if it exists, written back after the build. */
  timingCache?: string;
  /** Time this many inferences on random inputs after the build (0/undefined: no benchmark). */
  benchmarkIterations?: number;
  /** Untimed inferences before the timed ones (builder default 20). */
  warmupIterations?: number;
  /** Build even if GridSample nodes remain (default false: refuse, run fuse-msda first). */
  allowGridSample?: boolean;
  /** Forward TensorRT's info messages as events. */
  verbose?: boolean;
  /**
   * Use this builder executable instead of discovering TensorRT and compiling native/ (tests,
   * or a builder compiled by hand). It must speak the builder's JSON-lines protocol.
   */
  builderBinary?: string;
  /** Where TensorRT and CUDA are looked for (defaults: the real machine). */
  discovery?: DiscoveryOptions;
  /** Cache root for the compiled builder (default `$XDG_CACHE_HOME/onnx-surgeon`). */
  cacheRoot?: string;
  /** Called with every builder event as it arrives. */
  onEvent?: (event: BuilderEvent) => void;
  /** Progress lines go here; default: stderr when it is a terminal; null: nowhere. */
  progress?: NodeJS.WritableStream | null;
}

/**
 * Latency of the built engine, from the builder's CUDA-event timing.
 *
 * @group Build
 */
export interface LatencyStats {
  iterations: number;
  warmup: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * What {@link buildEngine} produced.
 *
 * @group Build
 */
export interface BuildReport {
  /** Absolute path of the model built. */
  input: string;
  /** Absolute path of the engine written. */
  enginePath: string;
  /** Engine size in bytes. */
  engineBytes: number;
  /** TensorRT version the builder was compiled against. */
  tensorrtVersion: string;
  /** Precision requested. */
  fp16: boolean;
  tf32: boolean;
  /** How precision was obtained: typing, FP16 flag, MSDA precision and why, pinned layers. */
  precision: PrecisionPlan & { pinnedLayers: string[] };
  /** The float16 conversion run before a strongly typed FP16 build, if one ran. */
  float16Conversion?: Float16Report;
  /** Opset warnings (model opset above the parser's limit; ops TensorRT 8.6 mis-reads). */
  opsetWarnings: OpsetWarning[];
  /** MSDA plugin versions: asked for by the model, and registered by the TensorRT that built it. */
  msdaPluginVersions: { model: string[]; registered: string[] };
  /** Profiles of every runtime input (dynamic ones were passed to TensorRT). */
  profiles: InputProfile[];
  /** Model checks (GridSample count, plugin validation). */
  checks: ModelCheckReport;
  /** Seconds TensorRT spent in buildSerializedNetwork. */
  buildSeconds?: number;
  /** Per-layer precision (present with fp16 or a layer report). */
  layers: LayerPrecision[];
  /** Layers whose outputs stayed FP32 although FP16 was allowed (empty without fp16). */
  fp32Layers: LayerPrecision[];
  /** Latency statistics when a benchmark ran. */
  latency?: LatencyStats;
  /** Timing cache file written, if any. */
  timingCacheWritten?: string;
  /** TensorRT warnings seen during the build. */
  warnings: string[];
  /** The builder executable used, and whether it came from the cache. */
  builder: { binary: string; cached?: boolean };
}

/**
 * Builds a TensorRT engine from a fused ONNX model.
 *
 * @example
 * ```ts
 * const report = await buildEngine({
 *   input: 'detr.fused.onnx', output: 'detr.engine', fp16: true,
 *   shapes: ['pixel_values:1x3x640x640/1x3x800x800/1x3x1333x1333'], benchmarkIterations: 100,
 * });
 * console.log(report.precision.msda, report.latency?.medianMs, report.fp32Layers.map((l) => l.name));
 * ```
 * @group Build
 */
export async function buildEngine(options: BuildOptions): Promise<BuildReport> {
  validateOptions(options);
  const input = resolve(options.input);
  const enginePath = resolve(options.output);
  const model = await loadInput(options.input);
  buildFilesPlan(options, model).check();
  const request = planRequest(options);
  const checked = checkBuildInput(model, request);
  const progress = options.progress === undefined ? (process.stderr.isTTY ? process.stderr : null) : options.progress;
  const builder = await locateBuilder(options, progress);
  const { features } = await queryBuilder(builder.binary);
  const plan = planBuild(model, features, request, checked);
  for (const warning of plan.opsetWarnings) progress?.write(`warning: ${warning.message}\n`);

  let float16: Float16Copy | undefined;
  try {
    if (plan.precision.convertToFp16) {
      progress?.write(`converting to float16 for a strongly typed build (${plan.precision.typingReason})...\n`);
      float16 = await writeFloat16Copy(model, enginePath, { msdaFp16: options.msdaFp16 ?? false });
    }
    const args = builderArgs({
      onnxPath: float16?.path ?? input, enginePath, fp16: plan.precision.builderFp16Flag, tf32: options.tf32 ?? true,
      stronglyTyped: plan.precision.typing === 'strong' && features.strongTyping === 'optional',
      fp32PluginLayers: plan.precision.fp32PluginLayers,
      requiredPlugins: plan.msdaPluginVersions.map((v) => `${MSDA_PLUGIN.opType}:${v}`),
      layerReport: plan.precision.typing === 'strong' && (options.fp16 ?? false),
      ...(options.workspaceMiB !== undefined ? { workspaceMiB: options.workspaceMiB } : {}),
      ...(options.timingCache !== undefined ? { timingCache: resolve(options.timingCache) } : {}),
      ...(options.benchmarkIterations ? { benchmarkIterations: options.benchmarkIterations } : {}),
      ...(options.warmupIterations !== undefined ? { warmupIterations: options.warmupIterations } : {}),
      ...(options.verbose ? { verbose: true } : {}),
    }, plan.profiles);
    const printer = progress ? progressPrinter(progress) : undefined;
    const run = await runBuilder(builder.binary, args, {
      onEvent: (event) => {
        printer?.(event);
        options.onEvent?.(event);
      },
    });
    if (run.exitCode !== 0 || !run.events.some((e) => e.event === 'done')) throw builderFailure(run, model, options.input, builder.binary);
    return reportFrom(run, {
      input, enginePath, fp16: options.fp16 ?? false, tf32: options.tf32 ?? true, profiles: plan.profiles, checks: plan.checks,
      precision: { ...plan.precision, pinnedLayers: [] }, opsetWarnings: plan.opsetWarnings,
      msdaPluginVersions: { model: plan.msdaPluginVersions, registered: [] }, builder,
      ...(float16 ? { float16Conversion: float16.report } : {}),
    });
  } finally {
    await float16?.remove();
  }
}

/**
 * Options of {@link trtexecCommandFor}: a build's options, and the TensorRT to write it for.
 *
 * @group Build
 */
export interface TrtexecOptions extends BuildOptions {
  /** `8.6`, `10.13`, ...: write for this TensorRT without looking for one; default: the one discovered. */
  tensorrtVersion?: string;
}

/**
 * The trtexec command line equivalent to `buildEngine(options)`, planned the same way (checks,
 * profiles, precision); builds nothing. With a strongly typed FP16 plan the first line converts
 * the model (`onnx-surgeon convert --fp16`).
 *
 * @example
 * ```ts
 * console.log((await trtexecCommandFor({ input: 'detr.fused.onnx', output: 'detr.engine', fp16: true, tensorrtVersion: '10.8' })).join('\n'));
 * ```
 * @group Build
 */
export async function trtexecCommandFor(options: TrtexecOptions): Promise<string[]> {
  validateOptions(options);
  const model = await loadInput(options.input);
  let features: TensorRtFeatures;
  let install: TensorRtInstall | undefined;
  if (options.tensorrtVersion !== undefined) {
    const version = parseTensorRtVersion(options.tensorrtVersion);
    if (!version || version.major < 8 || (version.major === 8 && version.minor < 6)) {
      throw new OnnxSurgeonError('usage', `'${options.tensorrtVersion}' is not a TensorRT version onnx-surgeon supports`, { expected: '8.6 or newer, e.g. 10.13' });
    }
    features = tensorRtFeatures(version.major, version.minor);
  } else {
    install = discoverTensorRt(options.discovery);
    features = tensorRtFeatures(install.version.major, install.version.minor);
  }
  const plan = planBuild(model, features, planRequest(options));
  return [
    ...plan.opsetWarnings.map((w) => `# warning: ${w.message}`),
    ...trtexecCommand({
      onnxPath: options.input, enginePath: options.output, features, plan: plan.precision, profiles: plan.profiles,
      msdaLayerNames: plan.checks.msdaNodes.map((n) => n.layerName), tf32: options.tf32 ?? true, msdaFp16: options.msdaFp16 ?? false,
      ...(options.workspaceMiB !== undefined ? { workspaceMiB: options.workspaceMiB } : {}),
      ...(options.timingCache !== undefined ? { timingCache: options.timingCache } : {}),
      ...(options.benchmarkIterations ? { benchmarkIterations: options.benchmarkIterations } : {}),
      ...(install ? { pluginLibrary: install.libraries.nvinferPlugin } : {}),
    }),
  ];
}

function planRequest(options: BuildOptions): Parameters<typeof planBuild>[2] {
  return {
    file: options.input, fp16: options.fp16 ?? false, stronglyTyped: options.stronglyTyped ?? false, msdaFp16: options.msdaFp16 ?? false,
    allowGridSample: options.allowGridSample ?? false, shapes: options.shapes ?? [],
  };
}

async function loadInput(file: string): Promise<Model> {
  return loadModel(resolve(file)).catch((error: unknown) => {
    throw withContext(error, { file });
  });
}

function validateOptions(options: BuildOptions): void {
  if (!options.input) throw new OnnxSurgeonError('usage', 'an input ONNX model is required');
  if (!options.output) throw new OnnxSurgeonError('usage', 'an output engine path is required (-o ENGINE)');
  const positiveInteger = (value: number | undefined, what: string) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new OnnxSurgeonError('usage', `${what} must be a positive integer`, { found: String(value) });
    }
  };
  positiveInteger(options.workspaceMiB, 'the workspace size in MiB');
  positiveInteger(options.benchmarkIterations, 'the number of benchmark iterations');
  if (options.warmupIterations !== undefined && (!Number.isInteger(options.warmupIterations) || options.warmupIterations < 0)) {
    throw new OnnxSurgeonError('usage', 'the number of warm-up iterations must be a non-negative integer', { found: String(options.warmupIterations) });
  }
}

/** The engine and the timing cache are neither the model, nor its external data, nor each other. */
function buildFilesPlan(options: BuildOptions, model: Model): WritePlan {
  const plan = new WritePlan();
  for (const source of sourceFiles(model)) plan.read({ ...source, role: source.kind === 'model' ? 'the input model' : "the input model's external data" });
  plan.write({ role: 'the engine', path: options.output });
  if (options.timingCache !== undefined) plan.write({ role: 'the timing cache', path: options.timingCache });
  return plan;
}

async function locateBuilder(options: BuildOptions, progress: NodeJS.WritableStream | null): Promise<{ binary: string; cached?: boolean }> {
  if (options.builderBinary) return { binary: resolve(options.builderBinary) };
  const tensorrt = discoverTensorRt(options.discovery);
  const cuda = discoverCuda(options.discovery);
  const compiled = await ensureBuilder({
    tensorrt, cuda,
    ...(options.discovery?.env ? { env: options.discovery.env } : {}),
    ...(options.cacheRoot ? { cacheRoot: options.cacheRoot } : {}),
    ...(progress ? { onProgress: (message: string) => progress.write(`${message}\n`) } : {}),
  });
  return { binary: compiled.binary, cached: compiled.cached };
}

