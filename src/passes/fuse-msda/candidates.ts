import { type Graph, type LiveNodeMarks, type Node, type Value, isOnnxDomain } from '../../ir/index.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { type Step, backwardChain, forwardLayoutChain, stepsFromIndex } from './paths.js';

/** One level of a candidate site: its GridSample and the layout steps to the stack point. */
export interface CandidateLevel {
  readonly gridSample: Node;
  /** Layout steps from the GridSample output to the stack input (or to the site's Mul when L = 1). */
  readonly steps: Step[];
  /** The value those steps end at. */
  readonly end: Value;
}

/**
 * GridSamples whose outputs are stacked into one tensor: the shape every MSDA export has
 * (`torch.stack(sampling_value_list, dim=-2)`). The stack is a Concat over per-level tensors;
 * with a single level exporters may omit it.
 */
export interface Candidate {
  readonly levels: CandidateLevel[];
  /** The Concat that stacks the levels (undefined for a single level without one). */
  readonly stack: Node | undefined;
  /** Name used in reports: the stack node's or the first GridSample's label. */
  readonly anchor: string;
}

/** A GridSample that could not be grouped into a candidate, and why. */
export interface Stray {
  readonly gridSample: Node;
  readonly reason: string;
}

/** GridSample in the ONNX domain, or onnxruntime's contrib op of the same math. */
export function isGridSample(node: Node): boolean {
  return node.opType === 'GridSample' && (isOnnxDomain(node.domain) || node.domain === 'com.microsoft');
}

/**
 * Groups the graph's GridSample nodes into candidate MSDA sites, in graph order. `live` is the set
 * of nodes some output depends on: dead readers (an optimizer's leftovers) are not uses.
 */
export function findCandidates(graph: Graph, facts: ShapeFacts, live: LiveNodeMarks): { candidates: Candidate[]; strays: Stray[] } {
  const byStack = new Map<Node, Candidate>();
  const candidates: Candidate[] = [];
  const strays: Stray[] = [];
  const grouped = new Set<Node>();
  for (const node of graph.nodesIter()) {
    if (!isGridSample(node) || grouped.has(node) || !live.has(node)) continue;
    // Grouping looks through graph outputs; whether the site can go is decided after the proof.
    const { end, steps } = forwardLayoutChain(node.output(0), live, { throughGraphOutputs: true });
    const liveUses = end.uses.filter((u) => live.has(u.node));
    const use = liveUses.length === 1 ? liveUses[0]! : undefined;
    if (use && use.node.opType === 'Concat' && isOnnxDomain(use.node.domain)) {
      const stack = use.node;
      if (byStack.has(stack)) continue;
      const levels: CandidateLevel[] = [];
      let failure: string | undefined;
      stack.inputs.forEach((input, k) => {
        const level = input ? levelFeeding(input, facts) : undefined;
        if (!level) failure ??= `input ${k} of the stack '${stack.label}' does not come from a GridSample through layout ops only`;
        else levels.push(level);
      });
      if (failure) {
        strays.push({ gridSample: node, reason: failure });
        continue;
      }
      levels.forEach((l) => grouped.add(l.gridSample));
      const candidate: Candidate = { levels, stack, anchor: stack.label };
      byStack.set(stack, candidate);
      candidates.push(candidate);
    } else {
      grouped.add(node);
      candidates.push({ levels: [{ gridSample: node, steps, end }], stack: undefined, anchor: node.label });
    }
  }
  return { candidates, strays };
}

/** The GridSample feeding `value` through layout ops, with the forward steps. */
function levelFeeding(value: Value, facts: ShapeFacts): CandidateLevel | undefined {
  const chain = backwardChain(value, facts, { casts: false, arithmetic: false });
  const source = chain.values[chain.values.length - 1]!;
  const producer = source.producer;
  if (!producer || !isGridSample(producer)) return undefined;
  return { gridSample: producer, steps: stepsFromIndex(chain, chain.values.length - 1), end: value };
}
