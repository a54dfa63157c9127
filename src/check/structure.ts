/**
 * Structural rules of the ONNX IR: every read defined, each name defined once, no cycle, nodes
 * in topological order, typed graph inputs and outputs, the IR version and opset imports.
 */
import type { Graph, Model, Node, Value } from '../ir/index.js';
import { structuralProblems } from '../ir/validity.js';
import { readsOf } from '../ir/traverse.js';
import { findCycles } from '../ir/toposort.js';
import type { ProblemList } from './problem.js';
import type { GraphPaths } from './walk.js';

/** The newest IR version this codec's schema (schemas/onnx.proto) describes. */
const NEWEST_IR_VERSION = 11;

/** The model header: IR version, opset imports. */
export function checkHeader(model: Model, list: ProblemList): void {
  const ir = Number(model.irVersion);
  if (!ir) list.error('ir-version', 'the model has no IR version', { expected: 'ir_version set (e.g. 8 or 10)', found: String(model.irVersion) });
  else if (ir > NEWEST_IR_VERSION) list.warning('ir-version', `IR version ${ir} is newer than this checker knows`, { expected: `at most ${NEWEST_IR_VERSION}` });
  // A node of a domain the model does not import is reported with the node.
  if (ir >= 3 && model.opsetImports.size === 0) {
    list.error('opset-import', 'the model imports no opset at all', { expected: 'opset_import entries (IR version 3 and later)' });
  }
}

/** Dangling reads and outputs, duplicate definitions and cycles (ir/validity), in every graph. */
export function checkStructure(model: Model, paths: GraphPaths, list: ProblemList): void {
  for (const p of structuralProblems(model.graph)) {
    const rule = p.kind === 'dangling-input' ? 'dangling-input' : p.kind === 'dangling-output' ? 'dangling-output' : p.kind === 'cycle' ? 'cycle' : 'duplicate-definition';
    const op = p.kind === 'dangling-input' ? p.nodes[0]?.opType : undefined;
    list.error(rule, p.detail, { graph: paths.get(p.graph), node: p.node, op, tensor: p.tensor, expected: p.expected ?? expectation(p.kind), found: p.found });
  }
  const ir = Number(model.irVersion);
  for (const [graph, path] of paths) {
    checkOrder(graph, path, list);
    checkInterfaceTypes(graph, path, list);
    if (ir > 0 && ir < 4) checkInitializersAreInputs(graph, path, list);
  }
}

function expectation(kind: string): string | undefined {
  if (kind === 'dangling-input') return 'a node output, graph input or initializer of that name';
  if (kind === 'dangling-output') return 'a value of that name computed by the graph';
  return undefined;
}

/**
 * ONNX requires nodes in topological order: a node reads only what earlier nodes produce. Nodes on
 * a cycle are already reported as a cycle; here only reads of a later node's output.
 */
function checkOrder(graph: Graph, path: string | undefined, list: ProblemList): void {
  const seen = new Set<Node>();
  const onCycle = new Set(findCycles(graph, Infinity).flat());
  for (const node of graph.nodesIter()) {
    for (const value of readsOf(node)) {
      const producer = producerIn(value, graph);
      if (!producer || producer === node || seen.has(producer) || onCycle.has(node)) continue;
      list.error('unsorted', `reads '${value.name}' before the node that produces it ('${producer.label}')`, {
        graph: path, node: node.label, op: node.opType, tensor: value.name, expected: 'nodes in topological order (ONNX IR)',
      });
      break;
    }
    seen.add(node);
  }
}

/** The node of `graph` that produces `value` (the owner node for values made in its subgraphs). */
function producerIn(value: Value, graph: Graph): Node | undefined {
  let node = value.producer;
  while (node && node.graph !== graph) {
    const inner = node.graph;
    if (!inner?.parent) return undefined;
    node = ownerOf(inner);
  }
  return node;
}

function ownerOf(sub: Graph): Node | undefined {
  for (const { node, graph } of sub.parent!.subgraphs()) if (graph === sub) return node;
  return undefined;
}

/** The main graph's inputs and outputs must have a name and a type with an element type. */
function checkInterfaceTypes(graph: Graph, path: string | undefined, list: ProblemList): void {
  if (graph.parent) return; // ONNX relaxes this for subgraphs (their types come from the owner op)
  const check = (v: Value, role: string): void => {
    if (v.name === '') list.error('graph-io-type', `a graph ${role} has no name`, { graph: path, expected: 'a non-empty name' });
    else if (!v.type && v.opaqueType === undefined) list.error('graph-io-type', `graph ${role} '${v.name}' has no type`, { graph: path, tensor: v.name, expected: 'a type (element type and shape)' });
    else if (v.type && v.type.dtype === 0) list.error('graph-io-type', `graph ${role} '${v.name}' has no element type`, { graph: path, tensor: v.name, expected: 'elem_type set' });
  };
  for (const v of graph.inputs) check(v, 'input');
  for (const v of graph.outputs) check(v, 'output');
}

/** Below IR version 4 every initializer must also be a graph input. */
function checkInitializersAreInputs(graph: Graph, path: string | undefined, list: ProblemList): void {
  for (const v of graph.initializers) {
    if (!v.isGraphInput) {
      list.error('initializer-not-input', `initializer '${v.name}' is not a graph input`, { graph: path, tensor: v.name, expected: 'every initializer listed as a graph input (IR version < 4)' });
    }
  }
}
