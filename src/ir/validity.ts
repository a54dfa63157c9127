/**
 * Structural validity: what a graph must be for passes to reason about it (every read defined,
 * each name defined once, no cycle, every graph output defined). The loader accepts graphs that
 * break these rules (so they can be checked and repaired); a pass that needs a valid graph calls
 * {@link requireValidGraph}, and one that can work around the broken part asks
 * {@link invalidRegion} which nodes depend on it.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Graph } from './graph.js';
import type { Node } from './node.js';
import { findCycles } from './toposort.js';
import { graphsWithin, subgraphsOf } from './traverse.js';
import type { Value } from './value.js';

/**
 * What kind of structural problem a {@link StructuralProblem} is.
 *
 * @group Validity
 */
export type StructuralProblemKind = 'duplicate-definition' | 'dangling-input' | 'dangling-output' | 'cycle';

/**
 * One way a graph breaks ONNX's structural rules.
 *
 * @example
 * ```ts
 * for (const p of structuralProblems(model.graph)) console.log(p.kind, p.detail);
 * ```
 * @group Validity
 */
export interface StructuralProblem {
  readonly kind: StructuralProblemKind;
  /** The graph it is in (the main graph or a subgraph). */
  readonly graph: Graph;
  /** One line, worded as the loader used to refuse such a model. */
  readonly detail: string;
  /** The node involved (for a cycle: the first node on it). */
  readonly node?: string;
  /** The tensor involved. */
  readonly tensor?: string;
  readonly expected?: string;
  readonly found?: string;
  /** The values the problem is about (a dangling value, every definition of a duplicated name). */
  readonly values: readonly Value[];
  /** The nodes the problem is about (a dangling value's readers, a duplicate's producers, the nodes on a cycle). */
  readonly nodes: readonly Node[];
}

/**
 * Every structural problem of `root` and its subgraphs, in the order the loader used to find
 * them: duplicate definitions (graph inputs, initializers, node outputs), dangling node inputs
 * (node order), dangling graph outputs, then cycles.
 *
 * @example
 * ```ts
 * structuralProblems(graph).map((p) => p.kind); // ['dangling-input', 'dangling-input']
 * ```
 * @group Validity
 */
export function structuralProblems(root: Graph): StructuralProblem[] {
  const out: StructuralProblem[] = [];
  for (const graph of graphsWithin(root)) {
    out.push(...duplicateProblems(graph), ...danglingInputProblems(graph), ...danglingOutputProblems(graph), ...cycleProblems(graph));
  }
  return out;
}

/**
 * Throws the first structural problem of `graph` as the `graph` error the loader gave before it
 * accepted invalid models (so passes refuse them with the same message); returns otherwise.
 *
 * @example
 * ```ts
 * requireValidGraph(model.graph); // graph error: node 'node_Clip_1': tensor 'sigmoid_min_1': input 1 ...
 * ```
 * @group Validity
 */
export function requireValidGraph(graph: Graph, file?: string): void {
  const first = structuralProblems(graph)[0];
  if (!first) return;
  const context = { ...(file ? { file } : {}), ...pick(first) };
  throw new OnnxSurgeonError('graph', first.detail, context);
}

function pick(p: StructuralProblem): { node?: string; tensor?: string; expected?: string; found?: string } {
  const out: { node?: string; tensor?: string; expected?: string; found?: string } = {};
  if (p.node !== undefined) out.node = p.node;
  if (p.tensor !== undefined) out.tensor = p.tensor;
  if (p.expected !== undefined) out.expected = p.expected;
  if (p.found !== undefined) out.found = p.found;
  return out;
}

