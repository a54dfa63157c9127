/**
 * What a compiled builder says about itself (`--version`: one start event): the TensorRT it was
 * compiled against and what that TensorRT offers. Asked before every build, because the plan
 * (weak or strong typing, plugin versions, opset limit) depends on it.
 */
import { OnnxSurgeonError } from '../errors.js';
import { BUILDER_PROTOCOL } from './events.js';
import { runBuilder } from './run-builder.js';
import { type StrongTyping, type TensorRtFeatures, parseTensorRtVersion, tensorRtFeatures } from './tensorrt-features.js';

/**
 * The builder's own account.
 *
 * @group Native builder
 */
export interface BuilderInfo {
  /** TensorRT version compiled against (`10.13.0`). */
  tensorrt: string;
  /** Features of that version, with typing as the binary reports it. */
  features: TensorRtFeatures;
}

/**
 * Runs `binary --version` and reads its start event.
 *
 * @example
 * ```ts
 * const { tensorrt, features } = await queryBuilder('/path/onnx-surgeon-trt-builder');
 * ```
 * @group Native builder
 */
export async function queryBuilder(binary: string): Promise<BuilderInfo> {
  const run = await runBuilder(binary, ['--version']);
  const start = run.events.find((e) => e.event === 'start');
  if (!start || start.event !== 'start') {
    const tail = run.stderrTail.slice(-5).join('\n');
    throw new OnnxSurgeonError('native', `the TensorRT builder ${binary} did not report its version${tail ? `; its output:\n${tail}` : ''}`, { file: binary });
  }
  if (start.protocol !== BUILDER_PROTOCOL) {
    throw new OnnxSurgeonError('native',
      `the builder ${binary} speaks protocol ${start.protocol}, this onnx-surgeon expects ${BUILDER_PROTOCOL}; delete it to have it rebuilt`);
  }
  const version = parseTensorRtVersion(start.tensorrt);
  if (!version) throw new OnnxSurgeonError('native', `the builder ${binary} reports TensorRT '${start.tensorrt}', not a version`, { file: binary });
  const features = tensorRtFeatures(version.major, version.minor);
  // The binary knows what its headers offered; prefer its word over the table.
  const typing = ['unavailable', 'optional', 'always'].includes(start.strongly_typed) ? (start.strongly_typed as StrongTyping) : features.strongTyping;
  return { tensorrt: start.tensorrt, features: { ...features, strongTyping: typing, fp16BuilderFlag: start.fp16_builder_flag } };
}
