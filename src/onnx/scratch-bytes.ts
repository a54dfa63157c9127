/**
 * The encoder's scratch buffers: Node's `Buffer` where there is one (its native number and UTF-8
 * writers are the fastest there), otherwise a `Uint8Array` with the same few writers (browsers,
 * Deno without Node compatibility). Either way the output is the same bytes.
 */

/** The writes `ChunkedWriter` makes besides indexing (Buffer's names and semantics). */
export interface ScratchBytes extends Uint8Array {
  writeFloatLE(value: number, offset: number): number;
  writeDoubleLE(value: number, offset: number): number;
  writeUInt32LE(value: number, offset: number): number;
  /** Writes `text` as UTF-8 at `offset` (at most `length` bytes); returns the byte count. */
  write(text: string, offset: number, length: number, encoding: 'utf8'): number;
}

interface NodeBufferClass {
  allocUnsafeSlow(size: number): ScratchBytes;
  byteLength(text: string, encoding: 'utf8'): number;
}

const NodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;
const utf8 = new TextEncoder();

/** A `Uint8Array` with Buffer's little-endian writers, for runtimes without Buffer. */
class PortableScratch extends Uint8Array implements ScratchBytes {
  private view: DataView | undefined;

  private data(): DataView {
    this.view ??= new DataView(this.buffer, this.byteOffset, this.byteLength);
    return this.view;
  }

  writeFloatLE(value: number, offset: number): number {
    this.data().setFloat32(offset, value, true);
    return offset + 4;
  }

  writeDoubleLE(value: number, offset: number): number {
    this.data().setFloat64(offset, value, true);
    return offset + 8;
  }

  writeUInt32LE(value: number, offset: number): number {
    this.data().setUint32(offset, value, true);
    return offset + 4;
  }

  write(text: string, offset: number, length: number): number {
    return utf8.encodeInto(text, this.subarray(offset, offset + length)).written;
  }
}

/** `size` bytes of scratch space (uninitialized in Node: every byte is written before use). */
export function allocScratch(size: number): ScratchBytes {
  return NodeBuffer ? NodeBuffer.allocUnsafeSlow(size) : new PortableScratch(size);
}

/** The UTF-8 byte length of `text`. */
export function utf8ByteLength(text: string): number {
  return NodeBuffer ? NodeBuffer.byteLength(text, 'utf8') : utf8.encode(text).byteLength;
}
