/**
 * Example: the whole fuse-msda path from code. Load, fuse every MSDA site into
 * `MultiscaleDeformableAttnPlugin_TRT`, save, and prove the numbers did not change with
 * `verifyRewrite` (both models run in onnxruntime on CPU; the plugin node is expanded back into
 * standard ops for that, so no TensorRT is needed).
 *
 * Usage: `node dist/examples/fuse-and-verify.js [model.onnx inputs.npz expected.npz [out.onnx]]`
 * (default: the bundled example and its inputs/goldens; the fused model goes to a temp folder).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fuseMsda, loadModel, saveModel, validatePluginNodes, verifyRewrite } from '../src/index.js';
import { bundledModel } from './load-and-inspect.js';

/** What the example did. */
export interface FuseAndVerifyResult {
  sitesFound: number;
  fused: number;
  skipped: { site: string; reason: string }[];
  /** `N,S,M,D,Lq,L,P` of each fused site. */
  signatures: string[];
  nodesBefore: number;
  nodesAfter: number;
  pluginNodesValid: boolean;
  saved: string;
  verdict: 'pass' | 'fail' | 'error';
  reference: 'original' | 'expected' | null;
  maxAbsError: number;
  summary: string;
}

/** Fuses `argv[0]` and verifies it against the original with `argv[1]` inputs and `argv[2]` goldens. */
export async function main(argv: readonly string[]): Promise<FuseAndVerifyResult> {
  const file = argv[0] || bundledModel();
  const inputs = argv[1] || bundledModel('msda-encoder.inputs.npz');
  const expected = argv[2] || bundledModel('msda-encoder.expected.npz');
  const out = argv[3] || join(mkdtempSync(join(tmpdir(), 'onnx-surgeon-example-')), 'fused.onnx');

  const model = await loadModel(file);
  const report = fuseMsda(model);          // in place; never throws for a site it cannot prove
  await saveModel(model, out);              // atomic

  // verifyRewrite loads the original itself when given a path and never changes the models.
  const check = await verifyRewrite(file, model, { inputs, expected });
  return {
    sitesFound: report.sitesFound,
    fused: report.fused,
    skipped: report.sites.filter((s) => s.status === 'skipped').map((s) => ({ site: s.name, reason: s.reason ?? '' })),
    signatures: report.sites.flatMap((s) => (s.signature ? [[s.signature.N, s.signature.S, s.signature.M, s.signature.D, s.signature.Lq, s.signature.L, s.signature.P].join(',')] : [])),
    nodesBefore: report.nodesBefore,
    nodesAfter: report.nodesAfter,
    pluginNodesValid: validatePluginNodes(model).ok,
    saved: out,
    verdict: check.verdict,
    reference: check.reference,
    maxAbsError: Math.max(0, ...check.outputs.map((o) => o.stats?.maxAbsError ?? Infinity)),
    summary: check.summary,
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const result = await main(process.argv.slice(2));
  console.log(`${result.fused}/${result.sitesFound} MSDA sites fused (${result.nodesBefore} -> ${result.nodesAfter} nodes), saved ${result.saved}`);
  for (const s of result.skipped) console.log(`  skipped ${s.site}: ${s.reason}`);
  console.log(result.summary);
  process.exitCode = result.verdict === 'pass' ? 0 : 1;
}
