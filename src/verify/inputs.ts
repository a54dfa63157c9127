/**
 * The inputs a verification runs both models on: read from files (a folder of `.npy` named after
 * the inputs, or one `.npz`), or generated from a seed. Random inputs follow each input's declared
 * element type and shape; symbolic dims must be bound by the caller (`batch=2`, or a whole input
 * `pixel_values=1x3x64x64`), because guessing a size could hide a shape-dependent bug.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxSurgeonError } from '../errors.js';
import { DType, type DTypeCode, type Dim, type Model, Tensor, type Value, dtypeName, elementCount } from '../ir/index.js';
import { readNpy } from '../io/npy.js';
import { type NamedTensors, readNpz } from '../io/npz.js';
import { float32ToFloat16 } from '../ir/float16.js';
import { seededRandom } from '../random.js';

/** Sizes for symbolic dims: a dim_param name to a size, or an input name to its whole shape. */
export type ShapeBindings = Readonly<Record<string, number | readonly number[]>>;

/** Options of {@link randomInputs}. */
export interface RandomInputOptions {
  /** PRNG seed (default 0): the same seed gives the same bytes on every machine. */
  seed?: number;
  /** Sizes for symbolic or unknown dims (see {@link ShapeBindings}). */
  shapes?: ShapeBindings;
}

/** Range of random floating-point inputs: uniform in [-1, 1), the scale of normalized activations. */
export const RANDOM_FLOAT_RANGE = [-1, 1] as const;
/** Random integer inputs are uniform in [0, 4): small non-negative, so index-like inputs stay in range. */
export const RANDOM_INT_LIMIT = 4;

/**
 * Parses one `--shape` argument: `name=2` or `name=1x3x64x64` (also `1,3,64,64`).
 *
 * @example
 * ```ts
 * parseShapeBinding('batch=2');                // ['batch', 2]
 * parseShapeBinding('pixel_values=1x3x64x64'); // ['pixel_values', [1, 3, 64, 64]]
 * ```
 */
export function parseShapeBinding(spec: string): [string, number | number[]] {
  const match = /^([^=]+)=(\d+(?:[x,]\d+)*)$/.exec(spec.trim());
  if (!match) {
    throw new OnnxSurgeonError('usage', `cannot parse --shape '${spec}'`, { expected: 'NAME=N (a symbolic dim) or NAME=AxBxC (a whole input)', found: spec });
  }
  const dims = match[2]!.split(/[x,]/).map(Number);
  const name = match[1]!.trim();
  return [name, dims.length === 1 && !match[2]!.includes('x') && !match[2]!.includes(',') ? dims[0]! : dims];
}

/**
 * The inputs a caller must feed: graph inputs that are not initializers (old exporters list
 * initializers as inputs too; onnxruntime treats those as optional overrides).
 *
 * @example
 * ```ts
 * requiredInputs(model).map((v) => v.name); // ['pixel_values']
 * ```
 */
export function requiredInputs(model: Model): Value[] {
  return model.graph.inputs.filter((v) => !v.initializer);
}

/**
 * Reads named arrays from a folder of `.npy` files (file name = input or output name) or a
 * `.npz` archive.
 *
 * @example
 * ```ts
 * readTensors('test/fixtures/msda/hf_rtdetr_op17/inputs').get('pixel_values')?.dims; // [1, 3, 128, 128]
 * ```
 */
export function readTensors(source: string): Map<string, Tensor> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch (error) {
    throw new OnnxSurgeonError('io', `cannot read: ${(error as Error).message}`, { file: source });
  }
  if (stat.isDirectory()) {
    const files = fs.readdirSync(source).filter((f) => f.endsWith('.npy')).sort();
    if (!files.length) throw new OnnxSurgeonError('io', 'folder holds no .npy files', { file: source, expected: 'one <name>.npy per tensor' });
    return new Map(files.map((f) => [f.slice(0, -4), readNpy(path.join(source, f))]));
  }
  if (source.endsWith('.npy')) return new Map([[path.basename(source, '.npy'), readNpy(source)]]);
  return readNpz(source);
}

