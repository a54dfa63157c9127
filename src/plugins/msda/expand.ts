/**
 * CPU execution of `MultiscaleDeformableAttnPlugin_TRT`: the node is replaced by standard ONNX
 * ops (opset >= 16) that compute the same thing with `GridSample`, which onnxruntime runs.
 *
 * TensorRT's kernel samples level l at pixel (x*W - 0.5, y*H - 0.5) with zero-padded bilinear
 * interpolation; `GridSample(mode=bilinear, padding_mode=zeros, align_corners=0)` on the grid
 * `2*loc - 1` samples at ((g+1)*W - 1)/2 = x*W - 0.5: the same point and the same padding.
 *
 * Every offset and level shape is read from the spatial-shapes and level-start-index tensors at
 * run time (Gather/Mul/Add), never folded from constants, so dynamic shapes work and a wrong
 * level table gives wrong numbers (or a Reshape error) instead of being silently corrected.
 * Only the number of levels L must be static, because the expansion unrolls over levels.
 */
import { OnnxSurgeonError } from '../../errors.js';
import { type AttributeValue, DType, type Graph, GraphEdit, type Model, type Node, Tensor, type Value, attr } from '../../ir/index.js';
import { staticDtype, staticShape } from '../static-data.js';
import { MsdaInput } from './plugin.js';

/**
 * Lowest ONNX opset of the expansion: `GridSample` first appeared in opset 16.
 *
 * @example
 * ```ts
 * if ((model.onnxOpset ?? 0) < MSDA_EXPANSION_MIN_OPSET) console.warn('expansion will raise the opset');
 * ```
 * @group MSDA plugin
 */
export const MSDA_EXPANSION_MIN_OPSET = 16;

/**
 * Replaces one `MultiscaleDeformableAttnPlugin_TRT` node in `graph` by standard ONNX ops.
 * The new nodes are appended: call `graph.toposort()` afterwards (`expandCustomOps` does).
 * Raises the model's ONNX opset to 16 if it is lower.
 *
 * @example
 * ```ts
 * for (const node of model.graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType)) expandMsdaNode(node, model.graph, model);
 * model.graph.toposort();
 * ```
 * @group MSDA plugin
 */
