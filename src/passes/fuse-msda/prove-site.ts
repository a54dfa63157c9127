import { DType, type DTypeCode, type Node, type Value } from '../../ir/index.js';
import { DimExpr } from '../../shape/dim-expr.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { explain } from '../../pattern/index.js';
import { type AtomPair, alignAtoms, piecesOf } from '../../layout/align.js';
import { pluginGridSample, weightedSum } from './patterns.js';
import type { Candidate } from './candidates.js';
import {
  applySteps, backwardChain, dataUses, followSteps, forwardLayoutChain, rootAxes, stepsFrom,
} from './paths.js';
import { type Atom, type View, ViewError, concatView, dimSize, offsetOf, sameAtoms } from '../../layout/view.js';
import { isLayoutOp } from '../../layout/layout-ops.js';

/** A tensor the plugin reads, as a rearrangement of an existing value of the model. */
export interface RootedView {
  readonly root: Value;
  readonly rootAxes: { axis: string; size: DimExpr }[];
  /** Target layout over the root's axes, in the plugin's dimension order. */
  readonly target: View;
  /** Values between the root and the site (shared by all levels) that may already hold the target. */
  readonly reusable: Value[];
}

/** Everything the rewrite needs about one proven MSDA site. */
export interface MsdaSite {
  readonly anchor: string;
  readonly gridSamples: Node[];
  /** Nodes of the data path (layout chains, GridSamples, stack, Mul, ReduceSum...). */
  readonly dataNodes: Node[];
  /** The nodes that must be gone after the rewrite for the site to count as replaced. */
  readonly coreNodes: Node[];
  /** Values the rewrite may keep using (the roots and the layouts it can reuse). */
  readonly reusableValues: ReadonlySet<Value>;
  readonly value: RootedView;
  readonly locations: RootedView;
  readonly weights: RootedView;
  /** The value the site's consumers read, and its layout over the plugin output's axes `n,q,m,d`. */
  readonly output: { readonly value: Value; readonly target: View; readonly dtype: DTypeCode };
  readonly sizes: { N: DimExpr; S: DimExpr; M: DimExpr; D: DimExpr; Lq: DimExpr; L: number; P: DimExpr };
  readonly spatialShapes: [DimExpr, DimExpr][];
  readonly levelStarts: DimExpr[];
  /** Element type of value, weights and output. */
  readonly dtype: DTypeCode;
  /** Element type of the sampling locations as the model computes them (may be float64). */
  readonly locationsDtype: DTypeCode;
}

/** Outcome of trying to prove a candidate. */
export type Proof = { ok: true; site: MsdaSite } | { ok: false; reason: string };

const ONE = DimExpr.const(1);
const ZERO = DimExpr.const(0);

/**
 * Proves that a candidate computes exactly what `MultiscaleDeformableAttnPlugin_TRT` computes,
 * by following every tensor back to the three tensors the plugin reads and checking, element by
 * element in layout terms, that each level samples its own block of the value with its own
 * locations, and that the weights, the sum and the final layout line up. Any doubt is a skip.
 */
export function proveSite(candidate: Candidate, facts: ShapeFacts): Proof {
  try {
    return { ok: true, site: prove(candidate, facts) };
  } catch (error) {
    if (error instanceof ViewError) return { ok: false, reason: error.message };
    throw error;
  }
}

