/**
 * Extracting a subgraph: the part of a model that computes some values from some others, as a
 * model of its own (Polygraphy's `surgeon extract`, `onnx.utils.extract_model`). Any value may be
 * an input (it becomes a graph input with its declared or inferred type) or an output. Every
 * output must be computable from the inputs and the model's constants: one that reads a graph
 * input left out is refused, naming the input and the path, except where only that input's
 * size is read and inference knows it (the value becomes a constant). The original is not
 * changed.
 *
 * @example
 * ```ts
 * import { extractSubgraph } from 'onnx-surgeon/extract';
 * const model = await loadModel('detr.onnx');
 * const { model: layer, report } = extractSubgraph(model, { inputs: ['/encoder/layers.0/Add_output_0'], outputs: ['/encoder/layers.1/Add_output_0'] });
 * console.log(report.nodes, report.inputs[0]!.shape); // 96 [1, 1360, 64]
 * await saveModel(layer, 'layer1.onnx');
 * ```
 *
 * @group Passes
 * @module onnx-surgeon/extract
 */
import { OnnxSurgeonError } from '../../errors.js';
import { type Dim, type Graph, type Model, type Tensor, type TensorType, type Value, cloneModel, dtypeName, requireValidGraph } from '../../ir/index.js';
import { type ShapeFacts, inferShapes } from '../../shape/index.js';
import { blockedPath, cutSources } from './sources.js';

export { type CutSources, blockedPath, cutSources } from './sources.js';

/** Options of {@link extractSubgraph}. */
export interface ExtractOptions {
  /** Names of the values the subgraph starts from (any values of the main graph; may be empty when the outputs need only constants). */
  inputs: readonly string[];
  /** Names of the values it computes (at least one). */
  outputs: readonly string[];
}

/** One input or output of the extracted model. */
export interface ExtractedValue {
  name: string;
  /** Element type name (`float`, `int64`). */
  dtype: string;
  /** Dims (a number, a symbolic name, `null` for unknown), or `null` when the rank is unknown. */
  shape: Dim[] | null;
}

/** What {@link extractSubgraph} made. */
export interface ExtractReport {
  /** Nodes of the original model. */
  nodesBefore: number;
  /** Nodes of the extracted model. */
  nodes: number;
  /** Initializers of the extracted model. */
  initializers: number;
  inputs: ExtractedValue[];
  outputs: ExtractedValue[];
  /** Values that became constants: computed from sizes only, of values outside the subgraph. */
  constants: string[];
  /** Inputs that no output reads (kept, as given). */
  unusedInputs: string[];
}

/**
 * The subgraph of `model` computing `options.outputs` from `options.inputs`, as a new model
 * (opsets, metadata and every node and tensor it needs; the original is not changed). Unknown
 * names, a value both input and output, an input whose element type is unknown, an output that
 * reads a graph input not listed: usage errors, naming the value (and the path).
 */
export function extractSubgraph(model: Model, options: ExtractOptions): { model: Model; report: ExtractReport } {
  const graph = model.graph;
  requireValidGraph(graph);
  const inputs = unique(options.inputs).map((name) => mainValue(graph, name, 'input'));
  const outputs = unique(options.outputs).map((name) => mainValue(graph, name, 'output'));
  if (!outputs.length) throw new OnnxSurgeonError('usage', 'nothing to extract: give at least one output');
  const both = inputs.find((v) => outputs.includes(v));
  if (both) throw new OnnxSurgeonError('usage', `'${both.name}' is both an input and an output`, { tensor: both.name });
  const facts = inferShapes(graph);
  const { constants, blockedVia } = cutSources(graph, new Set(inputs), outputs, facts);
  const blocked = outputs.find((v) => blockedVia.has(v));
  if (blocked) throw unreachableError(blocked, blockedPath(blocked, blockedVia));

  const copy = cloneModel(model);
  const types = new Map(inputs.map((v) => [v.name, inputType(v, facts)]));
  const outputTypes = new Map(outputs.map((v) => [v.name, valueType(v, facts)]));
  buildSubgraph(copy.graph, inputs.map((v) => v.name), outputs.map((v) => v.name), [...constants].map((v) => [v.name, facts.constant(v)!] as const), types);
  const newOutputs = copy.graph.outputs;
  for (const v of newOutputs) if (!v.type?.shape) v.type = outputTypes.get(v.name) ?? v.type!;
  const describe = (v: Value): ExtractedValue => ({ name: v.name, dtype: dtypeName(v.type?.dtype ?? 0), shape: v.type?.shape ? [...v.type.shape] : null });
  return {
    model: copy,
    report: {
      nodesBefore: graph.nodeCount, nodes: copy.graph.nodeCount, initializers: copy.graph.initializers.length,
      inputs: copy.graph.inputs.map(describe), outputs: newOutputs.map(describe), constants: [...constants].map((v) => v.name),
      unusedInputs: copy.graph.inputs.filter((v) => !v.uses.length && !v.isGraphOutput).map((v) => v.name),
    },
  };
}

