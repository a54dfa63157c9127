/**
 * The files a command reads and writes, as the command line names them: one {@link WritePlan}
 * per run, checked before the input is read (the paths as given) and again once the model is
 * loaded (its external data files, and the data file the save will write), before anything is
 * written. Also turns `--external-data FILE` / `--inline` into {@link SaveOptions}.
 */
import { InvalidArgumentError } from 'commander';
import * as path from 'node:path';
import { OnnxSurgeonError } from '../errors.js';
import { type PlannedFile, WritePlan } from '../files/write-plan.js';
import type { Model } from '../ir/model.js';
import { type ExternalDataMode, plannedDataFile, sourceFiles } from '../serde/index.js';
import type { CommandIo } from './io.js';
import type { Progress } from './progress.js';
import { formatBytes } from './table.js';

/** The outputs of a command, as parsed from its options. */
export interface CommandOutputs {
  /** `-o`: the model written (absent for `--dry-run`). */
  model?: string;
  /** Where the model's tensors go (from {@link externalDataMode}). */
  storage?: ExternalDataMode;
  /** `--external-data` as given, when it was (names the data file's role in messages). */
  externalDataFlag?: string;
  /** `--force`: the output model may replace the input model. */
  force?: boolean;
  /** Other files written: `--report`, `--dot -o`, an engine, a timing cache. */
  others?: PlannedFile[];
}

/**
 * Every file one run of a command touches. Created with the paths as given (checked at once),
 * told about the loaded model, then asked to create the output folders just before the first
 * write; `done` when everything is written, `rollback` when the command fails.
 *
 * @example
 * ```ts
 * const files = new CommandFiles(input, { model: output, storage, force, others: [{ role: '--report', path: report }] });
 * const model = await loadModel(input);
 * files.modelLoaded(model);
 * files.prepare(io, { quiet });
 * await saveModel(model, output, { externalData: storage, replaceSource: force });
 * files.done();
 * ```
 */
export class CommandFiles {
  private readonly plan: WritePlan;
  private dataPlanned = false;

  /** @throws OnnxSurgeonError `usage` when the paths as given already collide. */
  constructor(input: string, private readonly outputs: CommandOutputs) {
    this.plan = new WritePlan({ replaceInput: outputs.force ?? false });
    this.plan.read({ role: 'the input model', path: input, kind: 'model' });
    if (outputs.model !== undefined) {
      this.plan.write({ role: '-o', path: outputs.model, kind: 'model' });
      const storage = outputs.storage;
      if (typeof storage === 'object' && storage.location !== undefined) this.planData(path.resolve(path.dirname(path.resolve(outputs.model)), storage.location));
    }
    for (const other of outputs.others ?? []) this.plan.write(other);
    this.plan.check();
  }

  /** Adds the input's external data files and the data file the save will write; checks again. */
  modelLoaded(model: Model): void {
    for (const source of sourceFiles(model)) {
      if (source.kind === 'model-data') this.plan.read({ ...source, role: "the input model's external data" });
    }
    if (this.outputs.model !== undefined && !this.dataPlanned) {
      const data = plannedDataFile(model, this.outputs.model, this.outputs.storage ?? 'auto');
      if (data !== undefined) this.planData(data);
    }
    this.plan.check();
  }

  /**
   * Checks once more (the file system may have changed meanwhile), creates the missing output
   * folders and removes stale temp files there, and says so on stderr unless `quiet`.
   * `withoutModel`: the model (and its data) will not be written after all, only the others.
   */
  prepare(io: CommandIo, options: { quiet?: boolean | undefined; progress?: Progress; withoutModel?: boolean } = {}): void {
    this.plan.check();
    const { created, staleTemps } = this.plan.prepareFolders(options.withoutModel ? ['model', 'model-data'] : []);
    if (options.quiet || (!created.length && !staleTemps.length)) return;
    options.progress?.clear();
    for (const folder of created) io.stderr.write(`created folder ${folder}${path.sep}\n`);
    if (staleTemps.length) {
      const bytes = staleTemps.reduce((n, t) => n + t.bytes, 0);
      const where = [...new Set(staleTemps.map((t) => path.relative(process.cwd(), path.dirname(t.path)) || '.'))].join(', ');
      io.stderr.write(`removed ${staleTemps.length} stale temp file${staleTemps.length === 1 ? '' : 's'} (${formatBytes(bytes)}) left by interrupted writes in ${where}\n`);
    }
  }

  /** Every output is written. */
  done(): void {
    this.plan.done();
  }

  /** The command failed: removes the output folders it created, if they are still empty. */
  rollback(): void {
    this.plan.rollback();
  }

  private planData(file: string): void {
    const flag = this.outputs.externalDataFlag;
    // Absolute: a bare --external-data name lives in the output's folder, not in the working folder.
    this.plan.write({ role: flag !== undefined ? '--external-data' : 'the external data file', path: file, kind: 'model-data' });
    this.dataPlanned = true;
  }
}

/** `--help` of `--size-threshold`, the same for every command that saves a model. */
export const SIZE_THRESHOLD_HELP = 'with external data: tensors smaller than this stay inline (default 1024); '
  + 'tensors read as shapes, axes or other op parameters always stay inline (onnxruntime refuses them external)';

/** Storage options from the command line. */
export interface StorageFlags {
  /** `--external-data FILE`. */
  externalData?: string;
  /** `--inline`. */
  inline?: boolean;
  /** `--size-threshold BYTES`. */
  sizeThreshold?: number;
}

/**
 * Maps the storage flags to `saveModel`'s `externalData` option. `FILE` may be a bare name or a
 * path; either way it must end up in the output model's folder, where ONNX looks for it.
 */
export function externalDataMode(output: string, flags: StorageFlags): ExternalDataMode {
  if (flags.inline && flags.externalData !== undefined) {
    throw new OnnxSurgeonError('usage', '--inline and --external-data exclude each other');
  }
  if (flags.inline) {
    if (flags.sizeThreshold !== undefined) throw new OnnxSurgeonError('usage', '--size-threshold needs external data, not --inline');
    return 'inline';
  }
  if (flags.externalData === undefined) {
    return flags.sizeThreshold === undefined ? 'auto' : { sizeThreshold: flags.sizeThreshold };
  }
  // A bare name is relative to the output model (as ONNX stores it); a path is taken from the cwd.
  const outputDir = path.dirname(path.resolve(output));
  const bare = !flags.externalData.includes('/') && !flags.externalData.includes(path.sep);
  const chosen = bare ? flags.externalData : path.relative(outputDir, path.resolve(flags.externalData));
  if (chosen === '' || chosen.startsWith('..') || path.isAbsolute(chosen)) {
    throw new OnnxSurgeonError('usage', 'the external data file must be in the output model\'s folder (ONNX stores a relative location)', {
      file: flags.externalData, expected: `a file under ${outputDir}`,
    });
  }
  return { location: chosen.split(path.sep).join('/'), ...(flags.sizeThreshold !== undefined ? { sizeThreshold: flags.sizeThreshold } : {}) };
}

/** Parses a non-negative integer option value (for commander's `argParser`). */
export function nonNegativeInteger(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} needs a non-negative integer, got '${value}'`);
    return Number(value);
  };
}
