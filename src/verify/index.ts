/**
 * `verifyRewrite`: numeric proof of a rewrite on CPU, without TensorRT. Both models run in
 * onnxruntime on the same inputs (plugin nodes expanded into standard ops), and every output of
 * the rewritten model is compared with the original's under explicit tolerances. Where the
 * original cannot run in onnxruntime (e.g. a TorchScript export whose GridSample gets a float64
 * grid), the rewritten model is compared with expected outputs (goldens) instead.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Model, Tensor } from '../ir/index.js';
import type { NamedTensors } from '../io/npz.js';
import type { ExpandReport } from '../plugins/index.js';
import { loadModel } from '../serde/index.js';
import { DEFAULT_TOLERANCES, type OutputComparison, type Tolerances, compareOutput, missingOutput } from './compare.js';
import { type InputSummary, type ShapeBindings, checkInputs, randomInputs, readTensors, requiredInputs, summarizeInputs, toTensorMap } from './inputs.js';
import { loadOnnxRuntime } from './onnxruntime.js';
import { firstLine, runModel } from './run.js';

export { DEFAULT_TOLERANCES, RELATIVE_ERROR_FLOOR, compareOutput, missingOutput, toFloat64, type ErrorStats, type OutputComparison, type TensorSummary, type Tolerances } from './compare.js';
export { RANDOM_FLOAT_RANGE, RANDOM_INT_LIMIT, checkInputs, concreteShape, parseShapeBinding, randomInputs, readTensors, requiredInputs, type InputSummary, type RandomInputOptions, type ShapeBindings } from './inputs.js';
export { firstLine, runModel, type RunOptions, type RunResult } from './run.js';
// The archive format inputs and goldens travel in, public with the rest of verification.
export { formatNpz, parseNpz, readNpz, writeNpz, type NamedTensors, type NpzWriteOptions } from '../io/npz.js';

/** Which outputs the rewritten model is judged against. */
export type ReferenceChoice = 'auto' | 'original' | 'expected';

/** Options of {@link verifyRewrite}. */
export interface VerifyOptions {
  /** Input data: a folder of `<input>.npy`, an `.npz`, or tensors. Default: random from {@link VerifyOptions.seed}. */
  inputs?: string | NamedTensors;
  /** Expected outputs (goldens): a folder of `<output>.npy`, an `.npz`, or tensors. Used when the original cannot run, or with `reference: 'expected'`. Needs {@link VerifyOptions.inputs}. */
  expected?: string | NamedTensors;
  /** `auto` (default): the original where onnxruntime runs it, else {@link VerifyOptions.expected}. */
  reference?: ReferenceChoice;
  /** Seed of random inputs (default 0). */
  seed?: number;
  /** Sizes of symbolic dims for random inputs: `{ batch: 2 }` or `{ pixel_values: [1, 3, 64, 64] }`. */
  shapes?: ShapeBindings;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** NaN at the same position on both sides counts as equal (default false). */
  nanEqual?: boolean;
}

/** Where the inputs came from and what they were. */
export interface VerifyInputs {
  /** `files`: read from {@link VerifyInputs.path}; `given`: tensors passed in; `random`: generated from {@link VerifyInputs.seed}. */
  source: 'files' | 'given' | 'random';
  /** The folder or `.npz` the inputs were read from. */
  path?: string;
  /** Seed of random inputs. */
  seed?: number;
  /** Name, element type and shape of every input fed. */
  tensors: InputSummary[];
}

/** Milliseconds spent in each phase. */
export interface VerifyTimings {
  /** Loading the models (0 for models passed in). */
  loadMs: number;
  /** Reading or generating inputs and reading expected outputs. */
  inputsMs: number;
  /** Copy, expansion, session creation and run of the original (0 when it was not run). */
  originalMs: number;
  /** The same for the rewritten model. */
  rewrittenMs: number;
  /** Element-wise comparison. */
  compareMs: number;
  /** Everything. */
  totalMs: number;
}

/** The outcome of {@link verifyRewrite}. */
export interface VerifyReport {
  /**
   * `pass`: every output within tolerance. `fail`: numbers or shapes differ, or the rewritten
   * model does not run where the original does. `error`: nothing was verified (no reference; the
   * rewritten model does not run and neither does the original) or an output exists on one side only.
   */
  verdict: 'pass' | 'fail' | 'error';
  /** One line saying why. */
  summary: string;
  /** What the rewritten model was compared with (`null` when nothing could be). */
  reference: 'original' | 'expected' | null;
  /** `original cannot run in onnxruntime: <first line of onnxruntime's message>`, when so. */
  originalError?: string;
  /** `rewritten cannot run in onnxruntime: ...`, when so (verdict `fail`, or `error` when the original cannot run either). */
  rewrittenError?: string;
  /** Tolerances the outputs were judged with. */
  tolerances: Tolerances;
  /** What both models ran on. */
  inputs: VerifyInputs;
  /** One entry per output name of either side: rewritten model's order, then the reference's extras. */
  outputs: OutputComparison[];
  /** Custom ops expanded before running each model. */
  expanded: { original?: ExpandReport; rewritten?: ExpandReport };
  timings: VerifyTimings;
}

