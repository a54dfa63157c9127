import { OnnxSurgeonError } from '../errors.js';

/**
 * Reading a model without reading its large weights. The file is read into one buffer of its own
 * size, except the payloads of large `TensorProto.raw_data` fields, which stay unread (their pages
 * are never touched, so they cost neither time nor memory). The decoder still gets ordinary views
 * at the right offsets; whoever needs the bytes (a save, a pass that reads a weight) gets them
 * from the file through the {@link SparseSource} registered for the buffer.
 *
 * On this kind of machine, first-touching fresh memory costs about as much as reading the file:
 * skipping it is what makes load + save of a large inline model close to a file copy.
 *
 * Isomorphic: the bytes come through a {@link PositionalReader} (a file descriptor in Node,
 * `src/onnx/sparse-file.ts`; a `File` read with `FileReaderSync` in a browser worker).
 */

/** Positional reads of a model's bytes, wherever they live. */
export interface PositionalReader {
  /** Path or name of the source, for error messages. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Reads into `target` from `position`; returns the byte count read (0 at the end). May throw. */
  readAt(target: Uint8Array, position: number): number;
}

/** Where the unread payloads of a sparsely read model live. */
export class SparseSource {
  private readonly holes: Map<number, number>;

  /** @internal */
  constructor(readonly reader: PositionalReader, holes: Map<number, number>, readonly buffer: ArrayBufferLike) {
    this.holes = holes;
  }

  /** Path or name of the model the payloads are read from. */
  get path(): string {
    return this.reader.path;
  }

  /** Number of payloads left unread. */
  get holeCount(): number {
    return this.holes.size;
  }

  /** True if `view` is exactly one unread payload of this model's buffer. */
  isHole(view: Uint8Array): boolean {
    return view.buffer === this.buffer && this.holes.get(view.byteOffset) === view.byteLength;
  }

  /** Reads `length` bytes at `offset` of the source file (the payload of a hole). */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(out, offset);
    return out;
  }

  /**
   * The payload at `offset` in pieces of at most 8 MiB, all in one scratch buffer shared by every
   * source: consume (write) each piece before asking for the next. Sharing keeps a save of many
   * weights from leaving a trail of buffers for the garbage collector.
   */
  *pieces(offset: number, length: number): Generator<Uint8Array> {
    const buffer = scratch();
    for (let done = 0; done < length; ) {
      const n = Math.min(buffer.length, length - done);
      const piece = buffer.subarray(0, n);
      this.readInto(piece, offset + done);
      yield piece;
      done += n;
    }
  }

  private readInto(target: Uint8Array, position: number): void {
    let done = 0;
    while (done < target.length) {
      let n: number;
      try {
        n = this.reader.readAt(target.subarray(done), position + done);
      } catch (error) {
        throw new OnnxSurgeonError('io', `cannot read weights from the model file: ${(error as Error).message}`, { file: this.path });
      }
      if (n === 0) throw new OnnxSurgeonError('io', 'the model file became shorter after it was loaded', { file: this.path });
      done += n;
    }
  }
}

let scratchBuffer: Uint8Array | undefined;
function scratch(): Uint8Array {
  scratchBuffer ??= new Uint8Array(8 << 20);
  return scratchBuffer;
}

const sources = new WeakMap<ArrayBufferLike, SparseSource>();

/** The sparse source a view belongs to, when it is an unread payload. */
export function holeSource(view: Uint8Array): SparseSource | undefined {
  const source = sources.get(view.buffer);
  return source?.isHole(view) ? source : undefined;
}

/** Replaces every unread payload among `chunks` by its bytes from the file, piece by piece. */
export function* withHolesFilled(chunks: Iterable<Uint8Array>): Generator<Uint8Array> {
  for (const chunk of chunks) {
    const source = holeSource(chunk);
    if (source) yield* source.pieces(chunk.byteOffset, chunk.byteLength);
    else yield chunk;
  }
}

/** Options of {@link readSparse} (and of `readModelSparse`, its Node file version). */
export interface SparseReadOptions {
  /** raw_data payloads at least this large stay unread (default 1 MiB). */
  minHoleBytes?: number;
}

