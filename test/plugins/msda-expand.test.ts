import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DType, Graph, Model, Tensor, checkIndexes, float16ArrayToFloat32, float32ArrayToFloat16 } from '../../src/ir/index.js';
import { expandCustomOps, msdaReference, validatePluginNodes } from '../../src/plugins/index.js';
import { modelToBytes } from '../../src/serde/index.js';
import { addMsdaNode, buildMsdaModel, type MsdaModelOptions } from './msda-model.js';
import { type MsdaCase, randomMsdaCase, seededRandom } from './random.js';

const random = seededRandom(7);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function reference(c: MsdaCase, tables?: { spatialShapes: Int32Array; levelStartIndex: Int32Array }): Float32Array {
  return msdaReference({
    value: c.value, valueShape: [c.N, c.S, c.M, c.D],
    spatialShapes: tables?.spatialShapes ?? c.spatialShapes, levelStartIndex: tables?.levelStartIndex ?? c.levelStartIndex,
    samplingLocations: c.samplingLocations, attentionWeights: c.attentionWeights, Lq: c.Lq, L: c.L, P: c.P,
  });
}

/** Static dims of a case for the model's declared types. */
function staticDims(c: MsdaCase): Pick<MsdaModelOptions, 'valueDims' | 'locationDims' | 'weightDims' | 'outputDims' | 'levels'> {
  return {
    valueDims: [c.N, c.S, c.M, c.D], locationDims: [c.N, c.Lq, c.M, c.L, c.P, 2],
    weightDims: [c.N, c.Lq, c.M, c.L, c.P], outputDims: [c.N, c.Lq, c.M, c.D], levels: c.L,
  };
}

type Feeds = Record<string, ort.Tensor>;

function feedsFor(c: MsdaCase, dtype: 'float32' | 'float16', withTables: boolean, tables?: { spatialShapes: Int32Array; levelStartIndex: Int32Array }): Feeds {
  const float = (data: Float32Array, dims: number[]): ort.Tensor =>
    dtype === 'float16' ? new ort.Tensor('float16', float32ArrayToFloat16(data), dims) : new ort.Tensor('float32', data, dims);
  const feeds: Feeds = {
    value: float(c.value, [c.N, c.S, c.M, c.D]),
    sampling_locations: float(c.samplingLocations, [c.N, c.Lq, c.M, c.L, c.P, 2]),
    attention_weights: float(c.attentionWeights, [c.N, c.Lq, c.M, c.L, c.P]),
  };
  if (withTables) {
    feeds['spatial_shapes'] = new ort.Tensor('int32', tables?.spatialShapes ?? c.spatialShapes, [c.L, 2]);
    feeds['level_start_index'] = new ort.Tensor('int32', tables?.levelStartIndex ?? c.levelStartIndex, [c.L]);
  }
  return feeds;
}

async function runOrt(model: Model, feeds: Feeds, output = 'out'): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(modelToBytes(model));
  try {
    const result = await session.run(feeds);
    return result[output]!;
  } finally {
    await session.release();
  }
}

function outputAsFloat32(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float16') return float16ArrayToFloat32(tensor.data as Uint16Array);
  expect(tensor.type).toBe('float32');
  return tensor.data as Float32Array;
}

/** Expands the plugin in `model` and checks the graph no longer holds it. */
function expand(model: Model): ReturnType<typeof expandCustomOps> {
  expect(validatePluginNodes(model).violations).toEqual([]);
  const report = expandCustomOps(model);
  checkIndexes(model.graph);
  const ops = model.graph.nodes.map((n) => n.opType);
  expect(ops).not.toContain('MultiscaleDeformableAttnPlugin_TRT');
  expect(ops).toContain('GridSample');
  expect(model.opsetImports.has('trt.plugins')).toBe(false);
  return report;
}

