/**
 * The one failure that is not about the model: the machine lacks TensorRT, CUDA, a C++ compiler
 * or onnxruntime-node (an optional peer dependency that only `verify` needs). Kept apart from
 * other `native` errors because the CLI gives it its own exit code (3), so scripts can tell
 * "install something" from "this model does not build".
 */
import { type ErrorContext, OnnxSurgeonError } from '../errors.js';

/**
 * What is missing.
 *
 * @group Discovery
 */
export type MissingComponent = 'tensorrt' | 'cuda' | 'compiler' | 'platform' | 'onnxruntime';

/**
 * TensorRT, CUDA, a compiler or onnxruntime-node could not be found (or found incomplete). The
 * message names what was missing, where it was looked for, and how to fix it.
 *
 * @example
 * ```ts
 * try { discoverTensorRt(); } catch (e) { if (e instanceof ToolchainMissingError) process.exitCode = 3; }
 * ```
 * @group Discovery
 */
export class ToolchainMissingError extends OnnxSurgeonError {
  constructor(
    /** Which part of the toolchain is missing. */
    readonly component: MissingComponent,
    detail: string,
    context: ErrorContext = {},
  ) {
    super('native', detail, context);
  }
}