function prove(candidate: Candidate, facts: ShapeFacts): MsdaSite {
  const grids = candidate.levels.map((l) => l.gridSample);
  grids.forEach(checkGridSampleMode);
  const L = grids.length;
  const dataNodes = new Set<Node>(grids);

  // 1. Value: each level's input 0 is a block of one shared value tensor, reshaped to [N*M, D, H, W].
  const valueChains = grids.map((g) => backwardChain(g.input(0), facts, false));
  const valueRoot = sharedRoot(valueChains, 'value');
  const valueAxes = rootAxes('v', valueRoot, facts);
  const valueViews = valueChains.map((chain) => {
    stepsFrom(valueRoot, chain).forEach((s) => dataNodes.add(s.node));
    return followSteps(valueRoot, 'v', stepsFrom(valueRoot, chain), facts).view;
  });
  const v0 = valueViews[0]!;
  if (v0.dims.length !== 4) throw new ViewError(`GridSample input is rank ${v0.dims.length}, expected 4`);
  const batchAtoms = v0.dims[0]!;
  const dAtoms = v0.dims[1]!;
  // Batch of GridSample is (n, m): the last piece is the head, the rest the batch. n and m are
  // independent problems for the plugin, so this split is exact whichever way the export wrote it.
  const nRoot = batchAtoms.slice(0, -1);
  const mRoot = batchAtoms.slice(-1);
  const N = product(nRoot.map((a) => a.size));
  const M = product(mRoot.map((a) => a.size));
  const D = dimSize(dAtoms);
  const semanticBatch: Atom[] = [...semanticPieces('n', nRoot), ...semanticPieces('m', mRoot)];

  // Height and width of each level walk one token axis row-major: h*W + w. A side of size 1 has no
  // atom, and a 1x1 level none at all; its start is then read from the offsets alone.
  const levelShapes = valueViews.map((view, l) => {
    const where = `level ${l} value`;
    if (!sameAtoms(view.dims[0]!, batchAtoms) || !sameAtoms(view.dims[1]!, dAtoms)) {
      throw new ViewError(`${where}: batch/head/channel layout differs from level 0`);
    }
    const h = atMostOne(view.dims[2]!, `${where} height`);
    const w = atMostOne(view.dims[3]!, `${where} width`);
    const H = h?.size ?? ONE;
    const W = w?.size ?? ONE;
    if (h && w && h.axis !== w.axis) throw new ViewError(`${where}: height and width come from different axes`);
    if ((w && !w.stride.equals(ONE)) || (h && !h.stride.equals(W))) throw new ViewError(`${where}: positions are not row-major (h*W + w)`);
    return { H, W, axis: h?.axis ?? w?.axis, view };
  });
  const sAxis = levelShapes.find((s) => s.axis)?.axis ?? singleOffsetAxis(valueViews);
  const spatialShapes: [DimExpr, DimExpr][] = [];
  const levelStarts: DimExpr[] = [];
  levelShapes.forEach(({ H, W, axis, view }, l) => {
    if (axis && axis !== sAxis) throw new ViewError(`level ${l} value: reads a different token axis than level 0`);
    for (const [a, off] of view.offsets) {
      if (a !== sAxis && !off.equals(ZERO)) throw new ViewError(`level ${l} value: is offset along ${a}, not only along the tokens`);
    }
    spatialShapes.push([H, W]);
    levelStarts.push(offsetOf(view, sAxis));
  });
  let expectedStart = ZERO;
  levelStarts.forEach((start, l) => {
    if (!start.equals(expectedStart)) {
      throw new ViewError(`level ${l} starts at token ${String(start)}, expected ${String(expectedStart)} (the sum of H*W of the levels before)`);
    }
    expectedStart = expectedStart.add(spatialShapes[l]![0].mul(spatialShapes[l]![1]));
  });
  const S = valueAxes.find((a) => a.axis === sAxis)?.size;
  if (!S) throw new ViewError('the token axis of the value was not found');
  if (!S.equals(expectedStart)) throw new ViewError(`value has ${String(S)} tokens but the levels cover ${String(expectedStart)}`);
  const valueTarget: View = {
    dims: [nRoot, [{ axis: sAxis, size: S, stride: ONE }], mRoot, dAtoms].map((d) => d.filter((a) => !isOneSize(a))),
    offsets: new Map(),
  };

  // 2. Locations: each level's grid is 2*loc[:, :, :, l] - 1 of one shared locations tensor.
  const gridChains = grids.map((g) => backwardChain(g.input(1), facts, true));
  const locRoot = sharedRoot(gridChains, 'sampling locations');
  const locAxes = rootAxes('loc', locRoot, facts);
  const gridViews = grids.map((g, l) => {
    const steps = stepsFrom(locRoot, gridChains[l]!);
    steps.forEach((s) => dataNodes.add(s.node));
    const { view, affine } = followSteps(locRoot, 'loc', steps, facts);
    if (affine.scale !== 2 || affine.shift !== -1) {
      throw new ViewError(`level ${l} grid is ${affine.scale}*loc${affine.shift >= 0 ? '+' : ''}${affine.shift}, expected 2*loc-1`);
    }
    return view;
  });
  const g0 = gridViews[0]!;
  if (g0.dims.length !== 4) throw new ViewError(`GridSample grid is rank ${g0.dims.length}, expected 4`);
  const Lq = dimSize(g0.dims[1]!);
  const P = dimSize(g0.dims[2]!);
  if (dimSize(g0.dims[3]!).constValue() !== 2) throw new ViewError('grid last dimension is not 2 (x, y)');
  const locPairs: AtomPair[] = [
    ...alignAtoms(semanticBatch, g0.dims[0]!, 'locations batch/head'),
    ...alignAtoms(semanticPieces('q', g0.dims[1]!), g0.dims[1]!, 'locations queries'),
    ...alignAtoms(semanticPieces('p', g0.dims[2]!), g0.dims[2]!, 'locations points'),
    ...alignAtoms(semanticPieces('c', g0.dims[3]!), g0.dims[3]!, 'locations xy'),
  ];
  gridViews.forEach((view, l) => {
    const points = dimSize(view.dims[2] ?? []);
    if (view.dims.length === 4 && !points.equals(P)) {
      throw new ViewError(`level ${l} samples ${String(points)} points per head but level 0 samples ${String(P)}; the plugin takes one number of points for all levels`);
    }
    for (let k = 0; k < 4; k++) {
      if (!sameAtoms(view.dims[k]!, g0.dims[k]!)) throw new ViewError(`level ${l} grid is laid out differently from level 0`);
    }
  });
  const levelAtom = levelAxisOf(gridViews);
  const locOffsets = new Map(g0.offsets);
  const locTarget: View = {
    dims: [
      piecesOf(locPairs, 'n', N, 'locations'), piecesOf(locPairs, 'q', Lq, 'locations'), piecesOf(locPairs, 'm', M, 'locations'),
      levelAtom ? [levelAtom] : [], piecesOf(locPairs, 'p', P, 'locations'), piecesOf(locPairs, 'c', DimExpr.const(2), 'locations'),
    ],
    offsets: locOffsets,
  };

  // 3. Samples: GridSample(level l) is [n*m, d, q, p] of a virtual [l, n, m, d, q, p] tensor;
  //    follow the stack and whatever reshapes to the Mul with the weights.
  const sampleDims = (): Atom[][] => [semanticBatch, semanticPieces('d', [{ axis: 'd', size: D, stride: ONE }]), semanticPieces('q', [{ axis: 'q', size: Lq, stride: ONE }]), semanticPieces('p', [{ axis: 'p', size: P, stride: ONE }])];
  const perLevel = candidate.levels.map((level, l) => {
    level.steps.forEach((s) => dataNodes.add(s.node));
    const start: View = { dims: sampleDims(), offsets: new Map([['l', DimExpr.const(l)]]) };
    return applySteps(start, level.steps, facts);
  });
  let stacked: View;
  let afterStack: Value;
  if (candidate.stack) {
    const stack = candidate.stack;
    dataNodes.add(stack);
    const rank = perLevel[0]!.dims.length;
    const axisAttr = stack.attrNumber('axis', 0);
    stacked = concatView(perLevel, axisAttr < 0 ? axisAttr + rank : axisAttr, 'l', ONE);
    afterStack = stack.output(0);
  } else {
    stacked = perLevel[0]!;
    afterStack = lastOutput(candidate.levels[0]!);
  }
  const toMul = forwardLayoutChain(afterStack, { throughGraphOutputs: true });
  toMul.steps.forEach((s) => dataNodes.add(s.node));
  const samplesAtMul = applySteps(stacked, toMul.steps, facts);
  const mulUses = dataUses(toMul.end);
  const mulUse = mulUses.length === 1 ? mulUses[0]! : undefined;
  const mul = mulUse?.node;
  if (!mul || mul.opType !== 'Mul' || mul.inputs.length !== 2) throw new ViewError('the stacked samples are not multiplied by attention weights');
  dataNodes.add(mul);
  const weightsValue = mul.input(1 - mulUse.index);

  // 4. Weights: broadcast over d only, and otherwise indexed exactly like the samples.
  const weightChain = backwardChain(weightsValue, facts, false);
  const weightRoot = weightChain[weightChain.length - 1]!;
  const weightAxes = rootAxes('w', weightRoot, facts);
  const weightSteps = stepsFrom(weightRoot, weightChain);
  weightSteps.forEach((s) => dataNodes.add(s.node));
  const weightView = followSteps(weightRoot, 'w', weightSteps, facts).view;
  const rank = Math.max(samplesAtMul.dims.length, weightView.dims.length);
  const sDims = padLeft(samplesAtMul.dims, rank);
  const wDims = padLeft(weightView.dims, rank);
  const weightPairs: AtomPair[] = [];
  for (let k = 0; k < rank; k++) {
    const s = sDims[k]!;
    const w = wDims[k]!;
    if (isOne(dimSize(w))) {
      if (s.some((a) => a.axis !== 'd')) throw new ViewError(`weights are broadcast along a dimension that is not the channel (dim ${k})`);
      continue;
    }
    const pairs = alignAtoms(s, w, `weights dim ${k}`);
    if (pairs.some((p) => p.semantic.axis === 'd')) throw new ViewError('weights vary along the channel dimension');
    weightPairs.push(...pairs);
  }
  const weightsTarget: View = {
    dims: [
      piecesOf(weightPairs, 'n', N, 'weights'), piecesOf(weightPairs, 'q', Lq, 'weights'), piecesOf(weightPairs, 'm', M, 'weights'),
      piecesOf(weightPairs, 'l', DimExpr.const(L), 'weights'), piecesOf(weightPairs, 'p', P, 'weights'),
    ],
    offsets: weightView.offsets,
  };

  // 5. Sum over exactly (l, p), then the layout the consumers read.
  // fp16 exports may sum in float32: Mul -> Cast(float) -> ReduceSum -> Cast(half). The widening
  // only changes accumulation precision, which the plugin's fp16 kernel chooses for itself.
  let mulOut = mul.output(0);
  const widen = dataUses(mulOut).length === 1 ? dataUses(mulOut)[0]!.node : undefined;
  if (widen && isWideningCast(widen, facts.dtype(mulOut))) {
    dataNodes.add(widen);
    mulOut = widen.output(0);
  }
  const reduceUses = dataUses(mulOut);
  const reduce = reduceUses.length === 1 && !mulOut.isGraphOutput ? reduceUses[0]!.node : undefined;
  if (!reduce) throw new ViewError('the weighted samples are not summed by a ReduceSum');
  const closing = explain(weightedSum, reduce);
  if (!closing.ok) throw new ViewError(`the weighted samples are not summed by a ReduceSum: ${closing.failure.message}`);
  dataNodes.add(reduce);
  const reduced = reduceView(reduce, { dims: sDims, offsets: samplesAtMul.offsets }, facts);
  const toOutput = forwardLayoutChain(reduce.output(0), { throughCasts: true });
  toOutput.steps.forEach((s) => dataNodes.add(s.node));
  const outView = applySteps(reduced, toOutput.steps, facts);
  for (const atom of outView.dims.flat()) {
    if (!['n', 'q', 'm', 'd'].includes(atom.axis)) throw new ViewError(`the site's output still varies along ${atom.axis}`);
  }
  for (const [axis, off] of outView.offsets) {
    if (axis !== 'l' && !off.equals(ZERO)) throw new ViewError(`the site's output is offset along ${axis}`);
  }

  const dtype = facts.dtype(valueRoot) ?? DType.UNDEFINED;
  if (dtype !== DType.FLOAT && dtype !== DType.FLOAT16) throw new ViewError(`value is ${dtype === DType.UNDEFINED ? 'of unknown type' : `type ${dtype}`}; the plugin takes float32 or float16`);
  const locationsDtype = facts.dtype(locRoot) ?? DType.UNDEFINED;
  if (![DType.FLOAT, DType.FLOAT16, DType.DOUBLE].includes(locationsDtype as 1)) throw new ViewError('sampling locations are not floating point');
  const weightsDtype = facts.dtype(weightRoot);
  if (weightsDtype !== dtype) throw new ViewError('attention weights and value have different types');

  return {
    anchor: candidate.anchor,
    gridSamples: grids,
    dataNodes: [...dataNodes],
    reusableValues: new Set([valueRoot, locRoot, weightRoot, ...shared(valueChains), ...shared(gridChains), ...weightChain]),
    coreNodes: [...grids, ...(candidate.stack ? [candidate.stack] : []), mul, reduce],
    value: { root: valueRoot, rootAxes: valueAxes, target: valueTarget, reusable: shared(valueChains) },
    locations: { root: locRoot, rootAxes: locAxes, target: locTarget, reusable: untilAffine(shared(gridChains), locRoot) },
    weights: { root: weightRoot, rootAxes: weightAxes, target: weightsTarget, reusable: [...weightChain].reverse() },
    output: { value: toOutput.end, target: { dims: outView.dims, offsets: new Map() }, dtype: facts.dtype(toOutput.end) ?? dtype },
    sizes: { N, S, M, D, Lq, L, P },
    spatialShapes,
    levelStarts,
    dtype,
    locationsDtype,
  };
}

