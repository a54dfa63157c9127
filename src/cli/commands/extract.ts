/**
 * `onnx-surgeon extract IN -o OUT --inputs a,b --outputs c`: argument parsing and printing around
 * {@link extractSubgraph}.
 */
import { Command, Option } from 'commander';
import { OnnxSurgeonError } from '../../errors.js';
import { type ExtractReport, type ExtractedValue, extractSubgraph } from '../../passes/extract/index.js';
import { loadModel, saveModel } from '../../serde/index.js';
import { formatDims } from '../../verify/input-shapes.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { commaList } from '../option-values.js';
import { CommandFiles, externalDataMode, nonNegativeInteger, SIZE_THRESHOLD_HELP } from '../output-path.js';
import { createProgress } from '../progress.js';
import { reportError } from '../report-error.js';
import { renderTable } from '../table.js';

/** Parsed options of `extract`. */
export interface ExtractCliOptions {
  output?: string;
  inputs?: string[];
  outputs?: string[];
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
  externalData?: string;
  inline?: boolean;
  sizeThreshold?: number;
}

/** What `extract --json` prints: the pass report plus the files. */
export interface ExtractCliReport extends ExtractReport {
  /** The model read. */
  input: string;
  /** The model written, or null for `--dry-run`. */
  output: string | null;
}

const EXAMPLES = `
Examples:
  # one encoder layer of a Deformable DETR export, as a model of its own
  onnx-surgeon extract detr.onnx -o layer0.onnx \\
    --inputs /model/encoder/Concat_output_0,/model/encoder/layers.0/self_attn/Add_output_0 \\
    --outputs /model/encoder/layers.0/final_layer_norm/LayerNormalization_output_0

  # the backbone: from the graph input to a feature map
  onnx-surgeon extract detr.onnx -o backbone.onnx --inputs pixel_values --outputs /model/backbone/Relu_output_0

Any value may be an input (it becomes a graph input, typed from the model's declarations or shape
inference) or an output. An output that reads a graph input not given in --inputs is refused, naming
the input and the path to it; where only that input's size is read and it is static, the value
becomes a constant instead. 'onnx-surgeon inspect' lists value names.

${EXIT_CODES_HELP}
`;

/**
 * The `extract` subcommand.
 *
 * @example
 * ```ts
 * program.addCommand(extractCommand());
 * ```
 */
export function extractCommand(io: CommandIo = processIo()): Command {
  return setupCommand(new Command('extract'), io)
    .description('cut out the subgraph that computes some values from others, as a model of its own')
    .argument('<in>', 'ONNX model')
    .option('-o, --output <out>', 'model to write (required unless --dry-run)')
    .option('--inputs <names>', 'values the subgraph starts from, comma-separated (repeatable)', commaList, [])
    .option('--outputs <names>', 'values it computes, comma-separated (repeatable; required)', commaList, [])
    .option('--dry-run', 'report the subgraph, write nothing')
    .option('--json', 'print the JSON report on stdout (and nothing else)')
    .option('--quiet', 'print nothing but errors')
    .option('--force', 'allow -o to be the input model (replaced atomically)')
    .addOption(new Option('--external-data <file>', 'store tensors in this data file, in the output\'s folder').conflicts('inline'))
    .option('--inline', 'store every tensor inside the .onnx file')
    .option('--size-threshold <bytes>', SIZE_THRESHOLD_HELP, nonNegativeInteger('--size-threshold'))
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: ExtractCliOptions) => {
      process.exitCode = await runExtractCommand(input, options, io);
    });
}

/** Runs `extract`; prints and returns the exit code (exported for tests). */
export async function runExtractCommand(input: string, options: ExtractCliOptions, io: CommandIo): Promise<number> {
  const progress = createProgress({ stream: io.stderr, quiet: options.quiet, json: options.json });
  let files: CommandFiles | undefined;
  try {
    if (!options.dryRun && options.output === undefined) throw new OnnxSurgeonError('usage', 'missing -o/--output (or pass --dry-run)');
    if (!options.outputs?.length) throw new OnnxSurgeonError('usage', 'missing --outputs (the values to extract)');
    const output = options.dryRun ? undefined : options.output;
    const storage = output !== undefined ? externalDataMode(output, options) : undefined;
    files = new CommandFiles(input, { model: output, storage, externalDataFlag: options.externalData, force: options.force });
    progress.step(`loading ${input}`);
    const model = await loadModel(input);
    files.modelLoaded(model);
    progress.step('extracting');
    const { model: subgraph, report } = extractSubgraph(model, { inputs: options.inputs ?? [], outputs: options.outputs });
    if (output !== undefined) {
      files.prepare(io, { quiet: options.quiet, progress });
      progress.step(`saving ${output}`);
      await saveModel(subgraph, output, { externalData: storage!, replaceSource: Boolean(options.force) });
    }
    files.done();
    progress.clear();
    const full: ExtractCliReport = { input, output: output ?? null, ...report };
    if (options.json) io.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
    else if (!options.quiet) io.stdout.write(formatExtractSummary(full));
    return EXIT.ok;
  } catch (error) {
    files?.rollback();
    progress.clear();
    return reportError(error, io, input);
  }
}

/** The human-readable summary: node counts, the inputs and outputs with their types, what became constant. */
export function formatExtractSummary(report: ExtractCliReport): string {
  const lines = [`${report.input}: extracted ${report.nodes} of ${report.nodesBefore} nodes (${report.initializers} initializers)`, ''];
  const row = (role: string) => (v: ExtractedValue): string[] => [role, v.name, v.dtype, v.shape ? formatDims(v.shape) : '(rank unknown)'];
  lines.push(...renderTable([{ header: '' }, { header: 'name' }, { header: 'dtype' }, { header: 'shape' }], [...report.inputs.map(row('input')), ...report.outputs.map(row('output'))], '  '), '');
  if (report.constants.length) lines.push(`${report.constants.length} value${report.constants.length === 1 ? '' : 's'} computed from static sizes only became constants`);
  if (report.unusedInputs.length) lines.push(`warning: no output reads ${report.unusedInputs.map((n) => `'${n}'`).join(', ')} (kept as ${report.unusedInputs.length === 1 ? 'an input' : 'inputs'})`);
  lines.push(report.output === null ? 'dry run: nothing written' : `wrote ${report.output}`);
  return `${lines.join('\n')}\n`;
}
