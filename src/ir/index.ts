/**
 * The IR (`onnx-surgeon/ir`): {@link Model}, {@link Graph}, {@link Node}, {@link Value},
 * {@link Tensor} and attributes, kept consistent on every mutation; {@link GraphEdit}, the one way
 * to build a replacement detached and commit it once; the basic questions every pass asks, each
 * answered here once: what constant a value holds (`Value.constant()`), is this the ONNX domain
 * ({@link isOnnxDomain}), which nodes are live ({@link liveNodes}), which graphs nest
 * ({@link graphsWithin}); 16-bit float conversions.
 *
 * @example
 * ```ts
 * import { GraphEdit, liveNodes } from 'onnx-surgeon/ir';
 * const edit = new GraphEdit(graph);
 * const relu = edit.node({ op: 'Relu', inputs: [x] }).output();
 * edit.replaceAllUsesWith(y, relu);
 * if (y.producer && !liveNodes(graph, [edit]).has(y.producer)) edit.commit();
 * ```
 * @group Core
 * @module onnx-surgeon/ir
 */
export { Model, type LocalFunction } from './model.js';
export { Graph, type NodeSpec } from './graph.js';
export { GraphEdit } from './edit.js';
export { type LiveNodeMarks, liveNodes, markLiveNodes, usesAfter } from './liveness.js';
export { downstreamNodes, graphsWithin, readsOf, subgraphsOf, upstreamNodes } from './traverse.js';
export { Node } from './node.js';
export { Value, type Use } from './value.js';
export { Tensor, type TensorArray, type TensorStorage, type TensorInit, typedArrayFor } from './tensor.js';
export { attr, attrInts, attrNumber, attrString, type Attribute, type AttributeValue } from './attribute.js';
export { DType, type DTypeCode, type Dim, type TensorType, dtypeName, dtypeBits, dtypeByteLength, elementCount, formatDims } from './types.js';
export { NameScope } from './names.js';
export { checkIndexes } from './check.js';
export { cloneModel, cloneGraph } from './clone.js';
export { constantNodeTensor } from './constant.js';
export { isOnnxDomain, normalizeDomain } from './domain.js';
export { normalizeAxis } from './axis.js';
export { bfloat16ToFloat32, float16ArrayToFloat32, float16ToFloat32, float32ArrayToFloat16, float32ToFloat16 } from './float16.js';
export { invalidRegion, requireValidGraph, structuralProblems, type StructuralProblem, type StructuralProblemKind } from './validity.js';
export { findCycles, topologicalOrder, topologicalOrderIfAcyclic } from './toposort.js';