/** A Cast from a float type to a wider float type (exact, so it does not change the math). */
function isWideningCast(node: Node, from: DTypeCode | undefined): boolean {
  if (node.opType !== 'Cast') return false;
  const to = node.attrNumber('to', 0);
  const width = (t: DTypeCode | undefined): number => (t === DType.FLOAT16 ? 16 : t === DType.FLOAT ? 32 : t === DType.DOUBLE ? 64 : 0);
  return width(from) > 0 && width(to) >= width(from);
}

/** Only a bilinear, zero-padded, align_corners=0 GridSample is the plugin's sampling. */
function checkGridSampleMode(g: Node): void {
  const attempt = explain(pluginGridSample, g);
  if (!attempt.ok) throw new ViewError(attempt.failure.message);
}

/** The root axis that moves by a fixed step from level to level (absent for a single level). */
function levelAxisOf(views: readonly View[]): Atom | undefined {
  if (views.length === 1) return undefined;
  const axes = new Set<string>();
  for (const v of views) for (const k of v.offsets.keys()) axes.add(k);
  const moving = [...axes].filter((a) => !offsetOf(views[1]!, a).equals(offsetOf(views[0]!, a)));
  if (moving.length !== 1) throw new ViewError(`level grids differ along ${moving.length} axes of the locations, expected exactly one level axis`);
  const axis = moving[0]!;
  const step = offsetOf(views[1]!, axis).sub(offsetOf(views[0]!, axis));
  views.forEach((v, l) => {
    if (!offsetOf(v, axis).equals(offsetOf(views[0]!, axis).add(step.mul(l)))) throw new ViewError(`level ${l} does not read the ${l}-th level of the locations`);
    for (const other of axes) {
      if (other !== axis && !offsetOf(v, other).equals(offsetOf(views[0]!, other))) throw new ViewError(`level ${l} grid is offset along a second axis`);
    }
  });
  return { axis, size: DimExpr.const(views.length), stride: step };
}

