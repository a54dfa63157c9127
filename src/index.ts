/**
 * onnx-surgeon: ONNX graph surgery in TypeScript. The package root is the everyday API:
 *
 * - load and save models ({@link loadModel}, {@link saveModel}), the IR classes ({@link Model},
 *   {@link Graph}, {@link Node}, {@link Value}, {@link Tensor}) and the one way to change a graph
 *   ({@link GraphEdit}; `graph.addNode` / `replaceAllUsesWith` / `cleanup` for small edits);
 * - {@link fuseMsda}: multi-scale deformable attention -> TensorRT's
 *   `MultiscaleDeformableAttnPlugin_TRT`, and {@link findMsdaSites} to look before fusing;
 * - pattern rewriting ({@link rule}, {@link pattern}, {@link applyRules}, {@link explain});
 * - shape inference and constant folding ({@link inferShapes}, {@link foldConstants});
 * - checking a rewrite's numbers ({@link verifyRewrite}) and plugin nodes
 *   ({@link validatePluginNodes});
 * - errors ({@link OnnxSurgeonError}).
 *
 * Everything else lives under a subpath, each documented on its own: `onnx-surgeon/ir`,
 * `/serde`, `/files`, `/shape`, `/layout`, `/pattern`, `/plugins`, `/fuse-msda`, `/fp16`, `/verify`, `/trt`.
 *
 * @example
 * ```ts
 * import { loadModel, fuseMsda, saveModel } from 'onnx-surgeon';
 * const model = await loadModel('deformable_detr.onnx');
 * const report = fuseMsda(model);
 * await saveModel(model, 'deformable_detr.trt.onnx');
 * ```
 * @group Core
 * @module onnx-surgeon
 */
export {
  Model, Graph, Node, Value, Tensor, GraphEdit, DType, attr, dtypeName,
  type NodeSpec, type Use, type Attribute, type AttributeValue, type DTypeCode, type Dim, type TensorType, type LocalFunction,
} from './ir/index.js';
export { loadModel, loadModelFromBytes, saveModel, modelToBytes, type LoadOptions, type SaveOptions } from './serde/index.js';
export {
  fuseMsda, findMsdaSites, requireAllFused,
  type FuseMsdaOptions, type FuseMsdaReport, type MsdaSignature, type MsdaSiteReport, type MsdaSiteInfo, type MsdaSites, type FindMsdaSitesOptions,
} from './passes/fuse-msda/index.js';
export {
  rule, pattern, applyRules, explain,
  type Rule, type RuleSpec, type RuleReport, type RewriteReport, type ApplyOptions, type Captures, type RewriteBuilder, type MatchAttempt,
} from './pattern/index.js';
export { inferShapes, foldConstants, type InferShapesOptions, type ShapeFacts, type FoldOptions } from './shape/index.js';
export { verifyRewrite, type VerifyOptions, type VerifyReport } from './verify/index.js';
export { checkModel, type CheckReport, type CheckProblem } from './check/index.js';
export { MSDA_PLUGIN, validatePluginNodes, assertValidPlugins, expandCustomOps, type ValidationReport, type ContractViolation } from './plugins/index.js';
export { OnnxSurgeonError, formatError, type ErrorCode, type ErrorContext } from './errors.js';
