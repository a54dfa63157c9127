import { DType, type DTypeCode, type Node, Tensor } from '../../ir/index.js';
import { float16ToFloat32, float32ToFloat16 } from '../../ir/float16.js';
import { readView } from '../../layout/read-view.js';
import { ViewError } from '../../layout/view.js';
import { type Chain, rootView, stepsFromIndex } from './paths.js';
import { type LocationsProof, gridShape, locationsTarget } from './prove-locations.js';
import { type ProofContext, addNodes, follow } from './proof-context.js';
import type { ValueProof } from './prove-value.js';
import { typeName } from './value-types.js';

/** Padded points sample here: outside every feature map, where the plugin reads nothing. */
const OUTSIDE = -1;

/**
 * Stage 2 when each level's grid is a constant of its own (onnxruntime's offline optimizer folds
 * the grids of a decoder layer whose locations do not depend on the input). The plugin needs the
 * locations `loc` with `2*loc - 1 = grid`: each element's `loc` is computed and then checked, in
 * the grid's own type, to give exactly that grid element; one element that does not is a skip.
 * The plugin's whole locations input becomes a constant.
 */
export function proveConstantGrids(chains: readonly Chain[], value: ValueProof, context: ProofContext): LocationsProof {
  const { facts } = context;
  const nodes = new Set<Node>();
  const levels = chains.map((chain, l) => {
    const root = chain.values[chain.values.length - 1]!;
    const steps = stepsFromIndex(chain, chain.values.length - 1);
    if (steps.some((s) => s.kind !== 'layout')) throw new ViewError(`level ${l}'s grid is a constant changed by '${steps.find((s) => s.kind !== 'layout')!.node.label}' on its way to GridSample`);
    const tensor = facts.constant(root)!;
    if (tensor.dtype !== value.sampleType) throw new ViewError(`level ${l}'s constant grid is ${typeName(tensor.dtype)}, but the value is sampled as ${typeName(value.sampleType)}`);
    addNodes(nodes, steps);
    return { tag: `g${l}`, tensor, view: follow(rootView(`g${l}`, root, facts), steps, context) };
  });
  // Each level is read from its own constant, so only the sizes must agree.
  const shape = gridShape(levels.map((l) => l.view), value, false);
  const points = shape.points.map((p) => p.constValue()!);
  const N = value.N.constValue();
  const M = value.M.constValue();
  const Lq = shape.Lq.constValue();
  if (N === undefined || M === undefined || Lq === undefined) throw new ViewError('the grids are constants but the batch, heads or queries are not');
  const P = Math.max(...points);
  const L = levels.length;
  const out = new Array<number>(N * Lq * M * L * P * 2).fill(OUTSIDE);
  levels.forEach(({ tag, tensor, view }, l) => {
    const grid = readView(tensor.toNumbers(), tensor.dims, tag, locationsTarget(view, value, shape.Lq, [], shape.points[l]!));
    const Pl = points[l]!;
    // grid is [N, Lq, M, P_l, 2]; place it at level l of [N, Lq, M, L, P, 2].
    for (let outer = 0; outer < N * Lq * M; outer++) {
      for (let k = 0; k < Pl * 2; k++) {
        out[((outer * L + l) * P) * 2 + k] = locationFor(grid[outer * Pl * 2 + k]!, tensor.dtype, l);
      }
    }
  });
  const constant = value.sampleType === DType.FLOAT16
    ? Tensor.fromArray(DType.FLOAT16, [N, Lq, M, L, P, 2], new Uint16Array(out.map(float32ToFloat16)))
    : Tensor.float32(out, [N, Lq, M, L, P, 2]);
  const first = chains[0]!.values[chains[0]!.values.length - 1]!;
  return {
    // Unused by the rewrite when `constant` is set; kept so the proof's shape stays one type.
    locations: { root: first, rootAxes: [], target: { dims: [], offsets: new Map() }, reusable: [] },
    constant,
    rootType: value.sampleType,
    notes: ['the sampling grids are constants (folded by an optimizer): the plugin reads locations (grid + 1) / 2, each checked to give exactly its grid element'],
    Lq: shape.Lq,
    points: shape.points,
    nodes: [...nodes],
  };
}

/**
 * The location `loc` of the plugin's type with `fl(fl(2*loc) - 1) = grid`, or a skip. The nearest
 * value to (grid + 1) / 2 is tried, then its neighbours; each is checked in `dtype`'s arithmetic.
 */
function locationFor(grid: number, dtype: DTypeCode, level: number): number {
  if (Number.isNaN(grid)) throw new ViewError(`level ${level}'s constant grid holds NaN`);
  const round = dtype === DType.FLOAT16 ? (x: number) => float16ToFloat32(float32ToFloat16(Math.fround(x))) : Math.fround;
  const gridOf = (loc: number): number => round(round(2 * loc) - 1);
  const guess = round((grid + 1) / 2);
  for (const candidate of [guess, ...neighbours(guess, dtype)]) {
    if (gridOf(candidate) === grid) return candidate;
  }
  throw new ViewError(`level ${level}'s constant grid holds ${grid}, which is not 2*loc-1 of any ${typeName(dtype)} loc`);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The two values next to `x` in its float type (one bit pattern up and down). */
function neighbours(x: number, dtype: DTypeCode): number[] {
  if (dtype === DType.FLOAT16) {
    const bits = float32ToFloat16(x);
    return [(bits + 1) & 0xffff, (bits - 1) & 0xffff].map(float16ToFloat32).filter((v) => !Number.isNaN(v));
  }
  f32[0] = x;
  const bits = u32[0]!;
  return [(bits + 1) >>> 0, (bits - 1) >>> 0].map((b) => {
    u32[0] = b;
    return f32[0]!;
  }).filter((v) => !Number.isNaN(v));
}
