/**
 * `onnx-surgeon extract IN -o OUT --inputs a,b --outputs c`: argument parsing and printing around
 * {@link extractSubgraph}.
 */
import { Command } from 'commander';
import { OnnxSurgeonError } from '../../errors.js';
import { formatDims } from '../../ir/index.js';
import { type ExtractReport, type ExtractedValue, extractSubgraph } from '../../passes/extract/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { type ModelOutputOptions, type WithFiles, addModelOutputOptions, runModelCommand } from '../model-command.js';
import { commaList } from '../option-values.js';
import { renderTable } from '../table.js';

/** Parsed options of `extract`. */
export interface ExtractCliOptions extends ModelOutputOptions {
  inputs?: string[];
  outputs?: string[];
}

/** What `extract --json` prints: the pass report plus the files (`output` null for `--dry-run`). */
export type ExtractCliReport = WithFiles<ExtractReport>;

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
  return addModelOutputOptions(setupCommand(new Command('extract'), io)
    .description('cut out the subgraph that computes some values from others, as a model of its own')
    .argument('<in>', 'ONNX model'), 'report the subgraph, write nothing')
    .option('--inputs <names>', 'values the subgraph starts from, comma-separated (repeatable)', commaList, [])
    .option('--outputs <names>', 'values it computes, comma-separated (repeatable; required)', commaList, [])
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: ExtractCliOptions) => {
      process.exitCode = await runExtractCommand(input, options, io);
    });
}

/** Runs `extract`; prints and returns the exit code (exported for tests). */
export function runExtractCommand(input: string, options: ExtractCliOptions, io: CommandIo): Promise<number> {
  return runModelCommand(input, options, io, 'extracting', () => {
    const outputs = options.outputs ?? [];
    if (!outputs.length) throw new OnnxSurgeonError('usage', 'missing --outputs (the values to extract)');
    return (model) => extractSubgraph(model, { inputs: options.inputs ?? [], outputs });
  }, formatExtractSummary);
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