/**
 * Reads a model through `reader`, leaving large raw_data payloads unread (see the module
 * comment); returns the bytes and the source of their holes (undefined when there are none, and
 * then `reader` is no longer needed). A structure the scan does not understand is simply read
 * whole; the decoder then reports whatever is wrong with it.
 */
export function readSparse(reader: PositionalReader, options: SparseReadOptions = {}): { bytes: Uint8Array; source: SparseSource | undefined } {
  const size = reader.size;
  const holes = scanRawDataHoles(reader, options.minHoleBytes ?? 1 << 20);
  const bytes = new Uint8Array(size);
  let position = 0;
  const readRange = (end: number): void => {
    while (position < end) {
      const n = reader.readAt(bytes.subarray(position, end), position);
      if (n === 0) throw new OnnxSurgeonError('io', 'the model file is shorter than its size', { file: reader.path });
      position += n;
    }
  };
  for (const [offset, length] of [...holes].sort((a, b) => a[0] - b[0])) {
    readRange(offset);
    position = offset + length;
  }
  readRange(size);
  if (!holes.size) return { bytes, source: undefined };
  const source = new SparseSource(reader, holes, bytes.buffer);
  sources.set(bytes.buffer, source);
  return { bytes, source };
}

/** Field numbers on the way from ModelProto to TensorProto.raw_data (stable ONNX numbers). */
const DESCEND: Record<string, Record<number, string>> = {
  model: { 7: 'graph' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  tensor: {},
};
const RAW_DATA = 9;

/** Finds raw_data payloads ≥ `minBytes`: offset -> length. Any surprise: no holes at all. */
function scanRawDataHoles(reader: PositionalReader, minBytes: number): Map<number, number> {
  const holes = new Map<number, number>();
  const size = reader.size;
  if (size < minBytes) return holes;
  const window = new FileWindow(reader);
  const walk = (start: number, end: number, kind: string, depth: number): void => {
    if (depth > 64) throw new ScanAbort();
    let pos = start;
    while (pos < end) {
      const [tag, afterTag] = window.varint(pos);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      pos = afterTag;
      if (wire === 0) pos = window.skipVarint(pos);
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const [length, body] = window.varint(pos);
        if (body + length > end) throw new ScanAbort();
        const inner = DESCEND[kind]![field];
        // A message shorter than minBytes cannot hold a payload that long: not walked (most
        // nodes of a large model; walking them cost as much as decoding them).
        if (inner) {
          if (length >= minBytes) walk(body, body + length, inner, depth + 1);
        }
        else if (kind === 'tensor' && field === RAW_DATA && length >= minBytes) holes.set(body, length);
        pos = body + length;
      } else throw new ScanAbort();
      if (pos > end) throw new ScanAbort();
    }
  };
  try {
    walk(0, size, 'model', 0);
  } catch (error) {
    if (error instanceof ScanAbort) return new Map();
    throw error;
  }
  return holes;
}

class ScanAbort extends Error {}

/** Positional reads through a small reused window (the scan touches only field headers). */
class FileWindow {
  private readonly buffer = new Uint8Array(64 << 10);
  private start = 0;
  private end = 0;

  private readonly size: number;

  constructor(private readonly reader: PositionalReader) {
    this.size = reader.size;
  }

  private byte(pos: number): number {
    if (pos >= this.size) throw new ScanAbort();
    if (pos < this.start || pos >= this.end) {
      const n = this.reader.readAt(this.buffer.subarray(0, Math.min(this.buffer.length, this.size - pos)), pos);
      if (n <= 0) throw new ScanAbort();
      this.start = pos;
      this.end = pos + n;
    }
    return this.buffer[pos - this.start]!;
  }

  /** The position after the varint at `pos`, whatever its value (int64 -1 takes 10 bytes). */
  skipVarint(pos: number): number {
    for (let i = 0; i < 10; i++) if (this.byte(pos + i) < 0x80) return pos + i + 1;
    throw new ScanAbort();
  }

  /** A varint at `pos` (up to 2^53) and the position after it. */
  varint(pos: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos + i);
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) throw new ScanAbort();
        return [value, pos + i + 1];
      }
      scale *= 128;
    }
    throw new ScanAbort();
  }
}