function reduceView(node: Node, input: View, facts: ShapeFacts): View {
  const rank = input.dims.length;
  const axesValue = node.inputs[1];
  let axes: number[];
  if (axesValue) {
    const vals = facts.values(axesValue);
    if (!vals) throw new ViewError(`the axes of '${node.label}' are not constant`);
    axes = vals.map((v) => {
      const c = v.constValue();
      if (c === undefined) throw new ViewError(`the axes of '${node.label}' are not constant`);
      return c < 0 ? c + rank : c;
    });
  } else {
    const attrAxes = node.attrInts('axes');
    if (!attrAxes) throw new ViewError(`'${node.label}' reduces over every axis`);
    axes = attrAxes.map((c) => (c < 0 ? c + rank : c));
  }
  if (!axes.length) throw new ViewError(`'${node.label}' has empty axes`);
  const summed = new Set(axes);
  for (let k = 0; k < rank; k++) {
    for (const atom of input.dims[k]!) {
      const isLevelOrPoint = atom.axis === 'l' || atom.axis === 'p';
      if (summed.has(k) !== isLevelOrPoint) {
        throw new ViewError(`'${node.label}' ${summed.has(k) ? 'sums over' : 'keeps'} ${atom.axis}; the plugin sums over levels and points only`);
      }
    }
  }
  const keep = node.attrNumber('keepdims', 1) === 1;
  const dims = input.dims.flatMap((d, k) => (summed.has(k) ? (keep ? [[]] : []) : [d]));
  return { dims, offsets: input.offsets };
}