/**
 * Runs the original and the rewritten model on the same inputs in onnxruntime (CPU) and compares
 * every output under `|rewritten - reference| <= atol + rtol * |reference|`. Plugin nodes (e.g.
 * `MultiscaleDeformableAttnPlugin_TRT`) are expanded into standard ops on private copies; the
 * models passed in are not changed. Bad arguments and unreadable files throw
 * `OnnxSurgeonError` ('usage', 'io', 'decode'), a missing onnxruntime-node (an optional peer
 * dependency) `ToolchainMissingError`; everything about the models themselves is in the report.
 *
 * @example
 * ```ts
 * const original = await loadModel('detr.onnx');
 * const fused = await loadModel('detr.onnx');
 * fuseMsda(fused);
 * const report = await verifyRewrite(original, fused, { inputs: 'inputs/', expected: 'goldens.npz' });
 * report.verdict;                          // 'pass'
 * report.reference;                        // 'expected' when the original cannot run in onnxruntime
 * report.outputs[0]?.stats?.maxAbsError;   // e.g. 2.4e-7
 * ```
 * @example
 * ```ts
 * // Random inputs for a model with dynamic dims: bind them.
 * await verifyRewrite('enc.onnx', 'enc.fused.onnx', { seed: 3, shapes: { batch: 2, h0: 32, w0: 32 } });
 * ```
 */
export async function verifyRewrite(original: Model | string, rewritten: Model | string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const tolerances = resolveTolerances(options);
  const choice = options.reference ?? 'auto';
  if (choice === 'expected' && options.expected === undefined) {
    throw new OnnxSurgeonError('usage', "reference 'expected' needs expected outputs", { expected: '--expected DIR|FILE.npz' });
  }
  if (options.expected !== undefined && options.inputs === undefined) {
    // Goldens belong to the inputs they were computed from; random inputs would compare noise.
    throw new OnnxSurgeonError('usage', 'expected outputs need the inputs they were computed from', { expected: '--inputs DIR|FILE.npz with --expected' });
  }
  // Without onnxruntime nothing can be verified: say how to install it before reading any model.
  await loadOnnxRuntime();

  const originalModel = typeof original === 'string' ? await loadModel(original) : original;
  const rewrittenModel = typeof rewritten === 'string' ? await loadModel(rewritten) : rewritten;
  const loaded = performance.now();

  const { feeds, inputs } = prepareInputs(originalModel, options);
  const newInputs = requiredInputs(rewrittenModel).filter((v) => !feeds.has(v.name)).map((v) => v.name);
  const expected = options.expected === undefined ? undefined
    : typeof options.expected === 'string' ? readTensors(options.expected) : toTensorMap(options.expected);
  const prepared = performance.now();

  const report: VerifyReport = {
    verdict: 'error', summary: '', reference: null, tolerances, inputs, outputs: [], expanded: {},
    timings: { loadMs: loaded - started, inputsMs: prepared - loaded, originalMs: 0, rewrittenMs: 0, compareMs: 0, totalMs: 0 },
  };
  const finish = (verdict: VerifyReport['verdict'], summary: string): VerifyReport => {
    report.verdict = verdict;
    report.summary = summary;
    report.timings.totalMs = performance.now() - started;
    return report;
  };
  if (newInputs.length) {
    return finish('error', `the rewritten model has input(s) the original does not: ${newInputs.join(', ')}`);
  }

  let reference: Map<string, Tensor> | undefined;
  if (choice !== 'expected') {
    const t = performance.now();
    try {
      const run = await runModel(originalModel, feeds, { label: 'original' });
      report.expanded.original = run.expanded;
      reference = run.outputs;
      report.reference = 'original';
    } catch (error) {
      if (error instanceof OnnxSurgeonError && error.code === 'usage') throw error;
      // runModel words onnxruntime failures as 'original cannot run in onnxruntime: ...'.
      report.originalError = error instanceof OnnxSurgeonError && error.code === 'runtime'
        ? error.detail : `original cannot run in onnxruntime: ${firstLine(error)}`;
    }
    report.timings.originalMs = performance.now() - t;
  }
  if (!reference && choice !== 'original' && expected) {
    reference = expected;
    report.reference = 'expected';
  }
  if (!reference) {
    const hint = choice === 'original' ? '' : '; give expected outputs (--expected DIR|FILE.npz) to compare against';
    return finish('error', `${report.originalError ?? 'nothing to compare against'}${hint}`);
  }

  const t = performance.now();
  let actual: Map<string, Tensor>;
  try {
    const run = await runModel(rewrittenModel, feeds, { label: 'rewritten' });
    report.expanded.rewritten = run.expanded;
    actual = run.outputs;
  } catch (error) {
    if (error instanceof OnnxSurgeonError && error.code === 'usage') throw error;
    report.rewrittenError = error instanceof OnnxSurgeonError && error.code === 'runtime'
      ? error.detail : `rewritten cannot run: ${firstLine(error)}`;
    report.timings.rewrittenMs = performance.now() - t;
    // A rewrite that breaks a model onnxruntime ran is a failure. Where the original did not run
    // either, the cause may be an untouched part of the model (e.g. an unfused float64
    // GridSample), so the rewrite is unverified rather than proven wrong.
    return report.reference === 'original'
      ? finish('fail', report.rewrittenError)
      : finish('error', `${report.rewrittenError} (the original cannot run either, so nothing was verified)`);
  }
  report.timings.rewrittenMs = performance.now() - t;

  const compareStarted = performance.now();
  for (const [name, tensor] of actual) {
    const ref = reference.get(name);
    report.outputs.push(ref ? compareOutput(name, tensor, ref, tolerances) : missingOutput(name, 'reference', tensor));
  }
  for (const [name, tensor] of reference) if (!actual.has(name)) report.outputs.push(missingOutput(name, 'rewritten', tensor));
  report.timings.compareMs = performance.now() - compareStarted;
  return finish(verdictOf(report.outputs), summarize(report));
}

