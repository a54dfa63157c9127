/**
 * The shape every model-to-model command shares (sanitize, extract): read a model, change it or
 * derive one, write it through the write plan (never over the input without --force, atomic,
 * folders created), then print a summary or the JSON report. A command supplies its options,
 * its pass and its summary.
 */
import { type Command, Option } from 'commander';
import { OnnxSurgeonError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { loadModel, saveModel } from '../serde/index.js';
import { EXIT } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { CommandFiles, externalDataMode, nonNegativeInteger, SIZE_THRESHOLD_HELP } from './output-path.js';
import { createProgress } from './progress.js';
import { reportError } from './report-error.js';

/** The options {@link addModelOutputOptions} defines. */
export interface ModelOutputOptions {
  output?: string;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
  externalData?: string;
  inline?: boolean;
  sizeThreshold?: number;
}

/** A report with the files: what `--json` prints. */
export type WithFiles<R> = R & {
  /** The model read. */
  input: string;
  /** The model written, or null for `--dry-run`. */
  output: string | null;
};

/**
 * Adds `-o`, `--dry-run`, `--json`, `--quiet`, `--force` and the storage options
 * (`--external-data`, `--inline`, `--size-threshold`) to `command`.
 *
 * @example
 * ```ts
 * addModelOutputOptions(new Command('sanitize').argument('<in>', 'ONNX model'), 'report what would change, write nothing');
 * ```
 */
export function addModelOutputOptions(command: Command, dryRunHelp: string): Command {
  return command
    .option('-o, --output <out>', 'model to write (required unless --dry-run)')
    .option('--dry-run', dryRunHelp)
    .option('--json', 'print the JSON report on stdout (and nothing else)')
    .option('--quiet', 'print nothing but errors')
    .option('--force', 'allow -o to be the input model (replaced atomically)')
    .addOption(new Option('--external-data <file>', 'store tensors in this data file, in the output\'s folder').conflicts('inline'))
    .option('--inline', 'store every tensor inside the .onnx file')
    .option('--size-threshold <bytes>', SIZE_THRESHOLD_HELP, nonNegativeInteger('--size-threshold'));
}

/** What a command runs on the loaded model: the model to write (the same one or a new one) and the report. */
export type ModelTransform<R> = (model: Model) => { model: Model; report: R };

/**
 * Runs a model-to-model command: `plan` parses the command's own options (before anything is
 * read, so a usage error costs nothing) and returns its transform; then the files are checked,
 * `input` loaded, the transform run (labelled `step` in the progress line), the result written
 * unless `--dry-run`, and `summary` of the report printed (or the JSON report with `--json`,
 * nothing with `--quiet`). Returns the exit code; a failure is one line on stderr and leaves
 * nothing written.
 */
export async function runModelCommand<R extends object>(input: string, options: ModelOutputOptions, io: CommandIo, step: string,
  plan: () => ModelTransform<R>, summary: (report: WithFiles<R>) => string): Promise<number> {
  const progress = createProgress({ stream: io.stderr, quiet: options.quiet, json: options.json });
  let files: CommandFiles | undefined;
  try {
    if (!options.dryRun && options.output === undefined) throw new OnnxSurgeonError('usage', 'missing -o/--output (or pass --dry-run)');
    const transform = plan();
    const output = options.dryRun ? undefined : options.output;
    const storage = output !== undefined ? externalDataMode(output, options) : undefined;
    files = new CommandFiles(input, { model: output, storage, externalDataFlag: options.externalData, force: options.force });
    progress.step(`loading ${input}`);
    const loaded = await loadModel(input);
    files.modelLoaded(loaded);
    progress.step(step);
    const { model, report } = transform(loaded);
    if (output !== undefined) {
      files.prepare(io, { quiet: options.quiet, progress });
      progress.step(`saving ${output}`);
      await saveModel(model, output, { externalData: storage!, replaceSource: Boolean(options.force) });
    }
    files.done();
    progress.clear();
    const full = { input, output: output ?? null, ...report } as WithFiles<R>;
    if (options.json) io.stdout.write(`${JSON.stringify(full, null, 2)}\n`);
    else if (!options.quiet) io.stdout.write(summary(full));
    return EXIT.ok;
  } catch (error) {
    files?.rollback();
    progress.clear();
    return reportError(error, io, input);
  }
}
