/**
 * Safe file writing: plans of the files a command reads and writes (checked as real files before
 * anything is written), atomic writes, and temp files that never outlive an interrupted run.
 *
 * @group Core
 * @module onnx-surgeon/files
 */

export { WritePlan, type PlannedFile, type PlannedFileKind, type WritePlanOptions, type PreparedFolders } from './write-plan.js';
export { removeStaleTemps, type StaleTemp } from './temp-files.js';
