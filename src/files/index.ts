/**
 * Safe file writing: plans of the files a command reads and writes (checked as real files before
 * anything is written), atomic writes, and temp files that never outlive an interrupted run.
 *
 * @example
 * ```ts
 * import { WritePlan } from 'onnx-surgeon/files';
 * const plan = new WritePlan()
 *   .read({ role: 'the input model', path: 'model.onnx', kind: 'model' })
 *   .write({ role: '-o', path: 'out/model.fused.onnx', kind: 'model' });
 * plan.check();          // refuses an output that is an input, a folder, or another output
 * plan.prepareFolders(); // creates out/ if missing (removed again by plan.rollback() until plan.done())
 * ```
 *
 * @group Core
 * @module onnx-surgeon/files
 */

export { WritePlan, type PlannedFile, type PlannedFileKind, type WritePlanOptions, type PreparedFolders } from './write-plan.js';
export { removeStaleTemps, type StaleTemp } from './temp-files.js';
