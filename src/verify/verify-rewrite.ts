/**
 * `verifyRewrite`: numeric proof of a rewrite on CPU, without TensorRT. Both models run in
 * onnxruntime on the same inputs (plugin nodes expanded into standard ops) and every output of
 * the rewritten model is compared with every reference there is: the original model, and the
 * expected outputs (goldens) when given. Where onnxruntime refuses the original only because of
 * float64 GridSample inputs (static TorchScript exports), a repaired copy of it is the reference
 * (repair.ts says why that is fair); the report says so.
 */
import { OnnxSurgeonError } from '../errors.js';
import { type Model, type Tensor, cloneModel } from '../ir/index.js';
import type { NamedTensors } from '../io/npz.js';
import { TENSOR_FILE_FORMATS, type TensorFileFormat, readTensorFiles } from '../io/tensor-files.js';
import type { ExpandReport } from '../plugins/index.js';
import { loadModel } from '../serde/index.js';
import { type OutputComparison, compareOutput, missingOutput } from './compare.js';
import { type DefaultedDim, type ShapeBindings, requiredInputs, resolveInputShapes } from './input-shapes.js';
import { type InputSummary, checkInputs, randomInputs, summarizeInputs, toTensorMap } from './inputs.js';
import { loadOnnxRuntime } from './onnxruntime.js';
import { type RepairReport, planOnnxruntimeRepair, repairForOnnxruntime } from './repair.js';
import { firstLine, runModel, type RunResult } from './run.js';
import { type ToleranceOverrides, describeTolerances } from './tolerance.js';

/**
 * Which references the rewritten model is judged against.
 *
 * @group Verification
 */
export type ReferenceChoice = 'auto' | 'original' | 'expected';

/**
 * Options of {@link verifyRewrite}.
 *
 * @group Checks
 */
export interface VerifyOptions {
  /** Input data: a path in any form `readTensorFiles` reads, or tensors. Default: random from {@link VerifyOptions.seed}. */
  inputs?: string | NamedTensors;
  /** Expected outputs (goldens), same forms as {@link VerifyOptions.inputs}. Needs {@link VerifyOptions.inputs}. */
  expected?: string | NamedTensors;
  /** `auto` (default): the original (repaired if needed) and the expected outputs, each that is there. `original` or `expected`: that one only. */
  reference?: ReferenceChoice;
  /** Seed of random inputs (default 0). */
  seed?: number;
  /** Sizes of symbolic dims for random inputs: `{ batch: 2 }` or `{ pixel_values: [1, 3, 64, 64] }`. */
  shapes?: ShapeBindings;
  /** Relative tolerance for every output (default: by element type, see `DEFAULT_TOLERANCES_BY_DTYPE`). */
  rtol?: number;
  /** Absolute tolerance for every output (default: by element type). */
  atol?: number;
  /** NaN at the same position on both sides counts as equal (default false). */
  nanEqual?: boolean;
  /** Repair verify's own copy of a model onnxruntime refuses for float64 GridSample inputs (default true). */
  repair?: boolean;
}

/**
 * Where a set of tensors came from.
 *
 * @group Verification
 */
export interface VerifyDataSource {
  /** `files`: read from {@link VerifyDataSource.path}; `given`: tensors passed in; `random`: generated from {@link VerifyDataSource.seed}. */
  source: 'files' | 'given' | 'random';
  /** The path read. */
  path?: string;
  /** The form it was read in. */
  format?: TensorFileFormat;
  /** What was taken from a source holding more (`test_data_set_0`, `iteration 1 of 3`). */
  note?: string;
  /** Seed of random inputs. */
  seed?: number;
  /** Name, element type and shape of every tensor. */
  tensors: InputSummary[];
}

/**
 * What both models ran on.
 *
 * @group Verification
 */
export interface VerifyInputs extends VerifyDataSource {
  /** Batch dims that got the default size (random inputs only). */
  defaulted: DefaultedDim[];
}

/**
 * The outcome against one reference.
 *
 * @group Verification
 */
