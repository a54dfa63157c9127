import { type DTypeCode, type Node, type Value } from '../../ir/index.js';
import { type Atom, type View, ViewError, dimSize, offsetOf, sameAtoms } from '../../layout/view.js';
import type { DimExpr } from '../../shape/dim-expr.js';
import { type ProofContext, ONE, type RootedView, ZERO, addNodes, chooseRoot, follow, product, semanticPieces } from './proof-context.js';
import { axisWords } from './axis-words.js';
import { backwardChain, rootAxes, rootView, sharedValues } from './paths.js';
import { exactTypeAlong, typeName } from './value-types.js';

/** What the value stage proves: the value tensor `[N, S, M, D]` and the levels' blocks of it. */
export interface ValueProof {
  readonly value: RootedView;
  /** The value tensor's element type (the plugin may need a widening Cast of it). */
  readonly rootType: DTypeCode;
  /** The type GridSample samples in (all levels agree). */
  readonly sampleType: DTypeCode;
  readonly N: DimExpr;
  readonly M: DimExpr;
  readonly D: DimExpr;
  readonly S: DimExpr;
  /** GridSample's batch `n*m` as semantic atoms (n outer, m inner), shared with the other stages. */
  readonly semanticBatch: Atom[];
  /** The root atoms of GridSample's batch and channel dims (the grids must match them). */
  readonly batchAtoms: readonly Atom[];
  readonly spatialShapes: [DimExpr, DimExpr][];
  readonly levelStarts: DimExpr[];
  readonly nodes: Node[];
}

/**
 * Stage 1. Each level's GridSample input 0 must be a block of one shared value tensor, laid out
 * `[N*M, D, H_l, W_l]`: level l reads tokens `[start_l, start_l + H_l*W_l)` row-major, and the
 * blocks follow each other from token 0 to the last one, so the plugin's spatial shapes and level
 * start index describe them exactly.
 */
export function proveValue(grids: readonly Node[], context: ProofContext): ValueProof {
  const { facts } = context;
  const chains = grids.map((g) => backwardChain(g.input(0), facts, { casts: true, arithmetic: false }));
  const { root, result } = chooseRoot(chains, 'value', (candidate, stepsPerLevel) => {
    const rootType = facts.dtype(candidate);
    if (rootType === undefined) throw new ViewError(`the element type of '${candidate.name}' is unknown`);
    const types = stepsPerLevel.map((steps, l) => exactTypeAlong(rootType, steps, `level ${l}'s value`));
    const views = stepsPerLevel.map((steps) => follow(rootView('v', candidate, facts), steps, context));
    return { rootType, types, views, stepsPerLevel };
  });
  const { rootType, types, views, stepsPerLevel } = result;
  const sampleType = types[0]!;
  types.forEach((t, l) => {
    if (t !== sampleType) throw new ViewError(`level ${l} samples the value as ${typeName(t)}, level 0 as ${typeName(sampleType)}`);
  });
  const nodes = new Set<Node>(grids);
  stepsPerLevel.forEach((steps) => addNodes(nodes, steps));

  const first = views[0]!;
  if (first.dims.length !== 4) throw new ViewError(`GridSample input is rank ${first.dims.length}, expected 4 ([N*heads, channels, H, W])`);
  const batchAtoms = first.dims[0]!;
  const dAtoms = first.dims[1]!;
  // GridSample's batch is (n, m): the last piece is the head, the rest the batch. n and m are
  // independent problems for the plugin, so this split is exact whichever way the export wrote it.
  const nRoot = batchAtoms.slice(0, -1);
  const mRoot = batchAtoms.slice(-1);
  const levels = levelBlocks(views, batchAtoms, dAtoms);
  const axes = rootAxes('v', root, facts);
  const S = axes.find((a) => a.axis === levels.tokenAxis)?.size;
  if (!S) throw new ViewError('the token axis of the value was not found');
  if (!S.equals(levels.covered)) throw new ViewError(`the value has ${String(S)} tokens but the levels cover ${String(levels.covered)}; every token must belong to exactly one level`);
  const valueTarget: View = {
    dims: [nRoot, [{ axis: levels.tokenAxis, size: S, stride: ONE }], mRoot, dAtoms].map((d) => d.filter((a) => a.size.constValue() !== 1)),
    offsets: new Map(),
  };
  return {
    value: { root, rootAxes: axes, target: valueTarget, reusable: sharedValues(chains).filter((v) => isAfter(v, root, chains[0]!.values)) },
    rootType,
    sampleType,
    N: product(nRoot.map((a) => a.size)),
    M: product(mRoot.map((a) => a.size)),
    D: dimSize(dAtoms),
    S,
    semanticBatch: [...semanticPieces('n', nRoot), ...semanticPieces('m', mRoot)],
    batchAtoms,
    spatialShapes: levels.shapes,
    levelStarts: levels.starts,
    nodes: [...nodes],
  };
}

