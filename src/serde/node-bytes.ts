/**
 * Loaded nodes kept as the bytes they were read from. The loader builds the IR from decoded
 * NodeProtos, then keeps only where each one lies in the file's buffer and lets the message go:
 * on a 95k-node model that is most of the decoded objects, which the garbage collector would
 * otherwise walk for the rest of the run. A save writes a node that still reads exactly as it was
 * loaded (op, names, inputs, outputs, attributes) back as those bytes, untouched nodes being most
 * of a fused model; any other node is encoded from the IR with its message decoded again from the
 * bytes, so nothing the IR does not model is lost.
 *
 * What the node was loaded with is read from its bytes when the save asks (onnx/node-match.ts,
 * decode.ts for bytes it does not read), never kept beside them: an edit in place, a rename
 * (`Graph.renameValue` or an assignment), a rewired input, a changed field, all show as a
 * difference from the bytes.
 */
import type { Attribute } from '../ir/attribute.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import { decodeMessageBytes } from '../onnx/decode.js';
import { decodePlainAttribute } from '../onnx/node-decoder.js';
import { DIFFERENT, type NodeFields, matchPlainNode } from '../onnx/node-match.js';
import { AttributeType, type AttributeProto, type NodeProto, type TensorProto } from '../onnx/proto-types.js';
import { RawMessage } from '../onnx/raw-message.js';
import { messageDescriptor } from '../onnx/schema.js';

/** A loaded node's NodeProto as bytes. */
export class NodeBytes extends RawMessage {}

/** A loaded attribute's AttributeProto as bytes. */
export class AttributeBytes extends RawMessage {}

/**
 * A tensor of a loaded node's attribute (held in the buffer, not external) as where its
 * TensorProto lies and the name it was read with (`undefined`: none). It stands for the decoded
 * message as `Tensor.serdeOrigin` ({@link tensorOrigin} decodes it), which a Constant-heavy model
 * would otherwise keep for every constant with its dims list and `raw_data` view: what a save
 * asks of an unchanged one is only whether it is still the one these bytes hold.
 */
export class TensorBytes extends RawMessage {
  constructor(bytes: Uint8Array, start: number, end: number, readonly name: string | undefined) {
    super(bytes, start, end);
  }
}

/** The TensorProto a tensor was loaded from (decoded again from its bytes when it has some). */
export function tensorOrigin(tensor: Tensor): TensorProto | undefined {
  const origin = tensor.serdeOrigin;
  if (!(origin instanceof TensorBytes)) return origin as TensorProto | undefined;
  const proto = decodeMessageBytes(messageDescriptor('onnx.TensorProto'), origin.bytes, origin.start, origin.end) as TensorProto & { $start?: number; $end?: number };
  // As the loader's decode gave it (with its range), so that a caller sees no difference.
  proto.$start = origin.start;
  proto.$end = origin.end;
  return proto;
}

/** The NodeProto a node was loaded from (decoded again from its bytes when it has some). */
export function nodeOrigin(node: Node): NodeProto | undefined {
  const origin = node.serdeOrigin;
  if (origin instanceof NodeBytes) return decodeMessageBytes(messageDescriptor('onnx.NodeProto'), origin.bytes, origin.start, origin.end) as NodeProto;
  return origin as NodeProto | undefined;
}

/** The AttributeProto an attribute was loaded from (decoded again from its bytes when it has some). */
export function attributeOrigin(attribute: Attribute): AttributeProto | undefined {
  const origin = attribute.serdeOrigin;
  if (origin instanceof AttributeBytes) return decodeMessageBytes(messageDescriptor('onnx.AttributeProto'), origin.bytes, origin.start, origin.end) as AttributeProto;
  return origin as AttributeProto | undefined;
}

/**
 * The node's bytes as loaded when the IR still holds exactly what they say, else undefined. Each
 * attribute is compared with its loaded message decoded again (its value may have been changed
 * in place); subgraph and opaque attributes, and tensor attributes when tensors are being placed
 * (external data), are always written from the IR.
 */
export function unchangedNodeBytes(node: Node, placingTensors: boolean): NodeBytes | undefined {
  const origin = node.serdeOrigin;
  if (!(origin instanceof NodeBytes) || node.repeatedAttributes) return undefined;
  // A Node has every field NodeFields names (its inputs and outputs are Values, which have names).
  const attributeCount = matchPlainNode(origin.bytes, origin.start, origin.end, node) ?? matchDecodedNode(origin, node);
  if (attributeCount !== node.attributes.size) return undefined;
  let after = origin.start;
  for (const attribute of node.attributes.values()) {
    const loaded = attribute.serdeOrigin;
    // The node's own attributes, in the order read (a moved or re-added one is not).
    if (!(loaded instanceof AttributeBytes) || loaded.bytes !== origin.bytes || loaded.start < after || loaded.end > origin.end) return undefined;
    after = loaded.end;
    if (!sameAsLoaded(attribute, loaded, placingTensors)) return undefined;
  }
  return origin;
}

