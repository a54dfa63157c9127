/**
 * The broken export of issue #18, rebuilt from the repo's valid one. PyTorch's dynamo exporter,
 * with its default optimization, writes transformers' two-stage Deformable DETR (dynamic batch)
 * with `inverse_sigmoid`'s `x.clamp(min=0, max=1)` as `Clip(sigmoid, sigmoid_min_1, sigmoid_max_1)`
 * and drops the two bound constants, so nothing produces them (onnxruntime: "Node input
 * 'sigmoid_min_1' is not a graph input, initializer, or output of a previous node"). We cannot run
 * the exporter here, so this applies exactly that defect to the repo's `optimize=False` export of
 * the same model (test/fixtures/msda-models/hf_deformable_detr_2stage_dynbatch_dynamo_op18),
 * where the clamp is `Min(Max(sigmoid, 0), 1)`: that pair becomes the Clip reading the two
 * dangling tensors; nothing else changes (the dead bound casts go, as the optimizer drops them).
 */
import { join } from 'node:path';
import { GraphEdit, type Model, type Node, OnnxSurgeonError } from '../../src/index.js';

/** The valid export the broken one is made from (relative to the repository root). */
export const DETR_2STAGE_FIXTURE = join('test', 'fixtures', 'msda-models', 'hf_deformable_detr_2stage_dynbatch_dynamo_op18');

/** The two tensors the optimized export reads and never produces. */
export const LOST_BOUNDS = { min: 'sigmoid_min_1', max: 'sigmoid_max_1' } as const;

/**
 * Turns the valid export into the broken one, in place: `Min(Max(sigmoid, lo), hi)` becomes
 * `Clip(sigmoid, sigmoid_min_1, sigmoid_max_1)` with both bounds dangling. Returns the Clip.
 */
export function breakLikeOptimizedExport(model: Model): Node {
  const graph = model.graph;
  const sigmoid = graph.requireValue('sigmoid');
  const max = sigmoid.consumers().find((n) => n.opType === 'Max');
  const min = max?.output().consumers().find((n) => n.opType === 'Min');
  if (!max || !min) {
    throw new OnnxSurgeonError('usage', "expected inverse_sigmoid's clamp as Min(Max(sigmoid, 0), 1)", { tensor: 'sigmoid', expected: DETR_2STAGE_FIXTURE });
  }
  // Values nothing defines: what the exporter left behind.
  const lower = graph.createValue(LOST_BOUNDS.min);
  const upper = graph.createValue(LOST_BOUNDS.max);
  const edit = new GraphEdit(graph, model);
  const clip = edit.node({ op: 'Clip', name: 'node_Clip_inverse_sigmoid', inputs: [sigmoid, lower, upper], outputTypes: [min.output().type] });
  edit.replaceAllUsesWith(min.output(), clip.output());
  edit.removeWhenUnused([min, max]);
  edit.commit();
  graph.cleanup();
  return clip;
}