/** Values from `root` toward the site along one chain (root first): candidates to reuse. */
function isAfter(v: Value, root: Value, chain: readonly Value[]): boolean {
  return chain.indexOf(v) <= chain.indexOf(root);
}

/**
 * Height and width of each level walk one token axis row-major (h*W + w), and level l starts
 * where level l-1 ends. A side of size 1 has no atom, and a 1x1 level none at all; its start is
 * then read from the offsets alone.
 */
function levelBlocks(views: readonly View[], batchAtoms: readonly Atom[], dAtoms: readonly Atom[]): { tokenAxis: string; shapes: [DimExpr, DimExpr][]; starts: DimExpr[]; covered: DimExpr } {
  const perLevel = views.map((view, l) => {
    const where = `level ${l}'s value`;
    if (view.dims.length !== 4) throw new ViewError(`${where} is rank ${view.dims.length}, expected 4`);
    if (!sameAtoms(view.dims[0]!, batchAtoms) || !sameAtoms(view.dims[1]!, dAtoms)) throw new ViewError(`${where}: the batch, head and channel layout differs from level 0`);
    const h = atMostOne(view.dims[2]!, `${where} height`);
    const w = atMostOne(view.dims[3]!, `${where} width`);
    const H = h?.size ?? ONE;
    const W = w?.size ?? ONE;
    if (h && w && h.axis !== w.axis) throw new ViewError(`${where}: height and width come from different axes`);
    if ((w && !w.stride.equals(ONE)) || (h && !h.stride.equals(W))) throw new ViewError(`${where}: positions are not row-major (h*W + w)`);
    return { H, W, axis: h?.axis ?? w?.axis, view };
  });
  const tokenAxis = perLevel.find((s) => s.axis)?.axis ?? singleOffsetAxis(views);
  const shapes: [DimExpr, DimExpr][] = [];
  const starts: DimExpr[] = [];
  let covered = ZERO;
  perLevel.forEach(({ H, W, axis, view }, l) => {
    if (axis && axis !== tokenAxis) throw new ViewError(`level ${l}'s value reads a different token axis than level 0`);
    for (const [a, off] of view.offsets) {
      if (a !== tokenAxis && !off.equals(ZERO)) throw new ViewError(`level ${l}'s value is offset along ${axisWords(a)}, not only along the tokens`);
    }
    const start = offsetOf(view, tokenAxis);
    if (!start.equals(covered)) throw new ViewError(`level ${l} starts at token ${String(start)}, but the levels before it end at token ${String(covered)}`);
    shapes.push([H, W]);
    starts.push(start);
    covered = covered.add(H.mul(W));
  });
  return { tokenAxis, shapes, starts, covered };
}

function atMostOne(atoms: readonly Atom[], what: string): Atom | undefined {
  if (atoms.length > 1) throw new ViewError(`${what} comes from ${atoms.length} separate axes of the value; the plugin reads each level as one row-major H x W block`);
  return atoms[0];
}

/** For all-1x1 levels: the one root axis along which the levels' offsets differ. */
function singleOffsetAxis(views: readonly View[]): string {
  const axes = new Set(views.flatMap((v) => [...v.offsets.keys()]));
  const moving = [...axes].filter((a) => views.some((v) => !offsetOf(v, a).equals(offsetOf(views[0]!, a))));
  if (moving.length !== 1) throw new ViewError('cannot tell which axis of the value holds the tokens');
  return moving[0]!;
}
