import { type DTypeCode, type LiveNodeMarks, type Node, type Use, type Value, isOnnxDomain } from '../../ir/index.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { type View, ViewError, broadcastView, identityView } from '../../layout/view.js';
import { applyLayoutOp, isLayoutOp, layoutDataInput } from '../../layout/layout-ops.js';
import { DimExpr } from '../../shape/dim-expr.js';

/**
 * Paths: the chains of nodes between a tensor the plugin reads (a root) and the place the site
 * uses it. A step is a layout op (moves elements), a Cast (may change values: the proof decides),
 * or an elementwise op with one scalar constant (the `2*loc - 1` of the sampling grid).
 */
export type Step =
  | { readonly kind: 'layout'; readonly node: Node; readonly outputIndex: number }
  | { readonly kind: 'cast'; readonly node: Node; readonly to: DTypeCode }
  | { readonly kind: 'scalar'; readonly node: Node; readonly op: ScalarOp; readonly constant: number; readonly constantRank: number; readonly dataFirst: boolean }
  | { readonly kind: 'double'; readonly node: Node };

/** Elementwise ops with one scalar-constant operand. */
export type ScalarOp = 'Mul' | 'Add' | 'Sub' | 'Div';

/** A backward walk: `values[0]` is where it started, `steps[i]` makes `values[i]` from `values[i + 1]`. */
export interface Chain {
  readonly values: readonly Value[];
  readonly steps: readonly Step[];
}

/** What a backward walk may pass through besides layout ops. */
export interface WalkOptions {
  /** Look through Casts (the proof then checks that each one keeps every value). */
  readonly casts: boolean;
  /** Look through scalar Mul/Add/Sub/Div and Add(x, x). */
  readonly arithmetic: boolean;
}

/** Walks backward from `value` for as long as each producer is a step of the allowed kinds. */
export function backwardChain(value: Value, facts: ShapeFacts, options: WalkOptions): Chain {
  const values: Value[] = [value];
  const steps: Step[] = [];
  const seen = new Set<Value>(values);
  for (let v = value; ; ) {
    const found = v.producer ? stepInto(v, facts, options) : undefined;
    // A cycle (a graph built through the API can have one) ends the walk.
    if (!found || seen.has(found.input)) return { values, steps };
    seen.add(found.input);
    values.push(found.input);
    steps.push(found.step);
    v = found.input;
  }
}

function stepInto(v: Value, facts: ShapeFacts, options: WalkOptions): { step: Step; input: Value } | undefined {
  const node = v.producer!;
  if (isLayoutOp(node)) {
    const input = layoutDataInput(node);
    return input ? { step: { kind: 'layout', node, outputIndex: v.outputIndex }, input } : undefined;
  }
  if (!isOnnxDomain(node.domain) || node.outputs.length !== 1) return undefined;
  if (options.casts && node.opType === 'Cast') {
    const to = node.attrNumber('to', -1);
    const input = node.inputs[0];
    return input && node.inputs.length === 1 ? { step: { kind: 'cast', node, to }, input } : undefined;
  }
  if (!options.arithmetic) return undefined;
  return arithmeticStep(node, facts);
}

function arithmeticStep(node: Node, facts: ShapeFacts): { step: Step; input: Value } | undefined {
  if (!['Mul', 'Add', 'Sub', 'Div'].includes(node.opType) || node.inputs.length !== 2) return undefined;
  const [a, b] = node.inputs;
  if (!a || !b) return undefined;
  if (a === b && node.opType === 'Add') return { step: { kind: 'double', node }, input: a };
  const ca = scalarConstant(a, facts);
  const cb = scalarConstant(b, facts);
  if ((ca === undefined) === (cb === undefined)) return undefined;
  const dataFirst = cb !== undefined;
  const constant = (ca ?? cb)!;
  // ONNX arithmetic takes one type for both operands; onnxruntime refuses a float16 constant on
  // float32 data, so such a node is not looked through (no meaning is picked for it).
  const dataType = facts.dtype(dataFirst ? a : b);
  if (dataType === undefined || facts.dtype(dataFirst ? b : a) !== dataType) return undefined;
  const step: Step = { kind: 'scalar', node, op: node.opType as ScalarOp, constant: constant.value, constantRank: constant.rank, dataFirst };
  return { step, input: dataFirst ? a : b };
}

