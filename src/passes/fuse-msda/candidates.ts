import type { Graph, Node, Value } from '../../ir/index.js';
import { type Step, backwardChain, forwardLayoutChain, stepsFrom } from './paths.js';
import type { ShapeFacts } from '../../shape/facts.js';

/** One level of a candidate site: its GridSample and the layout steps to the stack point. */
export interface CandidateLevel {
  readonly gridSample: Node;
  /** Layout steps from the GridSample output to the stack input (or to the site's Mul when L = 1). */
  readonly steps: Step[];
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

/** Groups the graph's GridSample nodes into candidate MSDA sites, in graph order. */
export function findCandidates(graph: Graph, facts: ShapeFacts): { candidates: Candidate[]; strays: Stray[] } {
  const byStack = new Map<Node, Candidate>();
  const candidates: Candidate[] = [];
  const strays: Stray[] = [];
  const grouped = new Set<Node>();
  for (const node of graph.nodesIter()) {
    if (node.opType !== 'GridSample' || grouped.has(node) || !isOnnx(node)) continue;
    // Grouping looks through graph outputs; whether the site can go is decided after the rewrite.
    const { end, steps } = forwardLayoutChain(node.output(0), { throughGraphOutputs: true });
    const use = end.uses.length === 1 ? end.uses[0]! : undefined;
    if (use && use.node.opType === 'Concat' && isOnnx(use.node)) {
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
      candidates.push({ levels: [{ gridSample: node, steps }], stack: undefined, anchor: node.label });
    }
  }
  return { candidates, strays };
}

/** The GridSample feeding `value` through single-use layout ops, with the forward steps. */
function levelFeeding(value: Value, facts: ShapeFacts): CandidateLevel | undefined {
  const chain = backwardChain(value, facts, false);
  const source = chain[chain.length - 1]!;
  const producer = source.producer;
  if (!producer || producer.opType !== 'GridSample' || !isOnnx(producer)) return undefined;
  return { gridSample: producer, steps: stepsFrom(source, chain) };
}

function isOnnx(node: Node): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}
