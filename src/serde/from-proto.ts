import { OnnxSurgeonError } from '../errors.js';
import type { Attribute, AttributeValue } from '../ir/attribute.js';
import { Graph } from '../ir/graph.js';
import { Model } from '../ir/model.js';
import { Tensor } from '../ir/tensor.js';
import { type Dim, DType, type TensorType, dtypeByteLength, dtypeName } from '../ir/types.js';
import type { Value } from '../ir/value.js';
import type { Node } from '../ir/node.js';
import {
  AttributeType, type AttributeProto, type GraphProto, type Int64, type ModelProto, type NodeProto,
  type StringStringEntryProto, type TensorProto, type TypeProto, type ValueInfoProto,
} from '../onnx/proto-types.js';
import { holeSource } from '../onnx/sparse-read.js';
import { decodeGraphNode, graphNodeOutputs } from '../onnx/codec.js';
import { RawMessage } from '../onnx/raw-message.js';
import { AttributeBytes, NodeBytes, TensorBytes } from './node-bytes.js';
import { typedFieldBytes, usesTypedField } from './tensor-data.js';

/** How external tensor data is fetched: given the tensor proto, return a lazy loader. */
export type ExternalDataResolver = (proto: TensorProto, byteLength: number, tensorName: string) => () => Uint8Array;

/** Options for {@link modelFromProto}. */
export interface FromProtoOptions {
  /** File the model came from (named in errors). */
  file?: string;
  /** Resolves external data; without it, external tensors fail when read. */
  externalData?: ExternalDataResolver;
  /**
   * The buffer the messages were decoded from, when they carry their ranges in it (`$start`,
   * `$end`: `decodeModelWithNodeRanges`): nodes then keep those bytes instead of their messages
   * (see node-bytes.ts), and the decoded node lists are let go.
   *
   * @internal
   */
  sourceBytes?: Uint8Array;
}

/** Graph-level bookkeeping kept for faithful re-encoding. */
export interface GraphOrigin {
  proto: GraphProto;
  /** value_info entries naming no value of this graph, re-emitted as they were. */
  orphanValueInfo: ValueInfoProto[];
  /**
   * For each orphan, the listed value it followed (undefined: the list's start), so that it is
   * re-emitted in its place (onnxruntime's optimized models keep entries of values they removed).
   */
  orphanAnchors: (Value | undefined)[];
  /** Values defined by sparse initializers (they have no producer and no dense data). */
  sparseValues: Value[];
}

/** Value-level bookkeeping: the ValueInfoProto and the type as decoded (to detect edits). */
export interface ValueOrigin {
  proto: ValueInfoProto;
  typeKey: string;
}

/**
 * Builds the IR from decoded messages, whatever they hold: a model that breaks ONNX's rules loads
 * as it is, so that it can be checked (`checkModel` in `onnx-surgeon/check`) and repaired, and saves back as it was.
 * Nothing is repaired on the way in:
 * - a name read by a node (or listed as a graph output) that nothing defines becomes a value
 *   with no producer ({@link Value.isDangling});
 * - a name defined twice keeps both definitions; readers see the first one
 *   ({@link Graph.duplicateDefinitions});
 * - nodes stay in file order, cycles included (`Graph.toposort` refuses a cycle, as passes do);
 * - repeated attribute names are listed in {@link Node.repeatedAttributes} (the last one counts).
 */
