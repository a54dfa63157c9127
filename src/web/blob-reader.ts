/**
 * Synchronous positional reads of a `Blob` (a `File` the user chose) with `FileReaderSync`,
 * which browsers offer in dedicated workers only: the codec's lazy reads (unread weights, external
 * data) are synchronous, so the web page runs them in its worker.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { PositionalReader } from '../onnx/sparse-read.js';

interface SyncBlobReader {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

function syncBlobReader(): SyncBlobReader {
  const Reader = (globalThis as { FileReaderSync?: new () => SyncBlobReader }).FileReaderSync;
  if (!Reader) {
    throw new OnnxSurgeonError('usage', 'reading a File synchronously needs FileReaderSync', { expected: 'a dedicated Web Worker (browsers offer it there only)' });
  }
  return new Reader();
}

/**
 * A {@link PositionalReader} over `blob`, named `name` in errors.
 *
 * @example
 * ```ts
 * const file = new File([new Uint8Array(8)], 'model.onnx');
 * const reader = blobReader(file, file.name); // in a worker: FileReaderSync
 * const { bytes } = readSparse(reader);
 * ```
 */
export function blobReader(blob: Blob, name: string): PositionalReader {
  const reader = syncBlobReader();
  return {
    path: name,
    size: blob.size,
    readAt(target, position) {
      const end = Math.min(blob.size, position + target.byteLength);
      if (position >= end) return 0;
      const piece = new Uint8Array(reader.readAsArrayBuffer(blob.slice(position, end)));
      target.set(piece);
      return piece.byteLength;
    },
  };
}

/** The bytes `[offset, offset + length)` of `blob`, read synchronously. */
export function readBlobRange(blob: Blob, name: string, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const reader = blobReader(blob, name);
  for (let done = 0; done < length; ) {
    const n = reader.readAt(out.subarray(done), offset + done);
    if (n === 0) throw new OnnxSurgeonError('external-data', 'the file ended early while reading', { file: name });
    done += n;
  }
  return out;
}
