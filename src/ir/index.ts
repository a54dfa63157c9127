export { Model } from './model.js';
export { Graph, type NodeSpec } from './graph.js';
export { Node } from './node.js';
export { Value, type Use } from './value.js';
export { Tensor, type TensorArray, type TensorStorage, type TensorInit, typedArrayFor } from './tensor.js';
export { attr, attrInts, attrNumber, attrString, type Attribute, type AttributeValue } from './attribute.js';
export { DType, type DTypeCode, type Dim, type TensorType, dtypeName, dtypeBits, dtypeByteLength, elementCount } from './types.js';
export { NameScope } from './names.js';
export { checkIndexes } from './check.js';
