import { type DTypeCode, type Node, type Value } from '../../ir/index.js';
import { type AtomPair, alignAtoms, piecesOf } from '../../layout/align.js';
import { type Atom, type View, ViewError, concatView, dimSize, sameAtoms } from '../../layout/view.js';
import { isOnnxDomain } from '../../ir/index.js';
import { DimExpr } from '../../shape/dim-expr.js';
import { axesWords, axisWords } from './axis-words.js';
import type { Candidate } from './candidates.js';
import { checkAttributes } from './node-checks.js';
import { backwardChain, dataUses, forwardLayoutChain, rootAxes, rootView } from './paths.js';
import { type ProofContext, ONE, type RootedView, addNodes, chooseRoot, follow, semanticAxis } from './proof-context.js';
import type { ValueProof } from './prove-value.js';
import { exactTypeAlong, typeName } from './value-types.js';

/** The samples at the weighting Mul, and the Mul. */
export interface SamplesProof {
  readonly mul: Node;
  /** The samples as the Mul reads them, over semantic axes n, m, d, q, l, p. */
  readonly view: View;
  /** The Mul's other operand. */
  readonly weightsInput: Value;
  /** The stack (Concat) of the levels, when there is one. */
  readonly stack: Node | undefined;
  /** For unequal points per level: where each level's points start on the virtual axis `lp`. */
  readonly ragged?: { readonly starts: DimExpr[]; readonly points: DimExpr[] };
  readonly nodes: Node[];
}

/**
 * Stage 3. GridSample of level l gives `[n*m, d, q, p]` of a virtual `[l, n, m, d, q, p]`
 * tensor; its output is followed through layout ops, the stack of the levels and more layout ops
 * to a Mul, whose other operand is then the attention weights.
 */
export function proveSamples(candidate: Candidate, value: ValueProof, Lq: DimExpr, points: readonly DimExpr[], context: ProofContext): SamplesProof {
  const nodes = new Set<Node>();
  const start = (l: number): View => ({
    dims: [value.semanticBatch, semanticAxis('d', value.D), semanticAxis('q', Lq), semanticAxis('p', points[l]!)],
    offsets: new Map([['l', DimExpr.const(l)]]),
  });
  const perLevel = candidate.levels.map((level, l) => {
    addNodes(nodes, level.steps);
    return follow(start(l), level.steps, context);
  });
  let stacked: View;
  let afterStack: Value;
  let raggedStarts: DimExpr[] | undefined;
  if (candidate.stack) {
    const stack = candidate.stack;
    checkAttributes(stack);
    if (!stack.attr('axis')) throw new ViewError(`'${stack.label}' has no axis attribute, which Concat requires`);
    nodes.add(stack);
    const rank = perLevel[0]!.dims.length;
    const axisAttr = stack.attrNumber('axis', 0);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (axis < 0 || axis >= rank) throw new ViewError(`'${stack.label}' concatenates along axis ${axisAttr} of rank-${rank} tensors`);
    const equal = points.every((p) => p.equals(points[0]!));
    if (equal) stacked = concatView(perLevel, axis, 'l', ONE);
    else ({ view: stacked, starts: raggedStarts } = raggedConcat(perLevel, axis, points, stack));
    afterStack = stack.output(0);
  } else {
    stacked = perLevel[0]!;
    afterStack = candidate.levels[0]!.end;
  }
  const toMul = forwardLayoutChain(afterStack, context.live, { throughGraphOutputs: true });
  addNodes(nodes, toMul.steps);
  const view = follow(stacked, toMul.steps, context);
  const uses = dataUses(toMul.end, context.live);
  const use = uses.length === 1 ? uses[0]! : undefined;
  const mul = use?.node;
  if (!mul || mul.opType !== 'Mul' || !isOnnxDomain(mul.domain) || mul.inputs.length !== 2) {
    throw new ViewError(`the stacked samples ('${toMul.end.name}') are not multiplied by attention weights${uses.length > 1 ? ` (they have ${uses.length} readers)` : ''}`);
  }
  checkAttributes(mul);
  nodes.add(mul);
  const ragged = raggedStarts ? { starts: raggedStarts, points: [...points] } : undefined;
  return { mul, view, weightsInput: mul.input(1 - use!.index), stack: candidate.stack, nodes: [...nodes], ...(ragged ? { ragged } : {}) };
}

/** The virtual axis of levels and points concatenated along one dimension (unequal points per level). */
export const LEVEL_POINTS = 'lp';

/**
 * A concat of the levels' samples along their points dimension when the levels have different
 * numbers of points (RT-DETRv2's `n_points_list`): the result's dimension walks a virtual axis
 * `lp` where level l owns indices `[start_l, start_l + P_l)`.
 */
function raggedConcat(views: readonly View[], axis: number, points: readonly DimExpr[], stack: Node): { view: View; starts: DimExpr[] } {
  const first = views[0]!;
  views.forEach((v, l) => {
    const dim = v.dims[axis] ?? [];
    if (dim.length !== 1 || dim[0]!.axis !== 'p') throw new ViewError(`'${stack.label}' concatenates level ${l}'s samples along a dimension that is not its points`);
    v.dims.forEach((d, k) => {
      if (k !== axis && !sameAtoms(d, first.dims[k]!)) throw new ViewError(`'${stack.label}': level ${l}'s samples are laid out differently from level 0's`);
    });
    for (const [a, off] of v.offsets) if (a !== 'l' && !off.equals(DimExpr.const(0))) throw new ViewError(`'${stack.label}': level ${l}'s samples are offset along ${a}`);
  });
  const starts: DimExpr[] = [];
  let total = DimExpr.const(0);
  for (const p of points) {
    starts.push(total);
    total = total.add(p);
  }
  const dims = first.dims.map((d, k) => (k === axis ? [{ axis: LEVEL_POINTS, size: total, stride: ONE }] : d));
  return { view: { dims, offsets: new Map() }, starts };
}

