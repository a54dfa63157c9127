/**
 * The layout algebra: proves that a chain of ONNX layout operations (Reshape, Transpose, Slice,
 * Gather, Split, Squeeze, Unsqueeze, Flatten, Concat of blocks) is a pure rearrangement of a root
 * tensor, over symbolic sizes, and says which root element each output element reads. Passes use
 * it to show that two differently written paths read the same elements in the same order.
 *
 * @example
 * ```ts
 * import { DimExpr } from 'onnx-surgeon/shape';
 * import { describeView, identityView, reshapeView, transposeView, viewShape } from 'onnx-surgeon/layout';
 * const H = DimExpr.symbol('H');
 * const root = identityView([{ axis: 'h', size: H }, { axis: 'c', size: DimExpr.const(256) }]);
 * const heads = transposeView(reshapeView(root, [H, DimExpr.const(8), DimExpr.const(32)]), [1, 0, 2]);
 * viewShape(heads).map(String); // ['8', 'H', '32']
 * describeView(heads);          // '[c:8/32] [h:H] [c:32]': root axis, size and stride of each dim
 * ```
 *
 * @group Analysis and rewriting
 * @module onnx-surgeon/layout
 */
export * from './view.js';
export * from './layout-ops.js';
export * from './align.js';
