/**
 * Node-only: tensor data stored outside the model file (`data_location = EXTERNAL`): resolving the
 * file safely inside the model's folder, reading exactly the needed byte range on demand, and
 * writing tensors into one aligned data file. What the message says (`external_data` entries,
 * ranges, layout) is in the isomorphic `external-refs.ts`, re-exported here.
 *
 * A model file is untrusted input: its `location` must not reach outside the model's folder (no
 * absolute paths, no `..`, no symlinks out) and must name a regular file (never /dev/zero or a FIFO).
 */

import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { type ErrorContext, OnnxSurgeonError } from '../errors.js';
import { AtomicFile } from '../files/atomic-file.js';
import { fsReason } from '../files/fs-errors.js';
import { type ExternalDataRef, alignedOffset, checkExternalRange } from './external-refs.js';

export { type ExternalDataRef, parseExternalData, externalLocations, externalDataEntries, checkExternalRange, alignedOffset } from './external-refs.js';

/**
 * Checks that `location` is a relative path inside `modelDir` (after resolving symlinks) naming an
 * existing regular file, and returns its absolute path.
 *
 * @throws OnnxSurgeonError `external-data` for absolute paths, `..` escapes, symlinks leading out of
 *   `modelDir`, missing files, and anything that is not a regular file (devices, FIFOs, folders).
 */
export function resolveExternalLocation(modelDir: string, location: string): string {
  const where = { file: location };
  const relativePath = checkRelativeLocation(location);
  const root = realpathOrThrow(modelDir, 'model folder not found');
  const candidate = resolve(root, relativePath);
  // The location and the folder in the words: callers replace the context's file with the model's.
  const real = realpathOrThrow(candidate, `external data file '${location}' not found in ${root}${sep}`, {});
  if (!isInside(root, real)) {
    throw new OnnxSurgeonError('external-data', 'external data location resolves outside the model folder (symlink)', {
      ...where,
      expected: `a file inside ${root}`,
      found: real,
    });
  }
  const stats = statSync(real);
  if (!stats.isFile()) {
    throw new OnnxSurgeonError('external-data', 'external data location is not a regular file', {
      ...where,
      expected: 'a regular file',
      found: describeFileType(stats),
    });
  }
  return real;
}

/** Validates the text of a location (no absolute paths, no escapes); returns it normalized. */
function checkRelativeLocation(location: string): string {
  const where = { file: location };
  if (location.length === 0 || location.includes('\0')) {
    throw new OnnxSurgeonError('external-data', 'external data location is empty or contains NUL', where);
  }
  if (isAbsolute(location) || /^[A-Za-z]:/.test(location) || location.startsWith('\\')) {
    throw new OnnxSurgeonError('external-data', 'external data location must be relative to the model folder', {
      ...where,
      expected: 'a relative path',
      found: 'an absolute path',
    });
  }
  const normalized = normalize(location.replace(/\\/g, '/'));
  if (normalized === '..' || normalized.startsWith(`..${sep}`) || normalized.startsWith('../')) {
    throw new OnnxSurgeonError('external-data', "external data location escapes the model folder ('..')", {
      ...where,
      expected: 'a path inside the model folder',
    });
  }
  return normalized;
}

