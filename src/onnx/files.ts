/**
 * File access for models: whole-file reads with clear errors, and atomic writes (temp file in the
 * same folder, fsync, rename; see src/files/atomic-file.ts) so a crash, a full disk or Ctrl-C
 * never leaves a half-written model behind.
 */

import { readFileSync, statSync } from 'node:fs';
import { OnnxSurgeonError } from '../errors.js';
import { AtomicFile } from '../files/atomic-file.js';
import { ioError } from '../files/fs-errors.js';

export { ioError } from '../files/fs-errors.js';
export { writeFully } from '../files/atomic-file.js';

/**
 * Reads a whole model file.
 *
 * @example
 * ```ts
 * const model = decodeModel(readModelBytes('model.onnx'), { file: 'model.onnx' });
 * ```
 * @throws OnnxSurgeonError `io` for a missing path, a folder, or an unreadable file.
 */
export function readModelBytes(path: string): Uint8Array {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    throw ioError(error, path, 'cannot open model file');
  }
  if (!isFile) {
    throw new OnnxSurgeonError('io', 'not a regular file', { file: path, expected: 'a model file' });
  }
  try {
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw ioError(error, path, 'cannot read model file');
  }
}

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * Runs once the temp file is complete and on disk, just before it is renamed over `path`; if it
   * throws, the temp file is removed and `path` is untouched.
   */
  beforeRename?: () => void;
}

/**
 * Writes `chunks` to `path` atomically: into a temp file beside it, fsynced, then renamed over the
 * target. On failure the temp file is removed and the target is untouched. For small files
 * (reports, pictures); models go through `saveModel`, which also yields to signal handlers.
 *
 * @example
 * ```ts
 * writeFileAtomic('out.onnx', encodeModel(model));
 * ```
 * @throws OnnxSurgeonError `io` (the original error is the `cause`).
 */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>, options: WriteFileAtomicOptions = {}): void {
  let file: AtomicFile | undefined;
  try {
    file = AtomicFile.open(path);
    for (const chunk of chunks) file.write(chunk);
    file.finishWriting();
    options.beforeRename?.();
    file.commit();
  } catch (error) {
    file?.abort();
    throw ioError(error, path, 'cannot write file');
  }
}
