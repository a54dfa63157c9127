import { type Value, attr } from '../../ir/index.js';
import { DimExpr } from '../../shape/dim-expr.js';
import type { ShapeFacts } from '../../shape/facts.js';
import type { Emitter } from './emitter.js';
import { type Atom, type View, ViewError, dimSize, identityView, offsetOf, sameDims } from '../../layout/view.js';
import { applyLayoutOp } from '../../layout/layout-ops.js';
import { axisWords } from './axis-words.js';

/** A root value, the names and sizes of its axes, and the layout wanted over them. */
export interface LayoutRequest {
  readonly root: Value;
  readonly rootAxes: readonly { axis: string; size: DimExpr }[];
  readonly target: View;
  /** Existing values (root first, each produced from the previous by a layout op) to reuse if one already matches. */
  readonly reusable?: readonly Value[];
}

/**
 * Produces a value laid out as `request.target`: an existing value when one already is, else at
 * most Slice -> Reshape -> Transpose -> Reshape from the root, each skipped when it would do
 * nothing.
 */
export function buildLayout(request: LayoutRequest, emitter: Emitter, facts: ShapeFacts | undefined, name: string): Value {
  const reused = facts ? findExisting(request, facts) : undefined;
  if (reused) return reused;
  const { root, rootAxes, target } = request;
  let current = root;
  let currentShape = rootAxes.map((a) => a.size);
  const axisSizes = new Map(rootAxes.map((a) => [a.axis, a.size]));

  // 1. Offsets become a Slice of the range the target reads.
  const sliceAxes: number[] = [];
  const starts: DimExpr[] = [];
  const ends: DimExpr[] = [];
  rootAxes.forEach(({ axis, size }, i) => {
    const offset = offsetOf(target, axis);
    const extent = target.dims.flat().filter((a) => a.axis === axis).reduce<DimExpr>((n, a) => n.add(a.size.sub(1).mul(a.stride)), DimExpr.const(1));
    // A block at offset 0 shorter than the axis (level 0 of unequal points) is a slice too.
    if (offset.constValue() === 0 && extent.equals(size)) return;
    sliceAxes.push(i);
    starts.push(offset);
    ends.push(offset.add(extent));
    axisSizes.set(axis, extent);
    currentShape[i] = extent;
  });
  if (sliceAxes.length) {
    current = emitter.node('Slice', [
      current, emitter.int64Vector(starts, `${name}_starts`), emitter.int64Vector(ends, `${name}_ends`),
      emitter.int64Vector(sliceAxes.map((a) => DimExpr.const(a)), `${name}_slice_axes`),
    ], `${name}_slice`);
  }

  // 2. Every root axis must be walked exactly once by the target's atoms on it.
  const pieces: Atom[] = [];
  for (const { axis } of rootAxes) {
    const mine = target.dims.flat().filter((a) => a.axis === axis);
    const size = axisSizes.get(axis)!;
    if (!mine.length) {
      if (size.constValue() !== 1) throw new ViewError(`the layout ops leave out ${axisWords(axis)} (size ${String(size)}), which the plugin input needs`);
      continue;
    }
    const inner = [...mine].sort((a, b) => (b.stride.divExact(a.stride) ? -1 : 1));
    let expected = DimExpr.const(1);
    for (const a of inner) {
      if (!a.stride.equals(expected)) throw new ViewError(`the layout ops read ${axisWords(axis)} with gaps or overlaps (elements skipped or read twice)`);
      expected = expected.mul(a.size);
    }
    if (!expected.equals(size)) throw new ViewError(`the layout ops read ${String(expected)} of the ${String(size)} elements of ${axisWords(axis)}`);
    pieces.push(...inner.reverse());
  }
  const pieceShape = pieces.map((a) => a.size);
  if (!sameShape(pieceShape, currentShape)) {
    current = reshape(emitter, current, currentShape, pieceShape, `${name}_split`);
    currentShape = pieceShape;
  }

  // 3. Put the pieces in target order.
  const order = target.dims.flat();
  const perm = order.map((a) => pieces.indexOf(a));
  if (perm.some((p) => p < 0) || perm.length !== pieces.length) throw new ViewError(`the layout ops do not map the elements of '${root.name}' one to one onto the plugin input`);
  if (perm.some((p, i) => p !== i)) {
    current = emitter.node('Transpose', [current], `${name}_transpose`, { perm: attr.ints(perm) });
    currentShape = perm.map((p) => currentShape[p]!);
  }

  // 4. Merge pieces into the target's dimensions.
  const finalShape = target.dims.map((d) => dimSize(d));
  if (!sameShape(finalShape, currentShape)) current = reshape(emitter, current, currentShape, finalShape, `${name}_reshape`);
  return current;
}

/** The first reusable value whose layout already equals the target. */
function findExisting(request: LayoutRequest, facts: ShapeFacts): Value | undefined {
  const chain = request.reusable ?? [];
  if (!chain.length || chain[0] !== request.root) return isIdentity(request) ? request.root : undefined;
  let view = identityView(request.rootAxes);
  for (let i = 0; i < chain.length; i++) {
    if (i > 0) {
      const v = chain[i]!;
      try {
        view = applyLayoutOp(v.producer!, v.outputIndex, view, facts);
      } catch {
        return undefined;
      }
    }
    if (sameLayout(view, request.target)) return chain[i];
  }
  return undefined;
}

function isIdentity(request: LayoutRequest): boolean {
  return sameLayout(identityView(request.rootAxes), request.target);
}

function sameLayout(a: View, b: View): boolean {
  if (!sameDims(a.dims, b.dims)) return false;
  const axes = new Set([...a.offsets.keys(), ...b.offsets.keys()]);
  return [...axes].every((k) => offsetOf(a, k).equals(offsetOf(b, k)));
}

function sameShape(a: readonly DimExpr[], b: readonly DimExpr[]): boolean {
  return a.length === b.length && a.every((d, i) => d.equals(b[i]!));
}

/**
 * Reshape whose target copies unchanged leading dims with 0 and infers one unknown with -1, so
 * dynamic sizes rarely need computing in the graph.
 */
function reshape(emitter: Emitter, input: Value, from: readonly DimExpr[], to: readonly DimExpr[], name: string): Value {
  const spec = to.map((d, i) => (d.constValue() !== undefined ? d : i < from.length && from[i]!.equals(d) && to.length > 0 ? DimExpr.const(0) : d));
  const unknown = spec.map((d, i) => (d.constValue() === undefined ? i : -1)).filter((i) => i >= 0);
  if (unknown.length === 1) spec[unknown[0]!] = DimExpr.const(-1);
  // A literal 0 in a target whose dimension really is 0-sized would copy instead; sizes here are never 0.
  return emitter.node('Reshape', [input, emitter.int64Vector(spec, `${name}_shape`)], name);
}
