/**
 * Runs a model on CPU with onnxruntime-node, the way verification needs it: on a private copy
 * (the caller's model is never touched), with every registered custom op (TensorRT plugin nodes)
 * expanded into standard ONNX ops first, and with results handed back as IR tensors.
 */
import type * as ort from 'onnxruntime-node';
import { OnnxSurgeonError } from '../errors.js';
import { DType, type DTypeCode, type Graph, type Model, Tensor, type TensorArray, dtypeName, graphsWithin } from '../ir/index.js';
import { type ExpandReport, customOpFor, expandCustomOps } from '../plugins/index.js';
import { float32ArrayToFloat16 } from '../ir/float16.js';
import { loadModelFromBytes, modelToBytes } from '../serde/index.js';
import { type OnnxRuntime, loadOnnxRuntime } from './onnxruntime.js';
import { ortMessage } from './ort-message.js';

/**
 * What one run produced.
 *
 * @group Running
 */
export interface RunResult {
  /** Outputs by name, in the model's output order. */
  outputs: Map<string, Tensor>;
  /** Custom-op nodes expanded before the run (`expanded: 0` when there were none). */
  expanded: ExpandReport;
  /** Milliseconds to copy and expand the model and create the session. */
  prepareMs: number;
  /** Milliseconds of `session.run`. */
  runMs: number;
}

/**
 * Options of {@link runModel}.
 *
 * @group Running
 */
export interface RunOptions {
  /** Names the model in error messages (`original`, `rewritten`, a file name). */
  label?: string;
}

const ORT_TYPES: Record<number, ort.Tensor.Type> = {
  [DType.FLOAT]: 'float32', [DType.DOUBLE]: 'float64', [DType.FLOAT16]: 'float16',
  [DType.INT8]: 'int8', [DType.UINT8]: 'uint8', [DType.INT16]: 'int16', [DType.UINT16]: 'uint16',
  [DType.INT32]: 'int32', [DType.UINT32]: 'uint32', [DType.INT64]: 'int64', [DType.UINT64]: 'uint64', [DType.BOOL]: 'bool',
};
const FROM_ORT: Record<string, DTypeCode> = Object.fromEntries(Object.entries(ORT_TYPES).map(([code, type]) => [type, Number(code)]));

/**
 * Runs `model` on `feeds` in onnxruntime (CPU). Feeds the model does not take are ignored; a
 * missing one is an error. Failures of onnxruntime (session creation or run) become
 * `OnnxSurgeonError('runtime')` whose detail is `<label> cannot run in onnxruntime: <first line
 * of onnxruntime's message>`.
 *
 * @example
 * ```ts
 * const { outputs } = await runModel(await loadModel('fused.onnx'), readTensors('inputs/'), { label: 'rewritten' });
 * outputs.get('logits')?.dims; // [1, 20, 2]
 * ```
 * @group Running
 */
export async function runModel(model: Model, feeds: ReadonlyMap<string, Tensor>, options: RunOptions = {}): Promise<RunResult> {
  const label = options.label ?? 'model';
  const runtime = await loadOnnxRuntime();
  const started = performance.now();
  let bytes: Uint8Array;
  let expanded: ExpandReport = { expanded: 0, byOp: {} };
  if (hasCustomOps(model.graph)) {
    // Expansion edits the graph: work on a copy made through the codec so nothing is shared.
    const copy = loadModelFromBytes(modelToBytes(model), model.sourcePath ? { path: model.sourcePath } : {});
    expanded = expandCustomOps(copy);
    bytes = modelToBytes(copy);
  } else {
    bytes = modelToBytes(model);
  }

  let session: ort.InferenceSession;
  silenceLogs(runtime);
  try {
    session = await runtime.InferenceSession.create(bytes, { logSeverityLevel: ORT_FATAL });
  } catch (error) {
    throw runtimeError(label, error);
  }
  const prepareMs = performance.now() - started;
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const tensor = feeds.get(name);
      // Old exporters list initializers as inputs; onnxruntime uses the initializer when not fed.
      if (!tensor && model.graph.value(name)?.initializer) continue;
      if (!tensor) {
        throw new OnnxSurgeonError('usage', `${label} model needs input '${name}', which the given inputs lack`, { tensor: name });
      }
      ortFeeds[name] = toOrtTensor(runtime, tensor, name);
    }
    const runStarted = performance.now();
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run(ortFeeds, { logSeverityLevel: ORT_FATAL });
    } catch (error) {
      throw runtimeError(label, error);
    }
    const runMs = performance.now() - runStarted;
    const outputs = new Map<string, Tensor>();
    for (const name of session.outputNames) outputs.set(name, fromOrtTensor(results[name]!, name));
    return { outputs, expanded, prepareMs, runMs };
  } finally {
    await session.release();
  }
}

/**
 * The first line of an error message (onnxruntime's messages can run to stack dumps).
 *
 * @group Running
 */
export function firstLine(error: unknown): string {
  const message = error instanceof OnnxSurgeonError ? error.message : error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!.trim();
}

function runtimeError(label: string, error: unknown): OnnxSurgeonError {
  const message = error instanceof Error ? error.message : String(error);
  return new OnnxSurgeonError('runtime', `${label} cannot run in onnxruntime: ${ortMessage(message)}`, {}, { cause: error });
}

/** onnxruntime's severity "fatal": the level at which it logs nothing a caller does not also get as an error. */
const ORT_FATAL = 4;

/**
 * onnxruntime logs every failure to stderr itself (`[E:onnxruntime:, sequential_executor.cc:...]`,
 * in red) before throwing it; the thrown error carries the same text, which runtimeError words
 * for the user. Its default logger is created with the first session, so the level is set before
 * every session creation (cheap and idempotent); session and run options cover the per-session
 * loggers.
 */
function silenceLogs(runtime: OnnxRuntime): void {
  runtime.env.logLevel = 'fatal';
}

function hasCustomOps(graph: Graph): boolean {
  for (const g of graphsWithin(graph)) for (const node of g.nodesIter()) if (customOpFor(node)) return true;
  return false;
}

function toOrtTensor(runtime: OnnxRuntime, tensor: Tensor, name: string): ort.Tensor {
  const type = ORT_TYPES[tensor.dtype];
  if (!type) {
    throw new OnnxSurgeonError('usage', `onnxruntime-node cannot take ${dtypeName(tensor.dtype)} input data`, { tensor: name });
  }
  return new runtime.Tensor(type, tensor.data() as ort.Tensor.DataTypeMap[typeof type], [...tensor.dims]);
}

function fromOrtTensor(value: ort.Tensor, name: string): Tensor {
  const dtype = FROM_ORT[value.type];
  if (dtype === undefined) {
    throw new OnnxSurgeonError('runtime', `output of type ${value.type} cannot be compared`, { tensor: name, expected: 'a numeric or bool tensor' });
  }
  let data = value.data as TensorArray | Float32Array;
  // onnxruntime hands float16 out as bits (Uint16Array) where the platform has no Float16Array.
  if (dtype === DType.FLOAT16 && !(data instanceof Uint16Array)) data = float32ArrayToFloat16(data as ArrayLike<number>);
  return Tensor.fromArray(dtype, [...value.dims], data as TensorArray, name);
}
