/**
 * What `inspect` reports about a model: header (IR version, opsets, producer), graph inputs and
 * outputs, op histogram, weights, local functions and plugin nodes. Plain data, printed as text
 * or as JSON.
 */
import type { Graph, LocalFunction, Model, Value } from '../../ir/index.js';
import { dtypeName, graphsWithin, isOnnxDomain } from '../../ir/index.js';
import { isPluginNode } from '../../plugins/index.js';

/** A graph input or output. */
export interface ValueSummary {
  name: string;
  /** Element type name (`float`, `int64`, ...) or `unknown`. */
  dtype: string;
  /** Dimensions (numbers, symbolic names, null for unknown), or null when even the rank is unknown. */
  shape: (number | string | null)[] | null;
}

/** A plugin (custom-op) node. */
export interface PluginNodeSummary {
  name: string;
  opType: string;
  domain: string;
  /** `plugin_version` attribute, if any. */
  pluginVersion?: string;
  /** `plugin_namespace` attribute, if any. */
  pluginNamespace?: string;
}

/** The whole `inspect` report. */
export interface ModelSummary {
  file: string;
  irVersion: number;
  /** Opset version per domain (`ai.onnx` for the default domain). */
  opsets: Record<string, number>;
  producer: string;
  graphName: string;
  nodes: number;
  /** Nodes in subgraphs (If/Loop/Scan bodies), counted separately. */
  subgraphNodes: number;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  /** Op type (prefixed with `domain::` outside the ONNX domain) -> count, most frequent first. */
  ops: Record<string, number>;
  initializers: { count: number; bytes: number };
  /** Names (`domain::name`) of local functions. */
  functions: string[];
  pluginNodes: PluginNodeSummary[];
}

/** Summarizes `model` (loaded from `file`). */
export function summarizeModel(model: Model, file: string): ModelSummary {
  const graph = model.graph;
  const counts = new Map<string, number>();
  const pluginNodes: PluginNodeSummary[] = [];
  for (const node of graph.nodesIter()) {
    const key = isOnnxDomain(node.domain) ? node.opType : `${node.domain}::${node.opType}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (isPluginNode(node)) {
      const plugin: PluginNodeSummary = { name: node.label, opType: node.opType, domain: node.domain };
      const version = node.attrString('plugin_version');
      const namespace = node.attrString('plugin_namespace');
      if (version !== undefined) plugin.pluginVersion = version;
      if (namespace !== undefined) plugin.pluginNamespace = namespace;
      pluginNodes.push(plugin);
    }
  }
  const ops = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  const initializers = graph.initializers;
  return {
    file,
    irVersion: Number(model.irVersion),
    opsets: Object.fromEntries([...model.opsetImports].map(([domain, version]) => [domain || 'ai.onnx', version])),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'unknown',
    graphName: graph.name,
    nodes: graph.nodeCount,
    subgraphNodes: countSubgraphNodes(graph),
    inputs: graph.inputs.filter((v) => !v.initializer).map(valueSummary),
    outputs: graph.outputs.map(valueSummary),
    ops,
    initializers: { count: initializers.length, bytes: initializers.reduce((n, v) => n + (v.initializer?.byteLength ?? 0), 0) },
    functions: model.functions.map(functionName),
    pluginNodes,
  };
}

function valueSummary(value: Value): ValueSummary {
  return {
    name: value.name,
    dtype: value.type ? dtypeName(value.type.dtype) : 'unknown',
    shape: value.type?.shape ? [...value.type.shape] : null,
  };
}

function countSubgraphNodes(graph: Graph): number {
  let n = 0;
  for (const g of graphsWithin(graph)) if (g !== graph) n += g.nodeCount;
  return n;
}

function functionName(f: LocalFunction): string {
  const name = f.name || '?';
  return f.domain ? `${f.domain}::${name}` : name;
}

/** `[1,3,batch,?]` style shape text. */
export function formatShapeText(shape: ValueSummary['shape']): string {
  return shape ? `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]` : '[?]';
}
