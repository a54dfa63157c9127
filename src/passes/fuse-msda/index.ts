/**
 * The fuse-msda pass (`onnx-surgeon/fuse-msda`): find the multi-scale deformable attention sites
 * PyTorch exports ({@link findMsdaSites}), prove each computes exactly what TensorRT's
 * `MultiscaleDeformableAttnPlugin_TRT` computes, and replace the proved ones
 * ({@link fuseMsda}); {@link selectMsdaSite} picks one site by name or number.
 *
 * @example
 * ```ts
 * import { findMsdaSites, fuseMsda } from 'onnx-surgeon/fuse-msda';
 * for (const s of findMsdaSites(model).sites) console.log(s.report.name, s.report.status);
 * fuseMsda(model);
 * ```
 * @group Passes
 * @module onnx-surgeon/fuse-msda
 */
import { OnnxSurgeonError } from '../../errors.js';
import { sortIfAcyclic } from '../../ir/toposort.js';
import { type GraphEdit, type LiveNodeMarks, type Model, type Node, invalidRegion, liveNodes, markLiveNodes, requireValidGraph, usesAfter } from '../../ir/index.js';
import { ViewError } from '../../layout/view.js';
import { shapeConflicts } from '../../shape/conflicts.js';
import { MSDA_PLUGIN, validateMsdaNode } from '../../plugins/index.js';
import { validatePluginNodesExcept } from '../../plugins/validate.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { DimSources } from './emitter.js';
import type { MsdaSite } from './prove-site.js';
import type { FuseMsdaReport, MsdaSiteReport } from './report.js';
import { type SiteReplacement, buildSiteReplacement } from './rewrite.js';
import { type MsdaSiteInfo, type MsdaSites, findMsdaSites } from './sites.js';

export type { FuseMsdaReport, MsdaSignature, MsdaSiteReport, ReadableMsdaSizes } from './report.js';
export { type FindMsdaSitesOptions, type MsdaSiteInfo, type MsdaSites, type SelectedMsdaSite, findMsdaSites, selectMsdaSite } from './sites.js';

/**
 * Options of {@link fuseMsda}.
 *
 * @group fuse-msda
 */
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
  /**
   * `plugin_version` written on the plugin nodes: "1" (default; the only one TensorRT 8.6-10.10
   * has) or "2" (TensorRT >= 10.11, same inputs, outputs and attributes).
   */
  pluginVersion?: string;
  /**
   * Work on a structurally invalid model (a node reads a tensor nothing produces, a name defined
   * twice, a cycle: see `structuralProblems`) instead of refusing it: sites that depend on the
   * invalid part are left alone with the problem as their reason, the others are fused as usual
   * (their proof and rewrite touch only valid nodes). The output is as invalid as the input.
   * Off by default: fuse-msda refuses such a model with the problem it finds first.
   */
  allowInvalid?: boolean;
  /**
   * The sites {@link findMsdaSites} found in this model, unchanged since, so they are not proved
   * again (`inspect` shows them and dry-runs the decision). Their reports are updated in place.
   */
  sites?: MsdaSites;
}

/**
 * Replaces every multi-scale deformable attention site of the model (the GridSample-based form
 * PyTorch exports) with one `MultiscaleDeformableAttnPlugin_TRT` node, in place. A site is fused
 * only when its wiring is proved to be exactly the plugin's math, its replacement meets the
 * plugin's contract and its old nodes would really go; everything is decided on detached
 * replacements before the graph changes. Anything else is left as it was and reported with the
 * reason. Running it on a fused model changes nothing.
 *
 * @example
 * ```ts
 * const model = await loadModel('deformable_detr.onnx');
 * const report = fuseMsda(model);
 * console.log(`${report.fused}/${report.sitesFound} sites fused`);
 * await saveModel(model, 'deformable_detr.fused.onnx');
 * ```
 * @group fuse-msda
 */
export function fuseMsda(model: Model, options: FuseMsdaOptions = {}): FuseMsdaReport {
  const graph = model.graph;
  const pluginVersion = options.pluginVersion ?? MSDA_PLUGIN.versions[0]!;
  if (!MSDA_PLUGIN.versions.includes(pluginVersion)) {
    throw new OnnxSurgeonError('usage', `${MSDA_PLUGIN.opType} has no plugin version '${pluginVersion}'`, { expected: MSDA_PLUGIN.versions.join(' or ') });
  }
  const nodesBefore = graph.nodeCount;
  if (!options.allowInvalid) requireValidGraph(graph);
  const found = options.sites ?? findMsdaSites(model, { ...options, invalid: options.allowInvalid ? invalidRegion(graph) : undefined });
  // A model whose sizes cannot fit together (onnxruntime refuses it) computes nothing to preserve.
  const conflict = options.allowInvalid ? undefined : shapeConflicts(graph, found.facts)[0];
  if (conflict) {
    throw new OnnxSurgeonError('graph', `${conflict.node.opType} ${conflict.detail}: the model cannot run (onnx-surgeon check lists every problem; --allow-invalid fuses anyway)`, { node: conflict.node.label });
  }
  const sites = found.sites.map((s) => s.report);
  // A dry run decides exactly as a real run (so its statuses and counts are the real run's) and commits nothing.
  const accepted = decideRewrites(model, found.sites, found.facts, pluginVersion);
  let projected: { nodes: number; gridSamples: number } | undefined;
  if (options.dryRun) {
    projected = projectedCounts(model, accepted);
  } else {
    for (const { replacement, report } of accepted) {
      replacement.edit.commit();
      report.status = 'fused';
      report.pluginNode = replacement.plugin.name;
    }
    if (accepted.length) {
      graph.cleanup();
      // An invalid model (allowInvalid) may have a cycle, which has no order to sort into.
      sortIfAcyclic(graph);
    }
  }
  // Plugin nodes that were in the model already (fused by another tool) are held to the full
  // contract; the ones made here met it before they went in (decideRewrites).
  const created = new Set<Node>(options.dryRun ? [] : accepted.map((p) => p.replacement.plugin));
  const foreign = validatePluginNodesExcept(model, (node) => created.has(node)).violations;
  if (foreign.length) {
    throw new OnnxSurgeonError('contract', `plugin node(s) already in the model break their contract:\n${foreign.map((v) => `  - ${v.message}`).join('\n')}`, { node: foreign[0]!.node });
  }
  const count = (status: MsdaSiteReport['status']): number => sites.filter((s) => s.status === status).length;
  const legend = found.dimNames.legend();
  return {
    sitesFound: sites.length,
    fused: count('fused'),
    fusable: count('fusable'),
    skipped: count('skipped'),
    alreadyFused: found.pluginNodes.length,
    gridSamplesLeft: projected?.gridSamples ?? [...graph.nodesIter()].filter((n) => n.opType === 'GridSample').length,
    nodesBefore,
    nodesAfter: projected?.nodes ?? graph.nodeCount,
    dryRun: Boolean(options.dryRun),
    sites,
    ...(legend.length && { dimLegend: legend }),
  };
}

