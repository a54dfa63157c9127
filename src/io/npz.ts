import * as fs from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { OnnxSurgeonError } from '../errors.js';
import type { Tensor } from '../ir/index.js';
import { readDataFile } from './read-file.js';
import { formatNpy, parseNpy } from './npy.js';

/**
 * NumPy `.npz` archives: a zip of `.npy` members, one per array (`np.savez` stores them,
 * `np.savez_compressed` deflates them). How a set of named inputs or golden outputs travels in
 * one file. Only what NumPy writes is supported: stored or deflated members, no encryption, no
 * zip64 (archives under 4 GiB). The central directory is the source of truth for sizes, because
 * NumPy opens members with `force_zip64`, which puts 0xFFFFFFFF placeholders in local headers.
 */

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_PLACEHOLDER = 0xffffffff;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/**
 * Options of {@link formatNpz} and {@link writeNpz}.
 *
 * @group Data files
 */
export interface NpzWriteOptions {
  /** Deflate each member (like `np.savez_compressed`); default false (like `np.savez`). */
  compress?: boolean;
}

/**
 * Named arrays, in order: a `Map` or a plain record.
 *
 * @group Data files
 */
export type NamedTensors = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/**
 * Parses `.npz` bytes into arrays keyed by member name without the `.npy` suffix, in archive
 * order. Each member's CRC-32 is checked.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const arrays = parseNpz(readFileSync('inputs.npz'), 'inputs.npz');
 * arrays.get('pixel_values')?.dims; // [1, 3, 128, 128]
 * ```
 * @group Data files
 */
export function parseNpz(bytes: Uint8Array, file = '<npz>'): Map<string, Tensor> {
  const fail = (detail: string, found?: string): never => {
    throw new OnnxSurgeonError('decode', detail, { file, expected: 'a NumPy .npz (zip) archive', ...(found !== undefined ? { found } : {}) });
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(view);
  if (end < 0) return fail('not a zip archive (no end-of-central-directory record)');
  const entryCount = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (entryCount === 0xffff || directoryOffset === ZIP64_PLACEHOLDER) return fail('zip64 archives are not supported');
  if (directoryOffset + directorySize > end) return fail('central directory lies outside the archive', `offset ${directoryOffset} + ${directorySize} bytes, archive ${bytes.length} bytes`);

  const arrays = new Map<string, Tensor>();
  let at = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL_HEADER) return fail(`central directory entry ${i} is corrupt`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    const memberName = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    const where = `${file}:${memberName}`;

    if (memberName.endsWith('/')) continue; // a directory entry carries no array
    if (flags & 1) return fail(`member '${memberName}' is encrypted`);
    if (compressedSize === ZIP64_PLACEHOLDER || size === ZIP64_PLACEHOLDER || localOffset === ZIP64_PLACEHOLDER) {
      return fail(`member '${memberName}' needs zip64 (over 4 GiB), which is not supported`);
    }
    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_HEADER) {
      return fail(`member '${memberName}': local header missing at offset ${localOffset}`);
    }
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + compressedSize > bytes.length) {
      return fail(`member '${memberName}' is truncated`, `${bytes.length - dataStart} of ${compressedSize} bytes`);
    }
    const stored = bytes.subarray(dataStart, dataStart + compressedSize);
    let data: Uint8Array;
    if (method === METHOD_STORED) {
      data = stored;
    } else if (method === METHOD_DEFLATED) {
      try {
        data = new Uint8Array(inflateRawSync(stored));
      } catch (error) {
        return fail(`member '${memberName}' does not inflate: ${(error as Error).message}`);
      }
    } else {
      return fail(`member '${memberName}' uses compression method ${method}`, 'expected stored (0) or deflated (8)');
    }
    if (data.length !== size) return fail(`member '${memberName}' has ${data.length} bytes, its header says ${size}`);
    if (crc32(data) !== crc) return fail(`member '${memberName}' fails its CRC-32 check (corrupt data)`);
    const key = memberName.endsWith('.npy') ? memberName.slice(0, -4) : memberName;
    if (arrays.has(key)) return fail(`two members are named '${memberName}'`);
    arrays.set(key, parseNpy(data, where));
  }
  return arrays;
}

