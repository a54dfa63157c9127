/**
 * Numeric verification of rewrites on CPU: run both models in onnxruntime, compare every output
 * with tolerances by element type, against the original (repaired where onnxruntime refuses it)
 * and the expected outputs (`onnx-surgeon/verify`, with the pieces: inputs, runs, comparison,
 * tolerances, the data files inputs and goldens travel in, the seeded PRNG).
 *
 * @example
 * ```ts
 * import { verifyRewrite } from 'onnx-surgeon/verify';
 * const report = await verifyRewrite('model.onnx', 'fused.onnx');
 * ```
 * @group Checking
 * @module onnx-surgeon/verify
 */
export { describeDataSource, verifyRewrite, type ReferenceChoice, type ReferenceComparison, type VerifyDataSource, type VerifyInputs, type VerifyOptions, type VerifyReport, type VerifyTimings } from './verify-rewrite.js';
export { RELATIVE_ERROR_FLOOR, compareOutput, missingOutput, toFloat64, type ErrorStats, type OutputComparison, type TensorSummary, type ToleranceHint } from './compare.js';
export {
  DEFAULT_TOLERANCES, DEFAULT_TOLERANCES_BY_DTYPE, ROUNDING_ULPS, UNUSUAL_ULPS, defaultTolerances, describeTolerances, formatTolerance, judgePlausibility, judgingDType, precisionName, tolerancesFor,
  type AppliedTolerances, type PlausibilityJudgement, type ToleranceOverrides, type Tolerances,
} from './tolerance.js';
export { RANDOM_FLOAT_RANGE, RANDOM_INT_LIMIT, checkInputs, randomInputs, readTensors, summarizeInputs, toTensorMap, type InputSummary, type RandomInputOptions } from './inputs.js';
export { DEFAULT_BATCH, concreteShape, formatDims, requiredInputs, resolveInputShapes, type DefaultedDim, type ShapeBindings } from './input-shapes.js';
export { planOnnxruntimeRepair, repairForOnnxruntime, type RepairChange, type RepairReport } from './repair.js';
export { firstLine, runModel, type RunOptions, type RunResult } from './run.js';
export { ortMessage } from './ort-message.js';
// The archive and data formats inputs and goldens travel in, public with the rest of verification.
export { formatNpz, parseNpz, readNpz, writeNpz, type NamedTensors, type NpzWriteOptions } from '../io/npz.js';
export { formatNpy, parseNpy, readNpy } from '../io/npy.js';
export { seededRandom } from '../random.js';
export { TENSOR_FILE_FORMATS, readTensorFiles, type ReadTensorFilesOptions, type TensorFileFormat, type TensorFileSet } from '../io/tensor-files.js';
export { readOnnxTestDataSet, type TestDataRole } from '../io/onnx-test-data.js';
export { parsePolygraphyData, readPolygraphyJson, type PolygraphyData } from '../io/polygraphy-json.js';
