import { DType, type DTypeCode, type Node, type Value } from '../../ir/index.js';
import { typeName } from './value-types.js';
import { holdsEveryValue } from '../../ir/exact-casts.js';
import { isLayoutOp } from '../../layout/layout-ops.js';
import { type Atom, type View, ViewError } from '../../layout/view.js';
import { isOnnxDomain } from '../../ir/index.js';
import { readAxes } from '../../shape/op-args.js';
import { checkAttributes } from './node-checks.js';
import { type Step, dataUses } from './paths.js';
import { type ProofContext, ZERO, follow } from './proof-context.js';

/** What the output stage proves: where the site's result is read, and in which layout. */
export interface OutputProof {
  readonly reduce: Node;
  /** The value the site's consumers read. */
  readonly value: Value;
  /** Its layout over the plugin output's axes n, q, m, d. */
  readonly target: View;
  readonly nodes: Node[];
}

/**
 * Stage 5. The products are summed over exactly the levels and points, then laid out for the
 * consumers. Between the Mul and the sum the products may be widened (fp16 exports sum in
 * float32); after the sum the result may be widened and narrowed again, but never below the
 * plugin's type, and the site ends at the last point where it has the plugin's type (so nothing
 * the plugin cannot do is swallowed: a later rounding Cast stays in the graph as a consumer).
 */
export function proveOutput(mul: Node, productDims: readonly (readonly Atom[])[], offsets: View['offsets'], sampleType: DTypeCode, context: ProofContext): OutputProof {
  const nodes = new Set<Node>();
  let v = mul.output(0);
  for (let next = soleReader(v, context); next && (next.opType === 'Identity' || next.opType === 'Cast'); next = soleReader(v, context)) {
    checkAttributes(next);
    const to = next.opType === 'Cast' ? next.attrNumber('to', -1) : context.facts.dtype(v);
    if (to === undefined || !holdsEveryValue(to, sampleType)) {
      throw new ViewError(`'${next.label}' casts the weighted samples to ${to === undefined ? 'an unknown type' : typeName(to)} before the sum; the plugin sums in ${typeName(sampleType)} or wider`);
    }
    nodes.add(next);
    v = next.output(0);
  }
  const reduce = soleReader(v, context);
  if (!reduce || reduce.opType !== 'ReduceSum' || v.isGraphOutput) throw new ViewError(`the weighted samples ('${v.name}') are not summed by one ReduceSum`);
  checkAttributes(reduce);
  nodes.add(reduce);
  const reduced = reduceView(reduce, { dims: productDims, offsets }, context);
  const chain = outputChain(reduce.output(0), sampleType, context);
  chain.steps.forEach((s) => nodes.add(s.node));
  const outView = follow(reduced, chain.steps.filter((s) => s.kind === 'layout'), context);
  for (const atom of outView.dims.flat()) {
    if (!['n', 'q', 'm', 'd'].includes(atom.axis)) throw new ViewError(`the site's output still varies along ${atom.axis}`);
  }
  for (const [axis, off] of outView.offsets) {
    if (axis !== 'l' && !off.equals(ZERO)) throw new ViewError(`the site's output is offset along ${axis}`);
  }
  return { reduce, value: chain.end, target: { dims: outView.dims, offsets: new Map() }, nodes: [...nodes] };
}

/** The one live data reader of `v` (undefined when there are none or several). */
function soleReader(v: Value, context: ProofContext): Node | undefined {
  const uses = dataUses(v, context.live);
  const node = uses.length === 1 && uses[0]!.index === 0 ? uses[0]!.node : undefined;
  return node && isOnnxDomain(node.domain) && !v.isGraphOutput ? node : undefined;
}

/**
 * Follows the sum forward through single-reader layout ops and Casts that stay at or above the
 * plugin's type, and ends at the furthest value on that path whose type is the plugin's.
 */
function outputChain(start: Value, sampleType: DTypeCode, context: ProofContext): { end: Value; steps: Step[] } {
  const steps: Step[] = [];
  let best: { end: Value; count: number } | undefined = context.facts.dtype(start) === sampleType ? { end: start, count: 0 } : undefined;
  const seen = new Set<Value>();
  for (let v = start; ;) {
    const node = soleReader(v, context);
    if (!node || seen.has(v) || node.outputs.length !== 1) break;
    seen.add(v);
    let step: Step;
    if (isLayoutOp(node) && node.opType !== 'SequenceAt') step = { kind: 'layout', node, outputIndex: 0 };
    else if (node.opType === 'Cast' && holdsEveryValue(node.attrNumber('to', -1), sampleType)) step = { kind: 'cast', node, to: node.attrNumber('to', -1) };
    else break;
    steps.push(step);
    v = node.output(0);
    if (context.facts.dtype(v) === sampleType) best = { end: v, count: steps.length };
  }
  if (!best) throw new ViewError(`the sum '${start.name}' is ${typeName(context.facts.dtype(start) ?? 0)} and never comes back to ${typeName(sampleType)}, the type the plugin computes in`);
  return { end: best.end, steps: steps.slice(0, best.count) };
}

function reduceView(node: Node, input: View, context: ProofContext): View {
  const rank = input.dims.length;
  const axesInput = node.inputs[1];
  if (axesInput && context.facts.dtype(axesInput) !== DType.INT64) throw new ViewError(`the axes of '${node.label}' are not int64, which ReduceSum requires (onnxruntime refuses the node)`);
  const axesRead = readAxes(node, (v) => context.facts.values(v), context.opset);
  if (typeof axesRead === 'string') throw new ViewError(axesRead);
  if (!axesRead) throw new ViewError(`'${node.label}' reduces over every axis`);
  if (!axesRead.length) throw new ViewError(`'${node.label}' has empty axes${node.attrNumber('noop_with_empty_axes', 0) ? ' and reduces nothing' : ', so it sums over every axis'}`);
  const axes = axesRead.map((c) => (c < 0 ? c + rank : c));
  if (axes.some((a) => a < 0 || a >= rank) || new Set(axes).size !== axes.length) throw new ViewError(`'${node.label}' sums over axes [${axesRead.join(', ')}], repeated or out of range for rank ${rank}`);
  const summed = new Set(axes);
  for (let k = 0; k < rank; k++) {
    for (const atom of input.dims[k]!) {
      const isLevelOrPoint = atom.axis === 'l' || atom.axis === 'p' || atom.axis === 'lp';
      if (summed.has(k) !== isLevelOrPoint) {
        throw new ViewError(`'${node.label}' ${summed.has(k) ? 'sums over' : 'keeps'} ${axisName(atom.axis)}; the plugin sums over levels and points only`);
      }
    }
  }
  const keep = node.attrNumber('keepdims', 1) === 1;
  const dims = input.dims.flatMap((d, k) => (summed.has(k) ? (keep ? [[]] : []) : [d]));
  return { dims, offsets: input.offsets };
}

function axisName(axis: string): string {
  const names: Record<string, string> = { n: 'the batch', m: 'the heads', d: 'the channels', q: 'the queries', l: 'the levels', p: 'the points', lp: 'the levels\' points' };
  return names[axis] ?? axis;
}