export interface ReferenceComparison {
  /** What was compared with what: the rewritten model with the original or the expected outputs, or the original with the expected outputs. */
  compared: 'rewritten-original' | 'rewritten-expected' | 'original-expected';
  /** `pass`, `fail` (values or shapes differ) or `error` (an output on one side only). */
  verdict: 'pass' | 'fail' | 'error';
  /** One line. */
  summary: string;
  /** One entry per output name of either side. */
  outputs: OutputComparison[];
}

/**
 * Milliseconds spent in each phase.
 *
 * @group Verification
 */
export interface VerifyTimings {
  /** Loading the models (0 for models passed in). */
  loadMs: number;
  /** Reading or generating inputs and reading expected outputs. */
  inputsMs: number;
  /** Copy, expansion, repair, session creation and run(s) of the original (0 when it was not run). */
  originalMs: number;
  /** The same for the rewritten model. */
  rewrittenMs: number;
  /** Element-wise comparison. */
  compareMs: number;
  /** Everything. */
  totalMs: number;
}

/**
 * The outcome of {@link verifyRewrite}.
 *
 * @group Checks
 */
export interface VerifyReport {
  /**
   * `pass`: every output within tolerance of every reference (a miss of the expected outputs that
   * the original shares is the runtime's, not the rewrite's, and is reported without failing).
   * `fail`: numbers or shapes differ, or the rewritten model does not run where the original
   * does. `error`: nothing was verified (no reference; neither model runs) or an output exists on
   * one side only.
   */
  verdict: 'pass' | 'fail' | 'error';
  /** One line saying why. */
  summary: string;
  /** The first reference the rewritten model was compared with (`null` when none could be). */
  reference: 'original' | 'expected' | null;
  /** The comparison with {@link VerifyReport.reference}, one entry per output. */
  outputs: OutputComparison[];
  /** The rewritten model against the expected outputs too, when the reference is the original and expected outputs were given. */
  expectedComparison?: ReferenceComparison;
  /** The original against the expected outputs (same condition): tells a rewrite's miss of the goldens from the runtime's. */
  originalVsExpected?: ReferenceComparison;
  /** `original cannot run in onnxruntime: ...` as it is, when so (also when a repaired copy then ran; then it is `repairs.original.reason`). */
  originalError?: string;
  /** `rewritten cannot run in onnxruntime: ...`, when so. */
  rewrittenError?: string;
  /** Repairs made to verify's copies so that onnxruntime runs them (see repair.ts). */
  repairs: { original?: RepairReport; rewritten?: RepairReport };
  /** Tolerances given by the caller; the rest follow each output's element type (see each output's `tolerances`). */
  tolerances: ToleranceOverrides & { nanEqual: boolean };
  /** What both models ran on. */
  inputs: VerifyInputs;
  /** Where the expected outputs came from, when given. */
  expected?: VerifyDataSource;
  /** Custom ops expanded before running each model. */
  expanded: { original?: ExpandReport; rewritten?: ExpandReport };
  timings: VerifyTimings;
}

/**
 * Runs the original and the rewritten model on the same inputs in onnxruntime (CPU) and compares
 * every output under `|rewritten - reference| <= atol + rtol * |reference|`, with tolerances by
 * each output's element type unless given. Plugin nodes (e.g.
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
 * report.reference;                        // 'original' (a repaired copy for a float64-grid TorchScript export)
 * report.expectedComparison?.verdict;      // 'pass': the goldens were compared too
 * report.outputs[0]?.tolerances;           // { rtol: 0.0001, atol: 0.00001, dtype: 'float', ... }
 * ```
 * @example
 * ```ts
 * // Random inputs for a model with dynamic dims: bind them (a batch dim defaults to 2).
 * await verifyRewrite('enc.onnx', 'enc.fused.onnx', { seed: 3, shapes: { h0: 32, w0: 32 } });
 * ```
 * @group Checks
 */
