import type { Attribute, AttributeValue } from './attribute.js';
import { Graph } from './graph.js';
import { Model } from './model.js';
import type { Value } from './value.js';

/**
 * Deep copy of a model's structure: new graphs, nodes and values (so edits to the copy never
 * touch the original) while tensor bytes are shared, not copied (they are immutable views).
 * @group Editing
 */
export function cloneModel(model: Model): Model {
  const copy = new Model(cloneGraph(model.graph, undefined));
  copy.irVersion = model.irVersion;
  for (const [domain, version] of model.opsetImports) copy.opsetImports.set(domain, version);
  for (const key of ['producerName', 'producerVersion', 'domain', 'modelVersion', 'docString', 'sourcePath', 'serdeOrigin'] as const) {
    if (model[key] !== undefined) (copy as unknown as Record<string, unknown>)[key] = model[key];
  }
  if (model.metadataProps) copy.metadataProps = model.metadataProps.map(([k, v]) => [k, v]);
  copy.functions = [...model.functions];
  return copy;
}

/**
 * Deep copy of a graph (and its subgraphs) under `parent`.
 *
 * @group Editing
 */
export function cloneGraph(graph: Graph, parent: Graph | undefined): Graph {
  const g = new Graph(graph.name, parent);
  if (graph.docString !== undefined) g.docString = graph.docString;
  if (graph.metadataProps) g.metadataProps = graph.metadataProps.map(([k, v]) => [k, v]);
  g.serdeOrigin = graph.serdeOrigin;
  if (graph.outputInfo) g.outputInfo = [...graph.outputInfo];
  const map = new Map<Value, Value>();
  const copyValue = (v: Value): Value => {
    const existing = map.get(v);
    if (existing) return existing;
    const c = v.name === '' ? g.createOmittedOutput() : g.createDefinition(v.name);
    if (v._sparseInitializer) g.markSparseInitializer(c);
    if (v.type) c.type = { dtype: v.type.dtype, ...(v.type.shape ? { shape: [...v.type.shape] } : {}) };
    if (v.opaqueType !== undefined) c.opaqueType = v.opaqueType;
    if (v.docString !== undefined) c.docString = v.docString;
    c.serdeOrigin = v.serdeOrigin;
    map.set(v, c);
    return c;
  };
  for (const v of graph.inputs) g.markInput(copyValue(v));
  for (const v of graph.initializers) g.attachInitializer(copyValue(v), v.initializer!.clone());
  for (const v of graph.values()) if (!v.producer) copyValue(v);
  const nodes = graph.nodes;
  // Every value exists before any subgraph is copied, so outer-scope reads resolve by name.
  for (const n of nodes) n.outputs.forEach(copyValue);
  const copies = nodes.map((n) => {
    const node = g.addNodeWithOutputs(n.opType, n.domain, n.name, n.outputs.map(copyValue));
    if (n.overload !== undefined) node.overload = n.overload;
    if (n.docString !== undefined) node.docString = n.docString;
    if (n.metadataProps) node.metadataProps = n.metadataProps.map(([k, v]) => [k, v]);
    if (n.repeatedAttributes) node.repeatedAttributes = [...n.repeatedAttributes];
    node.serdeOrigin = n.serdeOrigin;
    return node;
  });
  nodes.forEach((n, i) => {
    for (const a of n.attributes.values()) copies[i]!.attributes.set(a.name, cloneAttribute(a, g));
  });
  nodes.forEach((n, i) => {
    n.inputs.forEach((v, k) => {
      const target = v ? (map.get(v) ?? g.value(v.name)) : undefined;
      copies[i]!._inputs.push(undefined);
      if (target) copies[i]!.setInput(k, target);
    });
  });
  g.setOutputs(graph.outputs.map((v) => map.get(v) ?? copyValue(v)));
  for (const v of graph.valueInfoOrder) {
    const c = map.get(v);
    if (c) g.valueInfoOrder.push(c);
  }
  return g;
}

function cloneAttribute(a: Attribute, owner: Graph): Attribute {
  const v = a.value;
  let value: AttributeValue;
  switch (v.kind) {
    case 'graph': value = { kind: 'graph', value: cloneGraph(v.value, owner) }; break;
    case 'graphs': value = { kind: 'graphs', value: v.value.map((x) => cloneGraph(x, owner)) }; break;
    case 'tensor': value = { kind: 'tensor', value: v.value.clone() }; break;
    case 'tensors': value = { kind: 'tensors', value: v.value.map((t) => t.clone()) }; break;
    case 'ints': value = { kind: 'ints', value: [...v.value] }; break;
    case 'floats': value = { kind: 'floats', value: [...v.value] }; break;
    case 'strings': value = { kind: 'strings', value: [...v.value] }; break;
    default: value = v;
  }
  const out: Attribute = { name: a.name, value, serdeOrigin: a.serdeOrigin };
  if (a.refAttrName !== undefined) out.refAttrName = a.refAttrName;
  if (a.docString !== undefined) out.docString = a.docString;
  return out;
}