function resolveTolerances(options: VerifyOptions): Tolerances {
  const tolerances: Tolerances = {
    rtol: options.rtol ?? DEFAULT_TOLERANCES.rtol,
    atol: options.atol ?? DEFAULT_TOLERANCES.atol,
    nanEqual: options.nanEqual ?? DEFAULT_TOLERANCES.nanEqual,
  };
  for (const key of ['rtol', 'atol'] as const) {
    const value = tolerances[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new OnnxSurgeonError('usage', `${key} must be a finite number >= 0`, { expected: `--${key} 1e-4`, found: String(value) });
    }
  }
  return tolerances;
}

function prepareInputs(model: Model, options: VerifyOptions): { feeds: Map<string, Tensor>; inputs: VerifyInputs } {
  if (options.inputs === undefined) {
    const seed = options.seed ?? 0;
    const feeds = randomInputs(model, { seed, ...(options.shapes ? { shapes: options.shapes } : {}) });
    return { feeds, inputs: { source: 'random', seed, tensors: summarizeInputs(feeds) } };
  }
  const fromFiles = typeof options.inputs === 'string';
  const feeds = typeof options.inputs === 'string' ? readTensors(options.inputs) : toTensorMap(options.inputs);
  checkInputs(model, feeds, fromFiles ? options.inputs as string : undefined);
  return {
    feeds,
    inputs: fromFiles ? { source: 'files', path: options.inputs as string, tensors: summarizeInputs(feeds) } : { source: 'given', tensors: summarizeInputs(feeds) },
  };
}

function verdictOf(outputs: readonly OutputComparison[]): VerifyReport['verdict'] {
  if (!outputs.length || outputs.some((o) => o.status === 'error')) return 'error';
  return outputs.some((o) => o.status === 'fail') ? 'fail' : 'pass';
}

function summarize(report: VerifyReport): string {
  const { outputs, tolerances } = report;
  const against = report.reference === 'expected' ? 'the expected outputs' : 'the original';
  if (!outputs.length) return 'the models have no outputs to compare';
  const bad = outputs.filter((o) => o.status !== 'pass');
  if (bad.length) return bad.map((o) => `${o.name}: ${o.reason}`).join('; ');
  const maxAbs = Math.max(...outputs.map((o) => o.stats?.maxAbsError ?? 0));
  const maxRel = Math.max(...outputs.map((o) => o.stats?.maxRelError ?? 0));
  return `${outputs.length} output(s) match ${against} within rtol ${tolerances.rtol}, atol ${tolerances.atol} ` +
    `(max abs error ${maxAbs.toExponential(2)}, max rel error ${maxRel.toExponential(2)})`;
}
