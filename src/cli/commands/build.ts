/**
 * `onnx-surgeon build IN -o ENGINE`: argument parsing and printing around {@link buildEngine}.
 * Exit codes: 0 built, 1 build failed (model refused, parser/builder error), 2 usage error,
 * 3 TensorRT, CUDA or a C++ compiler missing.
 */
import { Command, InvalidArgumentError } from 'commander';
import { OnnxSurgeonError, withContext } from '../../errors.js';
import { float16ReportLines } from '../../passes/fp16/index.js';
import { type BuildOptions, type BuildReport, buildEngine, trtexecCommandFor } from '../../trt/build.js';
import { formatShape } from '../../trt/profiles.js';
import { ToolchainMissingError } from '../../trt/toolchain-error.js';
import { CommandFiles } from '../output-path.js';
import { collectProfileSpecs } from '../shape-args.js';

/** Exit codes of `onnx-surgeon build`. */
export const BUILD_EXIT = { ok: 0, failed: 1, usage: 2, toolchainMissing: 3 } as const;

/** Benchmark iterations when `--benchmark` is given without a number. */
export const DEFAULT_BENCHMARK_ITERATIONS = 100;

/** Streams the command writes to (tests pass their own). */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Parsed options of the command, as commander hands them over. */
export interface BuildCliOptions {
  output: string;
  fp16?: boolean;
  stronglyTyped?: boolean;
  msdaFp16?: boolean;
  printTrtexec?: string | true;
  tf32: boolean;
  shapes?: string[];
  workspace?: number;
  timingCache?: string;
  benchmark?: number | true;
  warmup?: number;
  allowGridsample?: boolean;
  verbose?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const EXAMPLES = `
Examples:
  # static shapes, FP32 (TF32 allowed)
  onnx-surgeon build detr.fused.onnx -o detr.engine

  # FP16, reuse kernel timings across builds, time 200 runs
  onnx-surgeon build detr.fused.onnx -o detr.fp16.engine --fp16 --timing-cache trt.cache --benchmark 200

  # dynamic input: one optimization profile, MIN/OPT/MAX per dynamic input
  # keep TensorRT's FP16 MSDA kernel out (the default); --msda-fp16 lets TensorRT use it
  onnx-surgeon build detr.fused.onnx -o detr.fp16.engine --fp16 --msda-fp16

  # print the equivalent trtexec command for TensorRT 8.6 (builds nothing)
  onnx-surgeon build detr.fused.onnx -o detr.engine --fp16 --print-trtexec 8.6

  onnx-surgeon build model.fused.onnx -o model.engine --fp16 \\
    --shapes pixel_values:1x3x640x640/1x3x800x800/1x3x1333x1333

TensorRT is found through TENSORRT_ROOT (or TRT_ROOT), LD_LIBRARY_PATH, the Debian package
layout, /usr/local/TensorRT*, /opt/tensorrt and a pip-installed tensorrt (libraries only);
CUDA through CUDA_HOME, /usr/local/cuda or nvcc on PATH. The native builder is compiled on first
use and cached in $XDG_CACHE_HOME/onnx-surgeon (default ~/.cache/onnx-surgeon).

Exit status: 0 built, 1 build failed, 2 usage error, 3 TensorRT/CUDA/compiler missing.
`;

/**
 * The `build` subcommand, ready for `program.addCommand(buildCommand())`.
 *
 * @example
 * ```ts
 * program.addCommand(buildCommand());
 * ```
 */
export function buildCommand(io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Command {
  return new Command('build')
    .description('build a TensorRT engine from a (fused) ONNX model, using TensorRT\'s MultiscaleDeformableAttnPlugin_TRT')
    .argument('<in>', 'ONNX model (run `onnx-surgeon fuse-msda` on it first)')
    .requiredOption('-o, --output <engine>', 'serialized TensorRT engine to write')
    .option('--fp16', 'FP16 engine: TensorRT 8.6-10.11 with the FP16 builder flag, 10.12+/11.x from a float16 copy of the model (lists the layers that stayed FP32)')
    .option('--msda-fp16', 'let MultiscaleDeformableAttnPlugin_TRT run in FP16 (default: pinned to FP32, its FP16 kernel is inaccurate)')
    .option('--strongly-typed', 'strongly typed network on TensorRT 9.1-10.x: precision from the model\'s tensor types (always so on 11.x)')
    .option('--print-trtexec [version]', 'print the equivalent trtexec command (for the TensorRT found, or this version, e.g. 10.13) and build nothing')
    .option('--no-tf32', 'forbid TF32 for FP32 math (bit-closer to PyTorch FP32, slower)')
    .option('--shapes <name:MIN/OPT/MAX...>', 'optimization profile for dynamic inputs, dims as 1x3x640x640; NAME=AxB fixes one shape (repeatable)', collectProfileSpecs('--shapes'))
    .option('--workspace <MiB>', 'workspace memory limit in MiB', positiveInteger('--workspace'))
    .option('--timing-cache <file>', 'kernel timing cache: read if present, updated after the build')
    .option('--benchmark [N]', `time N inferences on random inputs (default ${DEFAULT_BENCHMARK_ITERATIONS})`, positiveInteger('--benchmark'))
    .option('--warmup <N>', 'untimed inferences before the benchmark (default 20)', nonNegativeInteger('--warmup'))
    .option('--allow-gridsample', 'build even if GridSample nodes remain (unfused MSDA)')
    .option('--verbose', 'show TensorRT info messages')
    .option('--json', 'print the build report as JSON on stdout')
    .option('--quiet', 'print nothing but errors')
    .addHelpText('after', EXAMPLES)
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    // Usage errors (unknown option, missing -o, bad number) exit with 2, not commander's 1.
    .exitOverride((error) => {
      process.exit(error.exitCode === 0 ? 0 : BUILD_EXIT.usage);
    })
    .action(async (input: string, options: BuildCliOptions) => {
      process.exitCode = await runBuildCommand(input, options, io);
    });
}

/**
 * Runs the build with parsed CLI options; prints the report or one error line and returns the exit
 * code (exported for tests).
 */
export async function runBuildCommand(input: string, options: BuildCliOptions, io: CommandIo): Promise<number> {
  const buildOptions: BuildOptions = {
    input,
    output: options.output,
    fp16: options.fp16 ?? false,
    stronglyTyped: options.stronglyTyped ?? false,
    msdaFp16: options.msdaFp16 ?? false,
    tf32: options.tf32,
    shapes: options.shapes ?? [],
    allowGridSample: options.allowGridsample ?? false,
    verbose: options.verbose ?? false,
    progress: options.quiet || options.json || !io.stderr.isTTY ? null : io.stderr,
    ...(options.workspace !== undefined ? { workspaceMiB: options.workspace } : {}),
    ...(options.timingCache !== undefined ? { timingCache: options.timingCache } : {}),
    ...(options.benchmark !== undefined
      ? { benchmarkIterations: options.benchmark === true ? DEFAULT_BENCHMARK_ITERATIONS : options.benchmark } : {}),
    ...(options.warmup !== undefined ? { warmupIterations: options.warmup } : {}),
  };
  let files: CommandFiles | undefined;
  try {
    if (options.printTrtexec !== undefined) {
      const lines = await trtexecCommandFor({
        ...buildOptions, ...(typeof options.printTrtexec === 'string' ? { tensorrtVersion: options.printTrtexec } : {}),
      });
      io.stdout.write(`${lines.join('\n')}\n`);
      return BUILD_EXIT.ok;
    }
    // The engine and timing cache against the model as given, and their folders; buildEngine
    // checks them against the model's external data once it has loaded it.
    files = new CommandFiles(input, { others: [{ role: '-o', path: options.output }, ...(options.timingCache !== undefined ? [{ role: '--timing-cache', path: options.timingCache }] : [])] });
    files.prepare(io, { quiet: options.quiet || options.json });
    const report = await buildEngine(buildOptions);
    files.done();
    if (options.json) io.stdout.write(`${JSON.stringify({ ok: true, ...report }, null, 2)}\n`);
    else if (!options.quiet) io.stdout.write(summarize(report));
    return BUILD_EXIT.ok;
  } catch (caught) {
    files?.rollback();
    const error = caught instanceof OnnxSurgeonError ? caught : withContext(caught, { file: input });
    const exitCode = exitCodeFor(error);
    io.stderr.write(`${error.message}\n`);
    if (options.json) io.stdout.write(`${JSON.stringify({ ok: false, exitCode, code: error.code, message: error.message })}\n`);
    return exitCode;
  }
}

/** Exit code for an error: 3 for a missing toolchain, 2 for usage, 1 otherwise. */
export function exitCodeFor(error: OnnxSurgeonError): number {
  if (error instanceof ToolchainMissingError) return BUILD_EXIT.toolchainMissing;
  if (error.code === 'usage') return BUILD_EXIT.usage;
  return BUILD_EXIT.failed;
}

/** The human-readable report. */
export function summarize(report: BuildReport): string {
  const lines: string[] = [];
  const mib = (report.engineBytes / 2 ** 20).toFixed(1);
  const precision = `${report.fp16 ? 'fp16+fp32' : 'fp32'}, tf32 ${report.tf32 ? 'on' : 'off'}`;
  const took = report.buildSeconds !== undefined ? ` in ${report.buildSeconds.toFixed(1)} s` : '';
  lines.push(`engine: ${report.enginePath} (${mib} MiB, TensorRT ${report.tensorrtVersion}, ${precision})${took}`);
  for (const p of report.profiles.filter((q) => q.dynamic)) {
    lines.push(`profile: ${p.input} min ${formatShape(p.min)} opt ${formatShape(p.opt)} max ${formatShape(p.max)}` +
      `${p.defaults.length ? ` [${p.defaults.join('; ')}]` : ''}`);
  }
  lines.push(`precision: ${report.precision.typingReason}${report.precision.builderFp16Flag ? ', FP16 builder flag' : ''}` +
    (report.float16Conversion ? ', float16 copy of the model' : ''));
  if (report.precision.msda.precision !== 'none') {
    const count = report.precision.pinnedLayers.length;
    const pinned = count ? ` (${count} layer${count === 1 ? '' : 's'} pinned: layer precision and output type, obeyed)` : '';
    lines.push(`MSDA plugin v${report.msdaPluginVersions.model.join(', v')} (TensorRT registers ${report.msdaPluginVersions.registered.join(', ') || 'none'}): ` +
      `${report.precision.msda.precision}${pinned}; ${report.precision.msda.reason}`);
  }
  if (report.float16Conversion) lines.push(...float16ReportLines(report.float16Conversion));
  for (const warning of report.opsetWarnings) lines.push(`warning: ${warning.message}`);
  if (report.fp16) {
    const names = report.fp32Layers.slice(0, 8).map((l) => l.name);
    const more = report.fp32Layers.length > names.length ? `, +${report.fp32Layers.length - names.length} more` : '';
    lines.push(report.layers.length
      ? `fp32 layers: ${report.fp32Layers.length} of ${report.layers.length}${names.length ? `: ${names.join(', ')}${more}` : ''}`
      : 'fp32 layers: unknown (the engine inspector gave no layer information)');
  }
  if (report.latency) {
    const l = report.latency;
    lines.push(`latency: median ${l.medianMs.toFixed(3)} ms, p99 ${l.p99Ms.toFixed(3)} ms, mean ${l.meanMs.toFixed(3)} ms ` +
      `(${l.iterations} runs after ${l.warmup} warm-up, opt shapes, random inputs)`);
  }
  if (report.timingCacheWritten) lines.push(`timing cache: ${report.timingCacheWritten}`);
  return `${lines.join('\n')}\n`;
}

function positiveInteger(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${flag} needs a positive integer, got '${value}'`);
    return Number(value);
  };
}

function nonNegativeInteger(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} needs a non-negative integer, got '${value}'`);
    return Number(value);
  };
}
