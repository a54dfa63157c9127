/**
 * Exit codes of every `onnx-surgeon` command, in one place so scripts can rely on them:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | a check failed: verify found a mismatch, validation found violations, a build failed |
 * | 2 | usage error, unreadable or invalid input, file system error |
 * | 3 | something to install is missing: TensorRT, CUDA, a C++ compiler (`build`), onnxruntime-node (`verify`) |
 * | 70 | an unexpected internal error (a bug: rerun with `ONNX_SURGEON_DEBUG=1` and report it) |
 */
import { OnnxSurgeonError } from '../errors.js';
import { ToolchainMissingError } from '../trt/toolchain-error.js';

/** The exit codes, by meaning. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** A check failed (verify mismatch, plugin contract violations, build failure). */
  checkFailed: 1,
  /** Bad arguments, unreadable or invalid input, file system errors. */
  usage: 2,
  /** TensorRT, CUDA, a C++ compiler (`build`) or onnxruntime-node (`verify`) is missing. */
  toolchainMissing: 3,
  /** Unexpected internal error (BSD `EX_SOFTWARE`). */
  internal: 70,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Exit-code table as printed in `--help` and the docs. */
export const EXIT_CODES_HELP = `Exit status: 0 ok, 1 check failed, 2 usage/input/IO error, 3 TensorRT/CUDA/compiler/onnxruntime missing,
70 unexpected error (rerun with ONNX_SURGEON_DEBUG=1 for a stack trace).`;

/**
 * The exit code for an error that reached the command line: a missing toolchain is 3, a failed
 * check (contract violation, a site that had to be fused, onnxruntime or TensorRT refusing the
 * model) is 1, bad input and IO are 2, anything that is not an {@link OnnxSurgeonError} (or is one
 * of code `internal`) is 70.
 */
export function exitCodeForError(error: unknown): ExitCode {
  if (error instanceof ToolchainMissingError) return EXIT.toolchainMissing;
  if (!(error instanceof OnnxSurgeonError)) return EXIT.internal;
  switch (error.code) {
    case 'contract':
    case 'pattern':
    case 'native':
    case 'runtime':
      return EXIT.checkFailed;
    case 'internal':
      return EXIT.internal;
    default:
      return EXIT.usage;
  }
}