/** A constant whose dims are all 1: it broadcasts as one number (and may raise the rank). */
function scalarConstant(v: Value, facts: ShapeFacts): { value: number; rank: number } | undefined {
  const t = facts.constant(v);
  if (!t || t.size !== 1 || t.dims.some((d) => d !== 1)) return undefined;
  return { value: t.toNumbers()[0]!, rank: t.dims.length };
}

/** The forward steps from `chain.values[at]` to `chain.values[0]`. */
export function stepsFromIndex(chain: Chain, at: number): Step[] {
  return chain.steps.slice(0, at).reverse();
}

/** The forward steps from `root` (a value on the chain) to the chain's start. */
export function stepsFrom(root: Value, chain: Chain): Step[] {
  const at = chain.values.indexOf(root);
  if (at < 0) throw new ViewError(`'${root.name}' is not on the path`);
  return stepsFromIndex(chain, at);
}

/** Maps a view through one step: layout ops move elements, broadcasting may add leading dims. */
export function applyStep(view: View, step: Step, facts: ShapeFacts, opset?: number): View {
  switch (step.kind) {
    case 'layout': return applyLayoutOp(step.node, step.outputIndex, view, facts, opset);
    case 'scalar': return broadcastView(view, step.constantRank);
    default: return view;
  }
}

/** Root axis labels of a value: `<tag>:<axis>`, with the inferred sizes. */
export function rootAxes(tag: string, value: Value, facts: ShapeFacts): { axis: string; size: DimExpr }[] {
  const shape = facts.shape(value);
  if (!shape) throw new ViewError(`the shape of '${value.name}' is unknown`);
  return shape.map((size, i) => ({ axis: `${tag}:${i}`, size }));
}

/** The identity view of a root tensor. */
export function rootView(tag: string, root: Value, facts: ShapeFacts): View {
  return identityView(rootAxes(tag, root, facts));
}

/** Values on every chain, furthest from the site first: the places the chains could start from. */
export function sharedValues(chains: readonly Chain[]): Value[] {
  const others = chains.slice(1).map((c) => new Set(c.values));
  return [...chains[0]!.values].reverse().filter((v) => others.every((o) => o.has(v)));
}

/**
 * Uses of a value other than reads of its shape (exporters compute reshape targets from
 * `Shape(x)` of the very tensors being reshaped; those reads die with the site) and other than
 * reads by nodes nothing depends on (optimizers leave dead nodes behind).
 */
export function dataUses(v: Value, live: LiveNodeMarks): Use[] {
  return v.uses.filter((u) => u.node.opType !== 'Shape' && u.node.opType !== 'Size' && live.has(u.node));
}

/** A single-use chain of layout ops forward from `start` (how samples reach the stack and the Mul). */
export function forwardLayoutChain(start: Value, live: LiveNodeMarks, options: { throughGraphOutputs?: boolean } = {}): { end: Value; steps: Step[] } {
  const steps: Step[] = [];
  const seen = new Set<Value>();
  let v = start;
  for (;;) {
    const uses = dataUses(v, live);
    if ((v.isGraphOutput && !options.throughGraphOutputs) || uses.length !== 1 || seen.has(v)) return { end: v, steps };
    seen.add(v);
    const { node, index } = uses[0]!;
    if (index !== 0 || !isLayoutOp(node) || node.outputs.length !== 1) return { end: v, steps };
    steps.push({ kind: 'layout', node, outputIndex: 0 });
    v = node.output(0);
  }
}
