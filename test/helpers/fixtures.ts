import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy } from '../../src/io/npy.js';
import { DType, type Model, Tensor, attr } from '../../src/ir/index.js';
import { float16ArrayToFloat32 } from '../../src/ir/float16.js';
import { expandCustomOps } from '../../src/plugins/index.js';
import { loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';

/** One exported model with its inputs and golden outputs. */
export interface Fixture {
  name: string;
  dir: string;
  modelPath: string;
  meta: Record<string, unknown> & { msdaSites?: number; expectFused?: number; negative?: string; opset?: number };
  inputs: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
}

const ROOT = path.resolve(import.meta.dirname, '..', 'fixtures');

/** Every fixture folder under test/fixtures/<group>/ (msda and msda-extra). */
export function listFixtures(groups: string[] = ['msda', 'msda-extra', 'msda-models']): Fixture[] {
  const out: Fixture[] = [];
  for (const group of groups) {
    const base = path.join(ROOT, group);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base).sort()) {
      const dir = path.join(base, name);
      if (!fs.existsSync(path.join(dir, 'model.onnx'))) continue;
      out.push({
        name,
        dir,
        modelPath: path.join(dir, 'model.onnx'),
        meta: JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')),
        inputs: readDir(path.join(dir, 'inputs')),
        outputs: readDir(path.join(dir, 'outputs')),
      });
    }
  }
  return out;
}

function readDir(dir: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.npy')) out[f.slice(0, -4)] = readNpy(path.join(dir, f));
  return out;
}

const ORT_TYPES: Record<number, ort.Tensor.Type> = {
  [DType.FLOAT]: 'float32', [DType.FLOAT16]: 'float16', [DType.DOUBLE]: 'float64', [DType.INT64]: 'int64',
  [DType.INT32]: 'int32', [DType.BOOL]: 'bool', [DType.UINT8]: 'uint8', [DType.INT8]: 'int8',
};

/** Runs a model (custom plugin nodes expanded to standard ops) in onnxruntime on CPU. */
export async function runOnCpu(model: Model, inputs: Record<string, Tensor>, options: { castGridsToFloat?: boolean } = {}): Promise<Record<string, Float64Array>> {
  const copy = loadModelFromBytes(modelToBytes(model));
  expandCustomOps(copy);
  if (options.castGridsToFloat) {
    // onnxruntime's CPU GridSample has no float64 grid kernel (TorchScript exports compute the grid
    // in float64). Casting the grid to float32 is a test-harness device, recorded by the fixture
    // generator as changing results by ~1e-6.
    for (const node of copy.graph.nodes.filter((n) => n.opType === 'GridSample')) {
      const cast = copy.graph.addNode({ op: 'Cast', inputs: [node.input(1)], attributes: { to: attr.int(DType.FLOAT) } });
      node.setInput(1, cast.output());
    }
    copy.graph.toposort();
  }
  const session = await ort.InferenceSession.create(modelToBytes(copy));
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) feeds[name] = new ort.Tensor(ORT_TYPES[t.dtype]!, t.data() as ort.Tensor.DataType, [...t.dims]);
  const results = await session.run(feeds);
  const out: Record<string, Float64Array> = {};
  for (const [name, t] of Object.entries(results)) out[name] = toFloat64(t.type === 'float16' ? float16ArrayToFloat32(t.data as Uint16Array) : (t.data as ArrayLike<number>));
  return out;
}

/** Elements as float64 (float16 goldens decoded). */
export function tensorValues(t: Tensor): Float64Array {
  const d = t.data();
  if (t.dtype === DType.FLOAT16) return toFloat64(float16ArrayToFloat32(d as Uint16Array));
  return toFloat64(d as ArrayLike<number>);
}

function toFloat64(a: ArrayLike<number | bigint>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
}

/** max |a-b| / max |b| (relative to the golden's scale), and max |a-b|. */
export function errors(actual: Float64Array, expected: Float64Array): { maxAbs: number; maxRel: number; nan: boolean } {
  let maxAbs = 0;
  let scale = 0;
  let nan = false;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(actual[i]!) || Number.isNaN(expected[i]!)) nan = true;
    // Equal infinities (masked logits) are equal; an infinity against a number is an infinite error.
    maxAbs = Math.max(maxAbs, actual[i] === expected[i] ? 0 : Math.abs(actual[i]! - expected[i]!));
    if (Number.isFinite(expected[i]!)) scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return { maxAbs, maxRel: maxAbs / (scale || 1), nan };
}

export { Tensor };