export function modelFromProto(proto: ModelProto, options: FromProtoOptions = {}): Model {
  if (!proto.graph) {
    throw new OnnxSurgeonError('decode', 'model has no graph', { file: options.file, expected: 'ModelProto.graph (field 7)' });
  }
  const model = new Model(new Graph(proto.graph.name ?? ''));
  model.irVersion = proto.irVersion ?? 0;
  for (const opset of proto.opsetImport ?? []) {
    const version = opset.version ?? 0;
    if (typeof version !== 'number') {
      // A bigint (beyond 2^53) is no real opset, and the IR's number could not be written back.
      throw new OnnxSurgeonError('decode', `opset version of domain '${opset.domain ?? ''}' is out of range`, {
        file: options.file, expected: 'a version below 2^53', found: String(version),
      });
    }
    model.opsetImports.set(opset.domain ?? '', version);
  }
  if (proto.producerName !== undefined) model.producerName = proto.producerName;
  if (proto.producerVersion !== undefined) model.producerVersion = proto.producerVersion;
  if (proto.domain !== undefined) model.domain = proto.domain;
  if (proto.modelVersion !== undefined) model.modelVersion = proto.modelVersion;
  if (proto.docString !== undefined) model.docString = proto.docString;
  if (proto.metadataProps) model.metadataProps = pairs(proto.metadataProps);
  model.functions = (proto.functions ?? []).map((f) => ({
    name: f.name ?? '', domain: f.domain ?? '', ...(f.overload !== undefined ? { overload: f.overload } : {}), serdeOrigin: f,
  }));
  model.serdeOrigin = proto;
  fillGraph(model.graph, proto.graph, options);
  return model;
}

function fillGraph(graph: Graph, proto: GraphProto, options: FromProtoOptions): void {
  if (proto.docString !== undefined) graph.docString = proto.docString;
  if (proto.metadataProps) graph.metadataProps = pairs(proto.metadataProps);
  const origin: GraphOrigin = { proto, orphanValueInfo: [], orphanAnchors: [], sparseValues: [] };
  graph.serdeOrigin = origin;
  fillSources(graph, proto, options, origin);
  fillNodes(graph, proto, options);
  fillOutputs(graph, proto);
  fillValueInfo(graph, proto, origin);
  // Every node now holds its bytes or its own message, and the list is written from the IR: only
  // the messages that name external data files stay (externalLocations reads them).
  if (options.sourceBytes) {
    const kept = proto.node?.filter(mayNameExternalData);
    if (kept?.length) proto.node = kept;
    else delete proto.node;
  }
}

/** Graph inputs, initializers (one may give an input its default) and sparse initializers. */
function fillSources(graph: Graph, proto: GraphProto, options: FromProtoOptions, origin: GraphOrigin): void {
  for (const info of proto.input ?? []) {
    const v = graph.createDefinition(info.name ?? '');
    applyValueInfo(v, info);
    graph.markInput(v);
  }
  for (const t of proto.initializer ?? []) {
    const name = t.name ?? '';
    const tensor = tensorFromProto(t, options, name);
    const existing = graph._values.get(name);
    if (existing && existing.isGraphInput && !existing.initializer) graph.attachInitializer(existing, tensor);
    else graph.attachInitializer(graph.createDefinition(name), tensor);
  }
  for (const sparse of proto.sparseInitializer ?? []) {
    const name = sparse.values?.name ?? '';
    const v = graph._values.get(name) ?? graph.createDefinition(name);
    graph.markSparseInitializer(v);
    origin.sparseValues.push(v);
  }
}

/**
 * Nodes in file order. The outputs of every node exist before any input is resolved, so a read
 * binds to its name's first definition wherever it is in the file (an order problem or a cycle is
 * the checker's to report); a name nothing defines becomes a dangling value of this graph.
 */
