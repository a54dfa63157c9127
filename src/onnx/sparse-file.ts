/**
 * Node-only: {@link readModelSparse} reads a model file through a file descriptor (the
 * isomorphic part, holes and their registry, is `sparse-read.ts`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type PositionalReader, type SparseReadOptions, readSparse } from './sparse-read.js';

// A source keeps its file open (reads then see the loaded file even if the path is replaced,
// e.g. by saving over it); the descriptor closes when the model's buffer is collected.
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
});

/**
 * Reads a model file, leaving large raw_data payloads unread (read from the file when needed).
 *
 * @example
 * ```ts
 * const bytes = readModelSparse('big.onnx', { minHoleBytes: 1 << 20 });
 * ```
 */
export function readModelSparse(path: string, options: SparseReadOptions = {}): Uint8Array {
  const fd = openSync(path, 'r');
  let keepOpen = false;
  try {
    const reader: PositionalReader = {
      path,
      size: fstatSync(fd).size,
      readAt: (target, position) => readSync(fd, target, 0, target.length, position),
    };
    const { bytes, source } = readSparse(reader, options);
    if (source) {
      closer.register(bytes.buffer, fd);
      keepOpen = true;
    }
    return bytes;
  } finally {
    if (!keepOpen) closeSync(fd);
  }
}
