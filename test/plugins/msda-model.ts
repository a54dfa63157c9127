/** Builds small models holding one MultiscaleDeformableAttnPlugin_TRT node, with the IR API. */
import { type Dim, DType, type Graph, Model, type Node, Tensor, type Value, attr } from '../../src/ir/index.js';

/** Where the level tables come from. */
export type TableSource = 'input' | 'initializer' | 'constant';

/** Options of {@link buildMsdaModel}. */
export interface MsdaModelOptions {
  dtype?: 'float32' | 'float16';
  /** Declared dims (numbers, symbols, or null) of value, locations, weights, output. */
  valueDims: Dim[];
  locationDims: Dim[];
  weightDims: Dim[];
  outputDims: Dim[];
  /** L (rows of the tables). */
  levels: number;
  /** Where the tables come from; for 'initializer'/'constant' their data. */
  tables: TableSource;
  spatialShapes?: Int32Array;
  levelStartIndex?: Int32Array;
  opset?: number;
  domain?: string;
}

/** A model with graph inputs value/locations/weights (and the tables when `tables: 'input'`), output `out`. */
export function buildMsdaModel(options: MsdaModelOptions): { model: Model; node: Node } {
  const model = new Model();
  model.irVersion = 8;
  model.opsetImports.set('', options.opset ?? 17);
  const domain = options.domain ?? 'trt.plugins';
  if (domain) model.opsetImports.set(domain, 1);
  const node = addMsdaNode(model.graph, options, domain);
  model.graph.setOutputs([node.output(0)]);
  return { model, node };
}

/** Adds the plugin node (and its inputs) to `graph`. */
export function addMsdaNode(graph: Graph, options: MsdaModelOptions, domain = 'trt.plugins'): Node {
  const floatType = options.dtype === 'float16' ? DType.FLOAT16 : DType.FLOAT;
  const value = graph.addInput('value', { dtype: floatType, shape: options.valueDims });
  const tables = tableValues(graph, options);
  const locations = graph.addInput('sampling_locations', { dtype: floatType, shape: options.locationDims });
  const weights = graph.addInput('attention_weights', { dtype: floatType, shape: options.weightDims });
  return graph.addNode({
    op: 'MultiscaleDeformableAttnPlugin_TRT', domain, name: 'msda',
    inputs: [value, tables.spatialShapes, tables.levelStartIndex, locations, weights],
    outputs: ['out'], outputTypes: [{ dtype: floatType, shape: options.outputDims }],
    attributes: { plugin_version: attr.string('1'), plugin_namespace: attr.string('') },
  });
}

function tableValues(graph: Graph, options: MsdaModelOptions): { spatialShapes: Value; levelStartIndex: Value } {
  const L = options.levels;
  if (options.tables === 'input') {
    return {
      spatialShapes: graph.addInput('spatial_shapes', { dtype: DType.INT32, shape: [L, 2] }),
      levelStartIndex: graph.addInput('level_start_index', { dtype: DType.INT32, shape: [L] }),
    };
  }
  const shapes = Tensor.fromArray(DType.INT32, [L, 2], options.spatialShapes!);
  const starts = Tensor.fromArray(DType.INT32, [L], options.levelStartIndex!);
  if (options.tables === 'initializer') {
    return { spatialShapes: graph.addInitializer(shapes, 'spatial_shapes'), levelStartIndex: graph.addInitializer(starts, 'level_start_index') };
  }
  const constant = (tensor: Tensor, name: string): Value =>
    graph.addNode({ op: 'Constant', name, outputs: [name], attributes: { value: attr.tensor(tensor) } }).output(0);
  return { spatialShapes: constant(shapes, 'spatial_shapes'), levelStartIndex: constant(starts, 'level_start_index') };
}
