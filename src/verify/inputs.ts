/**
 * The inputs a verification runs both models on: read from files (see io/tensor-files.ts for the
 * forms), or generated from a seed. Random inputs follow each input's declared element type and
 * the shape input-shapes.ts resolves for it.
 */
import { OnnxSurgeonError } from '../errors.js';
import { DType, type DTypeCode, type Dim, type Model, Tensor, type Value, dtypeName, elementCount } from '../ir/index.js';
import type { NamedTensors } from '../io/npz.js';
import { type ReadTensorFilesOptions, readTensorFiles } from '../io/tensor-files.js';
import { float32ToFloat16 } from '../ir/float16.js';
import { seededRandom } from '../random.js';
import { type ShapeBindings, formatDims, requiredInputs, resolveInputShapes } from './input-shapes.js';

/**
 * Options of {@link randomInputs}.
 *
 * @group Inputs
 */
export interface RandomInputOptions {
  /** PRNG seed (default 0): the same seed gives the same bytes on every machine. */
  seed?: number;
  /** Sizes for symbolic or unknown dims (see {@link ShapeBindings}). */
  shapes?: ShapeBindings;
}

/**
 * Range of random floating-point inputs: uniform in [-1, 1), the scale of normalized activations.
 *
 * @group Inputs
 */
export const RANDOM_FLOAT_RANGE = [-1, 1] as const;
/**
 * Random integer inputs are uniform in [0, 4): small non-negative, so index-like inputs stay in range.
 *
 * @group Inputs
 */
export const RANDOM_INT_LIMIT = 4;

/**
 * Reads named tensors (inputs or expected outputs) from any form {@link readTensorFiles} knows.
 *
 * @example
 * ```ts
 * readTensors('test/fixtures/msda/hf_rtdetr_op17/inputs').get('pixel_values')?.dims; // [1, 3, 128, 128]
 * readTensors('test_data_set_0', { role: 'outputs', names: ['y'] }).get('y');
 * ```
 * @group Inputs
 */
export function readTensors(source: string, options: ReadTensorFilesOptions = {}): Map<string, Tensor> {
  return readTensorFiles(source, options).tensors;
}

/**
 * A map from either form of {@link NamedTensors}.
 *
 * @example
 * ```ts
 * toTensorMap({ x: Tensor.float32([1]) }).get('x');
 * ```
 * @group Inputs
 */
export function toTensorMap(tensors: NamedTensors): Map<string, Tensor> {
  return tensors instanceof Map ? new Map(tensors) : new Map(Object.entries(tensors as Record<string, Tensor>));
}

/**
 * Checks given inputs against the model's declared inputs: every required input present, no
 * unknown names, element types equal, ranks and static dims equal. Errors name the input.
 *
 * @example
 * ```ts
 * checkInputs(model, readTensors('inputs/'), 'inputs/'); // throws OnnxSurgeonError('usage') on a mismatch
 * ```
 * @group Inputs
 */
export function checkInputs(model: Model, feeds: ReadonlyMap<string, Tensor>, source?: string): void {
  const context = source ? { file: source } : {};
  const required = requiredInputs(model);
  const known = new Set(model.graph.inputs.map((v) => v.name));
  const unknown = [...feeds.keys()].filter((name) => !known.has(name));
  if (unknown.length) {
    throw new OnnxSurgeonError('usage', `given tensor(s) ${unknown.map((n) => `'${n}'`).join(', ')} are not inputs of the model`, {
      ...context, expected: required.map((v) => v.name).join(', ') || 'no inputs',
    });
  }
  const missing = required.filter((v) => !feeds.has(v.name));
  if (missing.length) {
    throw new OnnxSurgeonError('usage', `no data for input(s) ${missing.map((v) => `'${v.name}'`).join(', ')}`, { ...context, expected: 'one tensor per model input' });
  }
  for (const input of required) {
    const tensor = feeds.get(input.name)!;
    const declared = input.type;
    if (declared && declared.dtype !== DType.UNDEFINED && declared.dtype !== tensor.dtype) {
      throw new OnnxSurgeonError('usage', 'input data has the wrong element type', {
        ...context, tensor: input.name, expected: dtypeName(declared.dtype), found: dtypeName(tensor.dtype),
      });
    }
    const shape = declared?.shape;
    const fits = !shape || (shape.length === tensor.dims.length && shape.every((d, i) => typeof d !== 'number' || d === tensor.dims[i]));
    if (!fits) {
      throw new OnnxSurgeonError('usage', 'input data has the wrong shape', {
        ...context, tensor: input.name, expected: formatDims(shape ?? []), found: formatDims(tensor.dims),
      });
    }
  }
}

