/**
 * Errors are values with context: every failure onnx-surgeon reports names the file, the node,
 * the tensor, and what was expected versus what was found, so the CLI can print one readable line.
 */

/**
 * Where in a model an error happened. Every field is optional; fill in what is known.
 *
 * @group Errors
 */
export interface ErrorContext {
  /** Path of the model (or data) file being read or written. */
  file?: string;
  /** Name of the node involved (or its op type and index when it has no name). */
  node?: string;
  /** Name of the value / tensor / initializer involved. */
  tensor?: string;
  /** What the code expected to find. */
  expected?: string;
  /** What it found instead. */
  found?: string;
}

/**
 * Stable machine-readable error categories (also used as CLI exit-code classes).
 *
 * @group Errors
 */
export type ErrorCode =
  | 'decode'        // bytes are not a valid ONNX protobuf
  | 'encode'        // a model cannot be serialized
  | 'io'            // file system failure
  | 'external-data' // external tensor data missing, short, or escaping the model folder
  | 'graph'         // structurally invalid graph (cycle, dangling input, duplicate names)
  | 'shape'         // shape/dtype inconsistency
  | 'contract'      // a plugin node violates its contract
  | 'pattern'       // a rewrite could not be applied safely
  | 'runtime'       // onnxruntime failed
  | 'usage'         // bad command-line or API arguments
  | 'native'        // TensorRT / compiler / native builder failure
  | 'internal';

/**
 * The one error type onnx-surgeon throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   await loadModel('detr.onnx');
 * } catch (error) {
 *   if (!(error instanceof OnnxSurgeonError)) throw error;
 *   console.error(error.message); // one line, e.g. "decode error: detr.onnx: ..."
 *   error.code;                   // 'decode', 'graph', 'contract', ...
 *   error.context.file;           // 'detr.onnx'
 * }
 * throw new OnnxSurgeonError('graph', 'input 1 is not produced by any node', { file: 'detr.onnx', node: 'node_Clip_0', tensor: 'sigmoid_min_1' });
 * // message: "graph error: detr.onnx: node 'node_Clip_0': tensor 'sigmoid_min_1': input 1 is not produced by any node"
 * ```
 * @group Errors
 */
export class OnnxSurgeonError extends Error {
  override readonly name = 'OnnxSurgeonError';
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(formatError(code, detail, context), options);
  }
}

/**
 * One readable line: `file: node 'x': tensor 'y': detail (expected A, found B)`.
 *
 * @example
 * ```ts
 * formatError('contract', 'attribute im2col_step is missing', { node: 'msda_0', expected: 'an int' });
 * // "contract error: node 'msda_0': attribute im2col_step is missing (expected an int)"
 * ```
 * @group Errors
 */
export function formatError(code: ErrorCode, detail: string, context: ErrorContext): string {
  const where: string[] = [];
  if (context.file) where.push(context.file);
  if (context.node) where.push(`node '${context.node}'`);
  if (context.tensor) where.push(`tensor '${context.tensor}'`);
  let line = where.length ? `${where.join(': ')}: ${detail}` : detail;
  if (context.expected !== undefined || context.found !== undefined) {
    const parts: string[] = [];
    if (context.expected !== undefined) parts.push(`expected ${context.expected}`);
    if (context.found !== undefined) parts.push(`found ${context.found}`);
    line += ` (${parts.join(', ')})`;
  }
  return `${code} error: ${line}`;
}

/** Adds context (typically the file) to an error thrown deeper down, without losing the rest. */
export function withContext(error: unknown, context: ErrorContext): OnnxSurgeonError {
  if (error instanceof OnnxSurgeonError) {
    return new OnnxSurgeonError(error.code, error.detail, { ...context, ...error.context, ...pickDefined(context) }, { cause: error.cause });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new OnnxSurgeonError('internal', message, context, { cause: error });
}

function pickDefined(context: ErrorContext): ErrorContext {
  // The outer context (e.g. file) wins only where the inner error did not already say.
  const out: ErrorContext = {};
  if (context.file) out.file = context.file;
  return out;
}
