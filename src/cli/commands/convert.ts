/**
 * `onnx-surgeon convert IN -o OUT`: load into the IR and save back, choosing where the weights
 * live (inline, or an external data file). Also a quick proof that a model survives the round trip.
 */
import { Command, Option } from 'commander';
import { OnnxSurgeonError } from '../../errors.js';
import type { Model } from '../../ir/index.js';
import { convertToFloat16, float16ReportLines } from '../../passes/fp16/index.js';
import { loadModel, saveModel } from '../../serde/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { CommandFiles, externalDataMode, nonNegativeInteger, SIZE_THRESHOLD_HELP } from '../output-path.js';
import { commaList } from '../option-values.js';
import { createProgress } from '../progress.js';
import { reportError } from '../report-error.js';

/** Parsed options of `convert`. */
export interface ConvertCliOptions {
  output: string;
  externalData?: string;
  inline?: boolean;
  sizeThreshold?: number;
  force?: boolean;
  quiet?: boolean;
  /** Float16 conversion (`--fp16` and the options that tune it). */
  fp16?: boolean;
  keepFp32Ops?: string[];
  keepFp32Nodes?: string[];
  fp16Io?: boolean;
  msdaFp16?: boolean;
}

const EXAMPLES = `
Examples:
  # move every weight of 1 KiB or more into model.onnx.data (beside the output)
  onnx-surgeon convert big.onnx -o out/model.onnx --external-data model.onnx.data

  # only tensors of 1 MiB or more go external
  onnx-surgeon convert big.onnx -o out/model.onnx --external-data weights.bin --size-threshold 1048576

  # float16 for a strongly typed TensorRT build (the MSDA plugin and I/O stay float32)
  onnx-surgeon convert detr.fused.onnx -o detr.fused.fp16.onnx --fp16 --keep-fp32-ops LayerNormalization

  # everything back into one file (must stay under protobuf's 2 GiB)
  onnx-surgeon convert out/model.onnx -o single.onnx --inline

Without --external-data or --inline the layout is kept: external data stays external (in
<out>.data), an inline model stays inline unless it would pass 2 GiB.

${EXIT_CODES_HELP}
`;

/**
 * The `convert` subcommand.
 *
 * @example
 * ```ts
 * program.addCommand(convertCommand());
 * ```
 */
export function convertCommand(io: CommandIo = processIo()): Command {
  return setupCommand(new Command('convert'), io)
    .description('load and save a model, choosing inline or external tensor data')
    .argument('<in>', 'ONNX model')
    .requiredOption('-o, --output <out>', 'model to write')
    .addOption(new Option('--external-data <file>', 'store tensors in this data file, in the output\'s folder').conflicts('inline'))
    .option('--inline', 'store every tensor inside the .onnx file')
    .option('--size-threshold <bytes>', SIZE_THRESHOLD_HELP, nonNegativeInteger('--size-threshold'))
    .option('--fp16', 'convert float32 compute to float16 (constants float16 cannot hold, constant/shape arithmetic and the MSDA plugin stay float32, with Casts)')
    .option('--keep-fp32-ops <types>', 'with --fp16: op types that stay float32, comma-separated (repeatable)', commaList, [])
    .option('--keep-fp32-nodes <names>', 'with --fp16: node names that stay float32, comma-separated (repeatable)', commaList, [])
    .option('--fp16-io', 'with --fp16: convert float32 graph inputs and outputs too (default: they keep their type)')
    .option('--msda-fp16', 'with --fp16: convert the MSDA plugin and its sampling locations too (its float16 kernel is inaccurate)')
    .option('--force', 'allow -o to be the input model (replaced atomically)')
    .option('--quiet', 'print nothing but errors')
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: ConvertCliOptions) => {
      process.exitCode = await runConvertCommand(input, options, io);
    });
}

/** Runs `convert`; returns the exit code (exported for tests). */
export async function runConvertCommand(input: string, options: ConvertCliOptions, io: CommandIo): Promise<number> {
  const progress = createProgress({ stream: io.stderr, quiet: options.quiet });
  let files: CommandFiles | undefined;
  try {
    if (!options.output) throw new OnnxSurgeonError('usage', 'missing -o/--output');
    checkFp16Options(options);
    const externalData = externalDataMode(options.output, options);
    files = new CommandFiles(input, { model: options.output, storage: externalData, externalDataFlag: options.externalData, force: options.force });
    progress.step(`loading ${input}`);
    const model = await loadModel(input);
    const fp16Lines = options.fp16 ? convertFp16(model, options) : undefined;
    files.modelLoaded(model);
    files.prepare(io, { quiet: options.quiet, progress });
    progress.step(`saving ${options.output}`);
    await saveModel(model, options.output, { externalData, replaceSource: Boolean(options.force) });
    files.done();
    progress.clear();
    if (!options.quiet) {
      const where = externalData === 'inline' ? 'inline' : externalData === 'auto' ? 'layout kept' : `external data in ${externalData.location ?? `${options.output}.data`}`;
      io.stdout.write(`wrote ${options.output} (${model.graph.nodeCount} nodes, ${model.graph.initializers.length} initializers, ${where})\n`);
      for (const line of fp16Lines ?? []) io.stdout.write(`${line}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    files?.rollback();
    progress.clear();
    return reportError(error, io, input);
  }
}

/** Runs the float16 pass for `--fp16`; its options without `--fp16` are a usage error. */
function convertFp16(model: Model, options: ConvertCliOptions): string[] {
  const report = convertToFloat16(model, {
    keepOpTypes: options.keepFp32Ops ?? [], keepNodes: options.keepFp32Nodes ?? [],
    convertIo: options.fp16Io ?? false, msdaFp16: options.msdaFp16 ?? false,
  });
  return float16ReportLines(report);
}

function checkFp16Options(options: ConvertCliOptions): void {
  if (options.fp16) return;
  const stray = [
    options.keepFp32Ops?.length && '--keep-fp32-ops', options.keepFp32Nodes?.length && '--keep-fp32-nodes',
    options.fp16Io && '--fp16-io', options.msdaFp16 && '--msda-fp16',
  ].filter(Boolean);
  if (stray.length) throw new OnnxSurgeonError('usage', `${stray.join(', ')} need --fp16`);
}
