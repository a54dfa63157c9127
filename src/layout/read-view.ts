import { type View, ViewError } from './view.js';

/**
 * Reads the elements a view selects from a concrete root tensor (row-major `data` of shape
 * `rootShape`, axes named `<tag>:<index>`), in the view's own row-major order. Sizes, strides
 * and offsets must all be constants.
 */
export function readView(data: ArrayLike<number>, rootShape: readonly number[], tag: string, view: View): number[] {
  const rootStrides = rowMajorStrides(rootShape);
  const strideOf = (axis: string): number => {
    const k = Number(axis.slice(tag.length + 1));
    if (!axis.startsWith(`${tag}:`) || !Number.isInteger(k) || k < 0 || k >= rootShape.length) throw new ViewError(`axis ${axis} is not an axis of the root`);
    return rootStrides[k]!;
  };
  let base = 0;
  for (const [axis, offset] of view.offsets) {
    const c = offset.constValue();
    if (c === undefined) throw new ViewError(`offset along ${axis} is not a constant`);
    if (c !== 0) base += c * strideOf(axis);
  }
  // Every atom contributes digit * stride * (the root axis's row-major stride).
  const atoms = view.dims.flat().map((a) => {
    const size = a.size.constValue();
    const stride = a.stride.constValue();
    if (size === undefined || stride === undefined) throw new ViewError(`atom ${a.axis} has a symbolic size or stride`);
    return { size, step: stride * strideOf(a.axis) };
  });
  const total = atoms.reduce((n, a) => n * a.size, 1);
  const out = new Array<number>(total);
  const digits = new Array<number>(atoms.length).fill(0);
  let at = base;
  for (let i = 0; i < total; i++) {
    out[i] = data[at]!;
    // Advance the mixed-radix counter (innermost atom fastest).
    for (let k = atoms.length - 1; k >= 0; k--) {
      digits[k]!++;
      at += atoms[k]!.step;
      if (digits[k]! < atoms[k]!.size) break;
      at -= atoms[k]!.step * atoms[k]!.size;
      digits[k] = 0;
    }
  }
  return out;
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!;
  return out;
}
