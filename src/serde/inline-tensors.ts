/**
 * Tensors that must stay inside the model file whatever the external-data threshold: those an op
 * reads as a parameter (a shape, axes, pads, sizes, counts) rather than as data. ONNX shape
 * inference reads such tensors while the model loads, before external data is attached, and
 * refuses them when they are external: onnxruntime then rejects the whole model with "Cannot
 * parse data from external tensors". They are small, so keeping them inline costs nothing.
 */

import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Tensor } from '../ir/tensor.js';
import { isOnnxDomain } from '../ir/domain.js';

const REDUCE_OPS = ['ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'ReduceSumSquare'];

/**
 * ONNX-domain ops and the input positions whose data shape inference reads (onnx/defs: the
 * inputs its inference functions fetch with getInputData/ParseData). Checked against
 * onnxruntime for Reshape, Expand, Tile, Slice, Squeeze, Unsqueeze, Split, Pad (pads, axes),
 * Reduce*, TopK, Resize (scales, sizes), ConstantOfShape, Range, OneHot (depth), HannWindow and
 * DFT; inputs read only when the op runs (Pad's constant_value, Resize's roi, Clip's bounds,
 * CumSum's axis, Trilu's k) may stay external.
 */
export const PARAMETER_INPUTS: ReadonlyMap<string, readonly number[]> = new Map<string, readonly number[]>([
  ['Reshape', [1]], ['Expand', [1]], ['Tile', [1]], ['ConstantOfShape', [0]],
  ['Slice', [1, 2, 3, 4]], ['Squeeze', [1]], ['Unsqueeze', [1]], ['Split', [1]], ['Pad', [1, 3]],
  ['Resize', [2, 3]], ['Upsample', [1]], ['Range', [0, 1, 2]], ['TopK', [1]], ['OneHot', [1]],
  ['CenterCropPad', [1]], ['Col2Im', [1, 2]], ['DFT', [1, 2]], ['STFT', [1, 3]], ['AffineGrid', [1]],
  ['BlackmanWindow', [0]], ['HammingWindow', [0]], ['HannWindow', [0]], ['MelWeightMatrix', [0, 1, 2, 3, 4]],
  ...REDUCE_OPS.map((op): [string, number[]] => [op, [1]]),
]);

/**
 * The tensors of `model` (initializers and `Constant` values, in every graph) that some op reads
 * as a parameter: saving keeps them inline.
 *
 * @example
 * ```ts
 * const keep = parameterTensors(model);
 * const reshape = model.graph.nodes.find((n) => n.opType === 'Reshape');
 * const target = reshape?.input(1).initializer;
 * if (target) keep.has(target); // true: a Reshape target stays inline
 * ```
 */
export function parameterTensors(model: Model): Set<Tensor> {
  const found = new Set<Tensor>();
  const visit = (graph: Graph): void => {
    for (const node of graph.nodes) {
      const positions = isOnnxDomain(node.domain) ? PARAMETER_INPUTS.get(node.opType) : undefined;
      for (const index of positions ?? []) {
        const value = node.inputs[index];
        // An initializer that is also a graph input is only a default, but still read as a parameter.
        const tensor = value?.initializer ?? value?.constant();
        if (tensor) found.add(tensor);
      }
    }
    // Subgraphs (If/Loop/Scan bodies) read outer initializers as the same Value objects.
    for (const { graph: subgraph } of graph.subgraphs()) visit(subgraph);
  };
  visit(model.graph);
  return found;
}
