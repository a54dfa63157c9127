/** Whole-file reads of data files (arrays, archives, tensors) with the codebase's io errors. */
import { readFileSync } from 'node:fs';
import { ioError } from '../onnx/files.js';

/**
 * The bytes of `file`.
 *
 * @example
 * ```ts
 * parseNpy(readDataFile('x.npy'), 'x.npy');
 * ```
 * @throws OnnxSurgeonError `io` naming the file and the reason (missing, a folder, permission).
 */
export function readDataFile(file: string): Uint8Array {
  try {
    const buffer = readFileSync(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw ioError(error, file, 'cannot read');
  }
}