function fillNodes(graph: Graph, proto: GraphProto, options: FromProtoOptions): void {
  const list = proto.node ?? [];
  // The loader leaves the main graph's nodes raw (codec's decodeModelWithNodeRanges): each is
  // decoded right before its IR node is built, so the message dies young (no copying by the
  // garbage collector), with the same order of effects as for decoded nodes.
  const raw = list.length > 0 && (list[0] as unknown) instanceof RawMessage;
  const context = options.file !== undefined ? { file: options.file } : {};
  const nodeOutputs = defineOutputs(graph, list, raw, context);
  const kept: NodeProto[] = [];
  for (let i = 0; i < list.length; i++) {
    const n = raw ? decodeGraphNode(list[i] as unknown as RawMessage, i, context) : list[i]!;
    if (raw && mayNameExternalData(n)) kept.push(n);
    const node = graph.addNodeWithOutputs(n.opType ?? '', n.domain ?? '', n.name ?? '', nodeOutputs[i]!);
    if (n.overload !== undefined) node.overload = n.overload;
    if (n.docString !== undefined) node.docString = n.docString;
    if (n.metadataProps) node.metadataProps = pairs(n.metadataProps);
    node.serdeOrigin = n;
    if (n.attribute !== undefined) readAttributes(node, n.attribute, graph, options);
    wireInputs(graph, node, n.input ?? []);
    if (options.sourceBytes) keepNodeBytes(node, n, options.sourceBytes);
  }
  if (raw) proto.node = kept;
  // A value read more than once has a list grown by push, with room for sixteen: made exact.
  for (const value of graph._values.values()) if (value._uses.length > 1) value._uses = value._uses.slice();
}

/** Every node's outputs, as the lists the nodes will hold (a name `''` is an omitted output). */
function defineOutputs(graph: Graph, list: readonly NodeProto[], raw: boolean, context: { file?: string }): Value[][] {
  const define = (name: string): Value => (name === '' ? graph.createOmittedOutput() : graph.createDefinition(name));
  const outputs = new Array<Value[]>(list.length);
  for (let i = 0; i < list.length; i++) {
    const names = raw ? graphNodeOutputs(list[i] as unknown as RawMessage, i, context) : list[i]!.output ?? [];
    outputs[i] = names.map(define);
  }
  return outputs;
}

/**
 * Wired here rather than by setInput: the list is allocated once at its size (a large model
 * has a few hundred thousand of them) and an omitted trailing input stays as read.
 */
function wireInputs(graph: Graph, node: Node, names: readonly string[]): void {
  const inputs: (Value | undefined)[] = (node._inputs = new Array<Value | undefined>(names.length).fill(undefined));
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (name === '') continue;
    const value = graph.value(name) ?? graph.createDefinition(name);
    inputs[k] = value;
    // Most values have one reader: a list of exactly one, never grown.
    if (value._uses.length === 0) value._uses = [{ node, index: k }];
    else value._uses.push({ node, index: k });
  }
}

/**
 * The node's origin becomes its bytes (node-bytes.ts), unless they hide unread weights; so do
 * its attributes' and their tensors' (each decoded message is then let go).
 */
function keepNodeBytes(node: Node, n: NodeProto & Ranged, bytes: Uint8Array): void {
  if (n.$start === undefined || n.$end === undefined) return;
  const attributes = n.attribute ?? [];
  // A weight left unread by the sparse loader is not in `bytes`: such a node is encoded.
  for (const a of attributes) if (hidesUnreadWeight(a)) return;
  node.serdeOrigin = new NodeBytes(bytes, n.$start, n.$end);
  if (attributes.length === 0) return;
  for (const attribute of node.attributes.values()) {
    const a = attribute.serdeOrigin as (AttributeProto & Ranged) | undefined;
    if (a?.$start !== undefined && a.$end !== undefined) attribute.serdeOrigin = new AttributeBytes(bytes, a.$start, a.$end);
    const v = attribute.value;
    if (v.kind === 'tensor') keepTensorBytes(v.value, bytes);
    else if (v.kind === 'tensors') for (const t of v.value) keepTensorBytes(t, bytes);
  }
}

/** A tensor held in the buffer keeps where its message lies instead of the message (node-bytes.ts). */
function keepTensorBytes(tensor: Tensor, bytes: Uint8Array): void {
  const t = tensor.serdeOrigin as (TensorProto & Ranged) | undefined;
  // Lazy ones (external, typed fields, unread) read their message when loaded: it stays.
  if (tensor.isLazy || t?.$start === undefined || t.$end === undefined || t.dataLocation === 1) return;
  tensor.serdeOrigin = new TensorBytes(bytes, t.$start, t.$end, t.name);
}

