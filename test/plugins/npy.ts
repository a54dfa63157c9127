/** Minimal .npy reader for test goldens (little-endian float32/float64/int32/int64, C order). */
import { readFileSync } from 'node:fs';

/** An array read from a .npy file. */
export interface NpyArray {
  dtype: 'float32' | 'float64' | 'int32' | 'int64' | 'bool';
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

/** Reads a .npy file (format versions 1-3). */
export function readNpy(file: string): NpyArray {
  const bytes = readFileSync(file);
  const major = bytes[6]!;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.subarray(headerStart, headerStart + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order not supported`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!;
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = bytes.subarray(headerStart + headerLength);
  const copy = new Uint8Array(body.byteLength);
  copy.set(body);
  const buffer = copy.buffer;
  switch (descr) {
    case '<f4': return { dtype: 'float32', shape, data: new Float32Array(buffer) };
    case '<f8': return { dtype: 'float64', shape, data: new Float64Array(buffer) };
    case '<i4': return { dtype: 'int32', shape, data: new Int32Array(buffer) };
    case '<i8': return { dtype: 'int64', shape, data: new BigInt64Array(buffer) };
    case '|b1': return { dtype: 'bool', shape, data: new Uint8Array(buffer) };
    default: throw new Error(`${file}: unsupported dtype ${descr}`);
  }
}
