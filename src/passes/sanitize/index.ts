/**
 * Sanitizing a model the way users of onnxsim and Polygraphy's `surgeon sanitize` expect: input
 * shapes fixed or freed, graph inputs and outputs renamed, constants folded (a static
 * TorchScript export of Deformable DETR loses about 60% of its nodes: all of its shape
 * arithmetic), `Identity` nodes and dead nodes removed, with a report of what changed per op
 * type. Every step keeps what the model computes; `verifyRewrite` proves it on data.
 *
 * @example
 * ```ts
 * import { sanitizeModel } from 'onnx-surgeon/sanitize';
 * const model = await loadModel('detr.onnx');
 * const report = sanitizeModel(model, { inputShapes: { dimSizes: { batch: 1 } }, rename: { pixel_values: 'images' } });
 * console.log(`${report.nodesBefore} -> ${report.nodesAfter} nodes, ${report.folded} folded`);
 * await saveModel(model, 'detr.sanitized.onnx');
 * ```
 *
 * @group Passes
 * @module onnx-surgeon/sanitize
 */
import { type Model, requireValidGraph } from '../../ir/index.js';
import { foldConstants } from '../../shape/index.js';
import { removeIdentities } from './identity.js';
import { overrideInputShapes } from './input-shapes.js';
import { renameGraphIo } from './rename.js';
import { type SanitizeOptions, type SanitizeReport, countOps, opCountChanges } from './report.js';

export { type InputShapeChange, type InputShapeOverrides, type IoRename, type OpCountChange, type SanitizeOptions, type SanitizeReport, countOps, opCountChanges } from './report.js';
export { overrideInputShapes } from './input-shapes.js';
export { renameGraphIo } from './rename.js';
export { removeIdentities } from './identity.js';

/**
 * Sanitizes `model` in place, in this order: renames ({@link SanitizeOptions.rename}), input
 * shapes ({@link SanitizeOptions.inputShapes}, with the other declared shapes inferred again),
 * constant folding, `Identity` removal, dead-node cleanup. A structurally invalid model (a
 * dangling tensor, a name defined twice, a cycle) is refused (`graph` error); bad names and
 * shapes are usage errors raised before the graph changes (see {@link overrideInputShapes} for
 * the one exception). Sanitizing twice changes nothing the second time.
 */
export function sanitizeModel(model: Model, options: SanitizeOptions = {}): SanitizeReport {
  const graph = model.graph;
  requireValidGraph(graph);
  const opsBefore = countOps(graph);
  const nodesBefore = graph.nodeCount;
  const initializersBefore = graph.initializers.length;
  const renamed = options.rename ? renameGraphIo(graph, options.rename) : [];
  const inputShapes = options.inputShapes ? overrideInputShapes(graph, options.inputShapes) : [];
  const folded = (options.foldConstants ?? true) ? foldConstants(graph, foldOptions(options)).folded : 0;
  const identitiesRemoved = (options.removeIdentities ?? true) ? removeIdentities(graph) : 0;
  graph.cleanup();
  const nodesAfter = graph.nodeCount;
  return {
    nodesBefore, nodesAfter, initializersBefore, initializersAfter: graph.initializers.length,
    folded, identitiesRemoved, deadNodesRemoved: nodesBefore - nodesAfter - folded - identitiesRemoved,
    inputShapes, renamed, ops: opCountChanges(opsBefore, countOps(graph)),
  };
}

function foldOptions(options: SanitizeOptions): { maxElements?: number } {
  return options.maxFoldElements !== undefined ? { maxElements: options.maxFoldElements } : {};
}