function hidesUnreadWeight(a: AttributeProto): boolean {
  if (a.t?.rawData !== undefined && holeSource(a.t.rawData)) return true;
  for (const t of a.tensors ?? []) if (t.rawData !== undefined && holeSource(t.rawData)) return true;
  return false;
}

/** Where a message decoded by `decodeModelWithNodeRanges` lies in its buffer. */
interface Ranged {
  $start?: number;
  $end?: number;
}

/** Graph outputs, by name; one that nothing defines is a dangling value listed as an output. */
function fillOutputs(graph: Graph, proto: GraphProto): void {
  const outputs = (proto.output ?? []).map((info) => ({ v: graph.value(info.name ?? '') ?? graph.createDefinition(info.name ?? ''), info }));
  graph.setOutputs(outputs.map((o) => o.v));
  graph.outputInfo = outputs.map((o) => o.info);
  for (const o of outputs) if (!o.v.serdeOrigin) applyValueInfo(o.v, o.info);
}

/** value_info entries in file order; entries for unknown or repeated names are kept verbatim. */
function fillValueInfo(graph: Graph, proto: GraphProto, origin: GraphOrigin): void {
  const listed = new Set(graph.valueInfoOrder);
  let previous: Value | undefined;
  for (const info of proto.valueInfo ?? []) {
    const v = graph._values.get(info.name ?? '');
    if (v && !listed.has(v)) {
      applyValueInfo(v, info);
      graph.valueInfoOrder.push(v);
      listed.add(v);
      previous = v;
    } else {
      origin.orphanValueInfo.push(info);
      origin.orphanAnchors.push(previous);
    }
  }
}

/** A node's attributes; a repeated name is recorded (ONNX forbids it; passes must not pick one). */
function readAttributes(node: Node, attributes: readonly AttributeProto[], graph: Graph, options: FromProtoOptions): void {
  for (const a of attributes) {
    const attribute = attributeFromProto(a, graph, options, node.label);
    const count = node.attributes.size;
    node.attributes.set(attribute.name, attribute);
    // One search by name, not two: a set that adds nothing replaced an attribute of that name.
    if (node.attributes.size === count) (node.repeatedAttributes ??= []).push(attribute.name);
  }
}

function applyValueInfo(v: Value, info: ValueInfoProto): void {
  const type = typeFromProto(info.type);
  if (type.tensor) v.type = type.tensor;
  else if (info.type) v.opaqueType = info.type;
  if (info.docString !== undefined) v.docString = info.docString;
  const origin: ValueOrigin = { proto: info, typeKey: typeKey(v.type) };
  v.serdeOrigin = origin;
}

/** Stable text form of a tensor type, used to tell whether a pass changed it. */
export function typeKey(type: TensorType | undefined): string {
  if (!type) return '';
  return `${type.dtype}:${type.shape ? type.shape.map((d) => (d === null ? '?' : String(d))).join(',') : '*'}`;
}

function typeFromProto(tp: TypeProto | undefined): { tensor?: TensorType } {
  const tt = tp?.tensorType;
  if (!tt) return {};
  const tensor: TensorType = { dtype: tt.elemType ?? DType.UNDEFINED };
  if (tt.shape) {
    tensor.shape = (tt.shape.dim ?? []).map((d): Dim => {
      if (d.dimValue !== undefined) return Number(d.dimValue);
      if (d.dimParam !== undefined && d.dimParam !== '') return d.dimParam;
      return null;
    });
  }
  return { tensor };
}