export async function verifyRewrite(original: Model | string, rewritten: Model | string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const tolerances = checkTolerances(options);
  const choice = options.reference ?? 'auto';
  if (choice === 'expected' && options.expected === undefined) {
    throw new OnnxSurgeonError('usage', "reference 'expected' needs expected outputs", { expected: '--expected DIR|FILE' });
  }
  if (options.expected !== undefined && options.inputs === undefined) {
    // Goldens belong to the inputs they were computed from; random inputs would compare noise.
    throw new OnnxSurgeonError('usage', 'expected outputs need the inputs they were computed from', { expected: '--inputs DIR|FILE with --expected' });
  }
  // Without onnxruntime nothing can be verified: say how to install it before reading any model.
  await loadOnnxRuntime();

  const originalModel = typeof original === 'string' ? await loadModel(original) : original;
  const rewrittenModel = typeof rewritten === 'string' ? await loadModel(rewritten) : rewritten;
  const loaded = performance.now();

  const { feeds, inputs } = prepareInputs(originalModel, options);
  const expected = readExpected(originalModel, options.expected);
  const prepared = performance.now();

  const report: VerifyReport = {
    verdict: 'error', summary: '', reference: null, outputs: [], repairs: {}, tolerances, inputs, expanded: {},
    ...(expected ? { expected: expected.source } : {}),
    timings: { loadMs: loaded - started, inputsMs: prepared - loaded, originalMs: 0, rewrittenMs: 0, compareMs: 0, totalMs: 0 },
  };
  const finish = (verdict: VerifyReport['verdict'], summary: string): VerifyReport => {
    report.verdict = verdict;
    report.summary = summary;
    report.timings.totalMs = performance.now() - started;
    return report;
  };
  const newInputs = requiredInputs(rewrittenModel).filter((v) => !feeds.has(v.name)).map((v) => v.name);
  if (newInputs.length) return finish('error', `the rewritten model has input(s) the original does not: ${newInputs.join(', ')}`);

  const repairAllowed = options.repair !== false;
  let originalOutputs: Map<string, Tensor> | undefined;
  if (choice !== 'expected') {
    const t = performance.now();
    const run = await runWithRepair(originalModel, feeds, 'original', repairAllowed);
    report.timings.originalMs = performance.now() - t;
    if (run.repair) report.repairs.original = run.repair;
    if (run.result) {
      report.expanded.original = run.result.expanded;
      originalOutputs = run.result.outputs;
      if (run.repair) report.originalError = run.repair.reason;
    } else {
      report.originalError = run.error!;
    }
  }
  const primary = originalOutputs ?? (choice !== 'original' ? expected?.tensors : undefined);
  if (!primary) {
    const hint = choice === 'original' ? '' : '; give expected outputs (--expected DIR|FILE) to compare against';
    return finish('error', `${report.originalError ?? 'nothing to compare against'}${hint}`);
  }
  report.reference = originalOutputs ? 'original' : 'expected';

  const t = performance.now();
  // The rewritten model gets the repair only where the original needed it: then what onnxruntime
  // refuses in it is what the rewrite left untouched (e.g. an unfused float64 GridSample).
  const rewrittenRun = await runWithRepair(rewrittenModel, feeds, 'rewritten', repairAllowed && report.repairs.original !== undefined);
  report.timings.rewrittenMs = performance.now() - t;
  if (rewrittenRun.repair && rewrittenRun.result) report.repairs.rewritten = rewrittenRun.repair;
  if (!rewrittenRun.result) {
    report.rewrittenError = rewrittenRun.error!;
    // A rewrite that breaks a model onnxruntime ran is a failure. Where the original did not run
    // either, the cause may be an untouched part of the model, so the rewrite is unverified.
    return report.reference === 'original'
      ? finish('fail', report.rewrittenError)
      : finish('error', `${report.rewrittenError} (the original cannot run either, so nothing was verified)`);
  }
  report.expanded.rewritten = rewrittenRun.result.expanded;
  const actual = rewrittenRun.result.outputs;

  const compareStarted = performance.now();
  const first = compareAll(report.reference === 'original' ? 'rewritten-original' : 'rewritten-expected', actual, primary, tolerances);
  report.outputs = first.outputs;
  if (report.reference === 'original' && expected && choice === 'auto') {
    report.expectedComparison = compareAll('rewritten-expected', actual, expected.tensors, tolerances);
    report.originalVsExpected = compareAll('original-expected', originalOutputs!, expected.tensors, tolerances);
  }
  report.timings.compareMs = performance.now() - compareStarted;
  return finish(...judge(report, first));
}

/**
 * A run as it is and, where onnxruntime refuses it and the repair applies, a run of a repaired
 * copy. `error` words the failure of the last attempt (both, when the repaired copy fails too).
 */
