/**
 * `buildEngine`: fused ONNX -> serialized TensorRT engine. Everything that can be decided without
 * TensorRT (model checks, profiles, argument mapping) happens here, before any native code runs;
 * then TensorRT is discovered, the builder compiled or taken from the cache, run, and its events
 * turned into a {@link BuildReport}.
 */
import { resolve } from 'node:path';
import { OnnxSurgeonError, withContext } from '../errors.js';
import { WritePlan } from '../files/write-plan.js';
import type { Model } from '../ir/index.js';
import { loadModel, sourceFiles } from '../serde/index.js';
import { builderArgs } from './builder-args.js';
import { ensureBuilder } from './compile.js';
import { type DiscoveryOptions, discoverCuda, discoverTensorRt } from './discover.js';
import { BUILDER_PROTOCOL, type BuilderEvent } from './events.js';
import { classifyLayer, fp32Layers, type LayerPrecision } from './layer-precision.js';
import { checkModelForTensorRt, type ModelCheckReport } from './model-checks.js';
import { deriveProfiles, type InputProfile, parseShapeSpecs } from './profiles.js';
import { progressPrinter } from './progress.js';
import { type BuilderRun, runBuilder } from './run-builder.js';

/** Options of {@link buildEngine}. */
export interface BuildOptions {
  /** The (fused) ONNX model. */
  input: string;
  /** Where to write the serialized engine. */
  output: string;
  /** Allow FP16 kernels (default false). */
  fp16?: boolean;
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

/** Latency of the built engine, from the builder's CUDA-event timing. */
export interface LatencyStats {
  iterations: number;
  warmup: number;
  medianMs: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

/** What {@link buildEngine} produced. */
export interface BuildReport {
  /** Absolute path of the model built. */
  input: string;
  /** Absolute path of the engine written. */
  enginePath: string;
  /** Engine size in bytes. */
  engineBytes: number;
  /** TensorRT version the builder was compiled against. */
  tensorrtVersion: string;
  /** Precision flags used. */
  fp16: boolean;
  tf32: boolean;
  /** Profiles of every runtime input (dynamic ones were passed to TensorRT). */
  profiles: InputProfile[];
  /** Model checks (GridSample count, plugin validation). */
  checks: ModelCheckReport;
  /** Whether `MultiscaleDeformableAttnPlugin_TRT` was registered after initLibNvInferPlugins. */
  pluginRegistered?: boolean;
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
 * console.log(report.latency?.medianMs, report.fp32Layers.map((l) => l.name));
 * ```
 */
export async function buildEngine(options: BuildOptions): Promise<BuildReport> {
  validateOptions(options);
  const input = resolve(options.input);
  const enginePath = resolve(options.output);
  const model = await loadModel(input).catch((error: unknown) => {
    throw withContext(error, { file: options.input });
  });
  buildFilesPlan(options, model).check();
  const checks = checkModelForTensorRt(model, { allowGridSample: options.allowGridSample ?? false, file: options.input });
  const profiles = withFile(() => deriveProfiles(model.graph, parseShapeSpecs(options.shapes ?? [])), options.input);

  const progress = options.progress === undefined ? (process.stderr.isTTY ? process.stderr : null) : options.progress;
  const builder = await locateBuilder(options, progress);
  const fp16 = options.fp16 ?? false;
  const tf32 = options.tf32 ?? true;
  const args = builderArgs({
    onnxPath: input, enginePath, fp16, tf32,
    ...(options.workspaceMiB !== undefined ? { workspaceMiB: options.workspaceMiB } : {}),
    ...(options.timingCache !== undefined ? { timingCache: resolve(options.timingCache) } : {}),
    ...(options.benchmarkIterations ? { benchmarkIterations: options.benchmarkIterations } : {}),
    ...(options.warmupIterations !== undefined ? { warmupIterations: options.warmupIterations } : {}),
    ...(options.verbose ? { verbose: true } : {}),
  }, profiles);

  const printer = progress ? progressPrinter(progress) : undefined;
  const run = await runBuilder(builder.binary, args, {
    onEvent: (event) => {
      printer?.(event);
      options.onEvent?.(event);
    },
  });
  if (run.exitCode !== 0 || !run.events.some((e) => e.event === 'done')) throw builderFailure(run, model, options.input, builder.binary);
  return reportFrom(run, { input, enginePath, fp16, tf32, profiles, checks, builder });
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

function withFile<T>(work: () => T, file: string): T {
  try {
    return work();
  } catch (error) {
    throw withContext(error, { file });
  }
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

/** Turns a failed builder run into one error that says what TensorRT said, with node names. */
function builderFailure(run: BuilderRun, model: Model, file: string, binary: string): OnnxSurgeonError {
  const start = run.events.find((e) => e.event === 'start');
  if (start && start.protocol !== BUILDER_PROTOCOL) {
    return new OnnxSurgeonError('native',
      `the builder ${binary} speaks protocol ${start.protocol}, this onnx-surgeon expects ${BUILDER_PROTOCOL}; delete it to have it rebuilt`);
  }
  const nodes = model.graph.nodes;
  const parseErrors = run.events.flatMap((e) => (e.event === 'parse-error' ? [e] : []));
  const plugins = run.events.find((e) => e.event === 'plugins');
  if (parseErrors.length) {
    const lines = parseErrors.map((e) => {
      // TensorRT 8.6 reports only the node's index in the ONNX graph; map it back to a name.
      const node = e.node_name || (e.node >= 0 && nodes[e.node] ? nodes[e.node]!.label : '');
      const op = e.op || (e.node >= 0 && nodes[e.node] ? nodes[e.node]!.opType : '');
      return `${node ? `node '${node}'${op ? ` (${op})` : ''}: ` : ''}${e.desc}`;
    });
    let detail = `TensorRT's ONNX parser rejected the model: ${lines.join('; ')}`;
    if (plugins && !plugins.registered) {
      detail += `; note: ${plugins.name} is not registered in this TensorRT's plugin registry (libnvinfer_plugin from TensorRT 8.6 or 10.x has it)`;
    }
    return new OnnxSurgeonError('native', detail, { file });
  }
  const error = [...run.events].reverse().find((e) => e.event === 'error');
  if (error && error.event === 'error') {
    if (error.stage === 'usage') {
      return new OnnxSurgeonError('internal', `the builder rejected the arguments onnx-surgeon gave it: ${error.message}`);
    }
    const trt = error.tensorrt_error ? ` (TensorRT: ${error.tensorrt_error})` : '';
    return new OnnxSurgeonError('native', `TensorRT build failed at the ${error.stage} step: ${error.message}${trt}`, { file });
  }
  const how = run.signal ? `was killed by ${run.signal}` : `exited with status ${run.exitCode} without reporting an error`;
  const tail = run.stderrTail.slice(-10).join('\n');
  return new OnnxSurgeonError('native', `the TensorRT builder ${how}${tail ? `; its last output:\n${tail}` : ''}`, { file });
}

function reportFrom(run: BuilderRun, base: {
  input: string; enginePath: string; fp16: boolean; tf32: boolean; profiles: InputProfile[]; checks: ModelCheckReport;
  builder: { binary: string; cached?: boolean };
}): BuildReport {
  const report: BuildReport = { ...base, engineBytes: 0, tensorrtVersion: '', layers: [], fp32Layers: [], warnings: [] };
  for (const event of run.events) {
    switch (event.event) {
      case 'start': report.tensorrtVersion = event.tensorrt; break;
      case 'plugins': report.pluginRegistered = event.registered; break;
      case 'log': if (event.severity === 'warning') report.warnings.push(event.message); break;
      case 'engine-written': report.engineBytes = event.bytes; report.buildSeconds = event.build_seconds; break;
      case 'done': report.engineBytes = event.bytes; break;
      case 'timing-cache-written': report.timingCacheWritten = event.path; break;
      case 'layer-precision': report.layers.push(classifyLayer(event.index, event.info)); break;
      case 'latency':
        report.latency = {
          iterations: event.iterations, warmup: event.warmup, medianMs: event.median_ms, p99Ms: event.p99_ms,
          meanMs: event.mean_ms, minMs: event.min_ms, maxMs: event.max_ms,
        };
        break;
      default: break;
    }
  }
  report.fp32Layers = base.fp16 ? fp32Layers(report.layers) : [];
  return report;
}