/** Cuts `graph` (a copy) down to the subgraph: constants in, inputs detached from their producers, the rest cleaned up. */
function buildSubgraph(graph: Graph, inputNames: readonly string[], outputNames: readonly string[], constants: readonly (readonly [string, Tensor])[], types: ReadonlyMap<string, TensorType>): void {
  const outputs = outputNames.map((name) => graph.requireValue(name));
  // New values under temporary names; each takes its value's name once the graph is cut.
  const renamed: [Value, string][] = [];
  const takeOver = (value: Value, replacement: Value): void => {
    const name = value.name;
    graph.replaceAllUsesWith(value, replacement);
    const at = outputs.indexOf(value);
    if (at >= 0) outputs[at] = replacement;
    renamed.push([replacement, name]);
  };
  for (const [name, tensor] of constants) {
    takeOver(graph.requireValue(name), graph.addInitializer(tensor.clone(), graph.names.fresh(`${name}__constant`)));
  }
  const inputs = inputNames.map((name) => {
    const value = graph.requireValue(name);
    if (value.isGraphInput && !value.initializer) return value;
    const input = graph.addInput(graph.names.fresh(`${name}__input`), types.get(name));
    takeOver(value, input);
    return input;
  });
  graph.setOutputs(outputs);
  graph.setInputs(inputs);
  graph.cleanup();
  for (const [value, name] of renamed) {
    const holder = graph.value(name);
    // Still there when its producer stays for another output (a Split's other half).
    if (holder && holder !== value) graph.renameValue(holder, graph.names.fresh(`${name}__cut`));
    graph.renameValue(value, name);
  }
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))];
}

function mainValue(graph: Graph, name: string, role: 'input' | 'output'): Value {
  const value = graph.value(name);
  if (value && value.graph === graph && !value.isDangling) return value;
  const near = nearNames(graph, name);
  throw new OnnxSurgeonError('usage', `no value named '${name}' in the model (asked for as an ${role})`, {
    tensor: name, ...(near.length ? { expected: `a value name such as ${near.map((n) => `'${n}'`).join(', ')}` } : { expected: "a value name ('onnx-surgeon inspect' lists the graph's inputs and outputs)" }),
  });
}

/** Up to three value names that contain `name` or that `name` contains, case-insensitively. */
function nearNames(graph: Graph, name: string): string[] {
  const wanted = name.toLowerCase();
  if (!wanted) return [];
  return graph.values().map((v) => v.name).filter((n) => n && (n.toLowerCase().includes(wanted) || wanted.includes(n.toLowerCase())) && n.length > 1).slice(0, 3);
}

/** The type an input gets: the declared one, or what inference knows; an unknown element type is an error. */
function inputType(value: Value, facts: ShapeFacts): TensorType {
  const type = valueType(value, facts);
  if (!type.dtype) {
    throw new OnnxSurgeonError('usage', `cannot make '${value.name}' an input: its element type is unknown (not declared, and inference cannot tell)`, { tensor: value.name });
  }
  return type;
}

/** Declared type where it has a shape, else the inferred one (symbolic sizes as short names). */
function valueType(value: Value, facts: ShapeFacts): TensorType {
  const dtype = value.type?.dtype || facts.dtype(value) || 0;
  if (value.type?.shape) return { dtype, shape: [...value.type.shape] };
  const shape = facts.shape(value);
  if (!shape) return { dtype };
  return { dtype, shape: shape.map((d) => d.constValue() ?? (d.toString().length <= MAX_DIM_LABEL ? d.toString() : null)) };
}

/** Longer symbolic sizes (TorchScript's nested floor divisions) become unknown dims, not 1,000-character names. */
const MAX_DIM_LABEL = 40;

function unreachableError(output: Value, path: readonly Value[]): OnnxSurgeonError {
  const source = path[0]!;
  const why = source.isGraphInput ? `graph input '${source.name}', which is not among the inputs` : `'${source.name}', which nothing defines`;
  return new OnnxSurgeonError('usage', `output '${output.name}' cannot be computed from the inputs: it depends on ${why} (path: ${describePath(path)})`, {
    tensor: output.name, expected: `'${source.name}' or a value on the path among the inputs`,
  });
}

/** `a -> b -> c`, value names only, at most {@link PATH_ENDS} each side of an ellipsis. */
function describePath(path: readonly Value[]): string {
  const names = path.map((v) => v.name);
  const shown = names.length <= 2 * PATH_ENDS ? names : [...names.slice(0, PATH_ENDS), `... (${names.length - 2 * PATH_ENDS} more)`, ...names.slice(-PATH_ENDS)];
  return shown.join(' -> ');
}

const PATH_ENDS = 12;