/**
 * Random inputs for every required input of `model`, deterministic in `seed`. Each input draws
 * from its own stream (seeded by the seed and its name), so adding an input does not change the
 * others. Floats are uniform in {@link RANDOM_FLOAT_RANGE}, integers in [0, {@link RANDOM_INT_LIMIT}),
 * bools 0/1. Shapes as {@link resolveInputShapes} gives them.
 *
 * @example
 * ```ts
 * const feeds = randomInputs(model, { seed: 7, shapes: { batch: 2, h0: 32, w0: 32 } });
 * feeds.get('feat0')?.dims; // [2, 64, 32, 32]
 * ```
 * @group Inputs
 */
export function randomInputs(model: Model, options: RandomInputOptions = {}): Map<string, Tensor> {
  const seed = options.seed ?? 0;
  const { shapes } = resolveInputShapes(model, options.shapes ?? {});
  const feeds = new Map<string, Tensor>();
  for (const input of requiredInputs(model)) {
    const dtype = input.type?.dtype ?? DType.UNDEFINED;
    feeds.set(input.name, randomTensor(dtype, shapes.get(input.name)!, seed ^ hashName(input.name), input.name));
  }
  return feeds;
}

/**
 * Element type, shape and origin of the tensors a verification ran on.
 *
 * @group Inputs
 */
export interface InputSummary {
  /** Input name. */
  name: string;
  /** Element type name (`float`, `int64`, ...). */
  dtype: string;
  /** Concrete shape fed. */
  shape: number[];
}

/**
 * Summaries of feeds, in feed order.
 *
 * @example
 * ```ts
 * summarizeInputs(randomInputs(model)); // [{ name: 'pixel_values', dtype: 'float', shape: [1, 3, 128, 128] }]
 * ```
 * @group Inputs
 */
export function summarizeInputs(feeds: ReadonlyMap<string, Tensor>): InputSummary[] {
  return [...feeds].map(([name, t]) => ({ name, dtype: dtypeName(t.dtype), shape: [...t.dims] }));
}

function randomTensor(dtype: DTypeCode, dims: number[], seed: number, name: string): Tensor {
  const count = elementCount(dims);
  const next = seededRandom(seed);
  const [low, high] = RANDOM_FLOAT_RANGE;
  const uniform = (): number => low + (high - low) * next();
  const small = (): number => Math.floor(next() * RANDOM_INT_LIMIT);
  const fill = <T extends { length: number; [i: number]: number }>(out: T, draw: () => number): T => {
    for (let i = 0; i < out.length; i++) out[i] = draw();
    return out;
  };
  switch (dtype) {
    case DType.FLOAT: return Tensor.fromArray(dtype, dims, fill(new Float32Array(count), uniform), name);
    case DType.DOUBLE: return Tensor.fromArray(dtype, dims, fill(new Float64Array(count), uniform), name);
    case DType.FLOAT16: return Tensor.fromArray(dtype, dims, fill(new Uint16Array(count), () => float32ToFloat16(uniform())), name);
    case DType.INT8: return Tensor.fromArray(dtype, dims, fill(new Int8Array(count), small), name);
    case DType.UINT8: return Tensor.fromArray(dtype, dims, fill(new Uint8Array(count), small), name);
    case DType.INT16: return Tensor.fromArray(dtype, dims, fill(new Int16Array(count), small), name);
    case DType.UINT16: return Tensor.fromArray(dtype, dims, fill(new Uint16Array(count), small), name);
    case DType.INT32: return Tensor.fromArray(dtype, dims, fill(new Int32Array(count), small), name);
    case DType.UINT32: return Tensor.fromArray(dtype, dims, fill(new Uint32Array(count), small), name);
    case DType.BOOL: return Tensor.fromArray(dtype, dims, fill(new Uint8Array(count), () => (next() < 0.5 ? 0 : 1)), name);
    case DType.INT64: {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = BigInt(small());
      return Tensor.fromArray(dtype, dims, out, name);
    }
    case DType.UINT64: {
      const out = new BigUint64Array(count);
      for (let i = 0; i < count; i++) out[i] = BigInt(small());
      return Tensor.fromArray(dtype, dims, out, name);
    }
    default:
      throw new OnnxSurgeonError('usage', `cannot make random data of type ${dtypeName(dtype)}`, {
        tensor: name, expected: 'a float, integer or bool input, or data given with --inputs',
      });
  }
}

/** FNV-1a of the name: gives each input its own PRNG stream. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
