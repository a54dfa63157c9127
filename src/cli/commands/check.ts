/**
 * `onnx-surgeon check IN`: every problem of a model at once, like a linter ({@link checkModel}).
 * Exit 0 when clean (warnings allowed), 1 when it found errors, 2 when the file cannot be read.
 */
import { Command } from 'commander';
import { type CheckReport, checkModel } from '../../check/index.js';
import { loadModel } from '../../serde/index.js';
import { setupCommand } from '../command-setup.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { reportError } from '../report-error.js';

/** Parsed options of `check`. */
export interface CheckCliOptions {
  json?: boolean;
  quiet?: boolean;
}

const EXAMPLES = `
Examples:
  onnx-surgeon check detr.onnx
  onnx-surgeon check detr.onnx --json | jq '.problems[] | select(.rule == "dangling-input") | .tensor'

Reports, each with its node, tensor and what was expected:
  structure   a node reads a tensor nothing produces, a name defined twice, a cycle, nodes out of
              topological order, a graph output nothing computes, untyped graph inputs/outputs
  operators   unknown operators, operators the model's opset does not have yet, deprecated ones,
              input/output counts, attribute names, types and values (modes, flags) against the
              ONNX operator schemas
  types       element types against the schemas' type constraints, declared types that
              contradict shape inference
  data        external data files missing, outside the model folder, or too short
  plugins     plugin nodes against their contract (what 'validate' checks)

Operator schemas come from ONNX's registry up to opset 17 (onnx 1.12); an operator ONNX
redefined after that is counted as not checked rather than judged by an older version.

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 the file cannot be read.
${EXIT_CODES_HELP}
`;

/**
 * The `check` subcommand.
 *
 * @example
 * ```ts
 * program.addCommand(checkCommand());
 * ```
 */
export function checkCommand(io: CommandIo = processIo()): Command {
  return setupCommand(new Command('check'), io)
    .description('report every problem of a model at once: structure, operator schemas, types, external data, plugins')
    .argument('<in>', 'ONNX model')
    .option('--json', 'print the report as JSON')
    .option('--quiet', 'print only the problems')
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: CheckCliOptions) => {
      process.exitCode = await runCheckCommand(input, options, io);
    });
}

/** Runs `check`; returns 0 when clean, 1 with errors, 2 when unreadable (exported for tests). */
export async function runCheckCommand(input: string, options: CheckCliOptions, io: CommandIo): Promise<number> {
  let report: CheckReport;
  try {
    report = checkModel(await loadModel(input));
  } catch (error) {
    return reportError(error, io, input);
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ file: input, ...report }, null, 2)}\n`);
  } else {
    io.stdout.write(formatCheckReport(input, report, options));
  }
  return report.ok ? EXIT.ok : EXIT.checkFailed;
}

/** The text of a check report: one line per problem, then (unless `quiet`) the counts (also `inspect --check`'s). */
export function formatCheckReport(input: string, report: CheckReport, options: { quiet?: boolean | undefined } = {}): string {
  return report.problems.map((p) => `${input}: ${p.message}\n`).join('') + (options.quiet ? '' : summary(input, report));
}

function summary(input: string, report: CheckReport): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const skipped = Object.values(report.notChecked).reduce((a, b) => a + b, 0);
  const lines = [`${input}: ${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')}; ${plural(report.nodes, 'node')}: ` +
    `${report.schemaChecked} checked against ONNX schemas, ${report.pluginChecked} against plugin contracts, ${skipped} not checked`];
  for (const [reason, count] of Object.entries(report.notChecked).sort((a, b) => b[1] - a[1])) lines.push(`  not checked: ${count} x ${reason}`);
  return `${lines.join('\n')}\n`;
}
