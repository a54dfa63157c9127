/**
 * Protobuf wire-format primitives for writing, into a list of chunks.
 *
 * Small fields are batched into shared scratch buffers; byte payloads at or above
 * `passThroughBytes` are not copied but appended to the chunk list as the caller's own views, so a
 * 500 MB model is written without a second copy of its weights. With `passThroughBytes = Infinity`
 * and an exact `totalBytes`, the writer produces one contiguous buffer. With a `sink`, chunks go
 * to it as they are finished instead of to a list, and one scratch buffer is reused: a save then
 * holds about a megabyte of encoded structure at a time instead of all of it.
 */

import { type ScratchBytes, allocScratch } from './scratch-bytes.js';

const DEFAULT_CHUNK_BYTES = 1 << 20;

/** Options of a {@link ChunkedWriter}. */
export interface ChunkedWriterOptions {
  /** Byte payloads of at least this size are passed through as views (default: never). */
  passThroughBytes?: number;
  /** Exact output size when known: the first scratch buffer is sized to fit everything. */
  totalBytes?: number;
  /**
   * Receives each finished chunk, in order, instead of the chunk list. A `scratch` chunk is the
   * writer's own buffer, overwritten after the call returns: consume it before returning. Other
   * chunks are the caller's views (passed through), which the sink may keep.
   */
  sink?: ChunkSink;
}

/** Where a {@link ChunkedWriter} with a sink sends its chunks (see {@link ChunkedWriterOptions.sink}). */
export type ChunkSink = (chunk: Uint8Array, scratch: boolean) => void;

/** Appends protobuf primitives to a list of output chunks. */
export class ChunkedWriter {
  private readonly chunks: Uint8Array[] = [];
  private buffer: ScratchBytes;
  /** Start of the not-yet-flushed region of `buffer`. */
  private start = 0;
  private pos = 0;
  private readonly passThroughBytes: number;
  private readonly sink: ChunkSink | undefined;
  /** Bytes written so far (flushed or not). */
  written = 0;

  constructor(options: ChunkedWriterOptions = {}) {
    this.passThroughBytes = options.passThroughBytes ?? Infinity;
    this.sink = options.sink;
    const first = options.totalBytes !== undefined ? options.totalBytes : DEFAULT_CHUNK_BYTES;
    // Unpooled and uninitialized: every byte handed out is written first (checked by callers).
    this.buffer = allocScratch(Math.max(first, 0));
  }

  /** Makes room for `n` more bytes in the scratch buffer. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buffer.length) return;
    this.flush();
    // A sink has consumed the buffer, so it is reused when large enough; a chunk list keeps it.
    if (!this.sink || this.buffer.length < n) this.buffer = allocScratch(Math.max(DEFAULT_CHUNK_BYTES, n));
    this.start = 0;
    this.pos = 0;
  }

  /** Moves the written part of the scratch buffer to the chunk list (or hands it to the sink). */
  private flush(): void {
    if (this.pos > this.start) {
      const chunk = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset + this.start, this.pos - this.start);
      if (this.sink) {
        this.sink(chunk, true);
        this.pos = 0;
      } else {
        this.chunks.push(chunk);
      }
      this.start = this.pos;
    }
  }

  /** Writes an unsigned 32-bit varint. */
  writeVarint32(value: number): void {
    this.ensure(5);
    const buffer = this.buffer;
    let pos = this.pos;
    let v = value >>> 0;
    while (v >= 0x80) {
      buffer[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buffer[pos++] = v;
    this.written += pos - this.pos;
    this.pos = pos;
  }

  /** Writes a 64-bit varint given as two unsigned 32-bit words. */
  writeVarint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.writeVarint32(lo);
      return;
    }
    this.ensure(10);
    const buffer = this.buffer;
    let pos = this.pos;
    let low = lo >>> 0;
    let high = hi >>> 0;
    while (high !== 0 || low >= 0x80) {
      buffer[pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[pos++] = low;
    this.written += pos - this.pos;
    this.pos = pos;
  }

  /** Writes a field tag. */
  writeTag(fieldNumber: number, wireType: number): void {
    this.writeVarint32(((fieldNumber << 3) | wireType) >>> 0);
  }

  /** Writes a little-endian float32. */
  writeFloat(value: number): void {
    this.ensure(4);
    this.buffer.writeFloatLE(value, this.pos);
    this.pos += 4;
    this.written += 4;
  }

  /** Writes a little-endian float64. */
  writeDouble(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
    this.written += 8;
  }

  /** Writes a little-endian 32-bit word. */
  writeFixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
    this.written += 4;
  }

  /** Writes a little-endian 64-bit word given as two unsigned 32-bit words. */
  writeFixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.buffer.writeUInt32LE(lo >>> 0, this.pos);
    this.buffer.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
    this.written += 8;
  }

  /** Writes a string as UTF-8 whose encoded length the caller already knows. */
  writeString(value: string, byteLength: number): void {
    this.ensure(byteLength);
    if (byteLength === value.length && byteLength <= 32) {
      // Short ASCII (most names): a plain loop avoids Buffer#write's per-call overhead.
      const buffer = this.buffer;
      const pos = this.pos;
      for (let i = 0; i < byteLength; i++) buffer[pos + i] = value.charCodeAt(i);
      this.pos += byteLength;
      this.written += byteLength;
      return;
    }
    const n = this.buffer.write(value, this.pos, byteLength, 'utf8');
    this.pos += n;
    this.written += n;
  }

  /** Writes bytes: copied when small, passed through as the same view when large. */
  writeBytes(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    if (n >= this.passThroughBytes) {
      this.writeView(bytes);
      return;
    }
    this.ensure(n);
    this.buffer.set(bytes, this.pos);
    this.pos += n;
    this.written += n;
  }

  /** Appends `bytes` as a chunk of its own, never copied (whatever its size). */
  writeView(bytes: Uint8Array): void {
    this.flush();
    if (this.sink) this.sink(bytes, false);
    else this.chunks.push(bytes);
    this.written += bytes.byteLength;
  }

  /** Ends writing; returns the chunks in order (none with a sink: it had them all). */
  finish(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }
}
