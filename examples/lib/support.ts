/**
 * What the examples share: running a model in onnxruntime-node on seeded random inputs,
 * comparing outputs, and deciding whether a file was started as a script.
 */
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { DType, type Model, type RewriteReport, modelToBytes, saveModel } from '../../src/index.js';
import { seededRandom } from '../../src/verify/index.js';

/** Float32 inputs by name, with their dims. */
export type Feeds = Map<string, { data: Float32Array; dims: number[] }>;

/** What an example reports (printed as JSON when run as a script, asserted by tests). */
export interface ExampleResult {
  nodesBefore: number;
  nodesAfter: number;
  /** Op type -> count, after the rewrite. */
  opsAfter: Record<string, number>;
  report: RewriteReport;
  /** How the result was checked: numerically in onnxruntime, or structurally. */
  verification: { method: 'onnxruntime' | 'structure' | 'skipped'; passed: boolean; detail: string; maxAbsError?: number };
  /** Where the rewritten model was written, if an output path was given. */
  saved?: string;
}

/** True when `moduleUrl` (pass `import.meta.url`) is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === moduleUrl;
}

/** Counts nodes by op type (sorted by op type, so printed summaries are stable). */
export function countOps(model: Model): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of model.graph.nodesIter()) counts[node.opType] = (counts[node.opType] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Seeded random float32 inputs for every graph input, or the reason there cannot be any (a
 * symbolic dim, a non-float input).
 */
export function randomFeeds(model: Model, seed = 1): Feeds | string {
  const random = seededRandom(seed);
  const feeds: Feeds = new Map();
  for (const input of model.graph.inputs) {
    if (input.initializer) continue;
    const shape = input.type?.shape;
    if (input.type?.dtype !== DType.FLOAT) return `input '${input.name}' is not float32`;
    if (!shape || !shape.every((d): d is number => typeof d === 'number')) return `input '${input.name}' has a symbolic or unknown shape`;
    const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
    for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
    feeds.set(input.name, { data, dims: shape });
  }
  return feeds;
}

/** Runs a model in onnxruntime (CPU) and returns its float outputs by name. */
export async function runInOnnxruntime(model: Model, feeds: Feeds): Promise<Map<string, Float32Array>> {
  const session = await ort.InferenceSession.create(modelToBytes(model));
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, { data, dims }] of feeds) ortFeeds[name] = new ort.Tensor('float32', data, dims);
  const results = await session.run(ortFeeds);
  const outputs = new Map<string, Float32Array>();
  for (const name of session.outputNames) outputs.set(name, results[name]!.data as Float32Array);
  await session.release();
  return outputs;
}

/**
 * Runs both models on the same seeded inputs and compares every output of `before` with the
 * output of the same name in `after` (graph output names survive rewrites).
 */
export async function compareInOnnxruntime(before: Model, after: Model, tolerance: number): Promise<ExampleResult['verification']> {
  const feeds = randomFeeds(before);
  if (typeof feeds === 'string') return { method: 'skipped', passed: true, detail: `no numeric check: ${feeds}` };
  let expected: Map<string, Float32Array>;
  try {
    expected = await runInOnnxruntime(before, feeds);
  } catch (error) {
    // Some exports do not run in onnxruntime at all (e.g. GridSample on a float64 grid): nothing to compare with.
    return { method: 'skipped', passed: true, detail: `no numeric check: the original cannot run in onnxruntime: ${firstLine(error)}` };
  }
  let actual: Map<string, Float32Array>;
  try {
    actual = await runInOnnxruntime(after, feeds);
  } catch (error) {
    return { method: 'onnxruntime', passed: false, detail: `the rewritten model cannot run in onnxruntime: ${firstLine(error)}` };
  }
  let maxAbsError = 0;
  for (const [name, reference] of expected) {
    const got = actual.get(name);
    if (!got || got.length !== reference.length) return { method: 'onnxruntime', passed: false, detail: `output '${name}' is missing or has another size` };
    for (let i = 0; i < got.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(got[i]! - reference[i]!));
  }
  const passed = maxAbsError <= tolerance;
  return {
    method: 'onnxruntime', passed, maxAbsError,
    detail: `${expected.size} output(s), max abs error ${maxAbsError.toExponential(2)} (tolerance ${tolerance})`,
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** Builds an example's result after its rewrite and saves the model when `output` is given. */
export async function finishExample(
  model: Model, nodesBefore: number, report: RewriteReport, verification: ExampleResult['verification'], output: string | undefined,
): Promise<ExampleResult> {
  const result: ExampleResult = { nodesBefore, nodesAfter: model.graph.nodeCount, opsAfter: countOps(model), report, verification };
  if (output) {
    await saveModel(model, output);
    result.saved = output;
  }
  return result;
}

/**
 * When the example file is the script node was started with: runs `main` on the command line,
 * prints the summary, and sets a failing exit code when verification failed or `main` threw.
 */
export function runAsScript(moduleUrl: string, title: string, main: (argv: string[]) => Promise<ExampleResult>): void {
  if (!isMain(moduleUrl)) return;
  main(process.argv.slice(2)).then((result) => {
    printSummary(title, result);
    if (!result.verification.passed) process.exitCode = 1;
  }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

/** A one-screen summary of an example run. */
export function printSummary(title: string, result: ExampleResult): void {
  console.log(`${title}: ${result.nodesBefore} -> ${result.nodesAfter} nodes`);
  for (const r of result.report.rules) {
    console.log(`  rule ${r.rule}: matched ${r.matched}, applied ${r.applied}, skipped ${r.skipped.length}, rejected by check ${r.rejected.length}`);
    for (const s of r.skipped) console.log(`    skipped at '${s.node}': ${s.reason}`);
    for (const s of r.rejected) console.log(`    rejected at '${s.node}': ${s.reason}`);
  }
  console.log(`  ops after: ${Object.entries(result.opsAfter).map(([op, n]) => `${op} x${n}`).join(', ')}`);
  console.log(`  verification (${result.verification.method}): ${result.verification.passed ? 'passed' : 'FAILED'}: ${result.verification.detail}`);
  if (result.saved) console.log(`  saved to ${result.saved}`);
}