/** What the weights stage proves: the attention weights `[N, Lq, M, L, P]`. */
export interface WeightsProof {
  readonly weights: RootedView;
  readonly rootType: DTypeCode;
  /** For unequal points per level: level l's weights `[N, Lq, M, P_l]` (the rewrite pads them with 0). */
  readonly perLevel?: RootedView[];
  /** The Mul's view after broadcasting (samples side), for the sum. */
  readonly productDims: Atom[][];
  readonly nodes: Node[];
}

/**
 * Stage 4. The weights are broadcast over the channels d only and otherwise indexed exactly like
 * the samples: element (n, q, m, l, p) of the plugin's weights is the one the Mul multiplies with
 * the samples of (n, q, m, l, p).
 */
export function proveWeights(samples: SamplesProof, value: ValueProof, sizes: { Lq: DimExpr; L: number; P: DimExpr }, context: ProofContext): WeightsProof {
  const { facts } = context;
  const chain = backwardChain(samples.weightsInput, facts, { casts: true, arithmetic: false });
  const { root, result } = chooseRoot([chain], 'attention weights', (candidate, [steps]) => {
    const rootType = facts.dtype(candidate);
    if (rootType === undefined) throw new ViewError(`the element type of '${candidate.name}' is unknown`);
    const atMul = exactTypeAlong(rootType, steps!, 'the attention weights');
    if (atMul !== value.sampleType) throw new ViewError(`the attention weights are ${typeName(atMul)} at '${samples.mul.label}' but the samples are ${typeName(value.sampleType)}`);
    return { rootType, steps: steps!, view: follow(rootView('w', candidate, facts), steps!, context) };
  });
  const nodes = new Set<Node>();
  addNodes(nodes, result.steps);
  const rank = Math.max(samples.view.dims.length, result.view.dims.length);
  const sampleDims = padLeft(samples.view.dims, rank);
  const weightDims = padLeft(result.view.dims, rank);
  const pairs: AtomPair[] = [];
  for (let k = 0; k < rank; k++) {
    const s = sampleDims[k]!;
    const w = weightDims[k]!;
    if (dimSize(w).constValue() === 1) {
      if (s.some((a) => a.axis !== 'd')) throw new ViewError(`the attention weights are broadcast along dim ${k}, which holds the ${axesWords(s.map((a) => a.axis))} of the samples; the plugin broadcasts them over the channels only`);
      continue;
    }
    if (!dimSize(w).equals(dimSize(s))) throw new ViewError(`the attention weights have ${String(dimSize(w))} elements along dim ${k} where the samples have ${String(dimSize(s))}`);
    const aligned = alignAtoms(s, w, `dim ${k} of the attention weights`);
    if (aligned.some((p) => p.semantic.axis === 'd')) throw new ViewError('the attention weights vary along the channel dimension');
    pairs.push(...aligned);
  }
  const pieces = (axis: string, size: DimExpr): Atom[] => piecesOf(pairs, axis, size, 'the attention weights', axisWords);
  const outer = [pieces('n', value.N), pieces('q', sizes.Lq), pieces('m', value.M)];
  const axes = rootAxes('w', root, facts);
  const reusable = chain.values.slice(0, chain.values.indexOf(root) + 1).reverse();
  const ragged = samples.ragged;
  const target: View = ragged
    ? { dims: [...outer, [], pieces(LEVEL_POINTS, ragged.starts.length ? ragged.starts[ragged.starts.length - 1]!.add(ragged.points[ragged.points.length - 1]!) : DimExpr.const(0))], offsets: result.view.offsets }
    : { dims: [...outer, pieces('l', DimExpr.const(sizes.L)), pieces('p', sizes.P)], offsets: result.view.offsets };
  const perLevel = ragged ? levelBlocks(target, ragged, 'weights').map((t) => ({ root, rootAxes: axes, target: t, reusable: [root] })) : undefined;
  return {
    weights: { root, rootAxes: axes, target, reusable },
    ...(perLevel ? { perLevel } : {}),
    rootType: result.rootType,
    productDims: sampleDims,
    nodes: [...nodes],
  };
}

/**
 * Level l's part of a target whose last dimension walks the virtual axis `lp` with one root
 * atom: the block `[start_l, start_l + P_l)` of that atom.
 */
function levelBlocks(target: View, ragged: { starts: DimExpr[]; points: DimExpr[] }, what: string): View[] {
  const last = target.dims[target.dims.length - 1]!;
  if (last.length !== 1) throw new ViewError(`the ${what} of the levels are not one run of one axis (${last.length} pieces)`);
  const atom = last[0]!;
  return ragged.starts.map((start, l) => {
    const offsets = new Map(target.offsets);
    offsets.set(atom.axis, (offsets.get(atom.axis) ?? DimExpr.const(0)).add(start.mul(atom.stride)));
    const points = ragged.points[l]!;
    return { dims: [...target.dims.slice(0, 3), points.constValue() === 1 ? [] : [{ ...atom, size: points }]], offsets };
  });
}

function padLeft(dims: readonly (readonly Atom[])[], rank: number): Atom[][] {
  return [...Array.from({ length: rank - dims.length }, () => []), ...dims.map((d) => [...d])];
}
