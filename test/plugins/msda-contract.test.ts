import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { DType, Graph, Model, Tensor, attr } from '../../src/ir/index.js';
import {
  type PluginContract, assertValidPlugins, checkContract, validateMsdaNode, validatePluginNodes,
} from '../../src/plugins/index.js';
import { addMsdaNode, buildMsdaModel, type MsdaModelOptions } from './msda-model.js';

// Levels 4x4, 2x3, 1x1: S = 16 + 6 + 1 = 23, level starts [0, 16, 22].
const spatialShapes = Int32Array.from([4, 4, 2, 3, 1, 1]);
const levelStartIndex = Int32Array.from([0, 16, 22]);
const valid: MsdaModelOptions = {
  valueDims: [2, 23, 8, 32], locationDims: [2, 100, 8, 3, 4, 2], weightDims: [2, 100, 8, 3, 4], outputDims: [2, 100, 8, 32],
  levels: 3, tables: 'initializer', spatialShapes, levelStartIndex,
};

function violationsOf(options: Partial<MsdaModelOptions>): string[] {
  const { node } = buildMsdaModel({ ...valid, ...options });
  return validateMsdaNode(node).map((v) => v.message);
}

describe('validateMsdaNode: valid nodes', () => {
  it('accepts static, symbolic, and unknown dims that agree', () => {
    expect(violationsOf({})).toEqual([]);
    expect(violationsOf({ tables: 'constant' })).toEqual([]);
    expect(violationsOf({
      valueDims: ['batch', 'S', 8, 32], locationDims: ['batch', 'queries', 8, 3, 4, 2], weightDims: ['batch', 'queries', 8, 3, null],
      outputDims: [null, 'queries', 8, 32], tables: 'input',
    })).toEqual([]);
    expect(violationsOf({ dtype: 'float16' })).toEqual([]);
  });

  it('compares a symbol with a number never (unknowable), and unknown dims never', () => {
    expect(violationsOf({
      valueDims: ['batch', 23, 8, 32], locationDims: ['batch', 100, 8, 3, 4, 2], weightDims: ['batch', 100, 8, 3, 4], outputDims: [7, 100, 8, 32],
    })).toEqual([]);
    expect(violationsOf({ locationDims: [null, null, null, null, null, null] })).toEqual([]);
  });
});

