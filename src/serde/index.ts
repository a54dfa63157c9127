export {
  loadModel, loadModelFromBytes, saveModel, modelToBytes, sourceFiles, plannedDataFile,
  type LoadOptions, type SaveOptions, type ExternalDataMode,
} from './model-io.js';
export { parameterTensors, PARAMETER_INPUTS } from './inline-tensors.js';
export { modelFromProto, tensorFromProto, type FromProtoOptions } from './from-proto.js';
export { modelToProto, tensorToProto, type ToProtoOptions, type TensorPlacement } from './to-proto.js';
