/**
 * Pictures of one MSDA site: as exported (before) and as fuse-msda leaves it (after: fused in a
 * copy of the model; the model given is not changed), as SVG or DOT text.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Model, Node } from '../ir/index.js';
import { type MsdaSiteInfo, type MsdaSites, findMsdaSites, fuseMsda, selectMsdaSite } from '../passes/fuse-msda/index.js';
import { type DimNames, inferShapes } from '../shape/index.js';
import { renderPicturesDot } from './dot.js';
import { layoutPicture } from './layout.js';
import { type GraphPicture, pictureOf } from './picture.js';
import { type GraphRegion, type RegionOptions, msdaRegionBefore, pluginRegion } from './regions.js';
import { type SvgOptions, renderPicturesSvg } from './svg.js';

/**
 * Which pictures of a site: as exported, as fused, or both side by side (default).
 *
 * @group Site pictures
 */
export type SitePictureWhen = 'before' | 'after' | 'both';

/**
 * Options of {@link renderSiteSvg} and {@link renderSiteDot}.
 *
 * @group Site pictures
 */
export interface SitePictureOptions extends RegionOptions, SvgOptions {
  /** Default `both`. A plugin node already in the model has only an `after`. */
  when?: SitePictureWhen;
  /** The sites {@link findMsdaSites} found in this model (saves proving them again). */
  sites?: MsdaSites;
}

/**
 * A site to draw: one of {@link findMsdaSites}'s sites, a plugin node already in the model, a
 * name as `selectMsdaSite` takes it, or a 1-based number in its listing (undefined: the first).
 * @group Site pictures
 */
export type SiteToDraw = MsdaSiteInfo | Node | string | number | undefined;

/**
 * The SVG picture of one MSDA site, before and/or after fusion: folded constants, short labels,
 * shapes with readable size names; no Graphviz needed, and no Node API (it runs in a browser).
 *
 * @example
 * ```ts
 * import { renderSiteSvg } from 'onnx-surgeon/draw';
 * const found = findMsdaSites(model);
 * const svg = renderSiteSvg(model, found.sites[0], { when: 'before', sites: found });
 * svg.startsWith('<svg'); // true: put it in a page, or write it to site.svg
 * ```
 * @group Site pictures
 */
export function renderSiteSvg(model: Model, site: SiteToDraw, options: SitePictureOptions = {}): string {
  return renderPicturesSvg(sitePictures(model, site, options).map(layoutPicture), options);
}

/**
 * The same pictures as {@link renderSiteSvg}, as Graphviz DOT text (one cluster per picture).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('site.dot', renderSiteDot(model, '/layers.0/'));
 * ```
 * @group Site pictures
 */
export function renderSiteDot(model: Model, site: SiteToDraw, options: SitePictureOptions = {}): string {
  return renderPicturesDot(sitePictures(model, site, options));
}

/**
 * The pictures of a site before layout (for other writers), in order: before, after.
 *
 * @example
 * ```ts
 * sitePictures(model, 1).map((p) => p.boxes.length); // [38, 9]
 * ```
 * @group Site pictures
 */
export function sitePictures(model: Model, site: SiteToDraw, options: SitePictureOptions = {}): GraphPicture[] {
  const found = options.sites ?? findMsdaSites(model);
  const chosen = resolveSite(model, found, site);
  const when = options.when ?? 'both';
  const pictures: GraphPicture[] = [];
  const draw = (region: GraphRegion, names: DimNames): void => {
    pictures.push(pictureOf(region, inferShapes(region.graph), names));
  };
  if (chosen.kind === 'plugin') {
    const facts = inferShapes(model.graph);
    draw({ title: `fused: ${chosen.node.label}`, nodes: pluginRegion(model.graph, chosen.node, facts, options), highlight: new Set([chosen.node]), graph: model.graph }, found.dimNames);
    return pictures;
  }
  const { report, gridSamples } = chosen.site;
  if (when !== 'after') {
    const status = report.status === 'skipped' ? `skipped: ${report.reason ?? ''}` : report.status;
    draw({
      title: `before: ${report.name} (${gridSamples.length} GridSample, ${status})`,
      nodes: msdaRegionBefore(model.graph, gridSamples, found.facts, options, chosen.site.nodes), highlight: new Set(gridSamples), graph: model.graph,
    }, found.dimNames);
  }
  if (when !== 'before') {
    const after = fusedCopy(model, chosen.site);
    if (after) {
      const facts = inferShapes(after.plugin.graph!);
      draw({ title: `after: ${after.plugin.label}`, nodes: pluginRegion(after.plugin.graph!, after.plugin, facts, options), highlight: new Set([after.plugin]), graph: after.plugin.graph! }, found.dimNames);
    } else if (when === 'after') {
      throw new OnnxSurgeonError('usage', `site ${report.name} is not fused, so it has no 'after' picture: ${report.reason ?? 'fuse-msda skips it'}`);
    }
  }
  return pictures;
}

function resolveSite(model: Model, found: MsdaSites, site: SiteToDraw): { kind: 'unfused'; site: MsdaSiteInfo } | { kind: 'plugin'; node: Node } {
  if (site === undefined || typeof site === 'string') return selectMsdaSite(found, site);
  if (typeof site === 'number') return selectMsdaSite(found, String(site));
  if ('report' in site) return { kind: 'unfused', site };
  if (site.graph !== model.graph) throw new OnnxSurgeonError('usage', `node '${site.label}' is not in the main graph of this model`);
  return { kind: 'plugin', node: site };
}

/** The plugin node that replaces `site` in a fused copy of `model`, or undefined when fuse-msda skips it. */
function fusedCopy(model: Model, site: MsdaSiteInfo): { plugin: Node } | undefined {
  const copy = model.clone();
  const first = site.report.gridSamples[0];
  const fused = fuseMsda(copy).sites.find((s) => s.gridSamples[0] === first);
  const plugin = fused?.pluginNode !== undefined ? copy.graph.nodes.find((n) => n.name === fused.pluginNode) : undefined;
  return plugin ? { plugin } : undefined;
}
