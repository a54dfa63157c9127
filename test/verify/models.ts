/** Small models built with the IR API for verification tests, and deterministic data for them. */
import { DType, type Dim, Model, type Node, Tensor, type Value, attr } from '../../src/ir/index.js';
import { msdaReference } from '../../src/plugins/index.js';
import { seededRandom } from '../../src/random.js';

/** Uniform in [0, 1), seeded (the project's one PRNG). */
export const seeded = seededRandom;

/** An empty model importing the ONNX domain at `opset`. */
export function emptyModel(opset = 17): Model {
  const model = new Model();
  model.irVersion = 8;
  model.opsetImports.set('', opset);
  return model;
}

/** `y = op(x)` for a unary op, with declared types. */
export function unaryModel(op: string, dims: Dim[], outputs: string[] = ['y']): Model {
  const model = emptyModel();
  const x = model.graph.addInput('x', { dtype: DType.FLOAT, shape: dims });
  const values = outputs.map((name) => model.graph.addNode({ op, inputs: [x], outputs: [name], outputTypes: [{ dtype: DType.FLOAT, shape: dims }] }).output(0));
  model.graph.setOutputs(values);
  return model;
}

/** `y = Reshape(x, shape)` with a constant target: a model onnxruntime loads and fails to run when the sizes differ. */
export function reshapeModel(inputDims: number[], target: number[]): Model {
  const model = emptyModel();
  const x = model.graph.addInput('x', { dtype: DType.FLOAT, shape: inputDims });
  const shape = model.graph.addInitializer(Tensor.int64(target), 'shape');
  model.graph.setOutputs([model.graph.addNode({ op: 'Reshape', inputs: [x, shape], outputs: ['y'] }).output(0)]);
  return model;
}

/**
 * The situation of TorchScript MSDA exports: GridSample with a float64 grid, which onnxruntime's
 * CPU provider has no kernel for. `castToFloat` gives the runnable rewrite (float32 GridSample
 * between casts). Inputs x [1,1,2,2], grid [1,1,1,2]; output y [1,1,1,1] float64.
 */
export function float64GridSampleModel(castToFloat: boolean): Model {
  const model = emptyModel(16);
  const g = model.graph;
  const x = g.addInput('x', { dtype: DType.DOUBLE, shape: [1, 1, 2, 2] });
  const grid = g.addInput('grid', { dtype: DType.DOUBLE, shape: [1, 1, 1, 2] });
  const toFloat = (v: Value): Value => g.addNode({ op: 'Cast', inputs: [v], outputs: 1, attributes: { to: attr.int(DType.FLOAT) } }).output(0);
  const sampled = g.addNode({
    op: 'GridSample', name: 'sample', inputs: castToFloat ? [toFloat(x), toFloat(grid)] : [x, grid], outputs: castToFloat ? 1 : ['y'],
    attributes: { mode: attr.string('bilinear'), padding_mode: attr.string('zeros'), align_corners: attr.int(0) },
    outputTypes: [{ dtype: castToFloat ? DType.FLOAT : DType.DOUBLE, shape: [1, 1, 1, 1] }],
  }).output(0);
  const y = castToFloat
    ? g.addNode({ op: 'Cast', inputs: [sampled], outputs: ['y'], attributes: { to: attr.int(DType.DOUBLE) }, outputTypes: [{ dtype: DType.DOUBLE, shape: [1, 1, 1, 1] }] }).output(0)
    : sampled;
  g.setOutputs([y]);
  return model;
}

/** Sizes of a synthetic MSDA problem; levels as (H, W) rows. */
export interface MsdaProblem {
  N: number; Lq: number; M: number; D: number; P: number;
  levels: [number, number][];
}

/** Derived sizes: L and S. */
export function msdaSizes(p: MsdaProblem): { L: number; S: number; starts: number[] } {
  const starts: number[] = [];
  let S = 0;
  for (const [h, w] of p.levels) {
    starts.push(S);
    S += h * w;
  }
  return { L: p.levels.length, S, starts };
}

