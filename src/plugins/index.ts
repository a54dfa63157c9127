/**
 * Plugins: what onnx-surgeon knows about custom (TensorRT plugin) ops. For each plugin, a
 * contract (validation), a CPU reference of its math, and an expansion into standard ONNX ops
 * so onnxruntime can run a model that contains it. Importing this module registers the built-in
 * plugins (today: `MultiscaleDeformableAttnPlugin_TRT`).
 *
 * @example
 * ```ts
 * import { assertValidPlugins, expandCustomOps } from 'onnx-surgeon/plugins';
 * assertValidPlugins(model);   // throws OnnxSurgeonError('contract') listing every violation
 * expandCustomOps(model);      // now onnxruntime-node can run it on CPU
 * ```
 * @group Plugins
 * @module onnx-surgeon/plugins
 */
import './msda/register.js';

export {
  type AttributeRule, type ContractContext, type ContractOptions, type ContractViolation, type DimRule,
  type PluginContract, type PluginIdentity, type TensorRule, type ValueCheck, checkContract,
} from './contract.js';
export {
  type CustomOpDefinition, type ExpandReport, customOpFor, expandCustomOps, isPluginNode, registerCustomOp, registeredCustomOps,
} from './registry.js';
export { type ValidationReport, assertValidPlugins, validatePluginNodes } from './validate.js';
export { staticDtype, staticShape } from './static-data.js';
export { MSDA_PLUGIN, MsdaInput, msdaContract, validateMsdaNode } from './msda/plugin.js';
export { type MsdaFloatData, type MsdaReferenceInputs, msdaReference, msdaReferenceFloat16 } from './msda/reference.js';
export { MSDA_EXPANSION_MIN_OPSET, expandMsdaNode } from './msda/expand.js';