/**
 * A map from either form of {@link NamedTensors}.
 *
 * @example
 * ```ts
 * toTensorMap({ x: Tensor.float32([1]) }).get('x');
 * ```
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
 * bools 0/1.
 *
 * @example
 * ```ts
 * const feeds = randomInputs(model, { seed: 7, shapes: { batch: 2, h0: 32, w0: 32 } });
 * feeds.get('feat0')?.dims; // [2, 64, 32, 32]
 * ```
 */
export function randomInputs(model: Model, options: RandomInputOptions = {}): Map<string, Tensor> {
  const seed = options.seed ?? 0;
  const bindings = options.shapes ?? {};
  const inputs = requiredInputs(model);
  checkBindingNames(inputs, bindings);
  const feeds = new Map<string, Tensor>();
  for (const input of inputs) {
    const dims = concreteShape(input, bindings);
    const dtype = input.type?.dtype ?? DType.UNDEFINED;
    feeds.set(input.name, randomTensor(dtype, dims, seed ^ hashName(input.name), input.name));
  }
  return feeds;
}

/**
 * The input's shape with every symbolic dim bound; a precise error for the first unbound one.
 *
 * @example
 * ```ts
 * concreteShape(model.graph.inputs[0], { batch: 2 }); // [2, 64, 32, 32] for [batch, 64, 32, 32]
 * ```
 */
export function concreteShape(input: Value, bindings: ShapeBindings): number[] {
  const shape = input.type?.shape;
  const whole = bindings[input.name];
  if (whole !== undefined) {
    const dims: number[] = typeof whole === 'number' ? [whole] : [...(whole as readonly number[])];
    if (shape && (shape.length !== dims.length || shape.some((d, i) => typeof d === 'number' && d !== dims[i]))) {
      throw new OnnxSurgeonError('usage', `--shape ${input.name}=${dims.join('x')} contradicts the model`, {
        tensor: input.name, expected: formatDims(shape), found: formatDims(dims),
      });
    }
    return dims;
  }
  if (!shape) {
    throw new OnnxSurgeonError('usage', 'input has no declared shape (not even a rank)', {
      tensor: input.name, expected: `--shape ${input.name}=AxBxC`,
    });
  }
  return shape.map((dim, axis) => {
    if (typeof dim === 'number') return dim;
    const bound = typeof dim === 'string' ? bindings[dim] : undefined;
    if (typeof bound === 'number') return bound;
    const label = typeof dim === 'string' ? `'${dim}'` : 'unknown';
    const hint = typeof dim === 'string' ? `--shape ${dim}=N or --shape ${input.name}=${exampleDims(shape)}` : `--shape ${input.name}=${exampleDims(shape)}`;
    throw new OnnxSurgeonError('usage', `input dim ${axis} (${label}) of shape ${formatDims(shape)} has no size`, {
      tensor: input.name, expected: hint,
    });
  });
}

/** Element type, shape and origin of the tensors a verification ran on. */
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
 */
export function summarizeInputs(feeds: ReadonlyMap<string, Tensor>): InputSummary[] {
  return [...feeds].map(([name, t]) => ({ name, dtype: dtypeName(t.dtype), shape: [...t.dims] }));
}

/**
 * Dims for messages.
 *
 * @example
 * ```ts
 * formatDims([1, 3, 'batch', null]); // '[1,3,batch,?]'
 * ```
 */
export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

function exampleDims(shape: readonly Dim[]): string {
  return shape.map((d) => (typeof d === 'number' ? d : 'N')).join('x');
}

function checkBindingNames(inputs: readonly Value[], bindings: ShapeBindings): void {
  const names = new Set<string>();
  for (const input of inputs) {
    names.add(input.name);
    for (const d of input.type?.shape ?? []) if (typeof d === 'string') names.add(d);
  }
  for (const key of Object.keys(bindings)) {
    if (!names.has(key)) {
      throw new OnnxSurgeonError('usage', `--shape ${key}: the model has no input and no symbolic dim of that name`, {
        expected: [...names].join(', ') || 'nothing to bind',
      });
    }
  }
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
