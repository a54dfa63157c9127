import { DimExpr } from '../shape/dim-expr.js';
import { type Atom, ViewError, dimSize } from './view.js';

/** A piece of a semantic axis paired with the piece of a root tensor axis that holds it. */
export interface AtomPair {
  readonly semantic: Atom;
  readonly root: Atom;
}

/**
 * Pairs two atom lists that walk the same index range (outer to inner), splitting atoms so that
 * both sides have equal sizes piece by piece. Fails when the sizes cannot be lined up exactly.
 */
export function alignAtoms(semantic: readonly Atom[], root: readonly Atom[], what: string): AtomPair[] {
  const a = [...semantic];
  const b = [...root];
  const pairs: AtomPair[] = [];
  while (a.length && b.length) {
    const x = a.shift()!;
    const y = b.shift()!;
    if (x.size.equals(y.size)) {
      pairs.push({ semantic: x, root: y });
      continue;
    }
    const xInner = x.size.divExact(y.size);
    if (xInner && !xInner.equals(DimExpr.const(1))) {
      // x is larger: split x into (y.size outer, xInner inner).
      pairs.push({ semantic: { axis: x.axis, size: y.size, stride: x.stride.mul(xInner) }, root: y });
      a.unshift({ axis: x.axis, size: xInner, stride: x.stride });
      continue;
    }
    const yInner = y.size.divExact(x.size);
    if (yInner && !yInner.equals(DimExpr.const(1))) {
      pairs.push({ semantic: x, root: { axis: y.axis, size: x.size, stride: y.stride.mul(yInner) } });
      b.unshift({ axis: y.axis, size: yInner, stride: y.stride });
      continue;
    }
    throw new ViewError(`${what}: sizes ${String(x.size)} and ${String(y.size)} do not line up (neither divides the other)`);
  }
  if (a.length || b.length) {
    throw new ViewError(`${what}: ${String(dimSize(semantic))} elements on one side, ${String(dimSize(root))} on the other`);
  }
  return pairs;
}

/**
 * For one semantic axis, the root pieces that hold it, outer to inner, after checking that the
 * semantic pieces tile the axis exactly (strides 1, then size*stride of the inner piece, ...).
 * Returns [] for an axis of size 1 that no piece mentions. `nameOf` words the axis in messages.
 */
export function piecesOf(pairs: readonly AtomPair[], axis: string, size: DimExpr, what: string, nameOf: (axis: string) => string = (a) => a): Atom[] {
  const mine = pairs.filter((p) => p.semantic.axis === axis);
  const name = nameOf(axis);
  if (!mine.length) {
    if (size.constValue() === 1) return [];
    throw new ViewError(`${what}: no axis holds the ${name} (size ${String(size)})`);
  }
  // Inner-most first: stride 1, and each outer stride is the product of the inner sizes.
  const byStride = [...mine].sort((p, q) => compareStride(p.semantic.stride, q.semantic.stride));
  let expected = DimExpr.const(1);
  for (const p of byStride) {
    if (!p.semantic.stride.equals(expected)) throw new ViewError(`${what}: the ${name} are read with gaps or overlaps (elements skipped or read twice)`);
    expected = expected.mul(p.semantic.size);
  }
  if (!expected.equals(size)) throw new ViewError(`${what}: ${String(expected)} of the ${String(size)} ${name} are read`);
  return byStride.reverse().map((p) => p.root);
}

function compareStride(a: DimExpr, b: DimExpr): number {
  if (a.equals(b)) return 0;
  const d = b.sub(a);
  // A stride that divides the other is the inner one.
  if (b.divExact(a)) return -1;
  if (a.divExact(b)) return 1;
  return d.isNonNegative() ? -1 : 1;
}
