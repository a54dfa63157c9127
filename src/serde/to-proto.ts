import { OnnxSurgeonError } from '../errors.js';
import type { Attribute } from '../ir/attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { TensorType } from '../ir/types.js';
import type { Value } from '../ir/value.js';
import { sortIfAcyclic } from '../ir/toposort.js';
import {
  AttributeType, type AttributeProto, type GraphProto, type ModelProto, type NodeProto,
  type StringStringEntryProto, type TensorProto, type TypeProto, type ValueInfoProto,
} from '../onnx/proto-types.js';
import { type GraphOrigin, type ValueOrigin, typeKey } from './from-proto.js';
import { attributeOrigin, nodeOrigin, tensorOrigin, unchangedNodeBytes } from './node-bytes.js';

/**
 * Decides, per tensor, how its data is written: `inline` keeps (or builds) an in-message tensor;
 * an object means "written to an external file at this location/offset/length".
 */
export type TensorPlacement = (tensor: Tensor) => 'inline' | { location: string; offset: number; length: number };

/** Options for {@link modelToProto}. */
export interface ToProtoOptions {
  /** Where each initializer's data goes (default: inline, keeping the original encoding). */
  placeTensor?: TensorPlacement;
  /**
   * Loaded nodes that are unchanged stay their bytes (node-bytes.ts) in the message lists, which
   * only the encoder understands: for saving, not for callers that read the messages.
   *
   * @internal
   */
  rawNodes?: boolean;
}

/**
 * Turns the IR back into messages. Anything the IR does not model (fields of a newer ONNX,
 * training info, sparse initializers, annotations) is taken from the decoded original, so an
 * unmodified model re-encodes to the same messages.
 */
export function modelToProto(model: Model, options: ToProtoOptions = {}): ModelProto {
  const origin = (model.serdeOrigin as ModelProto | undefined) ?? {};
  const out: ModelProto = { ...origin };
  out.irVersion = model.irVersion;
  out.opsetImport = sameOpsets(origin, model)
    ? origin.opsetImport
    : [...model.opsetImports].map(([domain, version]) => ({ domain, version }));
  setOptional(out, 'producerName', model.producerName);
  setOptional(out, 'producerVersion', model.producerVersion);
  setOptional(out, 'domain', model.domain);
  setOptional(out, 'modelVersion', model.modelVersion);
  setOptional(out, 'docString', model.docString);
  out.metadataProps = entries(model.metadataProps, origin.metadataProps);
  if (!out.metadataProps) delete out.metadataProps;
  out.graph = graphToProto(model.graph, options);
  if (model.functions.length) out.functions = model.functions.map((f) => f.serdeOrigin) as ModelProto['functions'];
  else delete out.functions;
  return out;
}

function sameOpsets(origin: ModelProto, model: Model): boolean {
  const list = origin.opsetImport ?? [];
  if (list.length !== model.opsetImports.size) return false;
  return list.every((o) => model.opsetImports.get(o.domain ?? '') === Number(o.version ?? 0));
}

/**
 * Encodes one graph (and, recursively, its subgraphs). Nodes are written in topological order;
 * a graph with a cycle has none and keeps the order it has (a broken model is written as read).
 */
export function graphToProto(graph: Graph, options: ToProtoOptions): GraphProto {
  const origin = graph.serdeOrigin as GraphOrigin | undefined;
  const out: GraphProto = { ...(origin?.proto ?? {}) };
  sortIfAcyclic(graph);
  out.node = options.rawNodes ? nodesAsBytesOrProtos(graph, options) : graph.nodes.map((n) => nodeToProto(n, options));
  setOptional(out, 'name', graph.name || undefined, origin?.proto.name !== undefined);
  out.initializer = graph.initializers.map((v) => tensorToProto(v.initializer!, options, v.name));
  out.input = graph.inputs.map((v) => valueInfoToProto(v));
  const outputInfo = (graph.outputInfo ?? []) as ValueInfoProto[];
  out.output = graph.outputs.map((v, i) => {
    const info = outputInfo[i];
    if (info && info.name === v.name && typeKey(v.type) === typeKey(typeOfInfo(info))) return info;
    return valueInfoToProto(v);
  });
  const alive = graph.valueInfoOrder.filter((v) => graph._values.get(v.name) === v && !v.isGraphInput);
  out.valueInfo = valueInfoInOrder(alive, origin);
  setOptional(out, 'docString', graph.docString);
  out.metadataProps = entries(graph.metadataProps, origin?.proto.metadataProps);
  for (const key of ['node', 'initializer', 'input', 'output', 'valueInfo', 'metadataProps'] as const) {
    if (!out[key]?.length) delete out[key];
  }
  return out;
}

