/**
 * What `inspect --show layers|weights|shapes` lists: every node with its inputs and outputs
 * (element type and shape as shape inference sees them), every weight with its size and where
 * its bytes live, every value's shape. Shapes are kept exact (`shape`, for `--json`) and spelled
 * readably (`shapeText`: `[N,256,h8,w8]`, with a legend) for the terminal.
 */
import type { Graph, Model, Node, Value } from '../../ir/index.js';
import { dtypeName, graphsWithin, isOnnxDomain } from '../../ir/index.js';
import type { TensorProto } from '../../onnx/proto-types.js';
import { describeAttribute } from '../../pattern/describe.js';
import { type DimExpr, DimNames, type ShapeFacts, inferShapes } from '../../shape/index.js';

/** What `--show` can list. */
export const SHOW_CHOICES = ['layers', 'weights', 'shapes'] as const;
export type ShowWhat = (typeof SHOW_CHOICES)[number];

/** A value as a listing shows it. */
export interface ListedValue {
  name: string;
  /** Element type name (`float`, `int64`, ...) or `unknown`. */
  dtype: string;
  /** Exact dims: numbers, symbolic expressions as text; null when even the rank is unknown. */
  shape: (number | string)[] | null;
  /** The readable spelling (`[N,256,h8,w8]`, `[?]` when unknown). */
  shapeText: string;
}

/** One node: where it is, what it is, what it reads and writes. */
export interface ListedLayer {
  /** Position in the graph's node list (0-based). */
  index: number;
  name: string;
  /** Op type, `domain::op` outside the ONNX domain. */
  op: string;
  /** Inputs in order; null for an omitted optional input. `weight`: an initializer. */
  inputs: ((ListedValue & { weight?: true }) | null)[];
  outputs: ListedValue[];
  /** Attribute values as text (`[0,2,1,3]`, `'bilinear'`, lists and tensors shortened). */
  attributes: Record<string, string>;
}

/** One initializer. */
export interface ListedWeight {
  name: string;
  dtype: string;
  shape: number[];
  elements: number;
  bytes: number;
  /** `inline`, or `external` with the data file. */
  storage: string;
}

/** A value with what produces it: an op type and its node, or `graph input`. */
export interface ListedShape extends ListedValue {
  producer: string;
  /** The producing node's name (absent for graph inputs). */
  node?: string;
}

/** What `--show` asked for; only the asked-for lists are present. */
export interface ModelListing {
  layers?: ListedLayer[];
  weights?: ListedWeight[];
  shapes?: ListedShape[];
  /** Nodes inside If/Loop/Scan bodies, not listed. */
  subgraphNodesNotListed?: number;
  /** What the readable size names stand for (`N, H, W: pixel_values dims 0, 2, 3 ...`). */
  dimLegend?: string[];
}

/** An attribute's text is shortened past this many characters (a 1,000-element list). */
const MAX_ATTRIBUTE_TEXT = 60;

/**
 * Lists the main graph of `model` as asked. Shapes come from shape inference where it knows
 * them and from the model's declared types otherwise.
 */
export function listModel(model: Model, show: readonly ShowWhat[]): ModelListing {
  const graph = model.graph;
  const facts = inferOrUndefined(graph);
  const names = DimNames.forGraph(graph);
  const listed = (v: Value): ListedValue => listValue(v, facts, names);
  const out: ModelListing = {};
  if (show.includes('layers')) {
    out.layers = graph.nodes.map((node, index) => listLayer(node, index, listed));
  }
  if (show.includes('weights')) out.weights = graph.initializers.map(listWeight);
  if (show.includes('shapes')) {
    const inputs = graph.inputs.filter((v) => !v.initializer).map((v) => ({ ...listed(v), producer: 'graph input' }));
    const computed = graph.nodes.flatMap((node) => node.outputs.filter((v) => v.name !== '').map((v) => ({ ...listed(v), producer: opName(node), node: node.label })));
    out.shapes = [...inputs, ...computed];
  }
  const nested = [...graphsWithin(graph)].reduce((n, g) => (g === graph ? n : n + g.nodeCount), 0);
  if (nested && (out.layers || out.shapes)) out.subgraphNodesNotListed = nested;
  const legend = names.legend();
  if (legend.length) out.dimLegend = legend;
  return out;
}

function inferOrUndefined(graph: Graph): ShapeFacts | undefined {
  try {
    return inferShapes(graph);
  } catch {
    // A model inference cannot follow (invalid, unknown ops in odd places): declared types only.
    return undefined;
  }
}

function listValue(value: Value, facts: ShapeFacts | undefined, names: DimNames): ListedValue {
  const dtype = facts?.dtype(value) ?? value.type?.dtype;
  const inferred = facts?.shape(value);
  const declared = value.type?.shape;
  let shape: (number | string)[] | null = null;
  let shapeText = '[?]';
  if (inferred) {
    shape = inferred.map(exactDim);
    shapeText = `[${inferred.map((d) => names.format(d)).join(',')}]`;
  } else if (declared) {
    shape = declared.map((d) => (d === null ? '?' : d));
    shapeText = `[${declared.map((d) => (d === null ? '?' : typeof d === 'string' ? names.symbol(d) : String(d))).join(',')}]`;
  }
  return { name: value.name, dtype: dtype === undefined ? 'unknown' : dtypeName(dtype), shape, shapeText };
}

function exactDim(d: DimExpr): number | string {
  const c = d.constValue();
  return c !== undefined ? c : String(d);
}

function listLayer(node: Node, index: number, listed: (v: Value) => ListedValue): ListedLayer {
  const attributes: Record<string, string> = {};
  for (const [name, attribute] of node.attributes) {
    const text = describeAttribute(attribute.value);
    attributes[name] = text.length <= MAX_ATTRIBUTE_TEXT ? text : `${text.slice(0, MAX_ATTRIBUTE_TEXT - 1)}…`;
  }
  return {
    index, name: node.label, op: opName(node),
    inputs: node.inputs.map((v) => (v ? { ...listed(v), ...(v.initializer ? { weight: true as const } : {}) } : null)),
    outputs: node.outputs.map(listed),
    attributes,
  };
}

function listWeight(value: Value): ListedWeight {
  const tensor = value.initializer!;
  const proto = tensor.serdeOrigin as TensorProto | undefined;
  const location = proto?.dataLocation === 1 ? proto.externalData?.find((e) => e.key === 'location')?.value : undefined;
  return {
    name: value.name, dtype: dtypeName(tensor.dtype), shape: [...tensor.dims], elements: tensor.size, bytes: tensor.byteLength,
    storage: proto?.dataLocation === 1 ? `external${location ? ` (${location})` : ''}` : 'inline',
  };
}

function opName(node: Node): string {
  return isOnnxDomain(node.domain) ? node.opType : `${node.domain}::${node.opType}`;
}
