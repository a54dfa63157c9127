/**
 * File access for models: whole-file reads with clear errors, and atomic writes (temp file in the
 * same folder, fsync, rename) so a crash or a full disk never leaves a half-written model behind.
 */

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OnnxSurgeonError } from '../errors.js';

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
   * throws, the temp file is removed and `path` is untouched. `saveModel` moves the external data
   * file into place here, so a model write that fails (disk full) never leaves an old model beside
   * new data.
   */
  beforeRename?: () => void;
}

/**
 * Writes `chunks` to `path` atomically: into a temp file beside it, fsynced, then renamed over the
 * target. On failure the temp file is removed and the target is untouched.
 *
 * @example
 * ```ts
 * writeFileAtomic('out.onnx', encodeModel(model));
 * ```
 * @throws OnnxSurgeonError `io` (the original error is the `cause`).
 */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>, options: WriteFileAtomicOptions = {}): void {
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tempPath, 'wx', 0o644);
    for (const chunk of chunks) writeFully(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    options.beforeRename?.();
    renameSync(tempPath, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the original error is the one worth reporting.
      }
    }
    try {
      unlinkSync(tempPath);
    } catch {
      // The temp file may never have been created.
    }
    throw ioError(error, path, 'cannot write file');
  }
  syncDirectory(dirname(path));
}

/** Writes all of `bytes` at the current position (write(2) may write less than asked). */
export function writeFully(fd: number, bytes: Uint8Array, position?: number): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const written = writeSync(fd, bytes, offset, bytes.byteLength - offset, position === undefined ? null : position + offset);
    if (written <= 0) throw new OnnxSurgeonError('io', 'write made no progress');
    offset += written;
  }
}

/** Makes a rename durable; best effort (not every platform allows fsync on a folder). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Durability of the folder entry is a bonus, not a requirement.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Wraps a Node fs error into an `io` OnnxSurgeonError with a readable reason. */
export function ioError(error: unknown, path: string, what: string): OnnxSurgeonError {
  if (error instanceof OnnxSurgeonError) return new OnnxSurgeonError(error.code, error.detail, { ...error.context, file: path }, { cause: error });
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ENOSPC'
            ? 'no space left on device'
            : code === 'ERR_FS_FILE_TOO_LARGE'
              ? 'file too large to read at once (over 2 GiB)'
              : error instanceof Error
                ? error.message
                : String(error);
  return new OnnxSurgeonError('io', `${what}: ${reason}`, { file: path }, { cause: error });
}
