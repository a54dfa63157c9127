/**
 * Runs a model in onnxruntime with every intermediate value exposed as a graph output, so tests
 * can compare inferred shapes/values against what the runtime actually computes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readNpy } from '../../src/io/npy.js';
import { DType, type DTypeCode, type Model, type Value } from '../../src/ir/index.js';
import { modelToBytes } from '../../src/serde/index.js';
import type { ShapeFacts } from '../../src/shape/index.js';

/** onnxruntime-node tensor type names by ONNX dtype code. */
export const ORT_TYPE: Record<number, string> = {
  [DType.FLOAT]: 'float32', [DType.DOUBLE]: 'float64', [DType.INT64]: 'int64', [DType.INT32]: 'int32',
  [DType.BOOL]: 'bool', [DType.FLOAT16]: 'float16', [DType.UINT8]: 'uint8', [DType.INT8]: 'int8',
};

export interface FixtureMeta {
  onnxruntimeRunsOriginal: boolean;
}

export function readMeta(dir: string): FixtureMeta {
  return JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as FixtureMeta;
}

/** The fixture's inputs as onnxruntime feeds, plus their dims by input name. */
export function readFeeds(dir: string): { feeds: Record<string, ort.Tensor>; dims: Record<string, readonly number[]> } {
  const feeds: Record<string, ort.Tensor> = {};
  const dims: Record<string, readonly number[]> = {};
  for (const file of readdirSync(`${dir}/inputs`)) {
    const t = readNpy(`${dir}/inputs/${file}`);
    const name = file.replace(/\.npy$/, '');
    feeds[name] = new ort.Tensor(ORT_TYPE[t.dtype] as 'float32', t.data() as Float32Array, [...t.dims]);
    dims[name] = t.dims;
  }
  return { feeds, dims };
}

/**
 * The static TorchScript exports feed GridSample a float64 grid, which onnxruntime's CPU kernel
 * rejects; a Cast to float in front of each grid changes no shape and lets the model run.
 */
export function castGridsToFloat(model: Model, facts: ShapeFacts): number {
  let casts = 0;
  for (const node of model.graph.nodes) {
    if (node.opType !== 'GridSample') continue;
    const grid = node.input(1);
    if (facts.dtype(grid) !== DType.DOUBLE) continue;
    const cast = model.graph.addNode({ op: 'Cast', inputs: [grid], attributes: { to: { kind: 'int', value: DType.FLOAT } }, name: `${node.name}_grid_cast` });
    node.setInput(1, cast.output());
    casts++;
  }
  model.graph.toposort();
  return casts;
}

/** Every named value computed by a node of the main graph. */
export function intermediateValues(model: Model): Value[] {
  return model.graph.nodes.flatMap((n) => n.outputs.filter((o) => o.name !== ''));
}

/**
 * Runs `model` with the given values as extra graph outputs (typed with `dtypeOf`, which
 * onnxruntime checks) and returns every output by name.
 */
export async function runWithOutputs(
  model: Model,
  probe: readonly Value[],
  dtypeOf: (v: Value) => DTypeCode | undefined,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const graph = model.graph;
  const extra = probe.filter((v) => !v.isGraphOutput);
  for (const v of extra) {
    const dtype = dtypeOf(v);
    v.type = dtype === undefined ? undefined : { dtype };
  }
  graph.setOutputs([...graph.outputs, ...extra]);
  const session = await ort.InferenceSession.create(modelToBytes(model));
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}
