import { DimExpr } from '../shape/dim-expr.js';

/**
 * Layout views: "element i of this tensor is element f(i) of that root tensor", for tensors that
 * are pure rearrangements (Reshape, Transpose, Slice, Gather, Squeeze, Concat-of-slices...) of a
 * root. Each dimension of a view is a list of atoms, outer to inner; index j along the dimension
 * is read in mixed radix over the atoms, and atom (axis, size, stride) contributes
 * `digit * stride` to the root index along `axis`. Sizes may be symbolic ({@link DimExpr}), which
 * is what lets one proof cover static and dynamic exports alike.
 *
 * Proving that two paths read the same elements in the same order then reduces to comparing atom
 * lists, instead of matching the dozens of ways an exporter may write the same reshuffle.
 */
export interface Atom {
  /** Root axis this atom walks (`<root>:<index>` or a semantic name such as `q`). */
  readonly axis: string;
  readonly size: DimExpr;
  readonly stride: DimExpr;
}

/** A tensor as a rearrangement of a root tensor. */
export interface View {
  readonly dims: readonly (readonly Atom[])[];
  /** Fixed offset along root axes (from slices and gathers); absent = 0. */
  readonly offsets: ReadonlyMap<string, DimExpr>;
}

/** Why a view operation could not be expressed (the pass reports it as a skip reason). */
export class ViewError extends Error {
  override readonly name = 'ViewError';
}

const ONE = DimExpr.const(1);
const ZERO = DimExpr.const(0);

/** The view of a root onto itself: one full atom per axis. */
export function identityView(axes: readonly { axis: string; size: DimExpr }[]): View {
  return { dims: axes.map((a) => (isOne(a.size) ? [] : [{ axis: a.axis, size: a.size, stride: ONE }])), offsets: new Map() };
}

/** True when a size is the constant 1 (such atoms carry no information and are dropped). */
export function isOne(size: DimExpr): boolean {
  return size.constValue() === 1;
}

/** Size of one view dimension. */
export function dimSize(dim: readonly Atom[]): DimExpr {
  return dim.reduce<DimExpr>((acc, a) => acc.mul(a.size), ONE);
}

/** Shape of a view. */
export function viewShape(view: View): DimExpr[] {
  return view.dims.map(dimSize);
}

/** Offset of a view along `axis` (0 when not offset). */
export function offsetOf(view: View, axis: string): DimExpr {
  return view.offsets.get(axis) ?? ZERO;
}

/** Permutes dimensions (ONNX Transpose). */
export function transposeView(view: View, perm: readonly number[]): View {
  if (perm.length !== view.dims.length) throw new ViewError(`transpose perm has ${perm.length} axes for rank ${view.dims.length}`);
  if (new Set(perm).size !== perm.length || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= perm.length)) {
    throw new ViewError(`transpose perm [${perm.join(', ')}] is not a permutation of the ${perm.length} axes`);
  }
  return { dims: perm.map((p) => view.dims[p]!), offsets: view.offsets };
}

/**
 * Regroups the flattened atoms into new dimensions (row-major reshape). Splits an atom when a new
 * boundary falls inside it and its size divides exactly; fails when a boundary cannot be proved.
 */
export function reshapeView(view: View, shape: readonly DimExpr[]): View {
  // Size-1 atoms carry no index information; dropping them keeps boundaries unambiguous.
  const queue: Atom[] = view.dims.flat().filter((a) => !isOne(a.size));
  const dims: Atom[][] = [];
  for (const target of shape) {
    const dim: Atom[] = [];
    let remaining = target;
    while (!isOne(remaining)) {
      const atom = queue.shift();
      if (!atom) throw new ViewError(`reshape to [${shape.join(', ')}] needs more elements than [${viewShape(view).join(', ')}] has`);
      const quotient = remaining.divExact(atom.size);
      if (quotient) {
        dim.push(atom);
        remaining = quotient;
        continue;
      }
      const inner = atom.size.divExact(remaining);
      if (!inner) {
        throw new ViewError(`reshape [${viewShape(view).join(', ')}] to [${shape.join(', ')}] mixes elements of different dims ` +
          `(a piece of ${String(remaining)} does not divide a dim of ${String(atom.size)}); only splits and merges of whole dims can be followed`);
      }
      dim.push({ axis: atom.axis, size: remaining, stride: atom.stride.mul(inner) });
      queue.unshift({ axis: atom.axis, size: inner, stride: atom.stride });
      remaining = ONE;
    }
    dims.push(dim);
  }
  if (queue.length) throw new ViewError(`reshape to [${shape.join(', ')}] leaves elements of [${viewShape(view).join(', ')}] unused`);
  return { dims, offsets: view.offsets };
}

/**
 * Restricts dimension `axis` to `[start, start + length)` (step 1). The range must provably lie
 * inside the dimension for every value of the symbols: ONNX would clamp it otherwise, and a
 * clamped range reads other elements than the one written.
 */