describe('MSDA expansion equals msdaReference in onnxruntime (float32)', () => {
  const staticCases: { name: string; sizes: Parameters<typeof randomMsdaCase>[1]; tables: MsdaModelOptions['tables'] }[] = [
    { name: 'L=1, one 1x1 level', sizes: { N: 1, M: 2, D: 3, Lq: 5, P: 2, levels: [[1, 1]] }, tables: 'initializer' },
    { name: 'L=1, 4x6 level', sizes: { N: 2, M: 1, D: 4, Lq: 3, P: 4, levels: [[4, 6]] }, tables: 'constant' },
    { name: 'L=3, non-square and 1x1', sizes: { N: 2, M: 4, D: 5, Lq: 7, P: 3, levels: [[5, 3], [3, 5], [1, 1]] }, tables: 'initializer' },
    { name: 'L=5, M=8', sizes: { N: 1, M: 8, D: 2, Lq: 6, P: 4, levels: [[8, 6], [4, 3], [2, 2], [1, 1], [2, 5]] }, tables: 'input' },
  ];
  for (const { name, sizes, tables } of staticCases) {
    it(`${name} (tables from ${tables})`, async () => {
      const c = randomMsdaCase(random, sizes);
      const { model } = buildMsdaModel({ ...staticDims(c), tables, spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex });
      const report = expand(model);
      expect(report).toEqual({ expanded: 1, byOp: { MultiscaleDeformableAttnPlugin_TRT: 1 } });
      const out = await runOrt(model, feedsFor(c, 'float32', tables === 'input'));
      expect(out.dims).toEqual([c.N, c.Lq, c.M, c.D]);
      const expected = reference(c);
      const diff = maxAbsDiff(outputAsFloat32(out), expected);
      if (process.env['MSDA_PRINT_DIFFS']) console.log(`${name}: max abs diff ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-5);
      expect(expected.some((v) => Math.abs(v) > 0.1)).toBe(true);
    });
  }

  it('dynamic shapes: one expanded model runs batch, query count and level sizes it was not built for', async () => {
    // Every dim but L (and the trailing 2) is symbolic; the level tables are graph inputs.
    const { model } = buildMsdaModel({
      valueDims: ['N', 'S', 'M', 'D'], locationDims: ['N', 'Lq', 'M', 3, 'P', 2], weightDims: ['N', 'Lq', 'M', 3, 'P'],
      outputDims: ['N', 'Lq', 'M', 'D'], levels: 3, tables: 'input',
    });
    expand(model);
    const session = await ort.InferenceSession.create(modelToBytes(model));
    const runs: Parameters<typeof randomMsdaCase>[1][] = [
      { N: 1, M: 2, D: 4, Lq: 5, P: 2, levels: [[6, 4], [3, 2], [1, 1]] },
      { N: 2, M: 3, D: 2, Lq: 9, P: 3, levels: [[5, 3], [1, 1], [2, 7]] },
      { N: 2, M: 1, D: 8, Lq: 1, P: 1, levels: [[1, 1], [1, 1], [1, 1]] },
    ];
    for (const sizes of runs) {
      const c = randomMsdaCase(random, sizes);
      const out = (await session.run(feedsFor(c, 'float32', true)))['out']!;
      expect(out.dims).toEqual([c.N, c.Lq, c.M, c.D]);
      expect(maxAbsDiff(outputAsFloat32(out), reference(c))).toBeLessThan(1e-5);
    }
    await session.release();
  });

  it('reads the level tables at run time: a shifted level start or (W,H)-swapped shapes change the numbers', async () => {
    const c = randomMsdaCase(random, { N: 1, M: 2, D: 3, Lq: 6, P: 2, levels: [[3, 5], [2, 4], [1, 1]] });
    const { model } = buildMsdaModel({ ...staticDims(c), tables: 'input' });
    expand(model);
    const session = await ort.InferenceSession.create(modelToBytes(model));
    const correct = reference(c);
    const wrongTables = [
      { spatialShapes: c.spatialShapes, levelStartIndex: Int32Array.from([0, 14, 23]) }, // level 1 starts one pixel early
      { spatialShapes: Int32Array.from([5, 3, 4, 2, 1, 1]), levelStartIndex: c.levelStartIndex }, // rows as (W, H)
    ];
    for (const tables of wrongTables) {
      const out = outputAsFloat32((await session.run(feedsFor(c, 'float32', true, tables)))['out']!);
      // The expansion follows the tables it is given, exactly like the kernel would ...
      expect(maxAbsDiff(out, reference(c, tables))).toBeLessThan(1e-5);
      // ... which is not the right answer: nothing was corrected behind the user's back.
      expect(maxAbsDiff(out, correct)).toBeGreaterThan(1e-2);
    }
    await session.release();
  });
});

describe('MSDA expansion with float16 inputs', () => {
  for (const tables of ['constant', 'input'] as const) {
    it(`casts to float32 and back (tables from ${tables})`, async () => {
      const c = randomMsdaCase(random, { N: 2, M: 3, D: 4, Lq: 6, P: 2, levels: [[4, 3], [2, 5], [1, 1]] });
      const { model } = buildMsdaModel({ ...staticDims(c), dtype: 'float16', tables, spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex });
      expand(model);
      const out = await runOrt(model, feedsFor(c, 'float16', tables === 'input'));
      expect(out.type).toBe('float16');
      // Reference on the float16-rounded inputs, as the plugin would see them.
      const rounded: MsdaCase = {
        ...c,
        value: float16ArrayToFloat32(float32ArrayToFloat16(c.value)),
        samplingLocations: float16ArrayToFloat32(float32ArrayToFloat16(c.samplingLocations)),
        attentionWeights: float16ArrayToFloat32(float32ArrayToFloat16(c.attentionWeights)),
      };
      const diff = maxAbsDiff(outputAsFloat32(out), reference(rounded));
      if (process.env['MSDA_PRINT_DIFFS']) console.log(`float16 (${tables}): max abs diff ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-2);
    });
  }
});