/**
 * {@link matchPlainNode} for bytes it does not read: the node decoded by decode.ts, its fields
 * compared as node-match.ts compares them (absent names are `''`, absent metadata is none).
 */
function matchDecodedNode(origin: NodeBytes, fields: NodeFields): number {
  const n = decodeMessageBytes(messageDescriptor('onnx.NodeProto'), origin.bytes, origin.start, origin.end) as NodeProto;
  if (fields.opType !== (n.opType ?? '') || fields.domain !== (n.domain ?? '') || fields.name !== (n.name ?? '')) return DIFFERENT;
  if (fields.overload !== n.overload || fields.docString !== n.docString) return DIFFERENT;
  const pairs = n.metadataProps?.map((e): [string, string] => [e.key ?? '', e.value ?? '']);
  if (!samePairs(fields.metadataProps, pairs)) return DIFFERENT;
  if (!sameNames(fields.inputs, n.input ?? []) || !sameNames(fields.outputs, n.output ?? [])) return DIFFERENT;
  return n.attribute?.length ?? 0;
}

function sameNames(values: readonly ({ readonly name: string } | undefined)[], names: readonly string[]): boolean {
  if (values.length !== names.length) return false;
  for (let i = 0; i < values.length; i++) if ((values[i]?.name ?? '') !== names[i]) return false;
  return true;
}

function samePairs(now: readonly (readonly [string, string])[] | undefined, loaded: readonly (readonly [string, string])[] | undefined): boolean {
  if (now === undefined || loaded === undefined) return now === loaded;
  return now.length === loaded.length && now.every(([k, v], i) => k === loaded[i]![0] && v === loaded[i]![1]);
}

/** Whether the saver would write `attribute` as the message its bytes hold (see to-proto.ts). */
function sameAsLoaded(attribute: Attribute, loaded: AttributeBytes, placingTensors: boolean): boolean {
  // The plain decoder gives decode.ts's message for what exporters write, at a fraction of the cost.
  const a = decodePlainAttribute(loaded.bytes, loaded.start, loaded.end) ??
    (decodeMessageBytes(messageDescriptor('onnx.AttributeProto'), loaded.bytes, loaded.start, loaded.end) as AttributeProto);
  if ((a.name ?? '') !== attribute.name || a.refAttrName !== attribute.refAttrName || a.docString !== attribute.docString) return false;
  const v = attribute.value;
  switch (v.kind) {
    case 'float': return a.f !== undefined && Object.is(a.f, v.value) && typeIs(a, AttributeType.FLOAT);
    case 'int': return a.i !== undefined && a.i === v.value && typeIs(a, AttributeType.INT);
    case 'string': return a.s !== undefined && sameBytes(a.s, v.value) && typeIs(a, AttributeType.STRING);
    case 'floats': return sameList(a.floats, v.value, Object.is) && typeIs(a, AttributeType.FLOATS);
    case 'ints': return sameList(a.ints, v.value, (x, y) => x === y) && typeIs(a, AttributeType.INTS);
    case 'strings': return sameList(a.strings, v.value, sameBytes) && typeIs(a, AttributeType.STRINGS);
    case 'tensor': return !placingTensors && a.t !== undefined && isLoadedTensor(v.value, loaded) && typeIs(a, AttributeType.TENSOR);
    case 'tensors': return !placingTensors && (a.tensors?.length ?? 0) === v.value.length && v.value.every((t) => isLoadedTensor(t, loaded)) && typeIs(a, AttributeType.TENSORS);
    default: return false; // graphs and opaque kinds: written from the IR
  }
}

/**
 * The loaded type field agrees with the IR's kind (or is absent): then writing the IR's value
 * over the loaded message (to-proto.ts keeps its other fields) gives that very message.
 */
function typeIs(a: AttributeProto, type: number): boolean {
  return a.type === undefined || a.type === type;
}

/** The tensor is the untouched one this attribute's bytes hold (not one moved in from elsewhere). */
function isLoadedTensor(tensor: Tensor, loaded: AttributeBytes): boolean {
  const origin = tensor.serdeOrigin;
  if (origin instanceof TensorBytes) {
    // Only tensors held in the buffer become TensorBytes (never external ones).
    return origin.start >= loaded.start && origin.end <= loaded.end && (origin.name ?? '') === tensor.name;
  }
  const proto = origin as (TensorProto & { $start?: number; $end?: number }) | undefined;
  if (!proto || proto.$start === undefined || proto.$end === undefined) return false;
  if (proto.$start < loaded.start || proto.$end > loaded.end || proto.dataLocation === 1) return false;
  return (proto.name ?? '') === tensor.name;
}

function sameList<T>(loaded: ArrayLike<T> | undefined, now: readonly T[], same: (x: T, y: T) => boolean): boolean {
  const n = loaded?.length ?? 0;
  if (n !== now.length) return false;
  for (let i = 0; i < n; i++) if (!same(loaded![i]!, now[i]!)) return false;
  return true;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.byteLength !== y.byteLength) return false;
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false;
  return true;
}
