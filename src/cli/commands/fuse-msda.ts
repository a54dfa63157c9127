/**
 * `onnx-surgeon fuse-msda IN -o OUT`: argument parsing and printing around {@link fuseMsda}.
 * Loads, fuses, saves atomically (the input is never touched), and prints what happened per site.
 */
import { Command, Option } from 'commander';
import { OnnxSurgeonError } from '../../errors.js';
import { writeFileAtomic } from '../../onnx/files.js';
import { fuseMsda } from '../../passes/fuse-msda/index.js';
import { structuralProblems } from '../../ir/index.js';
import { type SanitizeReport, sanitizeModel } from '../../passes/sanitize/index.js';
import { reportPhase, timePhase } from '../../profile.js';
import { loadModel, saveModel } from '../../serde/index.js';
import { MSDA_PLUGIN } from '../../plugins/index.js';
import { setupCommand } from '../command-setup.js';
export { type FuseMsdaCliReport, formatFuseMsdaSummary } from '../fuse-msda-summary.js';
import { EXIT, EXIT_CODES_HELP } from '../exit-codes.js';
import { type CommandIo, processIo } from '../io.js';
import { CommandFiles, externalDataMode, nonNegativeInteger, SIZE_THRESHOLD_HELP } from '../output-path.js';
import { createProgress } from '../progress.js';
import { reportError } from '../report-error.js';
import { type FuseMsdaCliReport, formatFuseMsdaSummary } from '../fuse-msda-summary.js';

/** Parsed options of `fuse-msda`, as commander hands them over. */
export interface FuseMsdaCliOptions {
  output?: string;
  report?: string;
  dryRun?: boolean;
  exactPrecision?: boolean;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
  requireAll?: boolean;
  externalData?: string;
  inline?: boolean;
  sizeThreshold?: number;
  pluginVersion?: string;
  allowInvalid?: boolean;
  foldConstants?: boolean;
}

const EXAMPLES = `
Examples:
  # fuse every MSDA site, print a per-site summary
  onnx-surgeon fuse-msda detr.onnx -o detr.fused.onnx

  # see what would be fused without writing anything
  onnx-surgeon fuse-msda detr.onnx --dry-run

  # keep a JSON report next to the output; fail (exit 1), writing no model, if any site stays unfused
  onnx-surgeon fuse-msda detr.onnx -o detr.fused.onnx --report detr.fuse.json --require-all

  # machine-readable: the JSON report on stdout, nothing else
  onnx-surgeon fuse-msda detr.onnx -o detr.fused.onnx --json | jq .fused

A model without MSDA is not an error: it reports 0 sites and the output is written unchanged.
A structurally invalid model (a node reads a tensor nothing produces, a name defined twice, a
cycle) is refused (exit 2) unless --allow-invalid; 'onnx-surgeon check' lists every problem.
Writing over the input needs --force (the write is atomic either way).

${EXIT_CODES_HELP}
`;

/**
 * The `fuse-msda` subcommand, ready for `program.addCommand(fuseMsdaCommand())`.
 *
 * @example
 * ```ts
 * program.addCommand(fuseMsdaCommand());
 * ```
 */
export function fuseMsdaCommand(io: CommandIo = processIo()): Command {
  return setupCommand(new Command('fuse-msda'), io)
    .description('replace multi-scale deformable attention (GridSample form) with TensorRT\'s MultiscaleDeformableAttnPlugin_TRT')
    .argument('<in>', 'ONNX model exported from PyTorch')
    .option('-o, --output <out>', 'fused model to write (required unless --dry-run)')
    .option('--report <file>', 'write the JSON report to this file')
    .option('--dry-run', 'find and prove sites, write no model (--report is still written)')
    .option('--json', 'print the JSON report on stdout (and nothing else)')
    .option('--quiet', 'print nothing but errors')
    .option('--force', 'allow -o to be the input model (replaced atomically)')
    .option('--require-all', 'exit 1 when any site is left unfused, and then write no model (--report is still written, with the reasons)')
    .addOption(new Option('--plugin-version <version>', 'plugin_version of the plugin nodes: 1 (TensorRT 8.6+) or 2 (TensorRT 10.11+)')
      .choices([...MSDA_PLUGIN.versions]).default(MSDA_PLUGIN.versions[0]))
    .option('--exact-precision', 'refuse also the one rounding allowed by default (float64 sampling locations of TorchScript exports rounded to the plugin type)')
    .addOption(new Option('--fold-constants', 'fold constants first (shape arithmetic, Constant nodes, dead nodes; see sanitize), then fuse').conflicts('allowInvalid'))
    .option('--allow-invalid', 'fuse a structurally invalid model (dangling tensors, duplicate names, cycles): sites that depend on the invalid part are skipped with the problem, the rest are fused; the output stays invalid')
    .addOption(new Option('--external-data <file>', 'store tensors in this data file, in the output\'s folder').conflicts('inline'))
    .option('--inline', 'store every tensor inside the .onnx file')
    .option('--size-threshold <bytes>', SIZE_THRESHOLD_HELP, nonNegativeInteger('--size-threshold'))
    .addHelpText('after', EXAMPLES)
    .action(async (input: string, options: FuseMsdaCliOptions) => {
      process.exitCode = await runFuseMsdaCommand(input, options, io);
    });
}

