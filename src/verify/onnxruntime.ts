/**
 * onnxruntime-node, loaded on first use only. It is an optional peer dependency: most of
 * onnx-surgeon (fuse, inspect, validate, convert) never runs a model, and the package is 288 MB
 * installed, so `npm i onnx-surgeon` does not bring it and nothing imports it until a model has to
 * run. Without it, the first run fails with one line that says how to install it (exit 3 in the
 * CLI, like a missing TensorRT).
 */
import type * as Ort from 'onnxruntime-node';
import { ToolchainMissingError } from '../trt/toolchain-error.js';

/** The onnxruntime-node module (its namespace: `InferenceSession`, `Tensor`, ...). */
export type OnnxRuntime = typeof Ort;

/**
 * The command that installs a supported onnxruntime-node next to onnx-surgeon; its range is the
 * package's `peerDependencies` entry (a test keeps the two equal).
 */
export const ONNXRUNTIME_INSTALL_COMMAND = 'npm i onnxruntime-node@^1.30.0';

let loading: Promise<OnnxRuntime> | undefined;

/**
 * onnxruntime-node, imported once. Throws {@link ToolchainMissingError} (component
 * `onnxruntime`) when it is not installed or cannot be loaded on this platform.
 *
 * @example
 * ```ts
 * const ort = await loadOnnxRuntime();
 * const session = await ort.InferenceSession.create(modelToBytes(model));
 * ```
 */
export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  // A failed import is not cached: installing the package while a program runs then works.
  loading ??= importOnnxRuntime('onnxruntime-node').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Imports `specifier` as onnxruntime-node (a parameter so tests can name a missing package). */
export async function importOnnxRuntime(specifier: string): Promise<OnnxRuntime> {
  try {
    return (await import(specifier)) as OnnxRuntime;
  } catch (error) {
    if (isNotInstalled(error, specifier)) {
      throw new ToolchainMissingError('onnxruntime',
        `running a model needs onnxruntime-node, an optional peer dependency that is not installed: ${ONNXRUNTIME_INSTALL_COMMAND}`);
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new ToolchainMissingError('onnxruntime',
      `onnxruntime-node is installed but cannot be loaded on this machine: ${message.split('\n', 1)[0]!.trim()}`);
  }
}

/** True when the package itself is missing (not one of its files or its native library). */
function isNotInstalled(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : '';
  return code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${specifier}'`);
}
