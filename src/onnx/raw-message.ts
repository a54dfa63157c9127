/**
 * A message kept as its encoded bytes. The encoder writes it back exactly as it was read (a
 * loaded model's untouched nodes are saved this way, without being re-encoded field by field).
 */
export class RawMessage {
  /**
   * @param bytes the buffer the message was read from
   * @param start offset of the message body (after its tag and length)
   * @param end offset just past the body
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly end: number,
  ) {}

  /** Size of the body in bytes. */
  get byteLength(): number {
    return this.end - this.start;
  }

  /** The body, as a view of {@link bytes}. */
  view(): Uint8Array {
    return this.bytes.subarray(this.start, this.end);
  }
}