describe('validateMsdaNode: each violation type', () => {
  it('the number of levels disagrees with spatial_shapes (the message from the docs)', () => {
    const { node } = buildMsdaModel({
      ...valid, levels: 4, spatialShapes: Int32Array.from([4, 4, 2, 3, 1, 1, 1, 1]), levelStartIndex: Int32Array.from([0, 16, 22, 23]),
      valueDims: [2, 24, 8, 32],
    });
    const [problem, ...rest] = validateMsdaNode(node);
    expect(problem).toEqual({
      node: 'msda', input: 'sampling_locations',
      message: "node 'msda': input 3 'sampling_locations' dim 3 (L) is 3 but spatial_shapes has 4 rows",
      expected: 'L = 4', found: '3',
    });
    expect(rest.map((v) => v.message)).toEqual(["node 'msda': input 4 'attention_weights' dim 3 (L) is 3 but spatial_shapes has 4 rows"]);
  });

  it('wrong input and output counts', () => {
    const { model, node } = buildMsdaModel(valid);
    node.setInputs(node.inputs.slice(0, 4));
    expect(validateMsdaNode(node).map((v) => v.message)).toEqual([
      "node 'msda': has 4 inputs but MultiscaleDeformableAttnPlugin_TRT takes 5 (value, spatial_shapes, level_start_index, sampling_locations, attention_weights)",
    ]);
    const two = model.graph.addNode({ op: 'MultiscaleDeformableAttnPlugin_TRT', name: 'two_outputs', inputs: [], outputs: 2 });
    expect(validateMsdaNode(two).map((v) => v.message)).toContain(
      "node 'two_outputs': has 2 outputs but MultiscaleDeformableAttnPlugin_TRT produces 1 (output)",
    );
  });

  it('an omitted input in the middle', () => {
    const { node } = buildMsdaModel(valid);
    node.setInput(2, undefined);
    expect(validateMsdaNode(node).map((v) => v.message)).toEqual(["node 'msda': input 2 'level_start_index' is missing"]);
  });

  it('wrong rank', () => {
    expect(violationsOf({ locationDims: [2, 100, 8, 3, 4] })).toEqual([
      "node 'msda': input 3 'sampling_locations' has rank 5 but must have rank 6 [N, Lq, M, L, P, 2]",
    ]);
    expect(violationsOf({ outputDims: [2, 100, 256] })).toEqual([
      "node 'msda': output 0 'output' has rank 3 but must have rank 4 [N, Lq, M, D]",
    ]);
  });

  it('a fixed dim that is not 2', () => {
    expect(violationsOf({ locationDims: [2, 100, 8, 3, 4, 3] })).toEqual([
      "node 'msda': input 3 'sampling_locations' dim 5 is 3 but must be 2",
    ]);
  });

  it('N, M, D, Lq, P disagreements name both sides', () => {
    expect(violationsOf({ weightDims: [2, 100, 4, 3, 4] })).toEqual([
      "node 'msda': input 4 'attention_weights' dim 2 (M) is 4 but input 0 'value' dim 2 (M) is 8",
    ]);
    expect(violationsOf({ outputDims: [2, 100, 8, 16] })).toEqual([
      "node 'msda': output 0 'output' dim 3 (D) is 16 but input 0 'value' dim 3 (D) is 32",
    ]);
    expect(violationsOf({ locationDims: [1, 99, 8, 3, 4, 2], weightDims: [2, 100, 8, 3, 2] })).toEqual([
      "node 'msda': input 3 'sampling_locations' dim 0 (N) is 1 but input 0 'value' dim 0 (N) is 2",
      "node 'msda': input 4 'attention_weights' dim 1 (Lq) is 100 but input 3 'sampling_locations' dim 1 (Lq) is 99",
      "node 'msda': input 4 'attention_weights' dim 4 (P) is 2 but input 3 'sampling_locations' dim 4 (P) is 4",
      "node 'msda': output 0 'output' dim 1 (Lq) is 100 but input 3 'sampling_locations' dim 1 (Lq) is 99",
    ]);
  });

  it('different symbolic names are a violation by default, skipped with symbolicDims: ignore', () => {
    const { node } = buildMsdaModel({ ...valid, valueDims: ['batch', 23, 8, 32], locationDims: ['B', 100, 8, 3, 4, 2] });
    expect(validateMsdaNode(node).map((v) => v.message)).toEqual([
      "node 'msda': input 3 'sampling_locations' dim 0 (N) is 'B' but input 0 'value' dim 0 (N) is 'batch'",
    ]);
    expect(validateMsdaNode(node, { symbolicDims: 'ignore' })).toEqual([]);
  });

  it('dtypes: the float type set, the shared type, int32 tables', () => {
    const { node } = buildMsdaModel(valid);
    node.input(0).type = { dtype: DType.DOUBLE, shape: [2, 23, 8, 32] };
    expect(validateMsdaNode(node).map((v) => v.message)).toEqual(["node 'msda': input 0 'value' is double but must be float or float16"]);

    const mixed = buildMsdaModel(valid).node;
    mixed.input(3).type = { dtype: DType.FLOAT16, shape: [2, 100, 8, 3, 4, 2] };
    const [problem] = validateMsdaNode(mixed);
    expect(problem).toMatchObject({
      message: "node 'msda': input 3 'sampling_locations' is float16 but input 0 'value' is float (they must share one type)",
      expected: 'float', found: 'float16',
    });

    const int64Tables = buildMsdaModel({ ...valid, tables: 'input' }).node;
    int64Tables.input(1).type = { dtype: DType.INT64, shape: [3, 2] };
    expect(validateMsdaNode(int64Tables).map((v) => v.message)).toEqual(["node 'msda': input 1 'spatial_shapes' is int64 but must be int32"]);

    const halfOut = buildMsdaModel(valid).node;
    halfOut.output(0).type = { dtype: DType.FLOAT16, shape: [2, 100, 8, 32] };
    expect(validateMsdaNode(halfOut).map((v) => v.message)).toEqual([
      "node 'msda': output 0 'output' is float16 but input 0 'value' is float (they must share one type)",
    ]);
  });

  it('constant spatial shapes with an empty level', () => {
    expect(violationsOf({ spatialShapes: Int32Array.from([4, 4, 0, 3, 1, 1]), valueDims: [2, 17, 8, 32], levelStartIndex: Int32Array.from([0, 16, 16]) })).toEqual([
      "node 'msda': input 1 'spatial_shapes' row 1 is (H=0, W=3) but every level needs H >= 1 and W >= 1",
    ]);
  });

  it('S differs from the sum of H*W', () => {
    const { node } = buildMsdaModel({ ...valid, valueDims: [2, 24, 8, 32] });
    expect(validateMsdaNode(node)).toEqual([{
      node: 'msda', input: 'value',
      message: "node 'msda': input 0 'value' dim 1 (S) is 24 but spatial_shapes adds up to 23 pixels (sum of H*W over 4x4, 2x3, 1x1)",
      expected: 'S = 23', found: '24',
    }]);
  });

  it('level start index is not the exclusive cumsum (also for (W,H)-swapped shapes)', () => {
    expect(violationsOf({ levelStartIndex: Int32Array.from([0, 16, 21]), tables: 'constant' })).toEqual([
      "node 'msda': input 2 'level_start_index' is [0, 16, 21] but the exclusive cumulative sum of H*W over 4x4, 2x3, 1x1 is [0, 16, 22]",
    ]);
    // Swapping H and W keeps every H*W, so only a table written for other levels is caught.
    expect(violationsOf({ spatialShapes: Int32Array.from([4, 4, 3, 2, 1, 1]) })).toEqual([]);
  });

  it('tables fed at run time, or default initializers of graph inputs, are not checked as constants', () => {
    const { model, node } = buildMsdaModel({ ...valid, tables: 'input', valueDims: [2, 999, 8, 32] });
    expect(validateMsdaNode(node)).toEqual([]);
    // An initializer that is also a graph input is only a default value.
    model.graph.attachInitializer(node.input(2), Tensor.int32([5, 5, 5]));
    expect(validateMsdaNode(node)).toEqual([]);
  });

  it('plugin attributes', () => {
    const { node } = buildMsdaModel(valid);
    node.setAttr('plugin_version', attr.string('2'));
    // Version 2 (IPluginV3, TensorRT >= 10.11) has the same inputs, outputs and attributes.
    expect(validateMsdaNode(node)).toEqual([]);
    node.setAttr('plugin_version', attr.string('3'));
    node.setAttr('plugin_namespace', attr.int(0));
    expect(validateMsdaNode(node).map((v) => v.message)).toEqual([
      "node 'msda': attribute 'plugin_version' is \"3\" but must be \"1\" or \"2\"",
      "node 'msda': attribute 'plugin_namespace' is a int attribute but must be the string \"\"",
    ]);
  });

  it('a node of another op', () => {
    const { model } = buildMsdaModel(valid);
    const relu = model.graph.addNode({ op: 'Relu', name: 'act', inputs: [model.graph.value('value')!] });
    expect(validateMsdaNode(relu).map((v) => v.message)).toEqual(["node 'act': is a Relu node, not a MultiscaleDeformableAttnPlugin_TRT node"]);
  });
});