/** The node and GridSample counts committing `accepted` would leave (commit, then cleanup). */
function projectedCounts(model: Model, accepted: readonly PlannedRewrite[]): { nodes: number; gridSamples: number } {
  const graph = model.graph;
  if (!accepted.length) {
    return { nodes: graph.nodeCount, gridSamples: [...graph.nodesIter()].filter((n) => n.opType === 'GridSample').length };
  }
  const live = liveNodes(graph, accepted.map((p) => p.replacement.edit));
  return { nodes: live.size, gridSamples: [...live].filter((n) => n.opType === 'GridSample').length };
}

/** A proved site, its detached replacement, and the report entry to fill in. */
interface PlannedRewrite {
  readonly site: MsdaSite;
  readonly replacement: SiteReplacement;
  readonly report: MsdaSiteReport;
}

/**
 * Builds every proved site's replacement detached and keeps those that can go in: buildable, the
 * plugin node meets its contract (symbol names aside: the proof compared sizes symbolically
 * already, while value_info written by exporters may name them differently), and the site's core
 * nodes die once all kept replacements are in (nothing else still reads the site's insides).
 * Dropping a site can keep another site's insides alive, so liveness is asked again until stable.
 */
function decideRewrites(model: Model, found: readonly MsdaSiteInfo[], facts: ShapeFacts, pluginVersion: string): PlannedRewrite[] {
  const proved = found.filter((s): s is MsdaSiteInfo & { proved: MsdaSite } => s.proved !== undefined);
  if (!proved.length) return [];
  const sources = new DimSources(model.graph, facts, new Set(proved.flatMap((s) => s.proved.dataNodes)));
  let kept: PlannedRewrite[] = [];
  for (const { proved: site, report } of proved) {
    try {
      kept.push({ site, report, replacement: buildSiteReplacement(model, site, facts, sources, report.name, pluginVersion) });
    } catch (error) {
      if (!(error instanceof ViewError)) throw error;
      markSkipped(report, error.message);
    }
  }
  const violations = new Map(kept.map((p) => [p, validateMsdaNode(p.replacement.plugin, {
    symbolicDims: 'ignore', typeOf: (v) => p.replacement.edit.typeOf(v),
  })]));
  for (;;) {
    const live = markLiveNodes(model.graph, kept.map((p) => p.replacement.edit));
    const next: PlannedRewrite[] = [];
    let pending = kept.map((p) => p.replacement.edit);
    for (const plan of kept) {
      const problems = violations.get(plan)!;
      if (plan.site.coreNodes.some((n) => live.has(n))) {
        // Worded as the graph will be with this site (and those dropped before it) left alone.
        pending = pending.filter((e) => e !== plan.replacement.edit);
        markSkipped(plan.report, escapeReason(plan.site, live, pending));
      } else if (problems.length) {
        pending = pending.filter((e) => e !== plan.replacement.edit);
        markSkipped(plan.report, `the plugin node would break its contract: ${problems.map((v) => v.message).join('; ')}`);
      } else {
        next.push(plan);
      }
    }
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

/** Names the first value inside the site that a live node outside it will still read. */
function escapeReason(site: MsdaSite, live: LiveNodeMarks, pending: readonly GraphEdit[]): string {
  const inside = new Set(site.dataNodes);
  for (const node of site.dataNodes) {
    for (const out of node.outputs) {
      const reader = usesAfter(out, pending).find((u) => !inside.has(u.node) && live.has(u.node));
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

/**
 * Fails with a readable error when a report says a site that should have been fused was not.
 *
 * @example
 * ```ts
 * const report = fuseMsda(model);
 * requireAllFused(report, 'detr.onnx'); // throws OnnxSurgeonError listing each skipped site and its reason
 * ```
 * @group fuse-msda
 */
export function requireAllFused(report: FuseMsdaReport, file?: string): void {
  const skipped = report.sites.filter((s) => s.status === 'skipped');
  if (skipped.length) {
    const found = report.sitesFound;
    throw new OnnxSurgeonError('pattern', `${skipped.length} of ${found} MSDA site${found === 1 ? '' : 's'} left unfused: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`, file ? { file } : {});
  }
}