/**
 * One `MultiscaleDeformableAttnPlugin_TRT` node fed from graph inputs (value, sampling_locations,
 * attention_weights), level tables as int32 initializers, output `out` [N, Lq, M*D] through a
 * Reshape (as fuse-msda emits it). `tableRows` overrides the spatial-shapes rows written into the
 * model (to build a broken rewrite); `withoutReshape` makes the plugin output the graph output.
 */
export function msdaPluginModel(p: MsdaProblem, options: { tableRows?: [number, number][]; levelStarts?: number[]; withoutReshape?: boolean } = {}): { model: Model; plugin: Node } {
  const { L, S, starts } = msdaSizes(p);
  const model = emptyModel(17);
  model.opsetImports.set('trt.plugins', 1);
  const g = model.graph;
  const value = g.addInput('value', { dtype: DType.FLOAT, shape: [p.N, S, p.M, p.D] });
  const locations = g.addInput('sampling_locations', { dtype: DType.FLOAT, shape: [p.N, p.Lq, p.M, L, p.P, 2] });
  const weights = g.addInput('attention_weights', { dtype: DType.FLOAT, shape: [p.N, p.Lq, p.M, L, p.P] });
  const rows = options.tableRows ?? p.levels;
  const spatialShapes = g.addInitializer(Tensor.fromArray(DType.INT32, [L, 2], Int32Array.from(rows.flat())), 'spatial_shapes');
  const levelStartIndex = g.addInitializer(Tensor.int32(options.levelStarts ?? starts), 'level_start_index');
  const plugin = g.addNode({
    op: 'MultiscaleDeformableAttnPlugin_TRT', domain: 'trt.plugins', name: 'msda',
    inputs: [value, spatialShapes, levelStartIndex, locations, weights],
    outputs: [options.withoutReshape ? 'out' : 'msda_out'], outputTypes: [{ dtype: DType.FLOAT, shape: [p.N, p.Lq, p.M, p.D] }],
    attributes: { plugin_version: attr.string('1'), plugin_namespace: attr.string('') },
  });
  if (options.withoutReshape) {
    g.setOutputs([plugin.output(0)]);
  } else {
    const shape = g.addInitializer(Tensor.int64([p.N, p.Lq, p.M * p.D]), 'out_shape');
    const reshape = g.addNode({ op: 'Reshape', name: 'out_reshape', inputs: [plugin.output(0), shape], outputs: ['out'], outputTypes: [{ dtype: DType.FLOAT, shape: [p.N, p.Lq, p.M * p.D] }] });
    g.setOutputs([reshape.output(0)]);
  }
  return { model, plugin };
}

/**
 * Random inputs for {@link msdaPluginModel} (locations in [-0.1, 1.1], weights in [0, 1]) and the
 * reference output computed by `msdaReference` from the true (H, W) rows, shaped [N, Lq, M*D].
 */
export function msdaInputsAndReference(p: MsdaProblem, seed: number): { inputs: Map<string, Tensor>; expected: Map<string, Tensor> } {
  const { L, S, starts } = msdaSizes(p);
  const random = seeded(seed);
  const value = Float32Array.from({ length: p.N * S * p.M * p.D }, () => random() * 4 - 2);
  const locations = Float32Array.from({ length: p.N * p.Lq * p.M * L * p.P * 2 }, () => random() * 1.2 - 0.1);
  const weights = Float32Array.from({ length: p.N * p.Lq * p.M * L * p.P }, () => random());
  const out = msdaReference({
    value, valueShape: [p.N, S, p.M, p.D], spatialShapes: Int32Array.from(p.levels.flat()), levelStartIndex: Int32Array.from(starts),
    samplingLocations: locations, attentionWeights: weights, Lq: p.Lq, L, P: p.P,
  });
  return {
    inputs: new Map([
      ['value', Tensor.fromArray(DType.FLOAT, [p.N, S, p.M, p.D], value)],
      ['sampling_locations', Tensor.fromArray(DType.FLOAT, [p.N, p.Lq, p.M, L, p.P, 2], locations)],
      ['attention_weights', Tensor.fromArray(DType.FLOAT, [p.N, p.Lq, p.M, L, p.P], weights)],
    ]),
    expected: new Map([['out', Tensor.fromArray(DType.FLOAT, [p.N, p.Lq, p.M * p.D], out)]]),
  };
}