describe('model-level validation', () => {
  function modelWithTwoPlugins(): Model {
    const { model } = buildMsdaModel({ ...valid, valueDims: [2, 24, 8, 32] });
    const branch = new Graph('then', model.graph);
    const inner = addMsdaNode(branch, { ...valid, locationDims: [2, 100, 8, 3, 4] });
    inner.name = 'inner_msda';
    branch.setOutputs([inner.output(0)]);
    model.graph.addNode({
      op: 'If', inputs: [model.graph.addInput('cond', { dtype: DType.BOOL, shape: [] })], outputs: ['if_out'],
      attributes: { then_branch: { kind: 'graph', value: branch }, else_branch: { kind: 'graph', value: branch } },
    });
    return model;
  }

  it('validatePluginNodes visits subgraphs and collects every violation', () => {
    const report = validatePluginNodes(modelWithTwoPlugins());
    expect(report.ok).toBe(false);
    expect(report.checkedNodes).toBe(3); // the main node, and the branch node seen through both attributes
    expect(report.byOp).toEqual({ MultiscaleDeformableAttnPlugin_TRT: 3 });
    expect(report.violations.map((v) => v.node)).toEqual(['msda', 'inner_msda', 'inner_msda']);
    const clean = buildMsdaModel(valid).model;
    expect(validatePluginNodes(clean)).toEqual({ ok: true, checkedNodes: 1, byOp: { MultiscaleDeformableAttnPlugin_TRT: 1 }, violations: [] });
  });

  it('assertValidPlugins throws one contract error listing all violations', () => {
    let error: unknown;
    try {
      assertValidPlugins(modelWithTwoPlugins());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    const surgeonError = error as OnnxSurgeonError;
    expect(surgeonError.code).toBe('contract');
    expect(surgeonError.message).toContain('3 plugin contract violations:');
    expect(surgeonError.message).toContain("input 0 'value' dim 1 (S) is 24 but spatial_shapes adds up to 23 pixels");
    expect(surgeonError.message).toContain("node 'inner_msda': input 3 'sampling_locations' has rank 5 but must have rank 6");
    expect(assertValidPlugins(buildMsdaModel(valid).model).ok).toBe(true);
  });
});

describe('checkContract for another plugin', () => {
  const scalePlugin: PluginContract = {
    opType: 'ScalePlugin', domain: 'my.plugins',
    types: { T: [DType.FLOAT] },
    inputs: [{ name: 'x', type: 'T', dims: ['N', 'C', '*'] }, { name: 'scale', type: 'T', dims: ['C'], dimNouns: { 0: 'entries' } }],
    outputs: [{ name: 'y', type: 'T', dims: ['N', 'C', '*'] }],
    attributes: [{ name: 'mode', required: true, oneOfStrings: ['mul', 'div'] }],
  };
  it('binds symbols, ignores wildcards, checks domain and required attributes', () => {
    const graph = new Graph();
    const x = graph.addInput('x', { dtype: DType.FLOAT, shape: [1, 3, 10] });
    const scale = graph.addInput('scale', { dtype: DType.FLOAT, shape: [4] });
    const node = graph.addNode({ op: 'ScalePlugin', domain: 'my.plugins', name: 'sp', inputs: [scale, x], outputTypes: [{ dtype: DType.FLOAT, shape: [1, 3, 99] }] });
    expect(checkContract(scalePlugin, node).map((v) => v.message)).toEqual([
      "node 'sp': input 0 'x' has rank 1 but must have rank 3 [N, C, *]",
      "node 'sp': input 1 'scale' has rank 3 but must have rank 1 [C]",
      "node 'sp': attribute 'mode' is missing",
    ]);
    node.setInputs([x, scale]);
    node.setAttr('mode', attr.string('mul'));
    expect(checkContract(scalePlugin, node).map((v) => v.message)).toEqual([
      "node 'sp': input 1 'scale' dim 0 (C) is 4 but input 0 'x' dim 1 (C) is 3",
    ]);
    node.domain = 'other';
    expect(checkContract(scalePlugin, node)[0]!.message).toBe(
      "node 'sp': is a ScalePlugin node (domain 'other'), not a ScalePlugin node (domain 'my.plugins')",
    );
  });
});
