/**
 * Warnings for a model whose ONNX opset is newer than what the installed TensorRT's ONNX parser
 * supports, naming the operators concerned: those of the model defined anew after the parser's
 * limit (their newer semantics may be parsed as the older ones), and, for TensorRT 8.6 (opset 17)
 * with an opset >= 18 model, the nodes its importers are known to mis-read (read in
 * onnx-tensorrt's 8.6-GA sources): the Reduce* importers other than ReduceSum ignore an `axes`
 * input and reduce over every axis; a Pad `axes` input is refused; Resize's `antialias`, `axes` and
 * `keep_aspect_ratio_policy` are ignored; Split's `num_outputs` gives equal parts.
 */
import { type Graph, type Model, type Node, isOnnxDomain } from '../ir/index.js';
import { ONNX_OP_VERSIONS } from '../passes/fp16/onnx-op-types.js';
import type { TensorRtFeatures } from './tensorrt-features.js';

/**
 * One warning, with the nodes it is about.
 *
 * @group Model checks and precision
 */
export interface OpsetWarning {
  /** One line for the user. */
  message: string;
  /** Labels of the nodes concerned (all of them). */
  nodes: string[];
}

/** Reduce ops whose 8.6 importer never reads input 1 (ReduceSum does, since opset 13). */
const REDUCE_IGNORING_AXES_INPUT = new Set([
  'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSumSquare',
]);

/**
 * The opset warnings for building `model` with TensorRT `features` (empty when the opset is
 * within the parser's limit).
 *
 * @example
 * ```ts
 * checkOpsetSupport(model, tensorRtFeatures(8, 6)).map((w) => w.message);
 * // ["the model imports ONNX opset 18; TensorRT 8.6's ONNX parser supports up to 17 (...)", ...]
 * ```
 * @group Model checks and precision
 */
export function checkOpsetSupport(model: Model, features: TensorRtFeatures): OpsetWarning[] {
  const opset = model.onnxOpset;
  const limit = features.opsetLimit.opset;
  if (opset === undefined || opset <= limit) return [];
  const nodes = onnxNodes(model.graph);
  const changed = new Map<string, number[]>();
  for (const node of nodes) {
    const newer = (ONNX_OP_VERSIONS[node.opType] ?? []).filter((v) => v > limit && v <= opset);
    if (newer.length && !changed.has(node.opType)) changed.set(node.opType, newer);
  }
  const ops = [...changed].map(([op, versions]) => `${op} (${versions.join(', ')})`);
  const warnings: OpsetWarning[] = [{
    message: `the model imports ONNX opset ${opset}; TensorRT ${features.version}'s ONNX parser supports up to opset ${limit} ` +
      `(${features.opsetLimit.source})` + (ops.length
      ? `; operators of this model redefined after opset ${limit}, which the parser may read with their older meaning: ${ops.join(', ')}`
      : '; no operator of this model was redefined after that opset'),
    nodes: nodes.filter((n) => changed.has(n.opType)).map((n) => n.label),
  }];
  if (features.version === '8.6') warnings.push(...knownMisreadsOf86(nodes));
  return warnings;
}

function knownMisreadsOf86(nodes: readonly Node[]): OpsetWarning[] {
  const groups: { nodes: Node[]; message: (list: string) => string }[] = [
    {
      nodes: nodes.filter((n) => REDUCE_IGNORING_AXES_INPUT.has(n.opType) && !!n.inputs[1]?.name),
      message: (list) => `TensorRT 8.6 ignores the axes input of ${list} and reduces over every axis: ` +
        'this engine would compute something else; export with opset 17 or build with TensorRT 10',
    },
    {
      nodes: nodes.filter((n) => n.opType === 'Pad' && !!n.inputs[3]?.name),
      message: (list) => `TensorRT 8.6 refuses the axes input of ${list} ("TensorRT does not support dynamic axes for pad")`,
    },
    {
      nodes: nodes.filter((n) => n.opType === 'Resize' && (n.attrNumber('antialias', 0) !== 0 || n.attr('axes') !== undefined ||
        n.attrString('keep_aspect_ratio_policy', 'stretch') !== 'stretch')),
      message: (list) => `TensorRT 8.6 ignores antialias, axes and keep_aspect_ratio_policy of ${list}`,
    },
    {
      nodes: nodes.filter((n) => n.opType === 'Split' && n.attr('num_outputs') !== undefined),
      message: (list) => `TensorRT 8.6 splits ${list} into equal parts (size / num_outputs, rounded down); ` +
        'opset 18 makes the last part smaller when the size is not divisible',
    },
  ];
  return groups.filter((g) => g.nodes.length).map((g) => {
    const labels = g.nodes.map((n) => n.label);
    const list = `${labels.slice(0, 3).map((l) => `'${l}'`).join(', ')}${labels.length > 3 ? ` and ${labels.length - 3} more` : ''} (${g.nodes[0]!.opType}${new Set(g.nodes.map((n) => n.opType)).size > 1 ? ', ...' : ''})`;
    return { message: g.message(list), nodes: labels };
  });
}

/** ONNX-domain nodes of the graph and its subgraphs. */
function onnxNodes(graph: Graph): Node[] {
  const out: Node[] = [];
  const visit = (g: Graph) => {
    for (const node of g.nodesIter()) if (isOnnxDomain(node.domain)) out.push(node);
    for (const { graph: sub } of g.subgraphs()) visit(sub);
  };
  visit(graph);
  return out;
}