/**
 * Reads a `.npz` file (see {@link parseNpz}).
 *
 * @example
 * ```ts
 * for (const [name, tensor] of readNpz('goldens.npz')) console.log(name, tensor.dims);
 * ```
 * @group Data files
 */
export function readNpz(file: string): Map<string, Tensor> {
  return parseNpz(readDataFile(file), file);
}

/**
 * Serializes named arrays as `.npz` bytes that `numpy.load` reads (member `<name>.npy` each).
 *
 * @example
 * ```ts
 * const bytes = formatNpz({ x: Tensor.float32([1, 2, 3]) }, { compress: true });
 * ```
 * @group Data files
 */
export function formatNpz(arrays: NamedTensors, options: NpzWriteOptions = {}): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays.entries()] : Object.entries(arrays as Record<string, Tensor>);
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of entries) {
    const memberName = encoder.encode(`${name}.npy`);
    const raw = formatNpy(tensor);
    const method = options.compress ? METHOD_DEFLATED : METHOD_STORED;
    const stored = options.compress ? new Uint8Array(deflateRawSync(raw)) : raw;
    if (offset + 30 + memberName.length + stored.length > ZIP64_PLACEHOLDER || raw.length >= ZIP64_PLACEHOLDER) {
      throw new OnnxSurgeonError('encode', 'the archive would need zip64 (over 4 GiB), which is not supported', { tensor: name });
    }
    const crc = crc32(raw);
    // Fields shared by the local and the central header: version, flags, method, time, date, crc, sizes.
    const common = (header: DataView, at: number): void => {
      header.setUint16(at, 20, true); // version needed: 2.0 (deflate)
      header.setUint16(at + 2, 0x0800, true); // flags: names are UTF-8
      header.setUint16(at + 4, method, true);
      header.setUint16(at + 6, 0, true); // time 00:00:00
      header.setUint16(at + 8, 0x21, true); // date 1980-01-01 (MS-DOS format): reproducible bytes
      header.setUint32(at + 10, crc, true);
      header.setUint32(at + 14, stored.length, true);
      header.setUint32(at + 18, raw.length, true);
    };
    const local = new Uint8Array(30 + memberName.length + stored.length);
    const localView = new DataView(local.buffer);
    localView.setUint32(0, LOCAL_HEADER, true);
    common(localView, 4);
    localView.setUint16(26, memberName.length, true);
    localView.setUint16(28, 0, true);
    local.set(memberName, 30);
    local.set(stored, 30 + memberName.length);

    const central = new Uint8Array(46 + memberName.length);
    const centralView = new DataView(central.buffer);
    centralView.setUint32(0, CENTRAL_HEADER, true);
    centralView.setUint16(4, 20, true); // version made by
    common(centralView, 6);
    centralView.setUint32(42, offset, true);
    centralView.setUint16(28, memberName.length, true);
    central.set(memberName, 46);

    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const directorySize = centrals.reduce((n, c) => n + c.length, 0);
  const endRecord = new Uint8Array(22);
  const endView = new DataView(endRecord.buffer);
  endView.setUint32(0, END_OF_CENTRAL_DIRECTORY, true);
  endView.setUint16(8, entries.length, true);
  endView.setUint16(10, entries.length, true);
  endView.setUint32(12, directorySize, true);
  endView.setUint32(16, offset, true);
  return concat([...locals, ...centrals, endRecord]);
}

/**
 * Writes named arrays to a `.npz` file (see {@link formatNpz}).
 *
 * @example
 * ```ts
 * writeNpz('outputs.npz', new Map([['logits', Tensor.float32([0.25, 0.75], [1, 2])]]), { compress: true });
 * ```
 * @group Data files
 */
export function writeNpz(file: string, arrays: NamedTensors, options: NpzWriteOptions = {}): void {
  const bytes = formatNpz(arrays, options);
  try {
    fs.writeFileSync(file, bytes);
  } catch (error) {
    throw new OnnxSurgeonError('io', `cannot write: ${(error as Error).message}`, { file });
  }
}

/** Offset of the end-of-central-directory record, searching back over a trailing comment. */
function findEndOfCentralDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY && at + 22 + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  return -1;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, the zip checksum); `zlib.crc32` exists only from Node 20.15. */
function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
