/**
 * Finds the MSDA sites of an exported model *structurally*, independently of fuse-msda's own
 * matcher (the suite must not trust the code it tests to say where the sites are). A site is the
 * math of the plugin as PyTorch writes it:
 *
 *   value [N,S,M,D] --split per level--> [N*M,D,H_l,W_l] --+
 *   locations [N,Lq,M,L,P,2] --2*loc-1--> gather level l --> [N*M,Lq,P,2] --GridSample_l--> [N*M,D,Lq,P]
 *   stack levels --> [N*M,D,Lq,L*P] * weights [N*M,1,Lq,L*P] --ReduceSum--> [N*M,D,Lq] --layout--> [N,Lq,M*D]
 *
 * Each path is walked from the GridSample nodes through the ops that can appear on it, so the
 * walk stops at the projections (MatMul/Add) and at Softmax on either side of the site.
 */
import { type Model, type Node, type Value } from '../../src/index.js';

/** The value, grid and sample of one level. */
export interface SiteLevel {
  gridSample: Node;
  /** From GridSample input 0 back to the value root, nearest first. */
  valueChain: Node[];
  /** From GridSample input 1 back to the locations root, nearest first. */
  gridChain: Node[];
}

/** One MSDA site: its levels in stacking order and the nodes of every path. */
export interface Site {
  /** Position among the model's sites (graph order of the first GridSample). */
  index: number;
  levels: SiteLevel[];
  /** Nodes shared by every level's value chain (the [N,S,M,D] reshape, the Split), nearest first. */
  sharedValueChain: Node[];
  /** Nodes shared by every level's grid chain (the 2*loc-1 arithmetic), nearest first. */
  sharedGridChain: Node[];
  /** From the GridSample outputs to the weighting Mul (Unsqueeze, Concat, Reshape). */
  stack: Node[];
  /** The Concat that stacks the levels. */
  stackConcat: Node | undefined;
  weighting: Node;
  /** Input slot of {@link weighting} that carries the weights. */
  weightSlot: number;
  /** From the weighting Mul's weight input back to the weights root, nearest first. */
  weightChain: Node[];
  /** Nodes between the weighting Mul and the ReduceSum (usually none). */
  weighted: Node[];
  reduce: Node;
  /** Layout ops after the ReduceSum, in order. */
  outputChain: Node[];
  /** The tensors the plugin reads and the one it writes. */
  valueRoot: Value;
  locationsRoot: Value;
  weightsRoot: Value;
  output: Value;
  /** Every node above. */
  nodes: Set<Node>;
}

const LAYOUT = new Set(['Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity', 'Cast', 'CastLike']);
const VALUE_OPS = new Set([...LAYOUT, 'Split', 'Slice', 'Gather']);
const GRID_OPS = new Set([...LAYOUT, 'Gather', 'Slice', 'Split', 'Mul', 'Sub', 'Add', 'Div', 'Neg']);
const STACK_OPS = new Set([...LAYOUT, 'Concat']);
/** Ops that only read a tensor's shape: not part of the data path. */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/**
 * Every MSDA site of the model, in graph order. GridSamples that are not part of a full site
 * (no weighting Mul and ReduceSum after them) are not reported.
 *
 * @example
 * ```ts
 * const sites = findSites(model);
 * sites[0]?.levels.length; // 4
 * ```
 */
