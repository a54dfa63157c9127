/**
 * What a model must satisfy before it is worth handing to TensorRT: no GridSample left over from
 * an unfused MSDA site (TensorRT would build it, slowly, through its generic GridSample layer or
 * fail on the float64 grids PyTorch exports), and every plugin node within its plugin's contract
 * (a wrong shape or dtype would otherwise surface as an opaque plugin error deep in the build).
 */
import { OnnxSurgeonError, withContext } from '../errors.js';
import { type Model, type Node, graphsWithin, isOnnxDomain } from '../ir/index.js';
import { assertValidPlugins, MSDA_PLUGIN, type ValidationReport } from '../plugins/index.js';

/**
 * What the checks found.
 *
 * @group Model checks and precision
 */
export interface ModelCheckReport {
  /** Labels of GridSample nodes (main graph and subgraphs). */
  gridSampleNodes: string[];
  /** Number of `MultiscaleDeformableAttnPlugin_TRT` nodes. */
  msdaPluginNodes: number;
  /** Every MSDA plugin node of the main graph: how TensorRT names its layer, and its plugin version. */
  msdaNodes: MsdaNodeInfo[];
  /** Plugin contract validation (clean when this function returns). */
  plugins: ValidationReport;
}

/**
 * One MSDA plugin node as the TensorRT build needs to know it.
 *
 * @group Model checks and precision
 */
export interface MsdaNodeInfo {
  /** Node label, for messages. */
  label: string;
  /** The layer name TensorRT's parser gives it: the node name, or `node_of_<first output>` when unnamed. */
  layerName: string;
  /** Its output tensor (the builder finds the layer by it). */
  output: string;
  /** Its `plugin_version` attribute (TensorRT's default "1" when absent). */
  pluginVersion: string;
}

/**
 * Options of {@link checkModelForTensorRt}.
 *
 * @group Model checks and precision
 */
export interface ModelCheckOptions {
  /** Build even if GridSample nodes remain. */
  allowGridSample?: boolean;
  /** Model path, for messages. */
  file?: string;
}

/**
 * Refuses a model that still has GridSample nodes (unless `allowGridSample`) or whose plugin
 * nodes break their contract; returns what it counted otherwise.
 *
 * @example
 * ```ts
 * checkModelForTensorRt(await loadModel('fused.onnx'), { file: 'fused.onnx' });
 * ```
 * @group Model checks and precision
 */
export function checkModelForTensorRt(model: Model, options: ModelCheckOptions = {}): ModelCheckReport {
  const gridSamples: Node[] = [];
  let msdaPluginNodes = 0;
  for (const graph of graphsWithin(model.graph)) {
    for (const node of graph.nodesIter()) {
      if (node.opType === 'GridSample' && isOnnxDomain(node.domain)) gridSamples.push(node);
      if (node.opType === MSDA_PLUGIN.opType) msdaPluginNodes++;
    }
  }
  const context = options.file ? { file: options.file } : {};
  if (gridSamples.length && !options.allowGridSample) {
    const count = `${gridSamples.length} GridSample node${gridSamples.length === 1 ? '' : 's'}`;
    const first = gridSamples[0]!.label;
    const detail = msdaPluginNodes === 0
      ? `the model still has ${count} (first: '${first}') and no ${MSDA_PLUGIN.opType} node: run \`onnx-surgeon fuse-msda\` first ` +
        'and build the fused model (or pass --allow-gridsample to build it unfused)'
      : `${count} remain (first: '${first}') next to ${msdaPluginNodes} ${MSDA_PLUGIN.opType} node${msdaPluginNodes === 1 ? '' : 's'}: ` +
        'some MSDA sites were not fused; run `onnx-surgeon fuse-msda` first and check its report ' +
        '(or pass --allow-gridsample if these GridSamples are not attention)';
    throw new OnnxSurgeonError('contract', detail, { ...context, expected: `no GridSample (MSDA fused into ${MSDA_PLUGIN.opType})`, found: count });
  }
  let plugins: ValidationReport;
  try {
    plugins = assertValidPlugins(model);
  } catch (error) {
    throw options.file ? withContext(error, { file: options.file }) : error;
  }
  const msdaNodes = model.graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType).map((n) => ({
    label: n.label,
    layerName: n.name || `node_of_${n.outputs[0]?.name ?? ''}`,
    output: n.outputs[0]?.name ?? '',
    pluginVersion: n.attrString('plugin_version', '1'),
  }));
  return { gridSampleNodes: gridSamples.map((n) => n.label), msdaPluginNodes, msdaNodes, plugins };
}