function duplicateProblems(graph: Graph): StructuralProblem[] {
  const out: StructuralProblem[] = [];
  for (const duplicate of graph.duplicateDefinitions()) {
    const first = graph._values.get(duplicate.name);
    const values = first ? [first, duplicate] : [duplicate];
    const what = duplicate.producer ? `output of node '${duplicate.producer.label}'` : duplicate.initializer ? 'initializer' : 'graph input';
    out.push({
      kind: 'duplicate-definition', graph, detail: `value name '${duplicate.name}' is defined twice (${what})`,
      tensor: duplicate.name, expected: 'each value defined once (ONNX is SSA)', found: `first defined by ${definedBy(first)}`,
      values, nodes: values.map((v) => v.producer).filter((n): n is Node => n !== undefined),
    });
  }
  return out;
}

function definedBy(v: Value | undefined): string {
  if (!v) return 'nothing';
  if (v.producer) return `node '${v.producer.label}'`;
  if (v.isGraphInput) return 'a graph input';
  return v.initializer ? 'an initializer' : 'a sparse initializer';
}

function danglingInputProblems(graph: Graph): StructuralProblem[] {
  const out: StructuralProblem[] = [];
  for (const node of graph.nodesIter()) {
    const inputs = node._inputs;
    for (let k = 0; k < inputs.length; k++) {
      const v = inputs[k];
      if (!v?.isDangling) continue;
      out.push({
        kind: 'dangling-input', graph, detail: `input ${k} '${v.name}' is not produced by any node, graph input or initializer`,
        node: node.label, tensor: v.name, values: [v], nodes: [node],
      });
    }
  }
  return out;
}

function danglingOutputProblems(graph: Graph): StructuralProblem[] {
  return graph.outputs.filter((v) => v.isDangling).map((v) => ({
    kind: 'dangling-output' as const, graph, detail: `graph output '${v.name}' is not produced by any node, input or initializer`,
    tensor: v.name, values: [v], nodes: [],
  }));
}

function cycleProblems(graph: Graph): StructuralProblem[] {
  return findCycles(graph).map((cycle) => ({
    kind: 'cycle' as const, graph,
    detail: `graph '${graph.name}' has a cycle through ${cycle.map((n) => `'${n.label}'`).join(' -> ')}`,
    node: cycle[0]!.label, expected: 'an acyclic graph', values: [], nodes: cycle,
  }));
}

/**
 * The nodes of `graph` whose results depend on a structural problem, each with the problem it
 * depends on: readers of dangling values, producers and readers of a duplicated name, nodes on a
 * cycle, nodes owning a subgraph with a problem, and everything downstream of those. A pass that
 * leaves these nodes alone can still rewrite the rest exactly.
 *
 * @example
 * ```ts
 * const region = invalidRegion(model.graph);
 * region.get(node)?.detail; // "input 1 'sigmoid_min_1' is not produced by any node, ..."
 * ```
 * @group Validity
 */
export function invalidRegion(graph: Graph): Map<Node, StructuralProblem> {
  const region = new Map<Node, StructuralProblem>();
  const owners = ownersIn(graph);
  const stack: Node[] = [];
  const taint = (node: Node | undefined, problem: StructuralProblem): void => {
    const owner = node && owners.get(node);
    if (owner && !region.has(owner)) {
      region.set(owner, problem);
      stack.push(owner);
    }
  };
  for (const problem of structuralProblems(graph)) {
    for (const node of problem.nodes) taint(node, problem);
    for (const value of problem.values) for (const use of value.uses) taint(use.node, problem);
    if (problem.graph !== graph) for (const node of problem.graph.nodesIter()) taint(node, problem);
  }
  while (stack.length) {
    const node = stack.pop()!;
    const problem = region.get(node)!;
    for (const out of node.outputs) for (const use of out.uses) taint(use.node, problem);
  }
  return region;
}

/** Every node of `graph` and of its subgraphs, mapped to the node of `graph` that holds it. */
function ownersIn(graph: Graph): Map<Node, Node> {
  const owners = new Map<Node, Node>();
  const visit = (g: Graph, owner: Node | undefined): void => {
    for (const node of g.nodesIter()) {
      const top = owner ?? node;
      owners.set(node, top);
      for (const sub of subgraphsOf(node)) visit(sub, top);
    }
  };
  visit(graph, undefined);
  return owners;
}