export function expandMsdaNode(node: Node, graph: Graph, model: Model): void {
  if (node.inputs.length !== 5 || node.inputs.some((v) => !v) || node.outputs.length !== 1) {
    throw new OnnxSurgeonError('contract', 'cannot expand: the plugin node needs 5 inputs and 1 output', {
      node: node.label, expected: '5 inputs, 1 output', found: `${node.inputs.length} inputs, ${node.outputs.length} outputs`,
    });
  }
  const levels = staticLevelCount(node);
  const opset = Math.max(model.onnxOpset ?? 0, MSDA_EXPANSION_MIN_OPSET);
  const edit = new GraphEdit(graph, model);
  const b = expansionBuilder(edit, `${node.name || 'msda'}/expand`);
  const i64 = (values: number[], hint: string): Value => b.int64(values, [values.length], hint);
  const scalar = (value: number, hint: string): Value => b.int64([value], [], hint);

  // float32 compute: onnxruntime's CPU GridSample has no float16 kernel.
  const dtype = staticDtype(node.input(MsdaInput.value));
  const toFloat = (v: Value, hint: string): Value => (dtype === DType.FLOAT ? v : b.op('Cast', [v], { to: attr.int(DType.FLOAT) }, hint));
  const value = toFloat(node.input(MsdaInput.value), 'value_f32');
  const locations = toFloat(node.input(MsdaInput.samplingLocations), 'locations_f32');
  const weights = toFloat(node.input(MsdaInput.attentionWeights), 'weights_f32');

  // Level tables as int64, read at run time.
  const shapes = b.op('Cast', [node.input(MsdaInput.spatialShapes)], { to: attr.int(DType.INT64) }, 'spatial_shapes_i64'); // [L, 2]
  const heights = b.op('Gather', [shapes, scalar(0, 'row_h')], { axis: attr.int(1) }, 'heights'); // [L]
  const widths = b.op('Gather', [shapes, scalar(1, 'row_w')], { axis: attr.int(1) }, 'widths'); // [L]
  const starts = b.op('Cast', [node.input(MsdaInput.levelStartIndex)], { to: attr.int(DType.INT64) }, 'level_starts'); // [L]
  const ends = b.op('Add', [starts, b.op('Mul', [heights, widths], {}, 'level_pixels')], {}, 'level_ends'); // [L]

  // value [N, S, M, D] -> [N, M, D, S]: each level is then a slice of the last axis.
  const valueShape = b.op('Shape', [value], {}, 'value_shape');
  const channels = b.op('Gather', [valueShape, i64([3], 'axis_d')], {}, 'channels'); // [1] = D
  const batchHeadsChannels = b.op('Gather', [valueShape, i64([0, 2, 3], 'axes_nmd')], {}, 'n_m_d'); // [3]
  const valueNMDS = b.op('Transpose', [value], { perm: attr.ints([0, 2, 3, 1]) }, 'value_nmds');

  // locations [N, Lq, M, L, P, 2] -> grid in [-1, 1], laid out [N, M, L, Lq, P, 2].
  const grid = b.op('Sub', [b.op('Mul', [locations, b.float32(2, 'two')], {}, 'loc_x2'), b.float32(1, 'one')], {}, 'grid');
  const gridNMLLqP2 = b.op('Transpose', [grid], { perm: attr.ints([0, 2, 3, 1, 4, 5]) }, 'grid_nmlqp');
  const locationShape = b.op('Shape', [locations], {}, 'locations_shape');
  const queriesPoints = b.op('Gather', [locationShape, i64([1, 4], 'axes_lq_p')], {}, 'lq_p'); // [2]
  const gridShape = b.op('Concat', [i64([-1], 'minus_one'), queriesPoints, i64([2], 'xy')], { axis: attr.int(0) }, 'grid_shape');

  const samples: Value[] = [];
  for (let level = 0; level < levels; level++) {
    const tag = `l${level}`;
    const levelIndex = i64([level], `${tag}_index`);
    const levelValue = b.op('Slice', [
      valueNMDS,
      b.op('Gather', [starts, levelIndex], {}, `${tag}_start`),
      b.op('Gather', [ends, levelIndex], {}, `${tag}_end`),
      i64([3], `${tag}_axis`),
    ], {}, `${tag}_value`); // [N, M, D, H*W]
    const heightWidth = b.op('Gather', [shapes, scalar(level, `${tag}_row`)], { axis: attr.int(0) }, `${tag}_hw`); // [2]
    const imageShape = b.op('Concat', [i64([-1], `${tag}_minus_one`), channels, heightWidth], { axis: attr.int(0) }, `${tag}_image_shape`);
    const image = b.op('Reshape', [levelValue, imageShape], {}, `${tag}_image`); // [N*M, D, H, W]
    const levelGrid = b.op('Gather', [gridNMLLqP2, scalar(level, `${tag}_grid_index`)], { axis: attr.int(2) }, `${tag}_grid`);
    const levelGridFlat = b.op('Reshape', [levelGrid, gridShape], {}, `${tag}_grid_flat`); // [N*M, Lq, P, 2]
    samples.push(b.op('GridSample', [image, levelGridFlat], {
      // GridSample-20 renamed the interpolation modes ('bilinear' -> 'linear').
      mode: attr.string(opset >= 20 ? 'linear' : 'bilinear'),
      padding_mode: attr.string('zeros'),
      align_corners: attr.int(0),
    }, `${tag}_sample`)); // [N*M, D, Lq, P]
  }
  const sampled = samples.length === 1 ? samples[0]! : b.op('Concat', samples, { axis: attr.int(3) }, 'samples'); // [N*M, D, Lq, L*P]

  // weights [N, Lq, M, L, P] -> [N*M, 1, Lq, L*P], matching the level-major order of `sampled`.
  const weightsNMLqLP = b.op('Transpose', [weights], { perm: attr.ints([0, 2, 1, 3, 4]) }, 'weights_nmqlp');
  const weightShape = b.op('Shape', [weights], {}, 'weights_shape');
  const levelPoints = b.op('Mul', [
    b.op('Gather', [weightShape, i64([3], 'axis_l')], {}, 'levels_dim'),
    b.op('Gather', [weightShape, i64([4], 'axis_p')], {}, 'points_dim'),
  ], {}, 'levels_x_points');
  const weightTarget = b.op('Concat', [
    i64([-1, 1], 'nm_one'), b.op('Gather', [weightShape, i64([1], 'axis_lq')], {}, 'queries_dim'), levelPoints,
  ], { axis: attr.int(0) }, 'weights_target');
  const weightsFlat = b.op('Reshape', [weightsNMLqLP, weightTarget], {}, 'weights_flat');

  const weighted = b.op('Mul', [sampled, weightsFlat], {}, 'weighted');
  const summed = b.op('ReduceSum', [weighted, i64([3], 'sum_axis')], { keepdims: attr.int(0) }, 'summed'); // [N*M, D, Lq]
  const outputShape = b.op('Concat', [batchHeadsChannels, i64([-1], 'lq')], { axis: attr.int(0) }, 'output_shape');
  const nmdq = b.op('Reshape', [summed, outputShape], {}, 'output_nmdq'); // [N, M, D, Lq]
  let result = b.op('Transpose', [nmdq], { perm: attr.ints([0, 3, 1, 2]) }, 'output_f32'); // [N, Lq, M, D]

  if (dtype === DType.FLOAT16) result = b.op('Cast', [result], { to: attr.int(DType.FLOAT16) }, 'output');
  else if (dtype !== DType.FLOAT) result = b.op('CastLike', [result, node.input(MsdaInput.value)], {}, 'output');

  edit.replaceAllUsesWith(node.output(0), result);
  edit.removeWhenUnused([node]);
  model.raiseOnnxOpset(MSDA_EXPANSION_MIN_OPSET);
  edit.commit();
}

