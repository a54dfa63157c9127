/**
 * Judges one mutant. The truth is the mutant itself run in onnxruntime-node, from its own bytes
 * (so what the IR cannot hold, such as a duplicate attribute, is judged as written). Then
 * fuse-msda runs on it through the public API; if it fused anything, the fused model runs with
 * its plugin nodes expanded into standard ops (the library's expandCustomOps, what verify uses)
 * and every output is compared with the mutant's.
 */
import * as ort from 'onnxruntime-node';
import {
  DType, type DTypeCode, type Model, OnnxSurgeonError, Tensor, expandCustomOps, fuseMsda, loadModelFromBytes, modelToBytes,
} from '../../src/index.js';
import type { TensorArray } from '../../src/ir/index.js';
import { firstLine as firstLineOf, toFloat64 } from '../../src/verify/index.js';
import type { Mutant } from './mutant.js';

/**
 * How a mutant ended. The first five are fine; the last four are failures of fuse-msda.
 * - `fused-equal`: the mutated site was fused and every output equals the mutant's.
 * - `left-alone`: the mutant runs, the mutated site was not fused (other sites may have been;
 *   the outputs were then compared too).
 * - `refused`: the mutant runs, and loading or fuse-msda rejected it with an OnnxSurgeonError.
 * - `invalid-left-alone` / `invalid-refused`: onnxruntime rejects the mutant, and fuse-msda left
 *   the mutated site alone / rejected the model.
 * - `fused-wrong`: fused, and an output differs from the mutant's (a false positive).
 * - `fused-broken`: fused, and the fused model does not run although the mutant does.
 * - `fused-invalid`: onnxruntime rejects the mutant, and fuse-msda fused the mutated site anyway.
 * - `crash`: an exception that is not an OnnxSurgeonError, a refusal that changed the model, or one about a node the input does
 *   not have (the pass broke the graph it built).
 */
export type Outcome =
  | 'fused-equal' | 'left-alone' | 'refused' | 'invalid-left-alone' | 'invalid-refused'
  | 'fused-wrong' | 'fused-broken' | 'fused-invalid' | 'crash';

function firstLine(error: unknown): string {
  return firstLineOf(error).slice(0, 300);
}

export const FAILURES: ReadonlySet<Outcome> = new Set(['fused-wrong', 'fused-broken', 'fused-invalid', 'crash']);

/** The verdict on one mutant. */
export interface MutantResult {
  id: string;
  mutationClass: string;
  outcome: Outcome;
  /** Largest scale-relative output error of the fused model against the mutant (when it ran). */
  maxError?: number;
  /** How far the mutant's outputs are from the unmutated model's (scale-relative): below the tolerance, a fused-equal proves little. */
  effect?: number;
  /** onnxruntime's or fuse-msda's message, first line. */
  detail?: string;
  ms: number;
}

/** What a fixture's mutants are compared with. */
export interface Baseline {
  feeds: ReadonlyMap<string, Tensor>;
  /** The unmutated model's outputs in onnxruntime. */
  original: Map<string, Output>;
  /** Largest scale-relative error accepted as equal. */
  tolerance: number;
}

/**
 * Runs model bytes in onnxruntime (CPU) and returns every output as float64 with its dims. One
 * thread per session: these models are tiny, and creating a thread pool per session costs more
 * than the run (50 ms against 22 ms per session, measured); parallelism comes from the workers.
 */
export async function runBytes(bytes: Uint8Array, feeds: ReadonlyMap<string, Tensor>): Promise<Map<string, Output>> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 4, intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const t = feeds.get(name);
      if (t) ortFeeds[name] = new ort.Tensor(ORT_TYPE[t.dtype]!, t.data() as ort.Tensor.DataTypeMap[ort.Tensor.Type], [...t.dims]);
    }
    const results = await session.run(ortFeeds);
    const out = new Map<string, Output>();
    for (const name of session.outputNames) {
      const r = results[name]!;
      out.set(name, { dims: [...r.dims], values: toFloat64(Tensor.fromArray(FROM_ORT[r.type]!, [...r.dims], r.data as TensorArray), name) });
    }
    return out;
  } finally {
    await session.release();
  }
}

/** One output as float64 values. */
export interface Output {
  dims: number[];
  values: Float64Array;
}

const ORT_TYPE: Record<number, ort.Tensor.Type> = {
  [DType.FLOAT]: 'float32', [DType.FLOAT16]: 'float16', [DType.DOUBLE]: 'float64', [DType.INT64]: 'int64',
  [DType.INT32]: 'int32', [DType.BOOL]: 'bool', [DType.UINT8]: 'uint8', [DType.INT8]: 'int8',
};
const FROM_ORT: Record<string, DTypeCode> = Object.fromEntries(Object.entries(ORT_TYPE).map(([code, type]) => [type, Number(code)]));

/**
 * Largest error of `actual` against `reference` over all outputs, each as max|a-b| / max|b|
 * (relative to the output's scale, so a tiny element does not dominate). A shape mismatch, a NaN
 * on one side only, an infinity that differs, or a missing output is Infinity.
 */
