import { DType, type Node, type Use, type Value } from '../../ir/index.js';
import { tensorNumbers } from '../../pattern/constant.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { DimExpr } from '../../shape/dim-expr.js';
import { type View, ViewError, identityView } from '../../layout/view.js';
import { applyLayoutOp, isLayoutOp, layoutDataInput } from '../../layout/layout-ops.js';

/** One step of a path: the node and which of its outputs carries the data onward. */
export interface Step {
  readonly node: Node;
  readonly outputIndex: number;
}

/** An affine map `scale * x + shift` on element values. */
export interface Affine {
  readonly scale: number;
  readonly shift: number;
}

export const IDENTITY_AFFINE: Affine = { scale: 1, shift: 0 };

/**
 * Walks backward from `value` through layout operations (and, when `throughAffine`, elementwise
 * ops with one scalar-constant operand) and returns the values passed, nearest first, ending at
 * the first value produced otherwise.
 */
export function backwardChain(value: Value, facts: ShapeFacts, throughAffine: boolean): Value[] {
  const chain = [value];
  const seen = new Set(chain);
  for (let v = value; ; ) {
    const p = v.producer;
    if (!p) return chain;
    let next: Value | undefined;
    if (isLayoutOp(p)) next = layoutDataInput(p);
    else if (throughAffine && isFloatCast(p, facts)) next = p.inputs[0];
    else if (throughAffine) next = affineStep(p, facts)?.data;
    // A cycle (only a graph built through the API can have one; loading refuses them) ends the walk.
    if (!next || seen.has(next)) return chain;
    seen.add(next);
    chain.push(next);
    v = next;
  }
}

/**
 * A Cast between float types. On the locations path it only rounds (exporters cast the float64
 * grid of TorchScript exports to float32, or the other way round); the plugin gets the value's
 * type either way.
 */
export function isFloatCast(node: Node, facts: ShapeFacts): boolean {
  if (node.opType !== 'Cast' || (node.domain !== '' && node.domain !== 'ai.onnx')) return false;
  const floats: number[] = [DType.FLOAT, DType.FLOAT16, DType.DOUBLE];
  const from = node.inputs[0] ? facts.dtype(node.inputs[0]) : undefined;
  return floats.includes(node.attrNumber('to', 0)) && from !== undefined && floats.includes(from);
}

/** The data operand of an elementwise op with one scalar constant operand, and its effect. */
export function affineStep(node: Node, facts: ShapeFacts): { data: Value; apply: (a: Affine) => Affine } | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  if (!['Mul', 'Add', 'Sub', 'Div'].includes(node.opType) || node.inputs.length !== 2) return undefined;
  const [a, b] = node.inputs;
  if (!a || !b) return undefined;
  const ca = scalarConstant(a, facts);
  const cb = scalarConstant(b, facts);
  if ((ca === undefined) === (cb === undefined)) return undefined;
  const c = (ca ?? cb)!;
  const dataFirst = cb !== undefined;
  const data = dataFirst ? a : b;
  switch (node.opType) {
    case 'Mul': return { data, apply: (f) => ({ scale: f.scale * c, shift: f.shift * c }) };
    case 'Add': return { data, apply: (f) => ({ scale: f.scale, shift: f.shift + c }) };
    case 'Sub': return dataFirst
      ? { data, apply: (f) => ({ scale: f.scale, shift: f.shift - c }) }
      : { data, apply: (f) => ({ scale: -f.scale, shift: c - f.shift }) };
    case 'Div': return dataFirst ? { data, apply: (f) => ({ scale: f.scale / c, shift: f.shift / c }) } : undefined;
    default: return undefined;
  }
}

/** A constant tensor whose elements are all one number and whose dims are all 1 (broadcasts as a scalar). */
function scalarConstant(v: Value, facts: ShapeFacts): number | undefined {
  const t = facts.constant(v);
  if (!t || t.dims.some((d) => d !== 1)) return undefined;
  if (t.size !== 1) return undefined;
  const n = tensorNumbers(t)[0]!;
  return Number.isFinite(n) ? n : undefined;
}


/**
 * The forward steps from `root` to `target` along a backward chain (`chain[0]` is `target`).
 * Each step is the producer of the next value, with the output slot it writes.
 */
export function stepsFrom(root: Value, chain: readonly Value[]): Step[] {
  const at = chain.indexOf(root);
  if (at < 0) throw new ViewError(`'${root.name}' is not on the path`);
  const steps: Step[] = [];
  for (let i = at - 1; i >= 0; i--) {
    const v = chain[i]!;
    steps.push({ node: v.producer!, outputIndex: v.outputIndex });
  }
  return steps;
}

/** Root axis labels of a value: `<tag>:<axis>`. */
export function rootAxes(tag: string, value: Value, facts: ShapeFacts): { axis: string; size: DimExpr }[] {
  const shape = facts.shape(value);
  if (!shape) throw new ViewError(`the shape of '${value.name}' is unknown`);
  return shape.map((size, i) => ({ axis: `${tag}:${i}`, size }));
}

/**
 * Follows `steps` from `root`, mapping the view through every layout op and accumulating the
 * affine map of the elementwise steps.
 */
export function followSteps(root: Value, tag: string, steps: readonly Step[], facts: ShapeFacts): { view: View; affine: Affine } {
  let view = identityView(rootAxes(tag, root, facts));
  let affine = IDENTITY_AFFINE;
  for (const { node, outputIndex } of steps) {
    if (isLayoutOp(node)) view = applyLayoutOp(node, outputIndex, view, facts);
    else if (isFloatCast(node, facts)) continue;
    else {
      const step = affineStep(node, facts);
      if (!step) throw new ViewError(`'${node.label}' (${node.opType}) is neither a layout op nor a scalar affine op`);
      affine = step.apply(affine);
    }
  }
  return { view, affine };
}

/** Continues a view forward from a value through a chain of single-use layout ops (to where the site ends). */
export function forwardLayoutChain(start: Value, options: { throughGraphOutputs?: boolean; throughCasts?: boolean } = {}): { end: Value; steps: Step[] } {
  const steps: Step[] = [];
  const seen = new Set<Value>();
  let v = start;
  for (;;) {
    const uses = dataUses(v);
    if ((v.isGraphOutput && !options.throughGraphOutputs) || uses.length !== 1 || seen.has(v)) return { end: v, steps };
    seen.add(v);
    const { node, index } = uses[0]!;
    const castOk = options.throughCasts && node.opType === 'Cast' && node.domain === '';
    if (index !== 0 || !(isLayoutOp(node) || castOk) || node.outputs.length !== 1) return { end: v, steps };
    steps.push({ node, outputIndex: 0 });
    v = node.output(0);
  }
}

/**
 * Uses of a value other than reads of its shape: exporters compute reshape targets from
 * `Shape(x)` of the very tensors being reshaped, and those reads die with the site.
 */
export function dataUses(v: Value): Use[] {
  return v.uses.filter((u) => u.node.opType !== 'Shape' && u.node.opType !== 'Size');
}

/** Applies forward steps to an existing view. */
export function applySteps(view: View, steps: readonly Step[], facts: ShapeFacts): View {
  let out = view;
  for (const { node, outputIndex } of steps) out = applyLayoutOp(node, outputIndex, out, facts);
  return out;
}

