import { DType, type DTypeCode, type Node, type Tensor, type Value } from '../../ir/index.js';
import { typeName } from './value-types.js';
import { ViewError, type View } from '../../layout/view.js';
import type { DimExpr } from '../../shape/dim-expr.js';
import type { Candidate } from './candidates.js';
import { checkGridSample } from './node-checks.js';
import type { ProofContext, RootedView } from './proof-context.js';
import { proveLocations } from './prove-locations.js';
import { proveOutput } from './prove-output.js';
import { proveSamples, proveWeights } from './prove-samples.js';
import { proveValue } from './prove-value.js';

export type { ProofContext, RootedView } from './proof-context.js';

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
  /** The type the plugin computes in: the type the original samples in (float32 or float16). */
  readonly dtype: DTypeCode;
  /** Element type of the value tensor as the model holds it (at most as wide as `dtype`). */
  readonly valueDtype: DTypeCode;
  /** Element type of the sampling locations as the model computes them (at most as wide as `dtype`). */
  readonly locationsDtype: DTypeCode;
  /** Element type of the attention weights as the model holds them (at most as wide as `dtype`). */
  readonly weightsDtype: DTypeCode;
  /** Sampling points of each level (`sizes.P` is the largest). */
  readonly pointsPerLevel: DimExpr[];
  /**
   * When one layout cannot serve all levels (unequal points per level): each level's locations
   * `[N, Lq, M, P_l, 2]`, and weights `[N, Lq, M, P_l]`; the rewrite pads levels with fewer than
   * `sizes.P` points (weight 0, locations outside the map, where the plugin reads nothing).
   */
  readonly locationsPerLevel?: RootedView[];
  readonly weightsPerLevel?: RootedView[];
  /** The plugin's whole locations input, when the model holds the grids as constants (`locations` is then unused). */
  readonly locationsConstant?: Tensor;
  /** Roundings or paddings the proof allowed, in the user's words (for the report). */
  readonly notes: string[];
}

/** Outcome of trying to prove a candidate. */
export type Proof = { ok: true; site: MsdaSite } | { ok: false; reason: string };

/**
 * Proves that a candidate computes exactly what `MultiscaleDeformableAttnPlugin_TRT` computes,
 * by following every tensor back to the three tensors the plugin reads and checking, element by
 * element in layout terms and value by value in its element type, that each level samples its
 * own block of the value with its own locations, and that the weights, the sum and the final
 * layout line up. Any doubt is a skip, with the reason.
 */
export function proveSite(candidate: Candidate, context: ProofContext): Proof {
  try {
    return { ok: true, site: prove(candidate, context) };
  } catch (error) {
    if (error instanceof ViewError) return { ok: false, reason: error.message };
    throw error;
  }
}

function prove(candidate: Candidate, context: ProofContext): MsdaSite {
  const grids = candidate.levels.map((l) => l.gridSample);
  for (const g of grids) checkGridSample(g, context.opset);
  const value = proveValue(grids, context);
  const dtype = value.sampleType;
  if (dtype !== DType.FLOAT && dtype !== DType.FLOAT16) throw new ViewError(`GridSample samples the value as ${typeName(dtype)}; the plugin computes in float32 or float16`);
  const locations = proveLocations(grids, value, context);
  const P = largest(locations.points);
  const samples = proveSamples(candidate, value, locations.Lq, locations.points, context);
  const L = grids.length;
  const weights = proveWeights(samples, value, { Lq: locations.Lq, L, P }, context);
  const output = proveOutput(samples.mul, weights.productDims, samples.view.offsets, dtype, context);
  const dataNodes = new Set<Node>([...value.nodes, ...locations.nodes, ...samples.nodes, ...weights.nodes, ...output.nodes]);
  for (const node of dataNodes) checkDeclaredTypes(node, context);
  return {
    anchor: candidate.anchor,
    gridSamples: grids,
    dataNodes: [...dataNodes],
    reusableValues: new Set([...value.value.reusable, ...locations.locations.reusable, ...weights.weights.reusable]),
    coreNodes: [...grids, ...(samples.stack ? [samples.stack] : []), samples.mul, output.reduce],
    value: value.value,
    locations: locations.locations,
    weights: weights.weights,
    output: { value: output.value, target: output.target, dtype },
    sizes: { N: value.N, S: value.S, M: value.M, D: value.D, Lq: locations.Lq, L, P },
    spatialShapes: value.spatialShapes,
    levelStarts: value.levelStarts,
    dtype,
    valueDtype: value.rootType,
    locationsDtype: locations.rootType,
    weightsDtype: weights.rootType,
    pointsPerLevel: locations.points,
    ...(locations.perLevel ? { locationsPerLevel: locations.perLevel } : {}),
    ...(locations.constant ? { locationsConstant: locations.constant } : {}),
    ...(weights.perLevel ? { weightsPerLevel: weights.perLevel } : {}),
    notes: [...locations.notes, ...paddingNote(locations.points)],
  };
}

/**
 * A type the model declares (value_info) for a tensor inside the site must agree with what the
 * proof inferred: onnxruntime refuses a model whose declared and inferred shapes differ, and the
 * proof must not have read a meaning the model contradicts.
 */
function checkDeclaredTypes(node: Node, context: ProofContext): void {
  for (const v of node.outputs) {
    const declared = v.type;
    if (!declared) continue;
    const dtype = context.facts.dtype(v);
    if (declared.dtype !== DType.UNDEFINED && dtype !== undefined && declared.dtype !== dtype) {
      throw new ViewError(`the model declares '${v.name}' as ${typeName(declared.dtype)}, but '${node.label}' makes it ${typeName(dtype)}`);
    }
    const shape = context.facts.shape(v);
    if (!declared.shape || !shape) continue;
    const conflict = declared.shape.length !== shape.length || declared.shape.some((d, i) => typeof d === 'number' && shape[i]!.constValue() !== undefined && shape[i]!.constValue() !== d);
    if (conflict) throw new ViewError(`the model declares '${v.name}' with shape [${declared.shape.map((d) => d ?? '?').join(', ')}], but '${node.label}' makes it [${shape.map(String).join(', ')}]`);
  }
}

/** The largest of constant point counts (the plugin samples that many points on every level). */
function largest(points: readonly DimExpr[]): DimExpr {
  return points.reduce((a, b) => ((b.constValue() ?? 0) > (a.constValue() ?? 0) ? b : a));
}

function paddingNote(points: readonly DimExpr[]): string[] {
  const counts = points.map((p) => p.constValue()!);
  const max = Math.max(...counts);
  if (counts.every((c) => c === max)) return [];
  const total = counts.reduce((a, b) => a + b, 0);
  return [`levels padded from [${counts.join(',')}] to ${max} points (weight 0, sampled outside the map): the plugin samples ${(counts.length * max / total).toFixed(2)}x the points`];
}
