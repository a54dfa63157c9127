import { DType, type DTypeCode, type Node, type Tensor, type Value } from '../../ir/index.js';
import { proveConstantGrids } from './prove-constant-grids.js';
import { typeName } from './value-types.js';
import { isLayoutOp } from '../../layout/layout-ops.js';
import { holdsEveryValue } from '../../ir/exact-casts.js';
import { type Atom, type View, ViewError, dimSize, offsetOf, sameAtoms } from '../../layout/view.js';
import { type AtomPair, alignAtoms, piecesOf } from '../../layout/align.js';
import { DimExpr } from '../../shape/dim-expr.js';
import { axisWords } from './axis-words.js';
import { gridOf } from './grid-affine.js';
import { backwardChain, rootAxes, rootView, sharedValues } from './paths.js';
import { type ProofContext, type RootedView, addNodes, chooseRoot, follow, semanticPieces } from './proof-context.js';
import type { ValueProof } from './prove-value.js';

/** What the locations stage proves: the sampling locations `[N, Lq, M, L, P, 2]`. */
export interface LocationsProof {
  readonly locations: RootedView;
  /** The locations' element type (the plugin may need a Cast of it). */
  readonly rootType: DTypeCode;
  /** The plugin's whole locations input, when the model holds the grids as constants. */
  readonly constant?: Tensor;
  /** Where the plugin's numbers differ from the model's by a rounding the proof allows (for the report). */
  readonly notes: string[];
  readonly Lq: DimExpr;
  /** Points per level (all equal unless the export samples a different number per level). */
  readonly points: DimExpr[];
  /**
   * When the levels sample different numbers of points: level l's locations `[N, Lq, M, P_l, 2]`,
   * exactly the elements its GridSample reads (the rewrite pads them to the largest P).
   */
  readonly perLevel?: RootedView[];
  readonly nodes: Node[];
}

/**
 * TorchScript writes the reference points of static exports as float64, so the model computes
 * the locations in float64 while it samples a float32 (or float16) value; PyTorch itself sampled
 * in the value's type (grid_sample needs one dtype). The plugin has no float64 input: the
 * locations are rounded once to its type, an error no larger than the plugin's own first rounding
 * of `loc * W - 0.5` in that type. `exactPrecision` refuses this.
 */
const ROUNDED_FLOAT64_LOCATIONS = 'the sampling locations are computed in float64 and rounded once to the plugin\'s type (TorchScript computes reference points in float64; PyTorch samples in the value\'s type)';

/**
 * Stage 2. Each level's grid must be `2*loc - 1` of one shared locations tensor (computed exactly:
 * see grid-affine.ts), read at level l, laid out `[N*M, Lq, P, 2]` with the same batch/head
 * layout as the value, in the plugin's type or a wider one.
 */
export function proveLocations(grids: readonly Node[], value: ValueProof, context: ProofContext): LocationsProof {
  const { facts } = context;
  const chains = grids.map((g) => backwardChain(g.input(1), facts, { casts: true, arithmetic: true }));
  // An optimizer may have folded each level's grid into its own constant (a decoder whose
  // locations do not depend on the input): there is no shared tensor, but the numbers are there.
  if (!sharedValues(chains).length && chains.every((c) => facts.constant(c.values[c.values.length - 1]!))) return proveConstantGrids(chains, value, context);
  const { root, result } = chooseRoot(chains, 'sampling locations', (candidate, stepsPerLevel) => {
    const rootType = facts.dtype(candidate);
    if (rootType === undefined) throw new ViewError(`the element type of '${candidate.name}' is unknown`);
    const rounded = !holdsEveryValue(value.sampleType, rootType);
    if (rounded && !(rootType === DType.DOUBLE && !context.exactPrecision)) {
      throw new ViewError(`the sampling locations are ${typeName(rootType)} but the value is sampled as ${typeName(value.sampleType)}; the plugin reads both in one type and would round the locations`);
    }
    stepsPerLevel.forEach((steps, l) => {
      const state = gridOf(rootType, steps, { roundFloat64Grid: !context.exactPrecision });
      if (typeof state === 'string') throw new ViewError(state);
      if (state.stage !== 'grid') throw new ViewError(`level ${l}'s grid is ${state.stage === 'loc' ? 'the locations themselves' : '2*loc'}, not 2*loc-1`);
      // The grid must be rounded no coarser than the plugin computes.
      if (!holdsEveryValue(state.computedIn!, value.sampleType)) {
        throw new ViewError(`level ${l}'s grid 2*loc-1 is rounded to ${typeName(state.computedIn!)}, coarser than the ${typeName(value.sampleType)} the plugin samples in`);
      }
    });
    const views = stepsPerLevel.map((steps) => follow(rootView('loc', candidate, facts), steps, context));
    return { rootType, views, stepsPerLevel, rounded };
  });
  const { rootType, views, stepsPerLevel, rounded } = result;
  const nodes = new Set<Node>();
  stepsPerLevel.forEach((steps) => addNodes(nodes, steps));
  const shape = gridShape(views, value);
  const first = views[0]!;
  const targetOf = (view: View, levelDims: Atom[][], points: DimExpr): View => locationsTarget(view, value, shape.Lq, levelDims, points);
  const equalPoints = shape.points.every((p) => p.equals(shape.points[0]!));
  const axes = rootAxes('loc', root, facts);
  // One layout for all levels when level l reads block l of one axis; otherwise each level's own
  // elements, which the rewrite stacks (padding levels with fewer points).
  let levelAtom: Atom | undefined;
  let perLevel: RootedView[] | undefined;
  if (equalPoints && views.every((v) => sameAtoms(v.dims[2]!, first.dims[2]!))) {
    try {
      levelAtom = levelAxisOf(views);
    } catch (error) {
      if (!(error instanceof ViewError)) throw error;
    }
  }
  if (!levelAtom && views.length > 1) {
    perLevel = views.map((view, l) => ({ root, rootAxes: axes, target: targetOf(view, [], shape.points[l]!), reusable: [root] }));
  }
  const target = targetOf(first, [levelAtom ? [levelAtom] : []], shape.points[0]!);
  const reusable = sharedValues(chains).filter((v) => chains[0]!.values.indexOf(v) <= chains[0]!.values.indexOf(root));
  return {
    locations: { root, rootAxes: axes, target, reusable: untilArithmetic(reusable) },
    ...(perLevel ? { perLevel } : {}),
    rootType,
    notes: rounded ? [ROUNDED_FLOAT64_LOCATIONS] : [],
    Lq: shape.Lq,
    points: shape.points,
    nodes: [...nodes],
  };
}

