import { OnnxSurgeonError } from '../errors.js';
import { DType, type DTypeCode, Tensor, dtypeByteLength, dtypeName, typedArrayFor } from '../ir/index.js';
import { readDataFile } from './read-file.js';

/**
 * NumPy `.npy` files (format versions 1-3, little-endian, C order): how test inputs and golden
 * outputs travel between PyTorch and onnx-surgeon.
 */

const NPY_TO_ONNX: Record<string, DTypeCode> = {
  f4: DType.FLOAT, f8: DType.DOUBLE, f2: DType.FLOAT16, i1: DType.INT8, u1: DType.UINT8, b1: DType.BOOL,
  i2: DType.INT16, u2: DType.UINT16, i4: DType.INT32, u4: DType.UINT32, i8: DType.INT64, u8: DType.UINT64,
};
const ONNX_TO_NPY: Record<number, string> = Object.fromEntries(Object.entries(NPY_TO_ONNX).map(([k, v]) => [v, k]));
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * Parses `.npy` bytes into a tensor (data is a view of `bytes` when aligned).
 *
 * @group Data files
 */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): Tensor {
  const fail = (detail: string): never => {
    throw new OnnxSurgeonError('decode', detail, { file, expected: 'a NumPy .npy file' });
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (bad magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > bytes.length) fail('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const order = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !order || !shape) return fail(`unreadable header ${JSON.stringify(header.trim())}`);
  if (descr[1] === '>') fail('big-endian arrays are not supported');
  if (order[1] === 'True') fail('Fortran-order arrays are not supported');
  const dtype = NPY_TO_ONNX[descr[2]!];
  if (dtype === undefined) return fail(`unsupported dtype '${descr[2]}'`);
  const dims = shape[1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`bad shape (${shape[1]})`);
  const count = dims.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const length = dtypeByteLength(dtype, count);
  if (dataStart + length > bytes.length) fail(`data is ${bytes.length - dataStart} bytes, expected ${length} for ${dtypeName(dtype)}[${dims.join(',')}]`);
  let data = bytes.subarray(dataStart, dataStart + length);
  const width = typedArrayFor(dtype)?.BYTES_PER_ELEMENT ?? 1;
  if (data.byteOffset % width !== 0) data = data.slice();
  return new Tensor({ dtype, dims, storage: { kind: 'bytes', bytes: data } });
}

/**
 * Reads a `.npy` file.
 *
 * @group Data files
 */
export function readNpy(file: string): Tensor {
  return parseNpy(readDataFile(file), file);
}

/**
 * Serializes a tensor as `.npy` (version 1.0) bytes.
 *
 * @group Data files
 */
export function formatNpy(tensor: Tensor): Uint8Array {
  const code = ONNX_TO_NPY[tensor.dtype];
  if (!code) throw new OnnxSurgeonError('encode', `cannot write ${dtypeName(tensor.dtype)} as .npy`, { tensor: tensor.name });
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${code === 'b1' || code === 'i1' || code === 'u1' ? '|' : '<'}${code}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const head = new TextEncoder().encode(header);
  const data = tensor.bytes();
  const out = new Uint8Array(10 + head.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, head.length, true);
  out.set(head, 10);
  out.set(data, 10 + head.length);
  return out;
}
