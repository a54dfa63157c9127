/**
 * Reading and writing models (`onnx-surgeon/serde`): files and bytes to the IR and back, losslessly
 * (external data, fields the IR does not model), and the protobuf-level conversions under them.
 *
 * @example
 * ```ts
 * import { loadModel, saveModel } from 'onnx-surgeon/serde';
 * const model = await loadModel('model.onnx');
 * await saveModel(model, 'copy.onnx', { externalData: 'auto' });
 * ```
 * @group Core
 * @module onnx-surgeon/serde
 */
export {
  loadModel, loadModelFromBytes, saveModel, modelToBytes, sourceFiles, plannedDataFile,
  type LoadOptions, type SaveOptions, type ExternalDataMode,
} from './model-io.js';
export { modelFromBytes, modelToParts, type ModelFromBytesOptions, type ModelParts, type DataFilePart } from './model-bytes.js';
export { parameterTensors, PARAMETER_INPUTS } from './inline-tensors.js';
export { modelFromProto, tensorFromProto, type FromProtoOptions } from './from-proto.js';
export { modelToProto, tensorToProto, type ToProtoOptions, type TensorPlacement } from './to-proto.js';
