/**
 * Example: repair a broken export, then fuse it. PyTorch's dynamo exporter wrote transformers'
 * two-stage Deformable DETR with a Clip reading `sigmoid_min_1` and `sigmoid_max_1`, tensors
 * nothing produces: onnxruntime refuses the model, and so does fuse-msda. onnx-surgeon loads it
 * as it is, `checkModel` names the two dangling tensors, and one call per tensor gives each the
 * constant the exporter lost (the Clip is `inverse_sigmoid`'s `x.clamp(min=0, max=1)`). Then
 * fuse-msda fuses all 3 sites and the result matches the valid export in onnxruntime.
 *
 * Usage: `node dist/examples/repair-dangling.js [broken.onnx [out.onnx]]`. Without a model it
 * rebuilds the broken export from the repo's valid one (see lib/broken-detr.ts: we cannot run the
 * exporter here, so the same defect is applied to its `optimize=False` export) and verifies
 * against that valid export's inputs and PyTorch goldens.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkModel } from '../src/check/index.js';
import { type Model, Tensor, fuseMsda, loadModel, saveModel, verifyRewrite } from '../src/index.js';
import { runModel } from '../src/verify/index.js';
import { DETR_2STAGE_FIXTURE, LOST_BOUNDS, breakLikeOptimizedExport } from './lib/broken-detr.js';
import { isMain } from './lib/support.js';

/** What the example found and did. */
export interface RepairDanglingResult {
  /** `checkModel`'s errors on the broken model (one line each). */
  problemsBefore: string[];
  /** What onnxruntime says when asked to load the broken model. */
  onnxruntimeRefusal: string;
  /** What fuse-msda says about the broken model. */
  fuseRefusal: string;
  /** fuse-msda with `allowInvalid` on the broken model (dry run): sites it would fuse / skips with the reason. */
  allowInvalid: { fused: number; skipped: string[] };
  /** `checkModel`'s errors after the repair. */
  problemsAfter: string[];
  /** Sites found and fused in the repaired model. */
  sitesFound: number;
  fused: number;
  saved: string;
  /** The repaired, fused model against the valid export (onnxruntime, plugin expanded) and its goldens. */
  verdict: string;
  goldens: string;
  maxAbsError: number;
}

/** Repairs `argv[0]` (default: the broken export rebuilt from the fixture), fuses it, verifies it. */
export async function main(argv: readonly string[]): Promise<RepairDanglingResult> {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-surgeon-repair-'));
  const broken = argv[0] || (await writeBrokenExport(join(dir, 'broken.onnx')));
  const out = argv[1] || join(dir, 'repaired.fused.onnx');

  // 1. The broken model loads as it is; the checker names what is wrong.
  const model = await loadModel(broken);
  const problemsBefore = errorsOf(model);
  const onnxruntimeRefusal = await refusal(() => runModel(model, new Map()));
  const fuseRefusal = await refusal(() => fuseMsda(model.clone()));
  const partial = fuseMsda(model.clone(), { allowInvalid: true, dryRun: true });

  // 2. The repair the user asks for: the two constants the exporter lost (clamp(min=0, max=1)).
  const graph = model.graph;
  graph.defineConstant(graph.requireValue(LOST_BOUNDS.min), Tensor.float32([0], []));
  graph.defineConstant(graph.requireValue(LOST_BOUNDS.max), Tensor.float32([1], []));
  const problemsAfter = errorsOf(model);

  // 3. Now a valid model: fuse it and check the numbers against the valid export.
  const report = fuseMsda(model);
  await saveModel(model, out);
  const fixture = DETR_2STAGE_FIXTURE;
  const check = await verifyRewrite(join(fixture, 'model.onnx'), model, { inputs: join(fixture, 'inputs'), expected: join(fixture, 'outputs') });
  return {
    problemsBefore, onnxruntimeRefusal, fuseRefusal,
    allowInvalid: { fused: partial.fusable, skipped: partial.sites.filter((s) => s.status === 'skipped').map((s) => s.reason ?? '') },
    problemsAfter, sitesFound: report.sitesFound, fused: report.fused, saved: out,
    verdict: check.verdict, goldens: check.expectedComparison?.verdict ?? 'not compared',
    maxAbsError: Math.max(0, ...check.outputs.map((o) => o.stats?.maxAbsError ?? Infinity)),
  };
}

/** Rebuilds the broken export from the valid fixture (see lib/broken-detr.ts) and saves it. */
async function writeBrokenExport(file: string): Promise<string> {
  const model = await loadModel(join(DETR_2STAGE_FIXTURE, 'model.onnx'));
  breakLikeOptimizedExport(model);
  await saveModel(model, file);
  return file;
}

function errorsOf(model: Model): string[] {
  return checkModel(model).problems.filter((p) => p.severity === 'error').map((p) => p.message);
}

/** The first line of the error `attempt` fails with ('' if it does not). */
async function refusal(attempt: () => unknown): Promise<string> {
  try {
    await attempt();
    return '';
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  }
}

if (isMain(import.meta.url)) {
  const result = await main(process.argv.slice(2));
  console.log(`broken model: ${result.problemsBefore.length} error(s)`);
  for (const line of result.problemsBefore) console.log(`  ${line}`);
  console.log(`onnxruntime: ${result.onnxruntimeRefusal}`);
  console.log(`fuse-msda: ${result.fuseRefusal}`);
  console.log(`fuse-msda --allow-invalid: ${result.allowInvalid.fused} fused, skipped: ${result.allowInvalid.skipped.join('; ')}`);
  console.log(`repaired: ${result.problemsAfter.length} error(s); ${result.fused}/${result.sitesFound} MSDA sites fused, saved ${result.saved}`);
  console.log(`onnxruntime vs the valid export: ${result.verdict} (max abs error ${result.maxAbsError.toExponential(2)}), goldens: ${result.goldens}`);
  process.exitCode = result.verdict === 'pass' ? 0 : 1;
}