export function findSites(model: Model): Site[] {
  const graph = model.graph;
  const constant = constantOracle();
  const bySum = new Map<Node, { grids: Node[]; stack: Node[]; weighting: Node; weightSlot: number; weighted: Node[] }>();
  for (const node of graph.nodesIter()) {
    if (node.opType !== 'GridSample') continue;
    const forward = walkToWeighting(node);
    if (!forward) continue;
    const entry = bySum.get(forward.reduce);
    if (entry) {
      entry.grids.push(node);
      for (const n of forward.stack) if (!entry.stack.includes(n)) entry.stack.push(n);
    } else {
      bySum.set(forward.reduce, { grids: [node], stack: [...forward.stack], weighting: forward.weighting, weightSlot: forward.weightSlot, weighted: forward.weighted });
    }
  }
  const sites: Site[] = [];
  for (const [reduce, entry] of bySum) {
    const stackConcat = entry.stack.find((n) => n.opType === 'Concat');
    const ordered = stackConcat ? orderByConcat(entry.grids, stackConcat) : entry.grids;
    const levels = ordered.map((gridSample) => ({
      gridSample,
      valueChain: walkBack(gridSample.input(0), VALUE_OPS, constant),
      gridChain: walkBack(gridSample.input(1), GRID_OPS, constant, true),
    }));
    const sharedValueChain = shared(levels.map((l) => l.valueChain));
    const sharedGridChain = shared(levels.map((l) => l.gridChain));
    const weightChain = walkBack(entry.weighting.input(entry.weightSlot), LAYOUT, constant);
    const outputChain = walkForward(reduce.output(0));
    const nodes = new Set<Node>([
      ...levels.flatMap((l) => [l.gridSample, ...l.valueChain, ...l.gridChain]),
      ...entry.stack, entry.weighting, ...weightChain, ...entry.weighted, reduce, ...outputChain,
    ]);
    const rootOf = (chain: Node[], start: Value): Value => {
      const last = chain[chain.length - 1];
      return last ? dataInput(last, constant) ?? start : start;
    };
    sites.push({
      index: 0, levels, sharedValueChain, sharedGridChain, stack: entry.stack, stackConcat,
      weighting: entry.weighting, weightSlot: entry.weightSlot, weightChain, weighted: entry.weighted, reduce, outputChain,
      valueRoot: rootOf(levels[0]!.valueChain, levels[0]!.gridSample.input(0)),
      locationsRoot: rootOf(levels[0]!.gridChain, levels[0]!.gridSample.input(1)),
      weightsRoot: rootOf(weightChain, entry.weighting.input(entry.weightSlot)),
      output: (outputChain[outputChain.length - 1] ?? reduce).output(0),
      nodes,
    });
  }
  const order = new Map([...graph.nodesIter()].map((n, i) => [n, i]));
  sites.sort((a, b) => order.get(a.levels[0]!.gridSample)! - order.get(b.levels[0]!.gridSample)!);
  sites.forEach((s, i) => { s.index = i; });
  return sites;
}

/** The one data consumer of a value (shape readers aside), or undefined when there are several. */
export function dataConsumer(value: Value): Node | undefined {
  const readers = value.consumers().filter((n) => !SHAPE_READERS.has(n.opType));
  return readers.length === 1 ? readers[0] : undefined;
}

/** GridSample -> stack ops -> Mul -> ReduceSum, or undefined when the output goes elsewhere. */
function walkToWeighting(gridSample: Node): { stack: Node[]; weighting: Node; weightSlot: number; weighted: Node[]; reduce: Node } | undefined {
  const stack: Node[] = [];
  let value = gridSample.output(0);
  for (let guard = 0; guard < 16; guard++) {
    const next = dataConsumer(value);
    if (!next) return undefined;
    if (next.opType === 'Mul') {
      const weightSlot = next.inputs[0] === value ? 1 : 0;
      const weighted: Node[] = [];
      let after = next.output(0);
      for (let g = 0; g < 8; g++) {
        const reader = dataConsumer(after);
        if (!reader) return undefined;
        if (reader.opType === 'ReduceSum') return { stack, weighting: next, weightSlot, weighted, reduce: reader };
        if (!LAYOUT.has(reader.opType)) return undefined;
        weighted.push(reader);
        after = reader.output(0);
      }
      return undefined;
    }
    if (!STACK_OPS.has(next.opType)) return undefined;
    stack.push(next);
    value = next.output(0);
  }
  return undefined;
}

