/**
 * onnxruntime's error messages as one readable clause. Its messages carry what a user needs (the
 * node, its op, the shapes or types at fault) wrapped in what they do not (status-code banners,
 * C++ source paths and signatures, the assertion that failed); its log lines, which repeat the
 * same text on stderr, are switched off in run.ts, so this clause is all that is shown.
 */

/** `[ONNXRuntimeError] : 9 : NOT_IMPLEMENTED : ` and the like. */
const STATUS_BANNER = /^\s*(?:\w*Error: )?\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : /;
/** `Non-zero status code returned while running Reshape node. Name:'Reshape_0' Status Message: ...` */
const RUN_FAILURE = /^Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message: (.*)$/s;
/** `/onnxruntime_src/.../reshape_helper.h:91 onnxruntime::ReshapeHelper::ReshapeHelper(...) ` */
const SOURCE_LOCATION = /^(?:\S+\.(?:h|cc|cpp|hpp):\d+ )(?:[\w:~<>,* &]+\([^)]*\)(?: const)? )?/;
/** `input_shape_size == requested_shape_size was false. ` */
const FAILED_ASSERTION = /^.*? was false\.\s*/;
/** `Failed to find kernel for GridSample(16) (node:'x' ep:'CPUExecutionProvider'). ... only for the following types (tensor(float),), but the node in the model has the following type (tensor(double))` */
const KERNEL_TYPES = /^Failed to find kernel for (\w+)\((\d+)\) \(node:'([^']*)'.*only for the following types \(([^)]*\))[,)]*, but the node in the model has the following type \(([^)]*\))\)/s;

/**
 * The part of an onnxruntime error message worth showing, on one line.
 *
 * @example
 * ```ts
 * ortMessage("Non-zero status code returned while running Reshape node. Name:'r' Status Message: " +
 *   '/onnxruntime_src/reshape_helper.h:91 f(int) a == b was false. The input tensor cannot be reshaped');
 * // "Reshape node 'r': The input tensor cannot be reshaped"
 * ```
 * @group Running
 */
export function ortMessage(message: string): string {
  let text = message.replace(STATUS_BANNER, '').trim();
  const kernel = KERNEL_TYPES.exec(text);
  if (kernel) {
    const [, op, version, node, supported, found] = kernel;
    return `no CPU kernel for ${op}-${version} node '${node}' with ${found}, only for ${supported!.replace(/,$/, '')}`;
  }
  const run = RUN_FAILURE.exec(text);
  if (run) {
    const [, op, node, status] = run;
    const detail = status!.replace(SOURCE_LOCATION, '').replace(FAILED_ASSERTION, '').trim();
    text = `${op} node '${node}': ${detail || status!.trim()}`;
  }
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
}