describe('MSDA expansion when the float type is not known statically', () => {
  it('casts in and CastLikes the result back to whatever the value tensor is', async () => {
    const c = randomMsdaCase(random, { N: 1, M: 2, D: 3, Lq: 4, P: 2, levels: [[3, 3], [1, 2]] });
    const { model, node } = buildMsdaModel({ ...staticDims(c), dtype: 'float16', tables: 'initializer', spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex });
    // Route every float input through an Identity whose output carries no type information.
    for (const slot of [0, 3, 4]) {
      const identity = model.graph.addNode({ op: 'Identity', inputs: [node.input(slot)] });
      node.setInput(slot, identity.output(0));
    }
    node.output(0).type = undefined;
    model.graph.toposort();
    expandCustomOps(model);
    expect(model.graph.nodes.filter((n) => n.opType === 'CastLike')).toHaveLength(1);
    const out = await runOrt(model, feedsFor(c, 'float16', false));
    expect(out.type).toBe('float16');
    const rounded: MsdaCase = {
      ...c,
      value: float16ArrayToFloat32(float32ArrayToFloat16(c.value)),
      samplingLocations: float16ArrayToFloat32(float32ArrayToFloat16(c.samplingLocations)),
      attentionWeights: float16ArrayToFloat32(float32ArrayToFloat16(c.attentionWeights)),
    };
    expect(maxAbsDiff(outputAsFloat32(out), reference(rounded))).toBeLessThan(1e-2);
  });
});