/** Reuse stops at the first value not made by a layout op: after it the tensor holds the grid. */
function untilArithmetic(values: readonly Value[]): Value[] {
  const out: Value[] = [];
  for (const v of values) {
    if (out.length && (!v.producer || !isLayoutOp(v.producer))) break;
    out.push(v);
  }
  return out;
}

/** The plugin's layout `[N, Lq, M, (levelDims), P, 2]` of the elements one level's grid view reads. */
export function locationsTarget(view: View, value: ValueProof, Lq: DimExpr, levelDims: Atom[][], points: DimExpr): View {
  const pairs: AtomPair[] = [
    ...alignAtoms(value.semanticBatch, view.dims[0]!, "the sampling locations' batch and heads"),
    ...alignAtoms(semanticPieces('q', view.dims[1]!), view.dims[1]!, "the sampling locations' queries"),
    ...alignAtoms(semanticPieces('p', view.dims[2]!), view.dims[2]!, "the sampling locations' points"),
    ...alignAtoms(semanticPieces('c', view.dims[3]!), view.dims[3]!, "the sampling locations' x/y coordinates"),
  ];
  const pieces = (axis: string, size: DimExpr): Atom[] => piecesOf(pairs, axis, size, 'the sampling locations', axisWords);
  return {
    dims: [pieces('n', value.N), pieces('q', Lq), pieces('m', value.M), ...levelDims, pieces('p', points), pieces('c', DimExpr.const(2))],
    offsets: new Map(view.offsets),
  };
}

/** Every level's grid is `[N*M, Lq, P_l, 2]` with the value's batch layout and level 0's queries. */
export function gridShape(views: readonly View[], value: ValueProof, sameRoot = true): { Lq: DimExpr; points: DimExpr[] } {
  const first = views[0]!;
  if (first.dims.length !== 4) throw new ViewError(`GridSample grid is rank ${first.dims.length}, expected 4 ([N*heads, queries, points, 2])`);
  const Lq = dimSize(first.dims[1]!);
  if (dimSize(first.dims[3]!).constValue() !== 2) throw new ViewError('the grid\'s last dimension is not 2 (x, y)');
  const points = views.map((view, l) => {
    if (view.dims.length !== 4) throw new ViewError(`level ${l}'s grid is rank ${view.dims.length}, expected 4`);
    for (const k of [0, 1, 3]) {
      const same = sameRoot ? sameAtoms(view.dims[k]!, first.dims[k]!) : dimSize(view.dims[k]!).equals(dimSize(first.dims[k]!));
      if (!same) throw new ViewError(`level ${l}'s grid is laid out differently from level 0's`);
    }
    return dimSize(view.dims[2]!);
  });
  if (points.some((p) => p.constValue() === undefined)) throw new ViewError(`the levels sample ${points.map(String).join(', ')} points, not known numbers`);
  if (dimSize(first.dims[0]!).equals(value.N.mul(value.M)) === false) throw new ViewError(`the grid's batch is ${String(dimSize(first.dims[0]!))}, the value's is ${String(value.N.mul(value.M))}`);
  return { Lq, points };
}

/** The root axis that moves by a fixed step from level to level (absent for a single level). */
function levelAxisOf(views: readonly View[]): Atom | undefined {
  if (views.length === 1) return undefined;
  const axes = new Set<string>();
  for (const v of views) for (const k of v.offsets.keys()) axes.add(k);
  const moving = [...axes].filter((a) => !offsetOf(views[1]!, a).equals(offsetOf(views[0]!, a)));
  if (moving.length !== 1) throw new ViewError(`the levels' grids differ along ${moving.length} axes of the locations, expected exactly one level axis`);
  const axis = moving[0]!;
  const step = offsetOf(views[1]!, axis).sub(offsetOf(views[0]!, axis));
  views.forEach((v, l) => {
    if (!offsetOf(v, axis).equals(offsetOf(views[0]!, axis).add(step.mul(l)))) throw new ViewError(`level ${l} does not read the ${l}-th level of the locations`);
    for (const other of axes) {
      if (other !== axis && !offsetOf(v, other).equals(offsetOf(views[0]!, other))) throw new ViewError(`level ${l}'s grid is offset along a second axis`);
    }
  });
  return { axis, size: DimExpr.const(views.length), stride: step };
}
