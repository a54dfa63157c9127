/**
 * `onnx-surgeon sanitize IN -o OUT`: argument parsing and printing around {@link sanitizeModel}
 * (constant folding, Identity and dead-node removal, input shape overrides, renames).
 */
import { Command } from 'commander';
import { OnnxSurgeonError } from '../../errors.js';
import { type Graph, formatDims } from '../../ir/index.js';
import { type InputShapeOverrides, type SanitizeReport, sanitizeModel } from '../../passes/sanitize/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { type ModelOutputOptions, type WithFiles, addModelOutputOptions, runModelCommand } from '../model-command.js';
import { collect, commaList } from '../option-values.js';
import { shapeOverrideArgs } from '../shape-args.js';
import { renderTable } from '../table.js';

/** Parsed options of `sanitize`. */
export interface SanitizeCliOptions extends ModelOutputOptions {
  overrideInputShapes?: string[];
  rename?: string[];
  fold?: boolean;
  keepIdentities?: boolean;
}

/** What `sanitize --json` prints: the pass report plus the files (`output` null for `--dry-run`). */
export type SanitizeCliReport = WithFiles<SanitizeReport>;

const EXAMPLES = `
Examples:
  # fold constants (shape arithmetic, Constant nodes), drop Identity and dead nodes
  onnx-surgeon sanitize detr.onnx -o detr.clean.onnx

  # a dynamic export made static for one image size, then folded
  onnx-surgeon sanitize detr.onnx -o detr.800.onnx --override-input-shapes pixel_values:1x3x800x800

  # fix one symbolic dim everywhere, rename the input
  onnx-surgeon sanitize detr.onnx -o out.onnx --override-input-shapes batch=1 --rename pixel_values=images

  # what would change, nothing written
  onnx-surgeon sanitize detr.onnx --dry-run

Shapes take the syntax of verify --shape and build --shapes: NAME=AxBxC or NAME:AxBxC for a whole
input, NAME=N for a symbolic dim (in every input that has it), NAME=batch,3,H,W (or [batch,3,H,W])
to make dims symbolic. The model's other declared shapes are inferred again; shapes the model cannot
run with (a static export given another image size) are refused. Freeing a dim of a static export
does not make it dynamic: its sizes are constants inside the graph.

${EXIT_CODES_HELP}
`;

/**
 * The `sanitize` subcommand.
 *
 * @example
 * ```ts
 * program.addCommand(sanitizeCommand());
 * ```
 */
export function sanitizeCommand(io: CommandIo = processIo()): Command {
  return addModelOutputOptions(setupCommand(new Command('sanitize'), io)
    .description('fold constants, remove Identity and dead nodes, override input shapes, rename inputs and outputs')
    .argument('<in>', 'ONNX model'), 'report what would change, write nothing')
    .option('--override-input-shapes <name:dims>', 'new shape of an input (x:1x3x800x800, x=batch,3,H,W) or size of a symbolic dim (batch=1); repeatable', collect, [])
    .option('--rename <old=new>', 'rename graph inputs or outputs, comma-separated (refused if a new name is taken); repeatable', commaList, [])
    .option('--no-fold', 'do not fold constants')
    .option('--keep-identities', 'keep Identity nodes')
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: SanitizeCliOptions) => {
      process.exitCode = await runSanitizeCommand(input, options, io);
    });
}

/** Runs `sanitize`; prints and returns the exit code (exported for tests). */
export function runSanitizeCommand(input: string, options: SanitizeCliOptions, io: CommandIo): Promise<number> {
  return runModelCommand(input, options, io, 'sanitizing', () => {
    const overrides = shapeOverrideArgs(options.overrideInputShapes ?? []);
    const rename = renameArgs(options.rename ?? []);
    return (model) => {
      const report = sanitizeModel(model, {
        inputShapes: inputShapeOverrides(model.graph, overrides), rename,
        foldConstants: options.fold ?? true, removeIdentities: !options.keepIdentities,
      });
      return { model, report };
    };
  }, formatSanitizeSummary);
}

/** `old=new` pairs (split at the first `=`). */
function renameArgs(texts: readonly string[]): Record<string, string> {
  const renames: Record<string, string> = {};
  for (const text of texts) {
    const at = text.indexOf('=');
    const from = text.slice(0, Math.max(at, 0)).trim();
    const to = text.slice(at + 1).trim();
    if (at <= 0 || !from || !to) throw new OnnxSurgeonError('usage', `cannot parse --rename '${text}'`, { expected: 'OLD=NEW' });
    if (from in renames) throw new OnnxSurgeonError('usage', `--rename names '${from}' twice`, { tensor: from });
    renames[from] = to;
  }
  return renames;
}

/** `NAME=N` is a whole rank-1 input where an input has that name, else the size of a symbolic dim. */
function inputShapeOverrides(graph: Graph, args: ReturnType<typeof shapeOverrideArgs>): InputShapeOverrides {
  const shapes: Record<string, (number | string)[]> = {};
  const dimSizes: Record<string, number> = {};
  const inputNames = new Set(graph.inputs.filter((v) => !v.initializer).map((v) => v.name));
  for (const arg of args) {
    if (arg.scalar && !inputNames.has(arg.name)) dimSizes[arg.name] = arg.dims[0] as number;
    else shapes[arg.name] = arg.dims;
  }
  return { shapes, dimSizes };
}

/** Most op types listed in the summary (`--json` has them all). */
const MAX_OP_ROWS = 12;

/**
 * The human-readable summary: node and initializer counts, what each step did, shape changes,
 * renames, and the op types whose count changed most.
 */
export function formatSanitizeSummary(report: SanitizeCliReport): string {
  const lines = [
    `${report.input}: nodes ${report.nodesBefore} -> ${report.nodesAfter} (${report.folded} folded into constants, ` +
      `${report.identitiesRemoved} Identity removed, ${report.deadNodesRemoved} dead), initializers ${report.initializersBefore} -> ${report.initializersAfter}`,
  ];
  for (const change of report.inputShapes) lines.push(`input ${change.input}: ${change.before ? formatDims(change.before) : '(rank unknown)'} -> ${formatDims(change.after)}`);
  for (const rename of report.renamed) lines.push(`renamed ${rename.role} ${rename.from} -> ${rename.to}`);
  if (report.ops.length) {
    const rows = report.ops.slice(0, MAX_OP_ROWS).map((c) => [c.op, String(c.before), String(c.after)]);
    lines.push('', ...renderTable([{ header: 'op' }, { header: 'before', right: true }, { header: 'after', right: true }], rows, '  '));
    const more = report.ops.length - rows.length;
    if (more > 0) lines.push(`  ... ${more} more op type${more === 1 ? '' : 's'} (--json lists all)`);
    lines.push('');
  }
  lines.push(report.output === null ? 'dry run: nothing written' : `wrote ${report.output}`);
  return `${lines.join('\n')}\n`;
}