/** The graph's nodes for saving: each unchanged loaded node as its bytes, the others encoded from the IR. */
function nodesAsBytesOrProtos(graph: Graph, options: ToProtoOptions): NodeProto[] {
  const placingTensors = options.placeTensor !== undefined;
  const out: NodeProto[] = [];
  // The encoder writes a NodeBytes (a RawMessage) as its bytes.
  for (const n of graph.nodesIter()) out.push((unchangedNodeBytes(n, placingTensors) ?? nodeToProto(n, options)) as NodeProto);
  return out;
}

function typeOfInfo(info: ValueInfoProto): TensorType | undefined {
  const tt = info.type?.tensorType;
  if (!tt) return undefined;
  const t: TensorType = { dtype: tt.elemType ?? 0 };
  if (tt.shape) {
    t.shape = (tt.shape.dim ?? []).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam ? d.dimParam : null));
  }
  return t;
}

function nodeToProto(node: Node, options: ToProtoOptions): NodeProto {
  const origin = nodeOrigin(node) ?? {};
  const out: NodeProto = { ...origin };
  out.input = node.inputs.map((v) => v?.name ?? '');
  out.output = node.outputs.map((v) => v.name);
  setOptional(out, 'name', node.name || undefined, origin.name !== undefined);
  out.opType = node.opType;
  setOptional(out, 'domain', node.domain || undefined, origin.domain !== undefined);
  setOptional(out, 'overload', node.overload);
  setOptional(out, 'docString', node.docString);
  out.attribute = attributesToProto(node, options, origin.attribute);
  out.metadataProps = entries(node.metadataProps, origin.metadataProps);
  for (const key of ['input', 'output', 'attribute', 'metadataProps'] as const) {
    if (!out[key]?.length) delete out[key];
  }
  return out;
}

/**
 * The node's attributes; when the model repeated a name (see `Node.repeatedAttributes`), every
 * occurrence goes back where it was read (the IR holds the last one), so the node is written as read.
 */
function attributesToProto(node: Node, options: ToProtoOptions, read: readonly AttributeProto[] | undefined): AttributeProto[] {
  const current = [...node.attributes.values()].map((a) => attributeToProto(a, options, node));
  const repeated = new Set(node.repeatedAttributes ?? []);
  if (!repeated.size || !read) return current;
  const byName = new Map(current.map((a) => [a.name ?? '', a]));
  const last = new Map(read.map((a, i) => [a.name ?? '', i]));
  const out: AttributeProto[] = [];
  const written = new Set<string>();
  read.forEach((a, i) => {
    const name = a.name ?? '';
    const now = byName.get(name);
    if (!now) return;
    if (i !== last.get(name)) {
      if (repeated.has(name)) out.push(a);
      return;
    }
    out.push(now);
    written.add(name);
  });
  for (const a of current) if (!written.has(a.name ?? '')) out.push(a);
  return out;
}

/** One attribute as a message, on top of the one it was loaded from (node-bytes.ts's `sameAsLoaded` mirrors this). */
function attributeToProto(a: Attribute, options: ToProtoOptions, node: Node): AttributeProto {
  const loaded = attributeOrigin(a);
  const origin = loaded ?? {};
  const out: AttributeProto = { ...origin, name: a.name };
  const v = a.value;
  const typed = (type: number): void => {
    if (origin.type !== undefined || !loaded) out.type = type;
  };
  switch (v.kind) {
    case 'float': out.f = v.value; typed(AttributeType.FLOAT); break;
    case 'int': out.i = v.value; typed(AttributeType.INT); break;
    case 'string': out.s = v.value; typed(AttributeType.STRING); break;
    case 'tensor': out.t = tensorToProto(v.value, options); typed(AttributeType.TENSOR); break;
    case 'graph': out.g = graphToProto(v.value, options); typed(AttributeType.GRAPH); break;
    case 'floats': out.floats = v.value; typed(AttributeType.FLOATS); break;
    case 'ints': out.ints = v.value; typed(AttributeType.INTS); break;
    case 'strings': out.strings = v.value; typed(AttributeType.STRINGS); break;
    case 'tensors': out.tensors = v.value.map((t) => tensorToProto(t, options)); typed(AttributeType.TENSORS); break;
    case 'graphs': out.graphs = v.value.map((g) => graphToProto(g, options)); typed(AttributeType.GRAPHS); break;
    case 'opaque': return v.value as AttributeProto;
    default: throw new OnnxSurgeonError('encode', `attribute '${(a as Attribute).name}' has an unknown kind`, { node: node.label });
  }
  if (a.refAttrName !== undefined) out.refAttrName = a.refAttrName;
  setOptional(out, 'docString', a.docString);
  return out;
}