/** Decodes one TensorProto into an IR tensor whose data stays where it is until read. */
export function tensorFromProto(proto: TensorProto, options: FromProtoOptions, name = proto.name ?? ''): Tensor {
  const dtype = proto.dataType ?? DType.UNDEFINED;
  const dims = (proto.dims ?? []).map((d) => dimNumber(d, name, options.file));
  const count = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count)) {
    throw new OnnxSurgeonError('decode', 'tensor dims overflow', { file: options.file, tensor: name, found: `[${dims.join(',')}]` });
  }
  const ctx = { file: options.file, tensor: name };
  const byteLength = dtypeByteLength(dtype, count);
  let tensor: Tensor;
  if (dtype === DType.STRING) {
    tensor = new Tensor({ name, dtype, dims, storage: { kind: 'strings', values: proto.stringData ?? [] } });
  } else if (proto.dataLocation === 1) {
    if (!options.externalData) {
      throw new OnnxSurgeonError('external-data', 'tensor data is stored externally but the model has no folder to resolve it against', ctx);
    }
    tensor = new Tensor({ name, dtype, dims, storage: { kind: 'lazy', byteLength, describe: describeExternal(proto), load: options.externalData(proto, byteLength, name) } });
  } else if (proto.rawData !== undefined && holeSource(proto.rawData)) {
    // A large weight left unread by the sparse loader: read from the model file when needed.
    const hole = proto.rawData;
    const source = holeSource(hole)!;
    if (hole.byteLength !== byteLength) {
      throw new OnnxSurgeonError('decode', 'raw_data length does not match dims and data type', {
        ...ctx, expected: `${byteLength} bytes for ${dtypeName(dtype)}[${dims.join(',')}]`, found: `${hole.byteLength} bytes`,
      });
    }
    tensor = new Tensor({ name, dtype, dims, storage: { kind: 'lazy', byteLength, describe: 'inline, read from the model file when needed', load: () => source.read(hole.byteOffset, hole.byteLength) } });
  } else if (proto.rawData !== undefined) {
    if (proto.rawData.byteLength !== byteLength) {
      throw new OnnxSurgeonError('decode', 'raw_data length does not match dims and data type', {
        ...ctx, expected: `${byteLength} bytes for ${dtypeName(dtype)}[${dims.join(',')}]`, found: `${proto.rawData.byteLength} bytes`,
      });
    }
    tensor = new Tensor({ name, dtype, dims, storage: { kind: 'bytes', bytes: proto.rawData } });
  } else {
    if (!usesTypedField(proto)) throw new OnnxSurgeonError('decode', 'tensor has no data', ctx);
    // Validate the element count eagerly (cheap) but convert lazily.
    typedFieldLength(proto, count, dims, ctx);
    tensor = new Tensor({ name, dtype, dims, storage: { kind: 'lazy', byteLength, describe: 'typed field', load: () => typedFieldBytes(proto, dims, ctx) } });
  }
  if (proto.docString !== undefined) tensor.docString = proto.docString;
  tensor.serdeOrigin = proto;
  return tensor;
}

function typedFieldLength(proto: TensorProto, count: number, dims: number[], ctx: { file?: string | undefined; tensor: string }): void {
  if (count === 0) return;
  const fields = [proto.floatData, proto.int32Data, proto.int64Data, proto.doubleData, proto.uint64Data];
  const present = fields.find((f) => f !== undefined && f.length > 0);
  if (!present) {
    throw new OnnxSurgeonError('decode', 'tensor has no data', { ...ctx, expected: `${count} elements for [${dims.join(',')}]`, found: '0' });
  }
}

