export { loadModel, loadModelFromBytes, saveModel, modelToBytes, type LoadOptions, type SaveOptions, type ExternalDataMode } from './model-io.js';
export { modelFromProto, tensorFromProto, type FromProtoOptions } from './from-proto.js';
export { modelToProto, tensorToProto, type ToProtoOptions, type TensorPlacement } from './to-proto.js';