/** Runs `fuse-msda` with parsed options; prints and returns the exit code (exported for tests). */
export async function runFuseMsdaCommand(input: string, options: FuseMsdaCliOptions, io: CommandIo): Promise<number> {
  const progress = createProgress({ stream: io.stderr, quiet: options.quiet, json: options.json });
  let files: CommandFiles | undefined;
  try {
    if (!options.dryRun && options.output === undefined) {
      throw new OnnxSurgeonError('usage', 'missing -o/--output (or pass --dry-run)');
    }
    const output = options.dryRun ? undefined : options.output;
    const storage = output !== undefined ? externalDataMode(output, options) : undefined;
    files = new CommandFiles(input, {
      model: output, storage, externalDataFlag: options.externalData, force: options.force,
      others: options.report !== undefined ? [{ role: '--report', path: options.report }] : [],
    });

    reportPhase('startup', performance.now());
    progress.step(`loading ${input}`);
    const model = await loadModel(input);
    files.modelLoaded(model);
    const problems = options.allowInvalid ? structuralProblems(model.graph) : [];
    const folding = options.foldConstants ? sanitizeModel(model, { removeIdentities: false }) : undefined;
    const report = timePhase('fuse-msda', () => fuseMsda(model, {
      dryRun: Boolean(options.dryRun),
      ...(options.pluginVersion !== undefined ? { pluginVersion: options.pluginVersion } : {}),
      exactPrecision: Boolean(options.exactPrecision),
      allowInvalid: Boolean(options.allowInvalid),
      onProgress: (done, total) => progress.update('fusing MSDA sites', done, total),
    }));
    // --require-all is a promise about the output: a model with a site left unfused is not written.
    const unfused = options.requireAll ? report.sites.filter((s) => s.status === 'skipped') : [];
    const written = unfused.length ? undefined : output;
    files.prepare(io, { quiet: options.quiet, progress, withoutModel: written === undefined });
    if (written !== undefined) {
      progress.step(`saving ${written}`);
      await saveModel(model, written, { externalData: storage!, replaceSource: Boolean(options.force) });
    }
    const full: FuseMsdaCliReport = {
      input, output: written ?? null, ...(folding ? { folding } : {}), ...report,
      ...(output !== undefined && written === undefined ? { notWritten: `--require-all: ${unfusedCount(unfused.length, report.sitesFound)}` } : {}),
    };
    if (options.report !== undefined) {
      writeFileAtomic(options.report, [new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`)]);
    }
    files.done();
    progress.clear();

    if (problems.length && !options.quiet && !options.json) {
      io.stderr.write(`${input}: warning: the model is invalid (${problems.length} structural problem${problems.length === 1 ? '' : 's'}, first: ${problems[0]!.detail}); ` +
        `the output is too (run 'onnx-surgeon check' for the list)\n`);
    }
    if (options.json) io.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
    else if (!options.quiet) io.stdout.write(`${folding ? `${foldingLine(input, folding)}\n` : ''}${formatFuseMsdaSummary(full)}`);
    if (unfused.length) {
      io.stderr.write(`${input}: --require-all: ${unfusedCount(unfused.length, report.sitesFound)}${output === undefined ? '' : `, so ${output} was not written`}: ` +
        `${unfused.map((s) => `${s.name}: ${s.reason}`).join('; ')}\n`);
      return EXIT.checkFailed;
    }
    return EXIT.ok;
  } catch (error) {
    files?.rollback();
    progress.clear();
    return reportError(error, io, input);
  }
}

/** `2 of 6 MSDA sites were left unfused`. */
function unfusedCount(unfused: number, found: number): string {
  return `${unfused} of ${found} MSDA site${found === 1 ? '' : 's'} ${unfused === 1 ? 'was' : 'were'} left unfused`;
}

/** The line `--fold-constants` adds before the summary. */
function foldingLine(input: string, folding: SanitizeReport): string {
  return `${input}: constants folded first: nodes ${folding.nodesBefore} -> ${folding.nodesAfter} (${folding.folded} folded, ${folding.deadNodesRemoved} dead)`;
}
