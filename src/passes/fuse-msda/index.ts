import { OnnxSurgeonError } from '../../errors.js';
import type { Graph, Model, Node } from '../../ir/index.js';
import { validateMsdaNode, validatePluginNodes } from '../../plugins/index.js';
import type { DimExpr } from '../../shape/dim-expr.js';
import { inferShapes } from '../../shape/infer.js';
import { findCandidates } from './candidates.js';
import { DimSources } from './emitter.js';
import { type MsdaSite, proveSite } from './prove-site.js';
import type { FuseMsdaReport, MsdaSignature, MsdaSiteReport } from './report.js';
import { type AppliedRewrite, MSDA_PLUGIN, revertRewrite, rewriteSite } from './rewrite.js';

export type { FuseMsdaReport, MsdaSignature, MsdaSiteReport } from './report.js';
export { MSDA_PLUGIN } from './rewrite.js';

/** Options of {@link fuseMsda}. */
export interface FuseMsdaOptions {
  /** Find and prove sites, report them, change nothing. */
  dryRun?: boolean;
  /**
   * Refuse every rounding the proof would otherwise allow: also the one rounding of float64
   * sampling locations (TorchScript's static exports) to the plugin's type.
   */
  exactPrecision?: boolean;
  /** Called after each site is handled (for progress bars). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Replaces every multi-scale deformable attention site of the model (the GridSample-based form
 * PyTorch exports) with one `MultiscaleDeformableAttnPlugin_TRT` node, in place. A site is fused
 * only when its wiring is proved to be exactly the plugin's math; anything else is left as it was
 * and reported with the reason. Running it on a fused model changes nothing.
 *
 * @example
 * ```ts
 * const model = await loadModel('deformable_detr.onnx');
 * const report = fuseMsda(model);
 * console.log(`${report.fused}/${report.sitesFound} sites fused`);
 * await saveModel(model, 'deformable_detr.fused.onnx');
 * ```
 */
export function fuseMsda(model: Model, options: FuseMsdaOptions = {}): FuseMsdaReport {
  const graph = model.graph;
  const nodesBefore = graph.nodeCount;
  const alreadyFused = countPlugins(graph);
  const facts = inferShapes(graph);
  const live = liveNodes(graph);
  // GridSample exists from opset 16; a model without an ONNX opset import cannot hold one.
  const context = { facts, opset: model.onnxOpset ?? 0, live, exactPrecision: Boolean(options.exactPrecision) };
  const { candidates, strays } = findCandidates(graph, facts, live);
  const sites: MsdaSiteReport[] = strays.map((s) => ({
    name: s.gridSample.label, status: 'skipped', reason: s.reason, gridSamples: [s.gridSample.label],
  }));

  const proven: { site: MsdaSite; report: MsdaSiteReport }[] = [];
  candidates.forEach((candidate, i) => {
    const gridSamples = candidate.levels.map((l) => l.gridSample.label);
    const name = siteName(candidate.levels.map((l) => l.gridSample), candidate.anchor);
    const proof = proveSite(candidate, context);
    if (proof.ok) {
      const report: MsdaSiteReport = { name, status: 'fused', gridSamples, signature: signatureOf(proof.site), ...(proof.site.notes.length ? { notes: proof.site.notes } : {}) };
      sites.push(report);
      proven.push({ site: proof.site, report });
    } else {
      sites.push({ name, status: 'skipped', reason: proof.reason, gridSamples });
    }
    options.onProgress?.(i + 1, candidates.length);
  });

  if (!options.dryRun && proven.length) {
    const exclude = new Set<Node>(proven.flatMap((p) => p.site.dataNodes));
    const sources = new DimSources(graph, facts, exclude);
    const applied: { rewrite: AppliedRewrite; report: MsdaSiteReport }[] = [];
    for (const { site, report } of proven) {
      try {
        const rewrite = rewriteSite(graph, site, facts, sources, report.name);
        report.pluginNode = rewrite.plugin.name;
        applied.push({ rewrite, report });
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'ViewError') throw error;
        markSkipped(report, error.message);
      }
    }
    // A site is only gone if nothing else still reads its insides; otherwise take the rewrite back.
    // Each new node must also meet the plugin's contract (symbol names aside: the proof compared
    // sizes symbolically already, while value_info written by exporters may name them differently).
    const liveAfter = liveNodes(graph);
    for (const { rewrite, report } of applied) {
      const violations = validateMsdaNode(rewrite.plugin, { symbolicDims: 'ignore' });
      if (rewrite.site.coreNodes.some((n) => liveAfter.has(n))) {
        revertRewrite(graph, rewrite);
        markSkipped(report, escapeReason(rewrite.site, liveAfter));
      } else if (violations.length) {
        revertRewrite(graph, rewrite);
        markSkipped(report, `the plugin node would break its contract: ${violations.map((v) => v.message).join('; ')}`);
      }
    }
    if (applied.some((a) => a.report.status === 'fused')) model.ensureOpset(MSDA_PLUGIN.domain, MSDA_PLUGIN.domainVersion);
    graph.cleanup();
    graph.toposort();
  }
  // Plugin nodes that were in the model already (fused by another tool) are held to the full contract.
  const created = new Set(sites.map((s) => s.pluginNode).filter(Boolean));
  const foreign = validatePluginNodes(model).violations.filter((v) => !created.has(v.node));
  if (foreign.length) {
    throw new OnnxSurgeonError('contract', `plugin node(s) already in the model break their contract:\n${foreign.map((v) => `  - ${v.message}`).join('\n')}`, { node: foreign[0]!.node });
  }