/** Semantic atoms for an axis split into the given pieces (outer to inner). */
function semanticPieces(axis: string, allPieces: readonly Atom[]): Atom[] {
  const pieces = allPieces.filter((a) => !isOneSize(a));
  const out: Atom[] = [];
  let stride = ONE;
  for (let i = pieces.length - 1; i >= 0; i--) {
    out.unshift({ axis, size: pieces[i]!.size, stride });
    stride = stride.mul(pieces[i]!.size);
  }
  return out;
}

function atMostOne(atoms: readonly Atom[], what: string): Atom | undefined {
  if (atoms.length > 1) throw new ViewError(`${what} is made of ${atoms.length} pieces`);
  return atoms[0];
}

/** For all-1x1 levels: the one root axis along which the levels' offsets differ. */
function singleOffsetAxis(views: readonly View[]): string {
  const axes = new Set(views.flatMap((v) => [...v.offsets.keys()]));
  const moving = [...axes].filter((a) => views.some((v) => !offsetOf(v, a).equals(offsetOf(views[0]!, a))));
  if (moving.length !== 1) throw new ViewError('cannot tell which axis of the value holds the tokens');
  return moving[0]!;
}

function product(sizes: readonly DimExpr[]): DimExpr {
  return sizes.reduce<DimExpr>((a, b) => a.mul(b), ONE);
}

