/**
 * Finding the MSDA sites of a model and what is known about each, without changing anything:
 * the first half of fuse-msda, and what `inspect --site`, `inspect --dot` and the report read.
 */
import { OnnxSurgeonError } from '../../errors.js';
import { DType, type Model, type Node, type StructuralProblem, markLiveNodes } from '../../ir/index.js';
import { MSDA_PLUGIN } from '../../plugins/index.js';
import type { DimExpr } from '../../shape/dim-expr.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { DimNames } from '../../shape/dim-names.js';
import { inferShapes } from '../../shape/infer.js';
import { type Candidate, findCandidates } from './candidates.js';
import { type MsdaSite, proveSite } from './prove-site.js';
import type { MsdaSignature, MsdaSiteReport, ReadableMsdaSizes } from './report.js';

/**
 * One MSDA site of a model as fuse-msda sees it before changing anything.
 *
 * @example
 * ```ts
 * for (const s of findMsdaSites(model).sites) console.log(s.report.name, s.report.status, s.gridSamples.length);
 * ```
 * @group fuse-msda
 */
export interface MsdaSiteInfo {
  /** The site as proved (`status: 'fusable'`: the proof holds; fuseMsda may still skip it, e.g. when its insides are read elsewhere). */
  readonly report: MsdaSiteReport;
  /** Its GridSample nodes, in level order. */
  readonly gridSamples: readonly Node[];
  /** The nodes of its data path (layout chains, GridSamples, stack, Mul, ReduceSum) when proved; else its GridSamples. */
  readonly nodes: readonly Node[];
  /** The proved site, as the rewrite consumes it; undefined when the site cannot be fused. @internal */
  readonly proved: MsdaSite | undefined;
}

/**
 * What {@link findMsdaSites} found.
 *
 * @example
 * ```ts
 * const { sites, pluginNodes } = findMsdaSites(model);
 * ```
 * @group fuse-msda
 */
export interface MsdaSites {
  /** Sites not fused yet: ungroupable GridSamples first, then candidates in graph order. */
  readonly sites: MsdaSiteInfo[];
  /** `MultiscaleDeformableAttnPlugin_TRT` nodes already in the main graph (fused before). */
  readonly pluginNodes: Node[];
  /** Shape facts the proofs used (the rewrite reuses them). */
  readonly facts: ShapeFacts;
  /** The readable names the reports' `signature.readable` use (spell other sizes of the model with it too). */
  readonly dimNames: DimNames;
}

/**
 * Options of {@link findMsdaSites}.
 *
 * @example
 * ```ts
 * findMsdaSites(model, { exactPrecision: true, onProgress: (done, total) => console.log(`${done}/${total} sites`) });
 * ```
 * @group fuse-msda
 */
export interface FindMsdaSitesOptions {
  /** Refuse every rounding the proof would otherwise allow (see `FuseMsdaOptions.exactPrecision`). */
  exactPrecision?: boolean;
  /** Called after each candidate is proved. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Nodes that depend on a structural problem of the model (see `invalidRegion`): a site with one
   * of them is not proved but reported with the problem.
   */
  invalid?: ReadonlyMap<Node, StructuralProblem> | undefined;
}

/**
 * Finds every MSDA site of the main graph and proves or refuses each; changes nothing.
 * `onProgress` is called after each candidate is proved.
 *
 * @example
 * ```ts
 * const { sites } = findMsdaSites(await loadModel('rtdetr.onnx'));
 * sites.filter((s) => s.proved).length; // sites fuseMsda would fuse (if nothing else reads their insides)
 * ```
 * @group fuse-msda
 */
export function findMsdaSites(model: Model, options: FindMsdaSitesOptions = {}): MsdaSites {
  const graph = model.graph;
  const facts = inferShapes(graph);
  const live = markLiveNodes(graph);
  // GridSample exists from opset 16; a model without an ONNX opset import cannot hold one.
  const context = { facts, opset: model.onnxOpset ?? 0, live, exactPrecision: Boolean(options.exactPrecision) };
  const { candidates, strays } = findCandidates(graph, facts, live);
  const dimNames = DimNames.forGraph(graph);
  const sites: MsdaSiteInfo[] = strays.map((s) => ({
    report: { name: s.gridSample.label, status: 'skipped', reason: s.reason, gridSamples: [s.gridSample.label] },
    gridSamples: [s.gridSample], nodes: [s.gridSample], proved: undefined,
  }));
  candidates.forEach((candidate, i) => {
    const gridSamples = candidate.levels.map((l) => l.gridSample);
    const labels = gridSamples.map((g) => g.label);
    const name = siteName(gridSamples, candidate.anchor);
    // A site over a broken part of the model (allowInvalid) is not proved: its facts mean nothing.
    const early = invalidityOf(candidateNodes(candidate), options.invalid);
    const proof = early ? { ok: false as const, reason: early } : proveSite(candidate, context);
    const reason = proof.ok ? invalidityOf(proof.site.dataNodes, options.invalid) : proof.reason;
    sites.push(proof.ok && reason === undefined
      ? { report: provedReport(name, labels, proof.site, dimNames), gridSamples, nodes: proof.site.dataNodes, proved: proof.site }
      : { report: { name, status: 'skipped', reason: reason ?? '', gridSamples: labels }, gridSamples, nodes: proof.ok ? proof.site.dataNodes : gridSamples, proved: undefined });
    options.onProgress?.(i + 1, candidates.length);
  });
  const pluginNodes = [...graph.nodesIter()].filter((n) => n.opType === MSDA_PLUGIN.opType);
  return { sites, pluginNodes, facts, dimNames };
}

