import { DimExpr } from '../dim-expr.js';
import { MAX_TRACKED_ELEMENTS, staticDims } from '../facts.js';

/** Numpy (multidirectional) broadcast of shapes; undefined when any rank is unknown. */
export function broadcastShapes(shapes: readonly (readonly DimExpr[] | undefined)[]): DimExpr[] | undefined {
  let out: DimExpr[] = [];
  for (const shape of shapes) {
    if (!shape) return undefined;
    const rank = Math.max(out.length, shape.length);
    const next: DimExpr[] = [];
    for (let i = 0; i < rank; i++) {
      const a = out[i - (rank - out.length)];
      const b = shape[i - (rank - shape.length)];
      next.push(a && b ? DimExpr.broadcast(a, b) : (a ?? b)!);
    }
    out = next;
  }
  return out;
}

/**
 * For each flat index of a tensor of `outDims`, the flat index of the broadcast source of
 * `inDims` (both static, `inDims` broadcastable to `outDims`).
 */
export function broadcastIndexMap(outDims: readonly number[], inDims: readonly number[]): number[] {
  const rank = outDims.length;
  const padded = [...Array<number>(rank - inDims.length).fill(1), ...inDims];
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : s;
    s *= padded[i]!;
  }
  const total = outDims.reduce((a, b) => a * b, 1);
  const map = new Array<number>(total);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i]! * strides[i]!;
    map[flat] = src;
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i]! < outDims[i]!) break;
      idx[i] = 0;
    }
  }
  return map;
}

/**
 * Elementwise combination of the tracked values of several inputs under broadcasting. Returns
 * undefined when an input's values or the static output dims are unknown, or `combine` gives up
 * on an element.
 */
export function broadcastValues(
  outShape: readonly DimExpr[] | undefined,
  inputs: readonly { shape: readonly DimExpr[] | undefined; values: readonly DimExpr[] | undefined }[],
  combine: (args: DimExpr[]) => DimExpr | undefined,
): DimExpr[] | undefined {
  const outDims = staticDims(outShape);
  if (!outDims || outDims.reduce((a, b) => a * b, 1) > MAX_TRACKED_ELEMENTS || inputs.some((i) => !i.values)) return undefined;
  const maps: number[][] = [];
  for (const input of inputs) {
    const dims = staticDims(input.shape);
    if (!dims || !input.values) return undefined;
    maps.push(broadcastIndexMap(outDims, dims));
  }
  const total = outDims.reduce((a, b) => a * b, 1);
  const out: DimExpr[] = [];
  for (let i = 0; i < total; i++) {
    const r = combine(inputs.map((input, k) => input.values![maps[k]![i]!]!));
    if (!r) return undefined;
    out.push(r);
  }
  return out;
}
