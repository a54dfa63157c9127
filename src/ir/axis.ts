/**
 * ONNX axes may count from the end (`-1` is the last). One home for turning them into indexes,
 * used by shape inference, the constant evaluator and the layout algebra alike.
 */

/**
 * `axis` as an index into a shape of `rank` dims (`-1` → `rank - 1`); undefined when it is out of
 * range either way.
 *
 * @example
 * ```ts
 * normalizeAxis(-1, 4); // 3
 * normalizeAxis(4, 4);  // undefined
 * ```
 * @group Types and data
 */
export function normalizeAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}