/** Standard ONNX nodes and constants of one expansion, named `<prefix>/<hint>`. */
function expansionBuilder(edit: GraphEdit, prefix: string): {
  op(opType: string, inputs: readonly (Value | undefined)[], attributes?: Record<string, AttributeValue>, hint?: string): Value;
  int64(values: readonly number[], dims: readonly number[], hint: string): Value;
  float32(value: number, hint: string): Value;
} {
  return {
    op: (opType, inputs, attributes = {}, hint = opType) =>
      edit.node({ op: opType, inputs, attributes, name: `${prefix}/${hint}`, outputs: [`${prefix}/${hint}_out`] }).output(0),
    int64: (values, dims, hint) => edit.initializer(Tensor.int64(values, dims), `${prefix}/${hint}`),
    float32: (value, hint) => edit.initializer(Tensor.float32([value], []), `${prefix}/${hint}`),
  };
}

/** L, from whichever of spatial_shapes, level_start_index, locations or weights knows it. */
function staticLevelCount(node: Node): number {
  const candidates: (number | string | null | undefined)[] = [
    node.input(MsdaInput.spatialShapes).constant()?.dims[0],
    staticShape(node.input(MsdaInput.spatialShapes))?.[0],
    staticShape(node.input(MsdaInput.levelStartIndex))?.[0],
    staticShape(node.input(MsdaInput.samplingLocations))?.[3],
    staticShape(node.input(MsdaInput.attentionWeights))?.[3],
  ];
  const known = candidates.find((d): d is number => typeof d === 'number');
  if (known === undefined) {
    throw new OnnxSurgeonError('shape', 'cannot expand: the number of levels L is not static (the expansion unrolls over levels)', {
      node: node.label, expected: 'a static dim 0 of spatial_shapes or dim 3 of sampling_locations', found: 'only symbolic or unknown dims',
    });
  }
  return known;
}
