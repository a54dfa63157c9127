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

/** Forgets every declared type except the graph inputs' (and initializers', which carry data). */
export function stripTypes(model: Model): void {
  for (const v of model.graph.values()) if (!v.isGraphInput && !v.initializer) v.type = undefined;
}

/** Symbol bindings read off the fed input shapes (`batch`, `h0`, ...). */
export function bindingsFrom(model: Model, dims: Readonly<Record<string, readonly number[]>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const input of model.graph.inputs) {
    input.type?.shape?.forEach((d, i) => {
      if (typeof d === 'string') out[d] = dims[input.name]![i]!;
    });
  }
  return out;
}

export interface Comparison {
  checked: number;
  unknown: string[];
  mismatches: string[];
  valuesChecked: number;
}

export function compareWithOrt(values: readonly Value[], facts: ShapeFacts, results: Record<string, ort.Tensor>, bindings: Record<string, number>): Comparison {
  const report: Comparison = { checked: 0, unknown: [], mismatches: [], valuesChecked: 0 };
  for (const v of values) {
    const actual = results[v.name];
    if (!actual) continue;
    report.checked++;
    const dtype = facts.dtype(v);
    if (dtype === undefined || ORT_TYPE[dtype] !== actual.type) report.mismatches.push(`${v.name}: dtype ${dtype} vs ${actual.type}`);
    const shape = facts.shape(v);
    const evaluated = shape?.map((d) => d.evaluate(bindings));
    if (!shape || evaluated!.some((d) => d === undefined)) {
      report.unknown.push(`${v.name}: [${shape?.map(String).join(', ') ?? '?'}] vs [${actual.dims.join(', ')}]`);
      continue;
    }
    if (evaluated!.length !== actual.dims.length || evaluated!.some((d, i) => d !== actual.dims[i])) {
      report.mismatches.push(`${v.name}: [${shape.map(String).join(', ')}] = [${evaluated!.join(', ')}] vs [${actual.dims.join(', ')}]`);
      continue;
    }
    const known = facts.values(v);
    if (known) {
      report.valuesChecked++;
      const got = known.map((x) => x.evaluate(bindings));
      const want = Array.from(actual.data as ArrayLike<number | bigint>, (x) => Number(x));
      if (got.some((x, i) => x !== undefined && x !== want[i])) report.mismatches.push(`${v.name}: values [${known.map(String).join(', ')}] = [${got.join(', ')}] vs [${want.join(', ')}]`);
    }
  }
  return report;
}
