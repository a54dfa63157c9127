/**
 * Symbolic shape and dtype inference, and constant folding of shape arithmetic.
 *
 * @example
 * ```ts
 * import { inferShapes, foldConstants, DimExpr } from 'onnx-surgeon/shape';
 * const facts = inferShapes(model.graph);
 * facts.shape(value)?.map(String);   // ['batch*8', '8', 'h0*w0 + h1*w1', '32']
 * facts.values(value)?.map(String);  // symbolic elements, when value is a shape tensor
 * foldConstants(model.graph);        // static exports: Reshape targets become initializers
 * ```
 *
 * @group Analysis and rewriting
 * @module onnx-surgeon/shape
 */
export { DimExpr, type OpaqueDefinition, type SymbolRange, type DimBounds, type DimTermView } from './dim-expr.js';
export { inferShapes, type InferShapesOptions } from './infer.js';
export { type ShapeFacts, MAX_TRACKED_ELEMENTS } from './facts.js';
export { foldConstants, type FoldOptions } from './fold.js';
export { evaluateNode, EVALUATED_OPS } from './evaluate.js';
export { DimNames } from './dim-names.js';
