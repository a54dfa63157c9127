/**
 * Loaded nodes kept as the bytes they were read from. The loader builds the IR from decoded
 * NodeProtos, then keeps only where each one lies in the file's buffer (and the few fields a save
 * compares) and lets the message go: on a 95k-node model that is most of the decoded objects,
 * which the garbage collector would otherwise walk for the rest of the run. A save writes a node
 * that still reads exactly as it was loaded (op, names, inputs, outputs, attributes) back as those
 * bytes, untouched nodes being most of a fused model; any other node is encoded from the IR with
 * its message decoded again from the bytes, so nothing the IR does not model is lost.
 */
import type { Attribute } from '../ir/attribute.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import { decodeMessageBytes } from '../onnx/decode.js';
import { AttributeType, type AttributeProto, type NodeProto, type TensorProto } from '../onnx/proto-types.js';
import { RawMessage } from '../onnx/raw-message.js';
import { messageDescriptor } from '../onnx/schema.js';

/** A loaded node's NodeProto as bytes, with the fields a save compares against the IR. */
export class NodeBytes extends RawMessage {
  constructor(
    bytes: Uint8Array,
    start: number,
    end: number,
    /** Node fields as read: op type, domain, name (`''` when absent). */
    readonly opType: string,
    readonly domain: string,
    readonly name: string,
    readonly overload: string | undefined,
    readonly docString: string | undefined,
    /** A copy of the metadata pairs as read. */
    readonly metadataProps: readonly (readonly [string, string])[] | undefined,
    /** Input names then output names as read (`''` for an omitted one). */
    readonly names: readonly string[],
    readonly inputCount: number,
    readonly attributeCount: number,
  ) {
    super(bytes, start, end);
  }
}

/** A loaded attribute's AttributeProto as bytes. */
export class AttributeBytes extends RawMessage {}

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
  if (!(origin instanceof NodeBytes)) return undefined;
  if (node.opType !== origin.opType || node.domain !== origin.domain || node.name !== origin.name) return undefined;
  if (node.overload !== origin.overload || node.docString !== origin.docString || node.repeatedAttributes) return undefined;
  if (!samePairs(node.metadataProps, origin.metadataProps)) return undefined;
  if (!sameNames(node, origin)) return undefined;
  if (node.attributes.size !== origin.attributeCount) return undefined;
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

function sameNames(node: Node, origin: NodeBytes): boolean {
  const inputs = node._inputs;
  const outputs = node._outputs;
  const names = origin.names;
  if (inputs.length !== origin.inputCount || outputs.length !== names.length - origin.inputCount) return false;
  for (let i = 0; i < inputs.length; i++) if ((inputs[i]?.name ?? '') !== names[i]) return false;
  for (let i = 0; i < outputs.length; i++) if (outputs[i]!.name !== names[origin.inputCount + i]) return false;
  return true;
}

function samePairs(now: readonly (readonly [string, string])[] | undefined, loaded: readonly (readonly [string, string])[] | undefined): boolean {
  if (now === undefined || loaded === undefined) return now === loaded;
  return now.length === loaded.length && now.every(([k, v], i) => k === loaded[i]![0] && v === loaded[i]![1]);
}

/** Whether the saver would write `attribute` as the message its bytes hold (see to-proto.ts). */
function sameAsLoaded(attribute: Attribute, loaded: AttributeBytes, placingTensors: boolean): boolean {
  const a = decodeMessageBytes(messageDescriptor('onnx.AttributeProto'), loaded.bytes, loaded.start, loaded.end) as AttributeProto;
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
  const origin = tensor.serdeOrigin as (TensorProto & { $start?: number; $end?: number }) | undefined;
  if (!origin || origin.$start === undefined || origin.$end === undefined) return false;
  if (origin.$start < loaded.start || origin.$end > loaded.end || origin.dataLocation === 1) return false;
  return (origin.name ?? '') === tensor.name;
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
