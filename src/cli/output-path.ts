/**
 * Output-path rules shared by the commands that write models: never overwrite the input unless
 * asked (`--force`), and turn `--external-data FILE` / `--inline` into {@link SaveOptions}.
 */
import { InvalidArgumentError } from 'commander';
import { existsSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { OnnxSurgeonError } from '../errors.js';
import type { ExternalDataMode } from '../serde/index.js';

/** True when `a` and `b` name the same file (after resolving symlinks where the files exist). */
export function samePath(a: string, b: string): boolean {
  const canonical = (p: string): string => (existsSync(p) ? realpathSync(p) : path.resolve(p));
  return canonical(a) === canonical(b);
}

/**
 * Refuses an output path equal to the input unless `force` is set. Saving is atomic (temp file
 * and rename), so overwriting is safe; the rule only protects a typo from replacing the original.
 */
export function checkOutputPath(input: string, output: string, force: boolean | undefined): void {
  if (!force && samePath(input, output)) {
    throw new OnnxSurgeonError('usage', 'output path is the input path; pass --force to overwrite the input', {
      file: output, expected: 'a different output path, or --force',
    });
  }
}

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