function realpathOrThrow(path: string, what: string, context: ErrorContext = { file: path }): string {
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new OnnxSurgeonError('external-data', `${what}${code && code !== 'ENOENT' ? ` (${code})` : ''}`, context, { cause: error });
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function describeFileType(stats: ReturnType<typeof statSync>): string {
  if (!stats) return 'nothing';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Checks, without reading it, that one external tensor's bytes are there: a safe location naming a
 * regular file that holds `[offset, offset + length)`, and `length` equal to `expectedBytes` when
 * given. Returns the data file's path.
 *
 * @throws OnnxSurgeonError `external-data` exactly as {@link readExternalData} would.
 */
export function checkExternalData(modelDir: string, ref: ExternalDataRef, expectedBytes?: number): string {
  const path = resolveExternalLocation(modelDir, ref.location);
  checkExternalRange(statSync(path).size, ref, expectedBytes, { file: path });
  return path;
}

/**
 * Reads the bytes of one external tensor: only `[offset, offset + length)` is read.
 *
 * @param expectedBytes when given (dims x element size), `length` must match it.
 * @throws OnnxSurgeonError `external-data` for unsafe locations, missing or short files, and
 *   length mismatches.
 */
export function readExternalData(modelDir: string, ref: ExternalDataRef, expectedBytes?: number): Uint8Array {
  const path = resolveExternalLocation(modelDir, ref.location);
  const where = { file: path };
  const fd = openSync(path, 'r');
  try {
    const length = checkExternalRange(fstatSync(fd).size, ref, expectedBytes, where);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, ref.offset + done);
      if (n === 0) throw new OnnxSurgeonError('external-data', 'external data file ended early while reading', where);
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Size of the pieces {@link readExternalDataChunks} yields. */
export const EXTERNAL_DATA_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The bytes of one external tensor as a sequence of pieces of at most `chunkBytes`, read one at a
 * time into one reused buffer: copying a tensor from one data file to another this way never
 * holds more than one piece in memory. Each piece is only valid until the next one is requested.
 * Same checks as {@link readExternalData}, made when the first piece is requested.
 *
 * @example
 * ```ts
 * writer.append(readExternalDataChunks(modelDir, ref, tensor.byteLength)); // streamed copy
 * ```
 * @throws OnnxSurgeonError `external-data`, as {@link readExternalData}.
 */
export function* readExternalDataChunks(modelDir: string, ref: ExternalDataRef, expectedBytes?: number, chunkBytes = EXTERNAL_DATA_CHUNK_BYTES): Generator<Uint8Array> {
  const path = resolveExternalLocation(modelDir, ref.location);
  const where = { file: path };
  const fd = openSync(path, 'r');
  try {
    const fileSize = fstatSync(fd).size;
    const length = ref.length ?? fileSize - ref.offset;
    if (ref.offset > fileSize || (expectedBytes !== undefined && length !== expectedBytes) || ref.offset + length > fileSize) {
      // Let the whole-tensor reader produce the precise error.
      readExternalData(modelDir, ref, expectedBytes);
    }
    const buffer = new Uint8Array(Math.min(chunkBytes, Math.max(length, 1)));
    let done = 0;
    while (done < length) {
      const want = Math.min(buffer.byteLength, length - done);
      let filled = 0;
      while (filled < want) {
        const n = readSync(fd, buffer, filled, want - filled, ref.offset + done + filled);
        if (n === 0) throw new OnnxSurgeonError('external-data', 'external data file ended early while reading', where);
        filled += n;
      }
      done += filled;
      yield buffer.subarray(0, filled);
    }
  } finally {
    closeSync(fd);
  }
}

/** Options of an {@link ExternalDataWriter}. */
export interface ExternalDataWriterOptions {
  /** Each tensor starts at a multiple of this many bytes (default 4096, page size, for mmap). */
  alignment?: number;
}

/** Where a reserved tensor's bytes come from when they are written (one view or pieces). */
export type TensorBytesSource = () => Uint8Array | Iterable<Uint8Array>;

/**
 * Lays tensors out in one external data file, each at an aligned offset, and streams their bytes
 * to disk. Writes go to a temp file beside the target (an {@link AtomicFile}); {@link finish}
 * fsyncs and renames it into place (so a model may be re-saved over the data file it is still
 * being read from), and {@link abort} removes it.
 *
 * Two ways to fill it: {@link append} writes a tensor at once; {@link reserve} only assigns its
 * place (the model message can be built right away) and {@link writeReserved} streams every
 * reserved tensor later, yielding to the event loop so that Ctrl-C stays responsive.
 *
 * @example
 * ```ts
 * const writer = new ExternalDataWriter(dir, 'model.onnx.data');
 * const ref = writer.append(tensor.rawData!); // { location: 'model.onnx.data', offset: 0, length: ... }
 * writer.finish();
 * ```
 */
export class ExternalDataWriter {
  readonly alignment: number;
  private readonly targetPath: string;
  private file: AtomicFile | undefined;
  private size = 0;
  private done = false;
  private readonly reserved: { offset: number; length: number; source: TensorBytesSource }[] = [];

  constructor(
    readonly modelDir: string,
    readonly location: string,
    options: ExternalDataWriterOptions = {},
  ) {
    const alignment = options.alignment ?? 4096;
    if (!Number.isSafeInteger(alignment) || alignment < 1) {
      throw new OnnxSurgeonError('usage', 'alignment must be a positive integer', { found: String(alignment) });
    }
    this.alignment = alignment;
    this.targetPath = join(modelDir, checkRelativeLocation(location));
  }

  /** Absolute path of the data file once finished. */
  get path(): string {
    return this.targetPath;
  }

  /** Bytes laid out so far (the data file's size if finished now). */
  get byteLength(): number {
    return this.size;
  }

  /** Appends one tensor's bytes (one view or several pieces) at the next aligned offset, now. */
  append(bytes: Uint8Array | Iterable<Uint8Array>): ExternalDataRef {
    this.checkOpen();
    try {
      const file = this.openFile();
      const offset = this.nextOffset();
      let position = offset;
      for (const piece of bytes instanceof Uint8Array ? [bytes] : bytes) {
        file.write(piece, position);
        position += piece.byteLength;
      }
      this.size = position;
      return { location: this.location, offset, length: position - offset };
    } catch (error) {
      this.abort();
      throw this.ioError(error);
    }
  }

  /**
   * Assigns the next aligned place to a tensor of `byteLength` bytes, read from `source` only when
   * {@link writeReserved} runs (which checks that it yields exactly that many bytes).
   */
  reserve(byteLength: number, source: TensorBytesSource): ExternalDataRef {
    this.checkOpen();
    const offset = this.nextOffset();
    this.reserved.push({ offset, length: byteLength, source });
    this.size = offset + byteLength;
    return { location: this.location, offset, length: byteLength };
  }

  /** Writes every reserved tensor, in file order. */
  async writeReserved(): Promise<void> {
    this.checkOpen();
    try {
      const file = this.openFile();
      for (const { offset, length, source } of this.reserved.splice(0)) {
        const bytes = source();
        const written = await file.writeAll(bytes instanceof Uint8Array ? [bytes] : bytes, offset);
        if (written !== length) {
          throw new OnnxSurgeonError('internal', `a tensor reserved ${length} bytes of external data but produced ${written}`, { file: this.targetPath });
        }
      }
    } catch (error) {
      this.abort();
      throw this.ioError(error);
    }
  }

  /** Flushes the data to disk; the rename ({@link finish}) can follow at once. */
  finishWriting(): void {
    this.checkOpen();
    try {
      if (this.reserved.length) throw new OnnxSurgeonError('internal', 'external data has reserved tensors that were never written', { file: this.targetPath });
      this.openFile().finishWriting();
    } catch (error) {
      this.abort();
      throw this.ioError(error);
    }
  }

  /** Flushes the data file to disk and moves it into place. */
  finish(): void {
    if (this.done) return;
    this.finishWriting();
    try {
      this.file!.commit();
      this.done = true;
    } catch (error) {
      this.abort();
      throw this.ioError(error);
    }
  }

  /** Discards everything written (removes the temp file). */
  abort(): void {
    this.done = true;
    this.reserved.length = 0;
    this.file?.abort();
  }

  private checkOpen(): void {
    if (this.done) throw new OnnxSurgeonError('usage', 'ExternalDataWriter is already finished', { file: this.targetPath });
  }

  private openFile(): AtomicFile {
    this.file ??= AtomicFile.open(this.targetPath);
    return this.file;
  }

  private nextOffset(): number {
    return alignedOffset(this.size, this.alignment);
  }

  private ioError(error: unknown): OnnxSurgeonError {
    if (error instanceof OnnxSurgeonError) return error;
    return new OnnxSurgeonError('io', `cannot write external data: ${fsReason(error)}`, { file: this.targetPath }, { cause: error });
  }
}
