import { DType, type Dim, GraphEdit, type Model, type Node, type Value, attr } from '../../ir/index.js';
import { MSDA_PLUGIN } from '../../plugins/index.js';
import { DimExpr } from '../../shape/dim-expr.js';
import type { ShapeFacts } from '../../shape/facts.js';
import { buildLayout } from './build-layout.js';
import { buildPerLevel } from './build-levels.js';
import { type DimSources, Emitter, toInt32 } from './emitter.js';
import type { MsdaSite } from './prove-site.js';

/** The detached replacement of one proven site: commit `edit` to apply it. */
export interface SiteReplacement {
  readonly site: MsdaSite;
  /** The plugin node and its adapters, not yet in the graph. */
  readonly edit: GraphEdit;
  /** The plugin node (detached until the edit is committed). */
  readonly plugin: Node;
}

/**
 * Builds, detached, one plugin node for a proven site: the three tensors it reads in the plugin's
 * layouts (reusing existing values where they already are), its level tables, and the site's
 * output rebuilt from the plugin's output in the layout the site's consumers read. Committing the
 * edit points those consumers at it; the old nodes are left for cleanup. Throws a `ViewError`
 * when a layout or a size cannot be built.
 */
export function buildSiteReplacement(
  model: Model, site: MsdaSite, facts: ShapeFacts, sources: DimSources, prefix: string, pluginVersion = MSDA_PLUGIN.versions[0]!,
): SiteReplacement {
  const graph = model.graph;
  const edit = new GraphEdit(graph, model);
  const emitter = new Emitter(edit, prefix, sources, site.dataNodes);
  const { N, S, M, D, Lq, L, P } = site.sizes;
  // The proof showed each root's type holds every value of the plugin's type's subset, so these
  // Casts widen (a mixed-precision export keeps the value in float16 and samples in float32).
  const widen = (input: Value, from: number, name: string): Value => (from === site.dtype ? input : emitter.node('Cast', [input], name, { to: attr.int(site.dtype) }));
  const value = widen(buildLayout(site.value, emitter, facts, 'msda_value'), site.valueDtype, 'msda_value_cast');
  const points = site.pointsPerLevel.map((p) => p.constValue()!);
  // Padded points sample at -1 (outside every map: the plugin reads nothing there) with weight 0.
  const locations = site.locationsConstant
    ? emitter.constant(site.locationsConstant, 'msda_sampling_locations')
    : site.locationsPerLevel
    ? buildPerLevel(site.locationsPerLevel, points, { from: site.locationsDtype, to: site.dtype }, -1, emitter, facts, 'msda_sampling_locations')
    : widen(buildLayout(site.locations, emitter, facts, 'msda_sampling_locations'), site.locationsDtype, 'msda_sampling_locations_cast');
  const weights = site.weightsPerLevel
    ? buildPerLevel(site.weightsPerLevel, points, { from: site.weightsDtype, to: site.dtype }, 0, emitter, facts, 'msda_attention_weights')
    : widen(buildLayout(site.weights, emitter, facts, 'msda_attention_weights'), site.weightsDtype, 'msda_attention_weights_cast');
  const spatialShapes = toInt32(emitter, site.spatialShapes.flat(), [L, 2], 'msda_spatial_shapes');
  const levelStart = levelStartIndex(emitter, site);
  const plugin = emitter.customNode(MSDA_PLUGIN.opType, MSDA_PLUGIN.domain, [value, spatialShapes, levelStart, locations, weights], 'MultiscaleDeformableAttn', {
    plugin_version: attr.string(pluginVersion),
    plugin_namespace: attr.string(MSDA_PLUGIN.namespace),
  });
  edit.requireOpset(MSDA_PLUGIN.domain, MSDA_PLUGIN.domainVersion);
  const float = { dtype: site.dtype };
  edit.declareType(value, { ...float, shape: dims([N, S, M, D]) });
  edit.declareType(spatialShapes, { dtype: DType.INT32, shape: [L, 2] });
  edit.declareType(levelStart, { dtype: DType.INT32, shape: [L] });
  edit.declareType(locations, { ...float, shape: dims([N, Lq, M, DimExpr.const(L), P, DimExpr.const(2)]) });
  edit.declareType(weights, { ...float, shape: dims([N, Lq, M, DimExpr.const(L), P]) });
  const output = plugin.output(0);
  edit.declareType(output, { ...float, shape: dims([N, Lq, M, D]) });
  let result = buildLayout({
    root: output,
    rootAxes: [{ axis: 'n', size: N }, { axis: 'q', size: Lq }, { axis: 'm', size: M }, { axis: 'd', size: D }],
    target: site.output.target,
  }, emitter, undefined, 'msda_output');
  if (site.output.dtype !== site.dtype) {
    // The export widened the sum (fp16 model summing in float32) and kept the wide type.
    result = emitter.node('Cast', [result], 'msda_output_cast', { to: attr.int(site.output.dtype) });
  }
  edit.replaceAllUsesWith(site.output.value, result);
  return { site, edit, plugin };
}

/**
 * Level start index as int32: a constant for static exports; for dynamic ones the running sum of
 * H*W computed in the graph from the same sizes the export used.
 */
function levelStartIndex(emitter: Emitter, site: MsdaSite): Value {
  const name = 'msda_level_start_index';
  if (site.levelStarts.every((d) => d.constValue() !== undefined)) return toInt32(emitter, site.levelStarts, [site.sizes.L], name);
  const parts: Value[] = [];
  let running: Value | undefined;
  site.levelStarts.forEach((start, l) => {
    if (l === 0) {
      running = emitter.scalar(start, `${name}_0`);
    } else {
      const [h, w] = site.spatialShapes[l - 1]!;
      const area = emitter.node('Mul', [emitter.scalar(h, `${name}_h${l - 1}`), emitter.scalar(w, `${name}_w${l - 1}`)], `${name}_area${l - 1}`);
      running = emitter.node('Add', [running!, area], `${name}_${l}`);
    }
    parts.push(running!);
  });
  const vector = parts.length === 1 ? parts[0]! : emitter.node('Concat', parts, `${name}_int64`, { axis: attr.int(0) });
  return emitter.node('Cast', [vector], name, { to: attr.int(DType.INT32) });
}

/** Symbolic dims as IR dims: numbers, single symbols by name, anything else unknown. */
function dims(exprs: readonly DimExpr[]): Dim[] {
  return exprs.map((d) => d.constValue() ?? d.symbolName() ?? null);
}