describe('expandCustomOps bookkeeping', () => {
  const c = randomMsdaCase(seededRandom(11), { N: 1, M: 2, D: 2, Lq: 4, P: 2, levels: [[3, 2], [1, 1]] });

  it('raises an opset below 16 and reports it', async () => {
    const { model } = buildMsdaModel({ ...staticDims(c), tables: 'initializer', spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex, opset: 13 });
    const report = expand(model);
    expect(report.opset).toEqual({ from: 13, to: 16 });
    expect(model.onnxOpset).toBe(16);
    const out = await runOrt(model, feedsFor(c, 'float32', false));
    expect(maxAbsDiff(outputAsFloat32(out), reference(c))).toBeLessThan(1e-5);
  });

  it("uses GridSample-20's mode name at opset 20", async () => {
    const { model } = buildMsdaModel({ ...staticDims(c), tables: 'initializer', spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex, opset: 20 });
    const report = expand(model);
    expect(report.opset).toBeUndefined();
    const gridSample = model.graph.nodes.find((n) => n.opType === 'GridSample')!;
    expect(gridSample.attrString('mode')).toBe('linear');
    const out = await runOrt(model, feedsFor(c, 'float32', false));
    expect(maxAbsDiff(outputAsFloat32(out), reference(c))).toBeLessThan(1e-5);
  });

  it('keeps downstream consumers wired and the graph sorted', async () => {
    const { model, node } = buildMsdaModel({ ...staticDims(c), tables: 'initializer', spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex, domain: 'custom' });
    const relu = model.graph.addNode({ op: 'Relu', inputs: [node.output(0)], outputs: ['relu_out'] });
    model.graph.setOutputs([node.output(0), relu.output(0)]);
    const report = expandCustomOps(model);
    expect(report.expanded).toBe(1);
    checkIndexes(model.graph);
    expect(model.graph.outputs.map((v) => v.name)).toEqual(['out', 'relu_out']);
    expect(model.opsetImports.has('custom')).toBe(false);
    const session = await ort.InferenceSession.create(modelToBytes(model));
    const result = await session.run(feedsFor(c, 'float32', false));
    await session.release();
    const expected = reference(c);
    expect(maxAbsDiff(result['out']!.data as Float32Array, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(result['relu_out']!.data as Float32Array, expected.map((v) => Math.max(v, 0)))).toBeLessThan(1e-5);
  });

  it('expands plugin nodes inside an If branch', async () => {
    const model = new Model();
    model.irVersion = 8;
    model.opsetImports.set('', 17);
    model.opsetImports.set('trt.plugins', 1);
    const main = model.graph;
    const condition = main.addInput('condition', { dtype: DType.BOOL, shape: [] });
    const thenBranch = new Graph('then', main);
    const inner = addMsdaNode(thenBranch, { ...staticDims(c), tables: 'initializer', spatialShapes: c.spatialShapes, levelStartIndex: c.levelStartIndex });
    // Branch graphs read the outer value/locations/weights: move the inputs added by addMsdaNode out.
    for (const input of thenBranch.inputs) {
      const outer = main.addInput(`outer_${input.name}`, input.type);
      thenBranch.replaceAllUsesWith(input, outer);
    }
    thenBranch.setInputs([]);
    thenBranch.setOutputs([inner.output(0)]);
    const elseBranch = new Graph('else', main);
    const zero = elseBranch.addNode({ op: 'Mul', inputs: [main.value('outer_value')!, elseBranch.addInitializer(Tensor.float32([0], []), 'zero')], outputs: ['zeros'] });
    elseBranch.setOutputs([zero.output(0)]);
    const ifNode = main.addNode({
      op: 'If', inputs: [condition], outputs: ['if_out'],
      attributes: { then_branch: { kind: 'graph', value: thenBranch }, else_branch: { kind: 'graph', value: elseBranch } },
    });
    main.setOutputs([ifNode.output(0)]);

    expect(validatePluginNodes(model).checkedNodes).toBe(1);
    expect(expandCustomOps(model)).toMatchObject({ expanded: 1 });
    checkIndexes(main);
    expect(thenBranch.nodes.some((n) => n.opType === 'GridSample')).toBe(true);
    const feeds = feedsFor(c, 'float32', false);
    const session = await ort.InferenceSession.create(modelToBytes(model));
    const out = (await session.run({
      condition: new ort.Tensor('bool', [true], []),
      outer_value: feeds['value']!, outer_sampling_locations: feeds['sampling_locations']!, outer_attention_weights: feeds['attention_weights']!,
    }))['if_out']!;
    await session.release();
    expect(maxAbsDiff(out.data as Float32Array, reference(c))).toBeLessThan(1e-5);
  });
});