function describeExternal(proto: TensorProto): string {
  const entries = new Map((proto.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  return `external file '${entries.get('location') ?? '?'}' at offset ${entries.get('offset') ?? '0'}`;
}

function dimNumber(d: Int64, tensor: string, file?: string): number {
  const n = Number(d);
  if (typeof d === 'bigint' || !Number.isSafeInteger(n) || n < 0) {
    throw new OnnxSurgeonError('decode', 'tensor dim is negative or too large', { file, tensor, found: String(d) });
  }
  return n;
}

function attributeFromProto(a: AttributeProto, graph: Graph, options: FromProtoOptions, nodeLabel: string): Attribute {
  const name = a.name ?? '';
  const type = a.type ?? inferAttributeType(a);
  let value: AttributeValue;
  switch (type) {
    case AttributeType.FLOAT: value = { kind: 'float', value: a.f ?? 0 }; break;
    case AttributeType.INT: value = { kind: 'int', value: a.i ?? 0 }; break;
    case AttributeType.STRING: value = { kind: 'string', value: a.s ?? new Uint8Array(0) }; break;
    case AttributeType.TENSOR: value = { kind: 'tensor', value: tensorFromProto(a.t ?? {}, options) }; break;
    case AttributeType.GRAPH: value = { kind: 'graph', value: subgraphFromProto(a.g ?? {}, graph, options) }; break;
    case AttributeType.FLOATS: value = { kind: 'floats', value: [...(a.floats ?? [])] }; break;
    case AttributeType.INTS: value = { kind: 'ints', value: [...(a.ints ?? [])] }; break;
    case AttributeType.STRINGS: value = { kind: 'strings', value: [...(a.strings ?? [])] }; break;
    case AttributeType.TENSORS: value = { kind: 'tensors', value: (a.tensors ?? []).map((t) => tensorFromProto(t, options)) }; break;
    case AttributeType.GRAPHS: value = { kind: 'graphs', value: (a.graphs ?? []).map((g) => subgraphFromProto(g, graph, options)) }; break;
    default: value = { kind: 'opaque', type, value: a };
  }
  if (a.refAttrName !== undefined && value.kind !== 'opaque' && a.type === undefined && inferAttributeType(a) === AttributeType.UNDEFINED) {
    value = { kind: 'opaque', type, value: a };
  }
  void nodeLabel;
  const attribute: Attribute = { name, value, serdeOrigin: a };
  if (a.refAttrName !== undefined) attribute.refAttrName = a.refAttrName;
  if (a.docString !== undefined) attribute.docString = a.docString;
  return attribute;
}

function subgraphFromProto(proto: GraphProto, parent: Graph, options: FromProtoOptions): Graph {
  const g = new Graph(proto.name ?? '', parent);
  fillGraph(g, proto, options);
  return g;
}

/** Old exporters leave `type` unset; the populated field says what it is. */
function inferAttributeType(a: AttributeProto): number {
  if (a.f !== undefined) return AttributeType.FLOAT;
  if (a.i !== undefined) return AttributeType.INT;
  if (a.s !== undefined) return AttributeType.STRING;
  if (a.t !== undefined) return AttributeType.TENSOR;
  if (a.g !== undefined) return AttributeType.GRAPH;
  if (a.sparseTensor !== undefined) return AttributeType.SPARSE_TENSOR;
  if (a.tp !== undefined) return AttributeType.TYPE_PROTO;
  if (a.floats?.length) return AttributeType.FLOATS;
  if (a.ints?.length) return AttributeType.INTS;
  if (a.strings?.length) return AttributeType.STRINGS;
  if (a.tensors?.length) return AttributeType.TENSORS;
  if (a.graphs?.length) return AttributeType.GRAPHS;
  return AttributeType.UNDEFINED;
}

function pairs(entries: StringStringEntryProto[]): [string, string][] {
  return entries.map((e) => [e.key ?? '', e.value ?? '']);
}

/** A node whose attributes hold a tensor stored externally, or a subgraph (which may). */
function mayNameExternalData(n: NodeProto): boolean {
  const attributes = n.attribute;
  if (attributes === undefined) return false;
  for (const a of attributes) if (attributeMayNameExternalData(a)) return true;
  return false;
}

function attributeMayNameExternalData(a: AttributeProto): boolean {
  return a.g !== undefined || !!a.graphs?.length || a.sparseTensor !== undefined || !!a.sparseTensors?.length ||
    a.t?.dataLocation === 1 || !!a.tensors?.some((t) => t.dataLocation === 1);
}
