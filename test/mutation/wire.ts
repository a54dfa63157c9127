/**
 * Byte-level edits of an encoded model for what the IR cannot hold: the IR keeps one attribute
 * per name, so a node with a duplicate attribute (which onnxruntime rejects) can only be written
 * by appending an AttributeProto to the NodeProto in the protobuf bytes. Just enough of the
 * protobuf wire format to do that: ModelProto.graph (7) -> GraphProto.node (1) -> NodeProto
 * name (3) / attribute (5).
 */

/** An attribute to append, as ONNX encodes it. */
export type RawAttribute =
  | { name: string; int: number }
  | { name: string; string: string };

interface Field {
  number: number;
  wireType: number;
  /** Byte range of the whole field (tag included) and of its payload (length-delimited). */
  start: number;
  end: number;
  payloadStart: number;
}

/** Appends `attribute` to the node named `nodeName` of the main graph. */
export function appendAttribute(model: Uint8Array, nodeName: string, attribute: RawAttribute): Uint8Array {
  return replaceField(model, 7, (graph) => {
    let found = false;
    const patched = replaceFields(graph, 1, (node) => {
      if (found || nameOf(node) !== nodeName) return node;
      found = true;
      return concat([node, lengthDelimited(5, encodeAttribute(attribute))]);
    });
    if (!found) throw new Error(`wire: no node named '${nodeName}' in the graph`);
    return patched;
  });
}

function encodeAttribute(attribute: RawAttribute): Uint8Array {
  const parts = [lengthDelimited(1, new TextEncoder().encode(attribute.name))];
  if ('int' in attribute) {
    parts.push(varintField(3, attribute.int), varintField(20, 2)); // i, type INT
  } else {
    parts.push(lengthDelimited(4, new TextEncoder().encode(attribute.string)), varintField(20, 3)); // s, type STRING
  }
  return concat(parts);
}

function nameOf(node: Uint8Array): string | undefined {
  const field = parse(node).find((f) => f.number === 3 && f.wireType === 2);
  return field ? new TextDecoder().decode(node.subarray(field.payloadStart, field.end)) : undefined;
}

/** Replaces the payload of the (single) length-delimited field `number`. */
function replaceField(message: Uint8Array, number: number, edit: (payload: Uint8Array) => Uint8Array): Uint8Array {
  let seen = false;
  const out = replaceFields(message, number, (payload) => {
    if (seen) throw new Error(`wire: field ${number} appears twice`);
    seen = true;
    return edit(payload);
  });
  if (!seen) throw new Error(`wire: no field ${number}`);
  return out;
}

/** Rewrites every length-delimited field `number` of a message through `edit`. */
function replaceFields(message: Uint8Array, number: number, edit: (payload: Uint8Array) => Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of parse(message)) {
    if (field.number === number && field.wireType === 2) parts.push(lengthDelimited(number, edit(message.subarray(field.payloadStart, field.end))));
    else parts.push(message.subarray(field.start, field.end));
  }
  return concat(parts);
}

function parse(message: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < message.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(message, pos);
    pos = afterTag;
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    let payloadStart = pos;
    switch (wireType) {
      case 0: pos = readVarint(message, pos)[1]; break;
      case 1: pos += 8; break;
      case 5: pos += 4; break;
      case 2: {
        const [length, afterLength] = readVarint(message, pos);
        payloadStart = afterLength;
        pos = afterLength + length;
        break;
      }
      default: throw new Error(`wire: unsupported wire type ${wireType} at byte ${start}`);
    }
    if (pos > message.length) throw new Error(`wire: field ${number} runs past the end`);
    fields.push({ number, wireType, start, end: pos, payloadStart });
  }
  return fields;
}

function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[pos++];
    if (byte === undefined) throw new Error('wire: truncated varint');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 128;
  }
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function varintField(number: number, value: number): Uint8Array {
  if (value < 0 || !Number.isInteger(value)) throw new Error('wire: only non-negative integers are supported');
  return Uint8Array.from([...varint(number * 8), ...varint(value)]);
}

function lengthDelimited(number: number, payload: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint(number * 8 + 2), ...varint(payload.length)]), payload]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