/**
 * One site or plugin node picked by {@link selectMsdaSite}.
 *
 * @example
 * ```ts
 * const picked = selectMsdaSite(findMsdaSites(model), '2');
 * if (picked.kind === 'plugin') console.log(picked.node.label);
 * ```
 * @group fuse-msda
 */
export type SelectedMsdaSite = { kind: 'unfused'; site: MsdaSiteInfo } | { kind: 'plugin'; node: Node };

/**
 * Picks a site by `name`: a site name (exact, or the only one starting with it), a plugin node's
 * name or label, or a 1-based number in the listing (sites, then plugin nodes), because exporters
 * do not always give sites distinct names (dynamo: every one is `node_grid_sampler/`). Without a
 * name, the first site (or plugin node). Throws a usage error naming the choices.
 *
 * @example
 * ```ts
 * selectMsdaSite(findMsdaSites(model), '/model/encoder/layers.0/');
 * ```
 * @group fuse-msda
 */
export function selectMsdaSite(found: Pick<MsdaSites, 'sites' | 'pluginNodes'>, name?: string): SelectedMsdaSite {
  const { sites, pluginNodes } = found;
  const all: SelectedMsdaSite[] = [...sites.map((site) => ({ kind: 'unfused' as const, site })), ...pluginNodes.map((node) => ({ kind: 'plugin' as const, node }))];
  if (name === undefined) {
    if (all[0]) return all[0];
    throw new OnnxSurgeonError('usage', 'the model has no MSDA site and no plugin node to draw');
  }
  if (/^\d+$/.test(name)) {
    const chosen = all[Number(name) - 1];
    if (!chosen) throw new OnnxSurgeonError('usage', `site number ${name} does not exist`, { expected: `1 to ${all.length}`, found: name });
    return chosen;
  }
  const exact = sites.find((s) => s.report.name === name);
  if (exact) return { kind: 'unfused', site: exact };
  const plugin = pluginNodes.find((n) => n.name === name || n.label === name);
  if (plugin) return { kind: 'plugin', node: plugin };
  const prefixed = [...sites.filter((s) => s.report.name.startsWith(name)).map((s) => s.report.name), ...pluginNodes.filter((n) => n.label.startsWith(name)).map((n) => n.label)];
  if (prefixed.length === 1) return selectMsdaSite(found, prefixed[0]);
  const known = [...sites.map((s) => s.report.name), ...pluginNodes.map((n) => n.label)];
  throw new OnnxSurgeonError('usage', prefixed.length ? `site name '${name}' is ambiguous` : `no MSDA site or plugin node named '${name}'`, {
    expected: known.length ? `one of ${known.join(', ')}` : 'a model with MSDA sites', found: name,
  });
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

/** The nodes a candidate is made of before any proof: its GridSamples, their layout steps, the stack. */
function candidateNodes(candidate: Candidate): Node[] {
  const nodes: Node[] = [];
  for (const level of candidate.levels) {
    nodes.push(level.gridSample);
    for (const step of level.steps) nodes.push(step.node);
  }
  if (candidate.stack) nodes.push(candidate.stack);
  return nodes;
}

/** The reason a site is left alone when one of its nodes depends on a structural problem. */
function invalidityOf(nodes: readonly Node[], invalid: ReadonlyMap<Node, StructuralProblem> | undefined): string | undefined {
  if (!invalid?.size) return undefined;
  for (const node of nodes) {
    const problem = invalid.get(node);
    if (!problem) continue;
    const where = problem.node && problem.node !== node.label ? ` (at '${problem.node}')` : '';
    return `'${node.label}' depends on an invalid part of the model${where}: ${problem.detail}`;
  }
  return undefined;
}

function provedReport(name: string, gridSamples: string[], site: MsdaSite, names: DimNames): MsdaSiteReport {
  const report: MsdaSiteReport = { name, status: 'fusable', gridSamples, signature: signatureOf(site, names) };
  if (site.notes.length) report.notes = site.notes;
  return report;
}

function signatureOf(site: MsdaSite, names: DimNames): MsdaSignature {
  const s = (d: DimExpr): string => String(d);
  const signature: MsdaSignature = {
    N: s(site.sizes.N), S: s(site.sizes.S), M: s(site.sizes.M), D: s(site.sizes.D), Lq: s(site.sizes.Lq), L: site.sizes.L, P: s(site.sizes.P),
    spatialShapes: site.spatialShapes.map(([h, w]) => [s(h), s(w)]),
    levelStartIndex: site.levelStarts.map(s),
    dtype: site.dtype === DType.FLOAT16 ? 'float16' : 'float32',
    locationsCast: site.locationsDtype !== site.dtype,
    valueCast: site.valueDtype !== site.dtype,
    pointsPerLevel: site.pointsPerLevel.map(s),
  };
  const r = (d: DimExpr): string => names.format(d);
  const readable: ReadableMsdaSizes = {
    N: r(site.sizes.N), S: r(site.sizes.S), M: r(site.sizes.M), D: r(site.sizes.D), Lq: r(site.sizes.Lq), P: r(site.sizes.P),
    spatialShapes: site.spatialShapes.map(([h, w]) => [r(h), r(w)]),
    levelStartIndex: site.levelStarts.map(r),
  };
  const same = (['N', 'S', 'M', 'D', 'Lq', 'P'] as const).every((k) => readable[k] === signature[k]) &&
    JSON.stringify([readable.spatialShapes, readable.levelStartIndex]) === JSON.stringify([signature.spatialShapes, signature.levelStartIndex]);
  if (!same) signature.readable = readable;
  return signature;
}
