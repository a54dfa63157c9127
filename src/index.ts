/**
 * onnx-surgeon: ONNX graph surgery in TypeScript.
 *
 * - A typed, editable IR ({@link Model}, {@link Graph}, {@link Node}, {@link Value}, {@link Tensor})
 *   that loads and saves any ONNX model without losing a field.
 * - A pattern-rewrite engine ({@link pattern}, {@link rule}, {@link applyRules}).
 * - Symbolic shape inference and constant folding ({@link inferShapes}, {@link foldConstants}).
 * - `fuseMsda`: multi-scale deformable attention -> TensorRT's `MultiscaleDeformableAttnPlugin_TRT`.
 * - Plugin contracts, CPU reference math and CPU execution of plugin nodes.
 *
 * @example
 * ```ts
 * import { loadModel, fuseMsda, saveModel } from 'onnx-surgeon';
 * const model = await loadModel('deformable_detr.onnx');
 * const report = fuseMsda(model);
 * await saveModel(model, 'deformable_detr.trt.onnx');
 * ```
 * @packageDocumentation
 */
export * from './ir/index.js';
export * from './serde/index.js';
export * from './files/index.js';
export * from './shape/index.js';
export * from './pattern/index.js';
export * from './plugins/index.js';
export { fuseMsda, requireAllFused, findMsdaSites, selectMsdaSite, type MsdaSiteInfo, type MsdaSites, type SelectedMsdaSite, type FuseMsdaOptions, type FuseMsdaReport, type MsdaSignature, type MsdaSiteReport } from './passes/fuse-msda/index.js';
export { parseNpy, readNpy, formatNpy } from './io/npy.js';
export { seededRandom } from './random.js';
export { OnnxSurgeonError, formatError, type ErrorCode, type ErrorContext } from './errors.js';
export * from './verify/index.js';
