/**
 * The layout algebra: proves that a chain of ONNX layout operations (Reshape, Transpose, Slice,
 * Gather, Split, Squeeze, Unsqueeze, Flatten, Concat of blocks) is a pure rearrangement of a root
 * tensor, over symbolic sizes, and says which root element each output element reads. Passes use
 * it to show that two differently written paths read the same elements in the same order.
 *
 * @group Analysis and rewriting
 * @module onnx-surgeon/layout
 */
export * from './view.js';
export * from './layout-ops.js';
export * from './align.js';
