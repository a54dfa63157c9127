/**
 * Protobuf wire-format primitives for reading: varints, fixed-width numbers, length-delimited
 * slices. Every read is bounds-checked against the end of the current message before anything is
 * allocated, so hostile lengths fail fast instead of allocating.
 *
 * Failures throw {@link WireError} (a byte offset and a reason); the decoder adds the message path
 * and turns it into an `OnnxSurgeonError`.
 */

/** Protobuf wire types. */
export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LENGTH_DELIMITED: 2,
  START_GROUP: 3,
  END_GROUP: 4,
  FIXED32: 5,
} as const;

/** A low-level decoding failure at a byte offset; the decoder adds the message path. */
export class WireError extends Error {
  /** Message path segments, innermost last, filled in while the error unwinds. */
  readonly path: string[] = [];
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at byte offset ${offset}`);
  }
}

const TWO_POW_32 = 4294967296;
/** `hi` word limit below which a non-negative 64-bit value is a safe integer (< 2^53). */
const SAFE_HI_LIMIT = 0x200000;

/** A cursor over a byte buffer; `end` bounds the current (sub)message. */
export class WireReader {
  /** Current read position (absolute offset into `bytes`). */
  pos: number;
  /** Low 32 bits of the last {@link readVarint64} (unsigned). */
  lo = 0;
  /** High 32 bits of the last {@link readVarint64} (unsigned). */
  hi = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    public end: number = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Reads a varint of up to 10 bytes into {@link lo}/{@link hi}. */
  readVarint64(): void {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    const end = this.end;
    let lo = 0;
    let hi = 0;
    let b: number;
    // Bytes 1-4 fill bits 0..27 of lo.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw new WireError('truncated varint', start);
      b = bytes[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        this.pos = pos;
        return;
      }
    }
    // Byte 5 straddles: 4 bits to lo, 3 bits to hi.
    if (pos >= end) throw new WireError('truncated varint', start);
    b = bytes[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (pos >= end) throw new WireError('truncated varint', start);
        if (shift > 31) throw new WireError('varint longer than 10 bytes', start);
        b = bytes[pos++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.pos = pos;
  }

  /** Reads a varint and returns its low 32 bits as an unsigned number (tags, uint32). */
  readVarint32(): number {
    const bytes = this.bytes;
    const pos = this.pos;
    // Fast path: one-byte varints are by far the most common (tags, small ints, short lengths).
    if (pos < this.end) {
      const b = bytes[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.readVarint64();
    return this.lo;
  }

  /** Reads a field tag (a varint that must fit in 32 bits). */
  readTag(): number {
    const start = this.pos;
    if (start < this.end) {
      const b = this.bytes[start]!;
      if (b < 0x80) {
        this.pos = start + 1;
        return b;
      }
    }
    this.readVarint64();
    if (this.hi !== 0) throw new WireError('field tag exceeds 32 bits', start);
    return this.lo;
  }

  /** Reads a length prefix and checks it against the bytes left; returns the length. */
  readLength(): number {
    const start = this.pos;
    this.readVarint64();
    if (this.hi !== 0 || this.lo > this.end - this.pos) {
      const declared = this.hi === 0 ? String(this.lo) : `${this.hi * TWO_POW_32 + this.lo}`;
      throw new WireError(`declared length ${declared} exceeds the ${this.end - this.pos} bytes left`, start);
    }
    return this.lo;
  }

  /** The last varint as a signed int64: number when safe, else bigint. */
  int64(): number | bigint {
    return int64FromWords(this.lo, this.hi);
  }

  /** The last varint as an unsigned uint64: number when safe, else bigint. */
  uint64(): number | bigint {
    return uint64FromWords(this.lo, this.hi);
  }

  /** Checks that `n` bytes are left (for fixed-width reads). */
  need(n: number): void {
    if (this.end - this.pos < n) throw new WireError(`truncated field: need ${n} bytes, ${this.end - this.pos} left`, this.pos);
  }

  /** Reads a little-endian float32. */
  readFloat(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a little-endian float64. */
  readDouble(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a little-endian 32-bit word (unsigned). */
  readFixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a little-endian 64-bit word into {@link lo}/{@link hi}. */
  readFixed64(): void {
    this.need(8);
    this.lo = this.view.getUint32(this.pos, true);
    this.hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
  }

  /** Skips one field's payload of the given wire type (tag already read). */
  skipField(wireType: number, fieldNumber: number, depthLeft: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.readVarint64();
        return;
      case WireType.FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LENGTH_DELIMITED: {
        const length = this.readLength();
        this.pos += length;
        return;
      }
      case WireType.FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      case WireType.START_GROUP: {
        if (depthLeft <= 0) throw new WireError('groups nested too deeply', this.pos);
        for (;;) {
          if (this.pos >= this.end) throw new WireError(`unterminated group (field ${fieldNumber})`, this.pos);
          const tagStart = this.pos;
          const tag = this.readTag();
          const innerWire = tag & 7;
          const innerField = tag >>> 3;
          if (innerField === 0) throw new WireError('invalid field number 0', tagStart);
          if (innerWire === WireType.END_GROUP) {
            if (innerField !== fieldNumber) throw new WireError(`mismatched end of group ${innerField} (expected ${fieldNumber})`, tagStart);
            return;
          }
          this.skipField(innerWire, innerField, depthLeft - 1);
        }
      }
      default:
        throw new WireError(`invalid wire type ${wireType} (field ${fieldNumber})`, this.pos);
    }
  }
}

/** Combines two unsigned 32-bit words into a signed int64 (number when safe, else bigint). */
export function int64FromWords(lo: number, hi: number): number | bigint {
  if (hi < SAFE_HI_LIMIT) return hi * TWO_POW_32 + lo;
  if (hi >= 0x80000000) {
    // Negative: magnitude is the two's complement.
    const magLo = (~lo + 1) >>> 0;
    const magHi = (~hi + (magLo === 0 ? 1 : 0)) >>> 0;
    if (magHi < SAFE_HI_LIMIT) return -(magHi * TWO_POW_32 + magLo);
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/** Combines two unsigned 32-bit words into a uint64 (number when safe, else bigint). */
export function uint64FromWords(lo: number, hi: number): number | bigint {
  if (hi < SAFE_HI_LIMIT) return hi * TWO_POW_32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}
