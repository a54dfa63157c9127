/**
 * One atomic file write: bytes go to a temp file beside the target (see temp-files.ts for its
 * name and its cleanup on signals), which is fsynced and renamed over the target only when
 * complete. A crash, a full disk or Ctrl-C never leaves a half-written file at the target, and the
 * old file stays readable (by anyone who has it open, too) until the rename.
 */

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OnnxSurgeonError } from '../errors.js';
import { ioError } from './fs-errors.js';
import { removeStaleTemps, tempPathFor, trackTempFile, untrackTempFile } from './temp-files.js';

/** Bytes written between two yields to the event loop, where a signal handler can run. */
export const YIELD_EVERY_BYTES = 16 << 20;

/** Folders already swept for stale temps by this process (one readdir per folder is enough). */
const sweptFolders = new Set<string>();

/**
 * A temp file that becomes `target` on {@link commit}, or disappears on {@link abort}.
 *
 * @example
 * ```ts
 * const file = AtomicFile.open('out.onnx');
 * try {
 *   await file.writeAll(chunks);
 *   file.commit();
 * } catch (error) {
 *   file.abort();
 *   throw error;
 * }
 * ```
 */
export class AtomicFile {
  /** Absolute path of the temp file (`target` is kept as given, for messages). */
  readonly tempPath: string;
  private fd: number | undefined;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private sinceYield = 0;

  private constructor(readonly target: string) {
    this.tempPath = tempPathFor(resolve(target));
    trackTempFile(this.tempPath);
    try {
      this.fd = openSync(this.tempPath, 'wx', 0o644);
    } catch (error) {
      untrackTempFile(this.tempPath);
      throw ioError(error, target, 'cannot write file');
    }
  }

  /**
   * Creates the temp file for `target` (whose folder must exist). Stale temps of dead writers in
   * that folder are removed first (once per folder and process).
   *
   * @throws OnnxSurgeonError `io` when the temp file cannot be created.
   */
  static open(target: string): AtomicFile {
    const folder = dirname(resolve(target));
    if (!sweptFolders.has(folder)) {
      removeStaleTemps(folder);
      sweptFolders.add(folder);
    }
    return new AtomicFile(target);
  }

  /** Writes all of `bytes` at `position` (default: the current end). */
  write(bytes: Uint8Array, position?: number): void {
    writeFully(this.openFd(), bytes, position);
    this.sinceYield += bytes.byteLength;
  }

  /**
   * Writes `chunks` in order, giving the event loop a turn every {@link YIELD_EVERY_BYTES} so that
   * Ctrl-C is handled within a few milliseconds even in the middle of a multi-GiB write.
   */
  async writeAll(chunks: Iterable<Uint8Array>, position?: number): Promise<number> {
    let at = position;
    let total = 0;
    for (const chunk of chunks) {
      this.write(chunk, at);
      if (at !== undefined) at += chunk.byteLength;
      total += chunk.byteLength;
      await this.maybeYield();
    }
    return total;
  }

  /** Yields to the event loop when enough has been written since the last yield. */
  async maybeYield(): Promise<void> {
    if (this.sinceYield < YIELD_EVERY_BYTES) return;
    this.sinceYield = 0;
    await new Promise<void>((resolveYield) => setImmediate(resolveYield));
  }

  /** Flushes the temp file to disk and closes it (idempotent); the rename can follow any time. */
  finishWriting(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Makes the temp file the target (fsync, rename, fsync of the folder). */
  commit(): void {
    if (this.state !== 'open') throw new OnnxSurgeonError('internal', `atomic write of ${this.target} already ${this.state}`);
    try {
      this.finishWriting();
      renameSync(this.tempPath, this.target);
    } catch (error) {
      this.abort();
      throw ioError(error, this.target, 'cannot write file');
    }
    this.state = 'committed';
    untrackTempFile(this.tempPath);
    syncFolder(dirname(this.target));
  }

  /** Removes the temp file; the target stays as it was. Safe to call more than once. */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Already failing; the temp file is removed below either way.
      }
      this.fd = undefined;
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      // Already gone.
    }
    untrackTempFile(this.tempPath);
  }

  private openFd(): number {
    if (this.fd === undefined) throw new OnnxSurgeonError('internal', `atomic write of ${this.target} is no longer open`);
    return this.fd;
  }
}

/** Writes all of `bytes` at `position`, or at the current position (write(2) may write less than asked). */
export function writeFully(fd: number, bytes: Uint8Array, position?: number): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const written = writeSync(fd, bytes, offset, bytes.byteLength - offset, position === undefined ? null : position + offset);
    if (written <= 0) throw new OnnxSurgeonError('io', 'write made no progress');
    offset += written;
  }
}

/** Makes a rename durable; best effort (not every platform allows fsync on a folder). */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Durability of the folder entry is a bonus, not a requirement.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