export function sliceView(view: View, axis: number, start: DimExpr, length: DimExpr): View {
  const dim = view.dims[axis];
  if (!dim) throw new ViewError(`slice axis ${axis} out of range for rank ${view.dims.length}`);
  const size = dimSize(dim);
  if (!start.isNonNegative() || !length.isNonNegative() || !size.sub(start).sub(length).isNonNegative()) {
    throw new ViewError(`the range [${String(start)}, ${String(start.add(length))}) is not provably inside a dimension of size ${String(size)}`);
  }
  if (start.constValue() === 0 && length.equals(size)) return view;
  if (dim.length !== 1) throw new ViewError(`slice of a dimension made of ${dim.length} merged axes`);
  const atom = dim[0]!;
  const offsets = new Map(view.offsets);
  offsets.set(atom.axis, offsetOf(view, atom.axis).add(start.mul(atom.stride)));
  const dims = view.dims.map((d, i) => (i === axis ? (isOne(length) ? [] : [{ ...atom, size: length }]) : d));
  return { dims, offsets };
}

/**
 * The view of an elementwise result whose other operand has `rank` dims, all of size 1: numpy
 * broadcasting prepends size-1 dims when that operand has the higher rank.
 */
export function broadcastView(view: View, rank: number): View {
  if (rank <= view.dims.length) return view;
  return { dims: [...Array.from({ length: rank - view.dims.length }, () => []), ...view.dims], offsets: view.offsets };
}

/** Picks index `index` of dimension `axis` and removes the dimension (Gather with a scalar index). */
export function selectView(view: View, axis: number, index: DimExpr): View {
  const sliced = sliceView(view, axis, index, ONE);
  return { dims: sliced.dims.filter((_, i) => i !== axis), offsets: sliced.offsets };
}

/** Inserts size-1 dimensions so that they sit at `axes` of the result. */
export function unsqueezeView(view: View, axes: readonly number[]): View {
  const rank = view.dims.length + axes.length;
  const normalized = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  if (normalized.size !== axes.length || [...normalized].some((a) => a < 0 || a >= rank)) {
    throw new ViewError(`unsqueeze axes [${axes.join(', ')}] are repeated or out of range for rank ${rank}`);
  }
  const dims: (readonly Atom[])[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) dims.push(normalized.has(i) ? [] : view.dims[k++]!);
  return { dims, offsets: view.offsets };
}

/** Removes size-1 dimensions at `axes` (all size-1 dimensions when `axes` is undefined). */
export function squeezeView(view: View, axes: readonly number[] | undefined): View {
  const rank = view.dims.length;
  const drop = axes
    ? new Set(axes.map((a) => (a < 0 ? a + rank : a)))
    : new Set(view.dims.map((d, i) => (isOne(dimSize(d)) ? i : -1)).filter((i) => i >= 0));
  for (const i of drop) {
    if (!view.dims[i]) throw new ViewError(`squeeze axis ${i} is out of range for rank ${rank}`);
    if (!isOne(dimSize(view.dims[i] ?? []))) throw new ViewError(`squeeze of axis ${i} whose size is ${String(dimSize(view.dims[i] ?? []))}`);
  }
  return { dims: view.dims.filter((_, i) => !drop.has(i)), offsets: view.offsets };
}

/**
 * Concatenates views that differ only in their offset along one root axis `along`, where input k
 * starts at `k * step`: the result walks that axis as a new outermost atom of dimension `axis`.
 * This is how a stack (Unsqueeze + Concat) or a cat of per-level slices reassembles a tensor.
 */
export function concatView(views: readonly View[], axis: number, along: string, step: DimExpr): View {
  const first = views[0];
  if (!first) throw new ViewError('concat of nothing');
  const base = offsetOf(first, along);
  views.forEach((v, k) => {
    if (!sameDims(v.dims, first.dims)) throw new ViewError(`concat input ${k} is laid out differently from input 0`);
    if (!offsetOf(v, along).equals(base.add(step.mul(k)))) throw new ViewError(`concat input ${k} is not the ${k}-th block along ${along}`);
    for (const [a, off] of v.offsets) {
      if (a !== along && !off.equals(offsetOf(first, a))) throw new ViewError(`concat input ${k} has a different offset along ${a}`);
    }
  });
  const offsets = new Map(first.offsets);
  offsets.set(along, base);
  const outer: Atom = { axis: along, size: DimExpr.const(views.length), stride: step };
  const dims = first.dims.map((d, i) => (i === axis ? (views.length === 1 ? d : [outer, ...d]) : d));
  return { dims, offsets };
}

/** Structural equality of dimension lists. */
export function sameDims(a: readonly (readonly Atom[])[], b: readonly (readonly Atom[])[]): boolean {
  return a.length === b.length && a.every((d, i) => sameAtoms(d, b[i]!));
}

/** Structural equality of atom lists. */
export function sameAtoms(a: readonly Atom[], b: readonly Atom[]): boolean {
  return a.length === b.length && a.every((x, i) => x.axis === b[i]!.axis && x.size.equals(b[i]!.size) && x.stride.equals(b[i]!.stride));
}

/** Readable form for reports: `[(r:0 8), (r:2 8|s8)] ...`. */
export function describeView(view: View): string {
  const dims = view.dims.map((d) => `[${d.map((a) => `${a.axis}:${String(a.size)}${a.stride.constValue() === 1 ? '' : `/${String(a.stride)}`}`).join(' ')}]`);
  const offs = [...view.offsets].filter(([, v]) => v.constValue() !== 0).map(([k, v]) => `${k}+${String(v)}`);
  return `${dims.join(' ')}${offs.length ? ` @ ${offs.join(', ')}` : ''}`;
}