/** Encodes a tensor: the original message when untouched, else a fresh one with raw_data. */
export function tensorToProto(tensor: Tensor, options: ToProtoOptions, name = tensor.name): TensorProto {
  const placement = options.placeTensor?.(tensor) ?? 'inline';
  const origin = tensorOrigin(tensor);
  if (placement === 'inline') {
    if (origin && origin.dataLocation !== 1) {
      return origin.name === name || (origin.name === undefined && name === '') ? origin : { ...origin, name };
    }
    const out: TensorProto = baseTensor(tensor, origin, name);
    if (tensor.dtype === 8) out.stringData = tensor.strings();
    else out.rawData = tensor.bytes();
    return out;
  }
  const out = baseTensor(tensor, origin, name);
  out.dataLocation = 1;
  const ext: StringStringEntryProto[] = [
    { key: 'location', value: placement.location },
    { key: 'offset', value: String(placement.offset) },
    { key: 'length', value: String(placement.length) },
  ];
  out.externalData = ext;
  return out;
}

function baseTensor(tensor: Tensor, origin: TensorProto | undefined, name: string): TensorProto {
  const out: TensorProto = {};
  if (tensor.dims.length || origin?.dims !== undefined) out.dims = [...tensor.dims];
  out.dataType = tensor.dtype;
  if (name || origin?.name !== undefined) out.name = name;
  if (tensor.docString !== undefined) out.docString = tensor.docString;
  if (origin?.metadataProps) out.metadataProps = origin.metadataProps;
  if (origin?.$unknown) out.$unknown = origin.$unknown;
  return out;
}

/** Listed values, each orphan entry after the value it followed when read; orphans whose anchor is gone last. */
function valueInfoInOrder(alive: Value[], origin: GraphOrigin | undefined): ValueInfoProto[] {
  const orphans = origin?.orphanValueInfo ?? [];
  const anchors = origin?.orphanAnchors ?? [];
  const byAnchor = new Map<Value | undefined, ValueInfoProto[]>();
  orphans.forEach((info, i) => {
    const list = byAnchor.get(anchors[i]) ?? [];
    list.push(info);
    byAnchor.set(anchors[i], list);
  });
  const out: ValueInfoProto[] = [...(byAnchor.get(undefined) ?? [])];
  byAnchor.delete(undefined);
  for (const v of alive) {
    out.push(valueInfoToProto(v));
    out.push(...(byAnchor.get(v) ?? []));
    byAnchor.delete(v);
  }
  for (const rest of byAnchor.values()) out.push(...rest);
  return out;
}

function valueInfoToProto(v: Value): ValueInfoProto {
  const origin = v.serdeOrigin as ValueOrigin | undefined;
  if (origin && origin.proto.name === v.name && origin.typeKey === typeKey(v.type)) return origin.proto;
  const out: ValueInfoProto = origin ? { ...origin.proto, name: v.name } : { name: v.name };
  const type = typeToProto(v);
  if (type) out.type = type;
  else delete out.type;
  setOptional(out, 'docString', v.docString);
  return out;
}

function typeToProto(v: Value): TypeProto | undefined {
  if (!v.type) return v.opaqueType as TypeProto | undefined;
  const tensorType: NonNullable<TypeProto['tensorType']> = { elemType: v.type.dtype };
  if (v.type.shape) {
    tensorType.shape = {
      // A number beyond 2^53 (inferred from a hostile constant) has lost its value: unknown dim.
      dim: v.type.shape.map((d) => (typeof d === 'number' ? (Number.isSafeInteger(d) ? { dimValue: d } : {}) : typeof d === 'string' ? { dimParam: d } : {})),
    };
  }
  return { tensorType };
}

function entries(current: [string, string][] | undefined, origin: StringStringEntryProto[] | undefined): StringStringEntryProto[] | undefined {
  if (!current) return undefined;
  if (origin && origin.length === current.length && origin.every((e, i) => (e.key ?? '') === current[i]![0] && (e.value ?? '') === current[i]![1])) {
    return origin;
  }
  return current.map(([key, value]) => ({ key, value }));
}

/** Sets `key` when `value` is defined (or `keep` says the original had it), deletes it otherwise. */
function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined, keep = false): void {
  if (value !== undefined) target[key] = value;
  else if (!keep) delete target[key];
}