export function maxScaledError(actual: ReadonlyMap<string, Output>, reference: ReadonlyMap<string, Output>): number {
  let worst = 0;
  for (const [name, ref] of reference) {
    const got = actual.get(name);
    if (!got || got.dims.join(',') !== ref.dims.join(',')) return Infinity;
    let scale = 0;
    let error = 0;
    for (let i = 0; i < ref.values.length; i++) {
      const b = ref.values[i]!;
      const a = got.values[i]!;
      if (Number.isNaN(a) || Number.isNaN(b)) {
        if (Number.isNaN(a) !== Number.isNaN(b)) return Infinity;
        continue;
      }
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        if (a !== b) return Infinity;
        continue;
      }
      scale = Math.max(scale, Math.abs(b));
      error = Math.max(error, Math.abs(a - b));
    }
    worst = Math.max(worst, scale > 0 ? error / scale : error);
  }
  return worst;
}

/**
 * The fused model with its plugin nodes expanded into standard ops, as the verify machinery
 * runs it (runModel does the same, but its sessions cannot be made single-threaded).
 */
export function expandedBytes(model: Model): Uint8Array {
  const copy = loadModelFromBytes(modelToBytes(model));
  expandCustomOps(copy);
  return modelToBytes(copy);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Applies a mutant to a fresh copy of the fixture and returns the mutant's bytes. */
export function mutantBytes(fixtureBytes: Uint8Array, mutant: Mutant): Uint8Array {
  const model = loadModelFromBytes(fixtureBytes);
  mutant.apply(model);
  const bytes = modelToBytes(model);
  return mutant.patchBytes ? mutant.patchBytes(bytes) : bytes;
}

/** Judges one mutant (see {@link Outcome}). */
export async function evaluateMutant(fixtureBytes: Uint8Array, mutant: Mutant, baseline: Baseline): Promise<MutantResult> {
  const started = performance.now();
  const result = (outcome: Outcome, extra: Partial<MutantResult> = {}): MutantResult => ({
    id: mutant.id, mutationClass: mutant.mutationClass, outcome, ...extra, ms: Math.round(performance.now() - started),
  });
  const bytes = mutantBytes(fixtureBytes, mutant);

  let truth: Map<string, Output> | undefined;
  let invalidBecause: string | undefined;
  try {
    truth = await runBytes(bytes, baseline.feeds);
  } catch (error) {
    invalidBecause = `onnxruntime: ${firstLine(error)}`;
  }
  const effect = truth ? maxScaledError(truth, baseline.original) : undefined;
  const extra = (more: Partial<MutantResult> = {}): Partial<MutantResult> => ({ ...(effect !== undefined ? { effect } : {}), ...more });

  let fused: Model | undefined;
  let fusedSites: number;
  let inputNodes = new Set<string>();
  try {
    fused = loadModelFromBytes(bytes);
    inputNodes = new Set([...fused.graph.nodesIter()].map((n) => n.label));
    fusedSites = fuseMsda(fused).fused;
  } catch (error) {
    if (!(error instanceof OnnxSurgeonError) || error.code === 'internal') return result('crash', extra({ detail: `fuse-msda: ${firstLine(error)}` }));
    // A refusal is about the input; an error about a node the input does not have is about the
    // graph the pass built itself (e.g. a cycle through its own plugin output): a bug, not a refusal.
    if (inputNodes.size && error.context.node !== undefined && !inputNodes.has(error.context.node)) {
      return result('crash', extra({ detail: `fuse-msda broke its own graph: ${firstLine(error)}` }));
    }
    // A refusal leaves the caller's model as it was (nothing half-rewritten).
    if (fused && !sameBytes(modelToBytes(fused), modelToBytes(loadModelFromBytes(bytes)))) {
      return result('crash', extra({ detail: `fuse-msda threw and left the model half-rewritten: ${firstLine(error)}` }));
    }
    return result(truth ? 'refused' : 'invalid-refused', extra({ detail: `fuse-msda: ${firstLine(error)}${invalidBecause ? `; ${invalidBecause}` : ''}` }));
  }
  const present = new Set([...fused.graph.nodesIter()].map((n) => n.name));
  const siteFused = mutant.gridSamples.some((name) => !present.has(name));

  if (!truth && !siteFused) return result('invalid-left-alone', { detail: invalidBecause! });
  if (!truth) {
    // Tell the two kinds apart for whoever fixes it: a fused model that runs means fuse-msda gave
    // the invalid site a meaning; one that fails too means it rewrote inside an invalid model.
    let fusedRuns = 'the fused model runs (fuse-msda gave the invalid site a meaning)';
    try {
      await runBytes(expandedBytes(fused), baseline.feeds);
    } catch (error) {
      fusedRuns = `the fused model fails too (${firstLine(error)})`;
    }
    return result('fused-invalid', { detail: `${invalidBecause!}; ${fusedRuns}` });
  }
  if (fusedSites === 0) return result('left-alone', extra());

  let actual: Map<string, Output>;
  try {
    actual = await runBytes(expandedBytes(fused), baseline.feeds);
  } catch (error) {
    return result('fused-broken', extra({ detail: firstLine(error) }));
  }
  const maxError = maxScaledError(actual, truth);
  if (maxError > baseline.tolerance) {
    return result('fused-wrong', extra({ maxError, detail: siteFused ? 'the mutated site was fused' : 'another site was fused' }));
  }
  return result(siteFused ? 'fused-equal' : 'left-alone', extra({ maxError }));
}