function isOne(d: DimExpr): boolean {
  return d.constValue() === 1;
}

function isOneSize(a: Atom): boolean {
  return isOne(a.size);
}

function padLeft(dims: readonly (readonly Atom[])[], rank: number): Atom[][] {
  return [...Array.from({ length: rank - dims.length }, () => []), ...dims.map((d) => [...d])];
}

/** The furthest value every chain reaches: where the per-level paths started from. */
function sharedRoot(chains: readonly Value[][], what: string): Value {
  const root = chains[0]![chains[0]!.length - 1]!;
  if (!chains.every((c) => c[c.length - 1] === root)) throw new ViewError(`the levels do not read one shared ${what} tensor`);
  return root;
}

/** The prefix of `values` (root first) before the first value computed by a non-layout op. */
function untilAffine(values: readonly Value[], root: Value): Value[] {
  const out: Value[] = [];
  for (const v of values) {
    if (v !== root && (!v.producer || !isLayoutOp(v.producer))) break;
    out.push(v);
  }
  return out;
}

/** Values on every chain, root first (candidates to reuse instead of building a new layout). */
function shared(chains: readonly Value[][]): Value[] {
  const others = chains.slice(1).map((c) => new Set(c));
  return [...chains[0]!].reverse().filter((v) => others.every((o) => o.has(v)));
}

function lastOutput(level: { gridSample: Node; steps: { node: Node; outputIndex: number }[] }): Value {
  const last = level.steps[level.steps.length - 1];
  return last ? last.node.output(last.outputIndex) : level.gridSample.output(0);
}
