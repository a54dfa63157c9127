/**
 * `onnx-surgeon validate IN`: checks every plugin node against its contract (input count, dtypes,
 * ranks, shape relations, attributes). Exit 1 with one line per violation.
 */
import { Command } from 'commander';
import { loadModel } from '../../serde/index.js';
import { type ValidationReport, validatePluginNodes } from '../../plugins/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { reportError } from '../report-error.js';

/** Parsed options of `validate`. */
export interface ValidateCliOptions {
  json?: boolean;
  quiet?: boolean;
}

const EXAMPLES = `
Examples:
  onnx-surgeon validate detr.fused.onnx
  onnx-surgeon validate detr.fused.onnx --json | jq '.violations[].message'

Checks each plugin node (today: MultiscaleDeformableAttnPlugin_TRT) against the contract TensorRT
imposes: 5 inputs in order, dtypes, ranks, consistent N/S/M/D/Lq/L/P, int32 level tables,
plugin_version/plugin_namespace attributes. A model without plugin nodes passes (0 checked).

${EXIT_CODES_HELP}
`;

/**
 * The `validate` subcommand.
 *
 * @example
 * ```ts
 * program.addCommand(validateCommand());
 * ```
 */
export function validateCommand(io: CommandIo = processIo()): Command {
  return setupCommand(new Command('validate'), io)
    .description('check every plugin node against its contract')
    .argument('<in>', 'ONNX model (typically the output of fuse-msda)')
    .option('--json', 'print the validation report as JSON')
    .option('--quiet', 'print only violations')
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: ValidateCliOptions) => {
      process.exitCode = await runValidateCommand(input, options, io);
    });
}

/** Runs `validate`; returns 0 when clean, 1 with violations (exported for tests). */
export async function runValidateCommand(input: string, options: ValidateCliOptions, io: CommandIo): Promise<number> {
  let report: ValidationReport;
  try {
    report = validatePluginNodes(await loadModel(input));
  } catch (error) {
    return reportError(error, io, input);
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ file: input, ...report }, null, 2)}\n`);
  } else {
    for (const v of report.violations) io.stderr.write(`${input}: ${v.message}\n`);
    if (!options.quiet) {
      const byOp = Object.entries(report.byOp).map(([op, n]) => `${n} ${op}`).join(', ');
      io.stdout.write(`${input}: ${report.checkedNodes} plugin node${report.checkedNodes === 1 ? '' : 's'} checked${byOp ? ` (${byOp})` : ''}, ` +
        `${report.violations.length} violation${report.violations.length === 1 ? '' : 's'}\n`);
    }
  }
  return report.ok ? EXIT.ok : EXIT.checkFailed;
}
