/**
 * Strict UTF-8 decoding of protobuf string fields, fast for the short ASCII names ONNX files are
 * full of (value, node, op and attribute names: a large model has about a million of them).
 *
 * TextDecoder costs about 200 ns a call, whatever the length, most of it in getting to native
 * code and back. An ASCII string is built here in JavaScript instead, in one
 * `String.fromCharCode` call over a reused array, which makes a flat one-byte string (never a
 * cons string: concatenating characters would, and such strings cost 32 bytes a character while
 * they live and a copy each time a Map hashes them). Anything else goes to TextDecoder, which
 * gives the same string for ASCII bytes and reports invalid UTF-8.
 */

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Longest string built in JavaScript; longer ones (doc strings) go to TextDecoder. */
const MAX_JS_LENGTH = 96;

/** One reused array per length: `fromCharCode.apply` needs exactly `length` elements. */
const codeArrays: number[][] = [];
for (let length = 0; length <= MAX_JS_LENGTH; length++) codeArrays.push(new Array<number>(length).fill(0));

const fromCharCode = String.fromCharCode;

/**
 * Decodes `bytes[start, end)` as strict UTF-8 (no BOM stripping).
 *
 * @throws TypeError for invalid UTF-8 (TextDecoder's own error; callers give it context).
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return '';
  if (length <= MAX_JS_LENGTH) {
    const codes = codeArrays[length]!;
    let i = 0;
    for (; i < length; i++) {
      const b = bytes[start + i]!;
      if (b >= 0x80) break;
      codes[i] = b;
    }
    if (i === length) return fromCharCode.apply(null, codes);
  }
  return strict.decode(bytes.subarray(start, end));
}