async function runWithRepair(model: Model, feeds: ReadonlyMap<string, Tensor>, label: string, repairAllowed: boolean):
Promise<{ result?: RunResult; error?: string; repair?: RepairReport }> {
  const attempt = async (m: Model, as: string): Promise<{ result?: RunResult; error?: string }> => {
    try {
      return { result: await runModel(m, feeds, { label: as }) };
    } catch (error) {
      if (error instanceof OnnxSurgeonError && error.code === 'usage') throw error;
      return { error: error instanceof OnnxSurgeonError && error.code === 'runtime' ? error.detail : `${as} cannot run in onnxruntime: ${firstLine(error)}` };
    }
  };
  const asIs = await attempt(model, label);
  if (asIs.result || !repairAllowed || !planOnnxruntimeRepair(model.graph).length) return asIs;
  const copy = cloneModel(model);
  const repair: RepairReport = { ...repairForOnnxruntime(copy.graph), reason: asIs.error! };
  const repaired = await attempt(copy, `its repaired copy`);
  return repaired.result ? { result: repaired.result, repair } : { error: `${asIs.error}; ${repaired.error}`, repair };
}

/** Compares every output of `actual` with `reference` (and names the reference's extras). */
function compareAll(compared: ReferenceComparison['compared'], actual: ReadonlyMap<string, Tensor>, reference: ReadonlyMap<string, Tensor>, tolerances: ToleranceOverrides): ReferenceComparison {
  const outputs: OutputComparison[] = [];
  for (const [name, tensor] of actual) {
    const ref = reference.get(name);
    outputs.push(ref ? compareOutput(name, tensor, ref, tolerances) : missingOutput(name, 'reference', tensor));
  }
  for (const [name, tensor] of reference) if (!actual.has(name)) outputs.push(missingOutput(name, 'rewritten', tensor));
  const verdict = !outputs.length || outputs.some((o) => o.status === 'error') ? 'error' : outputs.some((o) => o.status === 'fail') ? 'fail' : 'pass';
  return { compared, verdict, outputs, summary: summarizeComparison(compared, verdict, outputs) };
}

const AGAINST: Readonly<Record<ReferenceComparison['compared'], string>> = {
  'rewritten-original': 'the original', 'rewritten-expected': 'the expected outputs', 'original-expected': 'the expected outputs (the original)',
};

function summarizeComparison(compared: ReferenceComparison['compared'], verdict: ReferenceComparison['verdict'], outputs: readonly OutputComparison[]): string {
  if (!outputs.length) return 'the models have no outputs to compare';
  if (verdict !== 'pass') return outputs.filter((o) => o.status !== 'pass').map((o) => `${o.name}: ${o.reason}`).join('; ');
  const maxAbs = Math.max(...outputs.map((o) => o.stats?.maxAbsError ?? 0));
  const maxRel = Math.max(...outputs.map((o) => o.stats?.maxRelError ?? 0));
  const within = withinTolerances(outputs);
  return `${outputs.length} output(s) match ${AGAINST[compared]} within ${within} (max abs error ${maxAbs.toExponential(2)}, max rel error ${maxRel.toExponential(2)})`;
}

/** The verdict and summary from every comparison made. */
function judge(report: VerifyReport, first: ReferenceComparison): [VerifyReport['verdict'], string] {
  const against = report.reference === 'original' && report.repairs.original ? ' (a repaired copy)' : '';
  const firstSummary = first.verdict === 'pass' ? first.summary.replace(/^(\d+ output\(s\) match the original)/, `$1${against}`) : first.summary;
  const second = report.expectedComparison;
  if (first.verdict !== 'pass' || !second) return [first.verdict, firstSummary];
  if (second.verdict === 'pass') {
    const within = withinTolerances(first.outputs);
    return ['pass', `${first.outputs.length} output(s) match the original${against} and the expected outputs within ${within} ` +
      `(max abs error ${maxAbs(first).toExponential(2)} against the original, ${maxAbs(second).toExponential(2)} against the expected outputs)`];
  }
  if (second.verdict === 'fail' && report.originalVsExpected?.verdict === 'fail') {
    // Within tolerance of the original, which misses the goldens itself: onnxruntime and the
    // goldens' runtime differ, the rewrite does not.
    return ['pass', `${firstSummary}; neither model matches the expected outputs (original: max abs error ${maxAbs(report.originalVsExpected).toExponential(2)}), so the miss is not the rewrite's`];
  }
  return [second.verdict, `against the expected outputs: ${second.summary}`];
}

