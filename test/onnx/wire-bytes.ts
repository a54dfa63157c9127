/** Helpers to hand-craft protobuf bytes in tests (independent of the codec under test). */

/**
 * Varint bytes of an unsigned value; negative values are written as 64-bit two's complement.
 * `extra` pads it non-minimally: the last byte gets a continuation bit and zero bytes follow.
 */
export function varint(value: number | bigint, extra = 0): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  for (let i = 0; i < extra; i++) {
    out[out.length - 1]! |= 0x80;
    out.push(0);
  }
  return out;
}

/** Tag bytes. */
export function tag(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

/** A varint field. */
export function varintField(field: number, value: number | bigint): number[] {
  return [...tag(field, 0), ...varint(value)];
}

/** A length-delimited field. */
export function lengthField(field: number, payload: number[] | Uint8Array | string): number[] {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload, 'utf8')] : [...payload];
  return [...tag(field, 2), ...varint(bytes.length), ...bytes];
}

/** A fixed32 field holding a float. */
export function floatField(field: number, value: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return [...tag(field, 5), ...b];
}

/** Concatenates byte lists into a Uint8Array. */
export function bytesOf(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}