  const fused = sites.filter((s) => s.status === 'fused').length;
  return {
    sitesFound: sites.length,
    fused,
    skipped: sites.length - fused,
    alreadyFused,
    gridSamplesLeft: [...graph.nodesIter()].filter((n) => n.opType === 'GridSample').length,
    nodesBefore,
    nodesAfter: graph.nodeCount,
    dryRun: Boolean(options.dryRun),
    sites,
  };
}

/** Names the first value inside the site that a live node outside it still reads. */
function escapeReason(site: MsdaSite, live: ReadonlySet<Node>): string {
  const inside = new Set(site.dataNodes);
  for (const node of site.dataNodes) {
    for (const out of node.outputs) {
      const reader = out.uses.find((u) => !inside.has(u.node) && live.has(u.node));
      if (reader && live.has(node) && site.coreNodes.some((c) => live.has(c))) {
        if (out.isGraphOutput) return `'${out.name}' inside the site is a graph output, so the site cannot be removed`;
        if (!site.reusableValues.has(out)) return `'${out.name}' inside the site is also read by '${reader.node.label}', so the site cannot be removed`;
      }
    }
  }
  return 'a tensor inside the site is also used outside it, so the site cannot be removed';
}

function markSkipped(report: MsdaSiteReport, reason: string): void {
  report.status = 'skipped';
  report.reason = reason;
  delete report.pluginNode;
  delete report.signature;
}

function countPlugins(graph: Graph): number {
  let n = 0;
  for (const node of graph.nodesIter()) if (node.opType === MSDA_PLUGIN.opType) n++;
  return n;
}

/** Nodes some graph output (or a subgraph's outer read) depends on. */
function liveNodes(graph: Graph): Set<Node> {
  const live = new Set<Node>();
  const stack = graph.outputs.map((v) => v.producer).filter((n): n is Node => Boolean(n));
  while (stack.length) {
    const node = stack.pop()!;
    if (live.has(node)) continue;
    live.add(node);
    for (const input of node.inputs) if (input?.producer) stack.push(input.producer);
    for (const attribute of node.attributes.values()) {
      const a = attribute.value;
      const subs = a.kind === 'graph' ? [a.value] : a.kind === 'graphs' ? a.value : [];
      for (const sub of subs) for (const inner of sub.nodesIter()) for (const input of inner.inputs) if (input?.producer) stack.push(input.producer);
    }
  }
  return live;
}

/**
 * `/layers.0/` style name: the common path of the site's GridSample names (TorchScript), or the
 * innermost module scope the dynamo exporter records in node metadata.
 */
function siteName(grids: readonly Node[], fallback: string): string {
  const names = grids.map((g) => g.name).filter(Boolean);
  let prefix = names[0] ?? '';
  for (const n of names.slice(1)) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const slash = prefix.lastIndexOf('/');
  if (slash > 0) return prefix.slice(0, slash + 1);
  const scope = dynamoScope(grids[0]);
  if (scope) return `/${scope}/`;
  return `${(prefix || fallback).replace(/[_0-9]+$/, '') || 'msda'}/`;
}

/** The module path dynamo stores under `pkg.torch.onnx.name_scopes` (e.g. `['', 'layers.0', 'grid_sampler']`). */
function dynamoScope(node: Node | undefined): string | undefined {
  const entry = node?.metadataProps?.find(([key]) => key === 'pkg.torch.onnx.name_scopes');
  if (!entry) return undefined;
  const scopes = [...entry[1].matchAll(/'([^']*)'/g)].map((m) => m[1]!).slice(0, -1).filter(Boolean);
  return scopes[scopes.length - 1];
}

function signatureOf(site: MsdaSite): MsdaSignature {
  const s = (d: DimExpr): string => String(d);
  return {
    N: s(site.sizes.N), S: s(site.sizes.S), M: s(site.sizes.M), D: s(site.sizes.D), Lq: s(site.sizes.Lq), L: site.sizes.L, P: s(site.sizes.P),
    spatialShapes: site.spatialShapes.map(([h, w]) => [s(h), s(w)]),
    levelStartIndex: site.levelStarts.map(s),
    dtype: site.dtype === 10 ? 'float16' : 'float32',
    locationsCast: site.locationsDtype !== site.dtype,
    valueCast: site.valueDtype !== site.dtype,
    pointsPerLevel: site.pointsPerLevel.map(s),
  };
}

/** Fails with a readable error when a report says a site that should have been fused was not. */
export function requireAllFused(report: FuseMsdaReport, file?: string): void {
  const skipped = report.sites.filter((s) => s.status === 'skipped');
  if (skipped.length) {
    throw new OnnxSurgeonError('pattern', `${skipped.length} MSDA site(s) not fused: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`, file ? { file } : {});
  }
}
