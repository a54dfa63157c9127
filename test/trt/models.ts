/** Tiny models for the TensorRT driver tests, built with the IR API and saved with serde. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dim, DType, Model, Tensor, attr } from '../../src/ir/index.js';
import { saveModel } from '../../src/serde/index.js';

/** A fresh temporary folder. */
export function tempDir(prefix = 'osg-trt-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function emptyModel(): Model {
  const model = new Model();
  model.irVersion = 8;
  model.opsetImports.set('', 17);
  return model;
}

/** x -> Relu -> y, with x of the given shape. */
export function reluModel(shape: Dim[], name = 'x'): Model {
  const model = emptyModel();
  const x = model.graph.addInput(name, { dtype: DType.FLOAT, shape });
  const relu = model.graph.addNode({ op: 'Relu', inputs: [x], outputs: ['y'], name: 'relu', outputTypes: [{ dtype: DType.FLOAT, shape }] });
  model.graph.setOutputs([relu.output(0)]);
  return model;
}

/** Several inputs summed pairwise into outputs, for multi-input profile tests. */
export function multiInputModel(inputs: { name: string; shape: Dim[] }[]): Model {
  const model = emptyModel();
  const outs = inputs.map(({ name, shape }) => {
    const v = model.graph.addInput(name, { dtype: DType.FLOAT, shape });
    return model.graph.addNode({ op: 'Relu', inputs: [v], outputs: [`${name}_relu`], name: `relu_${name}` }).output(0);
  });
  model.graph.setOutputs(outs);
  return model;
}

/** Level layout of the plugin test model: 2 levels (4x4, 2x2), S = 20, M = 2 heads, D = 8, Lq = 5, P = 2. */
export const MSDA_LAYOUT = { levels: [[4, 4], [2, 2]] as const, S: 20, M: 2, D: 8, Lq: 5, P: 2 };

/**
 * A model with one valid MultiscaleDeformableAttnPlugin_TRT node (what fuse-msda emits), optionally
 * with a GridSample next to it, or with a wrong level_start_index (a contract violation).
 */
export function msdaPluginModel(options: { withGridSample?: boolean; badLevelStart?: boolean; batch?: Dim } = {}): Model {
  const model = emptyModel();
  model.opsetImports.set('trt.plugins', 1);
  const g = model.graph;
  const { S, M, D, Lq, P } = MSDA_LAYOUT;
  const N = options.batch ?? 1;
  const value = g.addInput('value', { dtype: DType.FLOAT, shape: [N, S, M, D] });
  const locations = g.addInput('sampling_locations', { dtype: DType.FLOAT, shape: [N, Lq, M, 2, P, 2] });
  const weights = g.addInput('attention_weights', { dtype: DType.FLOAT, shape: [N, Lq, M, 2, P] });
  const shapes = g.addInitializer(Tensor.int32([4, 4, 2, 2], [2, 2]), 'spatial_shapes');
  const starts = g.addInitializer(Tensor.int32(options.badLevelStart ? [0, 7] : [0, 16], [2]), 'level_start_index');
  const msda = g.addNode({
    op: 'MultiscaleDeformableAttnPlugin_TRT', domain: 'trt.plugins', name: 'encoder/msda_0',
    inputs: [value, shapes, starts, locations, weights], outputs: ['attn'],
    outputTypes: [{ dtype: DType.FLOAT, shape: [N, Lq, M, D] }],
    attributes: { plugin_version: attr.string('1'), plugin_namespace: attr.string('') },
  });
  const outputs = [msda.output(0)];
  if (options.withGridSample) outputs.push(addGridSample(model));
  g.setOutputs(outputs);
  return model;
}

/** A model whose only op is GridSample (an unfused MSDA leftover, as far as `build` can tell). */
export function gridSampleModel(): Model {
  const model = emptyModel();
  model.graph.setOutputs([addGridSample(model)]);
  return model;
}

function addGridSample(model: Model) {
  const g = model.graph;
  const image = g.addInput('image', { dtype: DType.FLOAT, shape: [1, 1, 4, 4] });
  const grid = g.addInput('grid', { dtype: DType.FLOAT, shape: [1, 2, 2, 2] });
  return g.addNode({
    op: 'GridSample', name: 'level0/grid_sample', inputs: [image, grid], outputs: ['sampled'],
    attributes: { align_corners: attr.int(0), mode: attr.string('bilinear'), padding_mode: attr.string('zeros') },
  }).output(0);
}

/** Saves `model` into a new temp folder and returns the file path. */
export async function saveTemp(model: Model, name = 'model.onnx'): Promise<string> {
  const file = join(tempDir(), name);
  await saveModel(model, file);
  return file;
}
