/**
 * The files one command (or one library call) will write, checked against each other and against
 * the files it reads before anything is written: no two outputs may be the same file, and no
 * output may be an input, compared as real files (see identity.ts). Each refusal names both roles
 * ("--report is the input model a.onnx").
 *
 * The one allowed overlap is deliberate: with `replaceInput` (the CLI's `--force`), the output
 * model may replace the input model, and its external data the input's external data together
 * with it (the pair is replaced atomically). An output never replaces only the input's external
 * data: the input model would be left reading rewritten bytes.
 *
 * The plan also creates the folders its outputs need (only those, never for an input) and, until
 * the command is done, removes them again (when still empty) if it fails or is interrupted.
 */

import { mkdirSync, rmdirSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { OnnxSurgeonError } from '../errors.js';
import { type FileIdentity, type SameFileHow, fileIdentity, nearestExisting, sameFile } from './identity.js';
import { type StaleTemp, removeStaleTemps, trackCreatedFolders, untrackCreatedFolders } from './temp-files.js';
import { fsReason } from './fs-errors.js';

/**
 * What a planned file is, for the one overlap `replaceInput` allows: a `model` output may be an
 * input `model`, a `model-data` output an input `model-data` when its model is replaced too.
 */
export type PlannedFileKind = 'model' | 'model-data' | 'other';

/** One file a plan reads or writes. */
export interface PlannedFile {
  /** How the user named it: an option (`-o`, `--report`) or words (`the input model`). */
  role: string;
  /** The path as given. */
  path: string;
  /** See {@link PlannedFileKind} (default `other`). */
  kind?: PlannedFileKind;
}

/** Options of a {@link WritePlan}. */
export interface WritePlanOptions {
  /** An output model may replace the input model (the CLI's `--force`). */
  replaceInput?: boolean;
  /** How the user asks for `replaceInput`, for the message (default `--force`). */
  replaceInputHint?: string;
}

/** What {@link WritePlan.prepareFolders} did. */
export interface PreparedFolders {
  /** Folders created for the outputs, outermost first, as paths relative to the working folder. */
  created: string[];
  /** Temp files of dead writers removed from the output folders. */
  staleTemps: StaleTemp[];
}

interface Entry extends Required<PlannedFile> {
  identity: FileIdentity;
}

/**
 * Plans the files of one command.
 *
 * @example
 * ```ts
 * const plan = new WritePlan({ replaceInput: false })
 *   .read({ role: 'the input model', path: 'a.onnx', kind: 'model' })
 *   .write({ role: '-o', path: 'b.onnx', kind: 'model' })
 *   .write({ role: '--report', path: 'a.onnx' });
 * plan.check(); // throws: "--report is the input model a.onnx"
 * ```
 */
export class WritePlan {
  private readonly inputs: Entry[] = [];
  private readonly outputs: Entry[] = [];
  private createdFolders: string[] = [];

  constructor(private readonly options: WritePlanOptions = {}) {}

  /** Adds a file the command reads. */
  read(file: PlannedFile): this {
    this.inputs.push(entry(file));
    return this;
  }

  /** Adds a file the command writes. */
  write(file: PlannedFile): this {
    this.outputs.push(entry(file));
    return this;
  }

  /** The planned outputs, as given. */
  get outputFiles(): readonly PlannedFile[] {
    return this.outputs.map(({ role, path, kind }) => ({ role, path, kind }));
  }

  /**
   * Checks the plan (each call looks at the file system afresh, so call it again after adding
   * files). Throws on the first problem.
   *
   * @throws OnnxSurgeonError `usage`: an output that is a folder or a device, under a path that is
   *   not a folder, the same file as another output, or the same file as an input.
   */
  check(): void {
    const outputs = this.outputs.map(refresh);
    const inputs = this.inputs.map(refresh);
    for (const output of outputs) checkWritable(output);
    for (let i = 0; i < outputs.length; i++) {
      for (let j = i + 1; j < outputs.length; j++) {
        const a = outputs[i]!;
        const b = outputs[j]!;
        const how = sameFile(a.identity, b.identity);
        if (how) {
          const spelled = a.path === b.path ? HOW_NOTE[how] : ` (${a.path} and ${b.path}${HOW_NOTE[how]})`;
          throw new OnnxSurgeonError('usage', `${a.role} and ${b.role} are the same file${spelled}`, {
            file: b.path, expected: 'a different file for each output',
          });
        }
      }
    }
    const replacedModel = outputs.some((o) => o.kind === 'model' && inputs.some((i) => i.kind === 'model' && sameFile(o.identity, i.identity)));
    for (const output of outputs) {
      for (const input of inputs) {
        const how = sameFile(output.identity, input.identity);
        if (how) this.checkOverlap(output, input, how, replacedModel);
      }
    }
  }

  private checkOverlap(output: Entry, input: Entry, how: SameFileHow, replacedModel: boolean): void {
    const what = `${output.role} is ${input.role}${output.path === input.path ? '' : ` ${input.path}`}${HOW_NOTE[how]}`;
    const hint = this.options.replaceInputHint ?? '--force';
    if (output.kind === 'model' && input.kind === 'model') {
      if (this.options.replaceInput) return;
      throw new OnnxSurgeonError('usage', `${what}; pass ${hint} to overwrite it (the write is atomic)`, {
        file: output.path, expected: `another path, or ${hint}`,
      });
    }
    if (output.kind === 'model-data' && input.kind === 'model-data' && this.options.replaceInput && replacedModel) return;
    const consequence = input.kind === 'model-data' ? ': the input model would be left reading rewritten data' : '';
    throw new OnnxSurgeonError('usage', `${what}${consequence}`, { file: output.path, expected: `another path for ${output.role}` });
  }

  /**
   * Creates the missing folders the outputs need and removes stale temp files (left by killed
   * writers) from the output folders. Until {@link done}, the folders created are removed again
   * (when empty) by {@link rollback} and by Ctrl-C.
   *
   * `skip`: kinds of output that will not be written after all (a model a failed check withholds).
   *
   * @throws OnnxSurgeonError `io` when a folder cannot be created.
   */
  prepareFolders(skip: readonly PlannedFileKind[] = []): PreparedFolders {
    const created: string[] = [];
    const staleTemps: StaleTemp[] = [];
    const folders = [...new Set(this.outputs.filter((o) => !skip.includes(o.kind)).map((o) => dirname(refresh(o).identity.absolute)))];
    for (const folder of folders) {
      for (const missing of missingFolders(folder)) {
        try {
          mkdirSync(missing);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue; // made meanwhile: not ours
          this.rollback();
          throw new OnnxSurgeonError('io', `cannot create the output folder: ${fsReason(error)}`, { file: displayPath(missing) }, { cause: error });
        }
        created.push(missing);
        this.createdFolders.push(missing);
        trackCreatedFolders([missing]);
      }
      staleTemps.push(...removeStaleTemps(folder));
    }
    return { created: created.map(displayPath), staleTemps };
  }

  /** Every output is written: the created folders are the user's now. */
  done(): void {
    untrackCreatedFolders(this.createdFolders);
    this.createdFolders = [];
  }

  /** The command failed: removes the folders it created, if still empty. */
  rollback(): void {
    for (const folder of [...this.createdFolders].reverse()) {
      try {
        rmdirSync(folder);
      } catch {
        // Something is in it (or it is gone): leave it.
      }
    }
    this.done();
  }
}

function entry(file: PlannedFile): Entry {
  // Absolute paths (data files found in a model) are shown as the user would type them.
  const shown = isAbsolute(file.path) ? displayPath(file.path) : file.path;
  return { role: file.role, path: shown, kind: file.kind ?? 'other', identity: fileIdentity(file.path) };
}

function refresh(e: Entry): Entry {
  return { ...e, identity: fileIdentity(e.path) };
}

/** An output must be a regular file (or nothing yet) under folders (or nothing yet). */
function checkWritable(output: Entry): void {
  const { identity } = output;
  if (identity.kind === 'folder') {
    throw new OnnxSurgeonError('usage', `${output.role} is a folder`, { file: output.path, expected: 'a file path' });
  }
  if (identity.kind === 'other') {
    // Outputs are replaced by a rename: over /dev/null that would replace the device itself.
    throw new OnnxSurgeonError('usage', `${output.role} is ${identity.other}, not a regular file`, {
      file: output.path, expected: 'a regular file, since outputs are written beside it and renamed into place',
    });
  }
  const folder = nearestExisting(dirname(identity.absolute));
  if (fileIdentity(folder).kind !== 'folder') {
    throw new OnnxSurgeonError('usage', `${output.role}: ${displayPath(folder)} is not a folder`, { file: output.path });
  }
}

/** The folders between the nearest existing one and `folder`, outermost first. */
function missingFolders(folder: string): string[] {
  const existing = nearestExisting(folder);
  const missing: string[] = [];
  for (let current = folder; current !== existing; current = dirname(current)) missing.unshift(current);
  return missing;
}

/** How two paths are the same file, as said after the second one. */
const HOW_NOTE: Record<SameFileHow, string> = {
  'same path': '',
  'same path written differently': '',
  symlink: ', through a symlink',
  'hard link': ', a hard link to it',
  'case-insensitive name': ', the same name in this case-insensitive folder',
};

/** A path as the user would type it: relative to the working folder when under it. */
export function displayPath(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
}
