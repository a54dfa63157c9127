/**
 * `onnx-surgeon convert IN -o OUT`: load into the IR and save back, choosing where the weights
 * live (inline, or an external data file). Also a quick proof that a model survives the round trip.
 */
import { Command, Option } from 'commander';
import { OnnxSurgeonError } from '../../errors.js';
import { loadModel, saveModel } from '../../serde/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { CommandFiles, externalDataMode, nonNegativeInteger, SIZE_THRESHOLD_HELP } from '../output-path.js';
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
}

const EXAMPLES = `
Examples:
  # move every weight of 1 KiB or more into model.onnx.data (beside the output)
  onnx-surgeon convert big.onnx -o out/model.onnx --external-data model.onnx.data

  # only tensors of 1 MiB or more go external
  onnx-surgeon convert big.onnx -o out/model.onnx --external-data weights.bin --size-threshold 1048576

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
    const externalData = externalDataMode(options.output, options);
    files = new CommandFiles(input, { model: options.output, storage: externalData, externalDataFlag: options.externalData, force: options.force });
    progress.step(`loading ${input}`);
    const model = await loadModel(input);
    files.modelLoaded(model);
    files.prepare(io, { quiet: options.quiet, progress });
    progress.step(`saving ${options.output}`);
    await saveModel(model, options.output, { externalData, replaceSource: Boolean(options.force) });
    files.done();
    progress.clear();
    if (!options.quiet) {
      const where = externalData === 'inline' ? 'inline' : externalData === 'auto' ? 'layout kept' : `external data in ${externalData.location ?? `${options.output}.data`}`;
      io.stdout.write(`wrote ${options.output} (${model.graph.nodeCount} nodes, ${model.graph.initializers.length} initializers, ${where})\n`);
    }
    return EXIT.ok;
  } catch (error) {
    files?.rollback();
    progress.clear();
    return reportError(error, io, input);
  }
}
