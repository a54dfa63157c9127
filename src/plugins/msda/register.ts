/**
 * Registers `MultiscaleDeformableAttnPlugin_TRT` (any domain) with the custom-op registry: its
 * contract and its CPU expansion. Imported for its effect by `src/plugins/index.ts`.
 */
import { registerCustomOp } from '../registry.js';
import { MSDA_PLUGIN, validateMsdaNode } from './plugin.js';
import { MSDA_EXPANSION_MIN_OPSET, expandMsdaNode } from './expand.js';

registerCustomOp({
  opType: MSDA_PLUGIN.opType,
  identity: MSDA_PLUGIN,
  contract: (node) => validateMsdaNode(node),
  expand: expandMsdaNode,
  minOnnxOpset: MSDA_EXPANSION_MIN_OPSET,
});