/** `float32 defaults (...)`, or per group where outputs were judged differently: `float16 defaults (...) for logits; float32 ... for boxes`. */
function withinTolerances(outputs: readonly OutputComparison[]): string {
  const groups = new Map<string, string[]>();
  for (const o of outputs) {
    const key = describeTolerances(o.tolerances!);
    groups.set(key, [...(groups.get(key) ?? []), o.name]);
  }
  return groups.size === 1 ? [...groups.keys()][0]! : [...groups].map(([what, names]) => `${what} for ${names.join(', ')}`).join('; ');
}

function maxAbs(comparison: ReferenceComparison): number {
  return Math.max(0, ...comparison.outputs.map((o) => o.stats?.maxAbsError ?? 0));
}

function checkTolerances(options: VerifyOptions): ToleranceOverrides & { nanEqual: boolean } {
  for (const key of ['rtol', 'atol'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new OnnxSurgeonError('usage', `${key} must be a finite number >= 0`, { expected: `--${key} 1e-4`, found: String(value) });
    }
  }
  return {
    ...(options.rtol !== undefined ? { rtol: options.rtol } : {}),
    ...(options.atol !== undefined ? { atol: options.atol } : {}),
    nanEqual: options.nanEqual ?? false,
  };
}

function prepareInputs(model: Model, options: VerifyOptions): { feeds: Map<string, Tensor>; inputs: VerifyInputs } {
  if (options.inputs === undefined) {
    const seed = options.seed ?? 0;
    const shapes = options.shapes ?? {};
    const feeds = randomInputs(model, { seed, shapes });
    return { feeds, inputs: { source: 'random', seed, tensors: summarizeInputs(feeds), defaulted: resolveInputShapes(model, shapes).defaulted } };
  }
  if (typeof options.inputs !== 'string') {
    const feeds = toTensorMap(options.inputs);
    checkInputs(model, feeds);
    return { feeds, inputs: { source: 'given', tensors: summarizeInputs(feeds), defaulted: [] } };
  }
  const read = readTensorFiles(options.inputs, { role: 'inputs', names: requiredInputs(model).map((v) => v.name) });
  checkInputs(model, read.tensors, options.inputs);
  return { feeds: read.tensors, inputs: { ...fileSource(read), tensors: summarizeInputs(read.tensors), defaulted: [] } };
}

function readExpected(model: Model, expected: VerifyOptions['expected']): { tensors: Map<string, Tensor>; source: VerifyDataSource } | undefined {
  if (expected === undefined) return undefined;
  if (typeof expected !== 'string') {
    const tensors = toTensorMap(expected);
    return { tensors, source: { source: 'given', tensors: summarizeInputs(tensors) } };
  }
  const read = readTensorFiles(expected, { role: 'outputs', names: model.graph.outputs.map((v) => v.name) });
  return { tensors: read.tensors, source: { ...fileSource(read), tensors: summarizeInputs(read.tensors) } };
}

function fileSource(read: ReturnType<typeof readTensorFiles>): Omit<VerifyDataSource, 'tensors'> {
  return { source: 'files', path: read.path, format: read.format, ...(read.note ? { note: read.note } : {}) };
}

/**
 * How a data source reads in a report line: `inputs/ (.npy folder)`, `random (seed 0)`.
 *
 * @example
 * ```ts
 * const report = await verifyRewrite('model.onnx', 'fused.onnx', { inputs: 'test_data_set_0' });
 * describeDataSource(report.inputs); // 'test_data_set_0 (ONNX test data)'
 * ```
 * @group Verification
 */
export function describeDataSource(source: VerifyDataSource): string {
  if (source.source === 'random') return `random (seed ${source.seed})`;
  if (source.source === 'given') return 'given tensors';
  const details = [source.format ? TENSOR_FILE_FORMATS[source.format] : undefined, source.note].filter(Boolean).join(', ');
  return details ? `${source.path} (${details})` : source.path!;
}