/** Layout ops after the ReduceSum up to the next computing op. */
function walkForward(start: Value): Node[] {
  const chain: Node[] = [];
  let value = start;
  for (let guard = 0; guard < 8; guard++) {
    const next = dataConsumer(value);
    if (!next || !LAYOUT.has(next.opType) || next.outputs.length !== 1) break;
    chain.push(next);
    value = next.output(0);
  }
  return chain;
}

/**
 * Producers of `start` back through `ops`, following each node's one non-constant data input.
 * With `affineOnly`, the walk ends where the run of scalar arithmetic (`2*loc - 1`) ends, so it
 * does not wander into the offsets/normalizer arithmetic that computes the locations (TorchScript
 * folds static reference points into constants, which would make that arithmetic look unary).
 */
function walkBack(start: Value, ops: ReadonlySet<string>, constant: (v: Value) => boolean, affineOnly = false): Node[] {
  const chain: Node[] = [];
  let value: Value | undefined = start;
  let inArithmetic = false;
  for (let guard = 0; value && guard < 32; guard++) {
    const producer: Node | undefined = value.producer;
    if (!producer || !ops.has(producer.opType)) break;
    const next = dataInput(producer, constant);
    if (!next) break;
    if (affineOnly) {
      const arithmetic = ARITHMETIC.has(producer.opType);
      if (inArithmetic && !arithmetic) break;
      if (arithmetic && !producer.inputs.every((v) => !v || v === next || isScalarConstant(v))) break;
      inArithmetic ||= arithmetic;
    }
    chain.push(producer);
    value = next;
  }
  return chain;
}

const ARITHMETIC = new Set(['Mul', 'Sub', 'Add', 'Div', 'Neg']);

/** An initializer or Constant holding one number (any rank). */
function isScalarConstant(v: Value): boolean {
  const tensor = v.constant();
  return tensor !== undefined && tensor.size === 1;
}

/** The input a path continues through: input 0 of layout ops, the one non-constant input of arithmetic. */
function dataInput(node: Node, constant: (v: Value) => boolean): Value | undefined {
  if (['Mul', 'Sub', 'Add', 'Div'].includes(node.opType)) {
    const live = node.inputs.filter((v): v is Value => Boolean(v) && !constant(v!));
    return live.length === 1 ? live[0] : undefined;
  }
  return node.inputs[0];
}

/** True for values computed from constants only (initializers, Constant nodes, ops on them). */
function constantOracle(): (v: Value) => boolean {
  const memo = new Map<Value, boolean>();
  const isConstant = (v: Value): boolean => {
    const known = memo.get(v);
    if (known !== undefined) return known;
    memo.set(v, false); // cycles are not constant
    let result: boolean;
    if (v.initializer) result = !v.isGraphInput;
    else if (!v.producer) result = false;
    else if (v.producer.opType === 'Constant') result = true;
    else if (SHAPE_READERS.has(v.producer.opType)) result = false;
    else result = v.producer.inputs.every((i) => !i || isConstant(i));
    memo.set(v, result);
    return result;
  };
  return isConstant;
}

/** The longest common tail of the chains (nodes every level goes through), nearest first. */
function shared(chains: Node[][]): Node[] {
  if (chains.length < 2) return [];
  const others = chains.slice(1).map((c) => new Set(c));
  return chains[0]!.filter((n) => others.every((o) => o.has(n)));
}

/** GridSamples in the order their (unsqueezed) outputs enter the stacking Concat. */
function orderByConcat(grids: Node[], concat: Node): Node[] {
  const position = (g: Node): number => {
    let value = g.output(0);
    for (let guard = 0; guard < 8; guard++) {
      const index = concat.inputs.indexOf(value);
      if (index >= 0) return index;
      const next = dataConsumer(value);
      if (!next) break;
      value = next.output(0);
    }
    return Number.MAX_SAFE_INTEGER;
  };
  return [...grids].sort((a, b) => position(a) - position(b));
}
