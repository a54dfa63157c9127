/**
 * The inputs a verification runs both models on: read from files (see io/tensor-files.ts for the
 * forms), or generated from a seed. Random inputs follow each input's declared element type and
 * shape. Symbolic dims are bound by the caller (`batch=2`, or a whole input
 * `pixel_values=1x3x64x64`), except a batch dim, which defaults to {@link DEFAULT_BATCH}: see
 * {@link resolveInputShapes} for the rule and why nothing else is guessed.
 */
import { OnnxSurgeonError } from '../errors.js';
import { DType, type DTypeCode, type Dim, type Model, Tensor, type Value, dtypeName, elementCount } from '../ir/index.js';
import type { NamedTensors } from '../io/npz.js';
import { type ReadTensorFilesOptions, readTensorFiles } from '../io/tensor-files.js';
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
 * Reads named tensors (inputs or expected outputs) from any form {@link readTensorFiles} knows.
 *
 * @example
 * ```ts
 * readTensors('test/fixtures/msda/hf_rtdetr_op17/inputs').get('pixel_values')?.dims; // [1, 3, 128, 128]
 * readTensors('test_data_set_0', { role: 'outputs', names: ['y'] }).get('y');
 * ```
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
 * bools 0/1. Shapes as {@link resolveInputShapes} gives them.
 *
 * @example
 * ```ts
 * const feeds = randomInputs(model, { seed: 7, shapes: { batch: 2, h0: 32, w0: 32 } });
 * feeds.get('feat0')?.dims; // [2, 64, 32, 32]
 * ```
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

/** Size of a batch dim nobody gave a size: the smallest that exercises batching. */
export const DEFAULT_BATCH = 2;

/** A dim that got its size from {@link resolveInputShapes}'s rule instead of the caller. */
export interface DefaultedDim {
  /** The symbol (`batch`), or `<input>[0]` for an unnamed dim. */
  dim: string;
  /** The size used. */
  size: number;
  /** Inputs it sizes. */
  inputs: string[];
}

/**
 * The concrete shape of every required input: static dims as declared, symbolic dims from
 * `bindings` (by symbol, or a whole input by name), and batch dims from {@link DEFAULT_BATCH}.
 *
 * The rule for a dim nobody sized: a dim 0 of an input of rank >= 2 whose symbol appears nowhere
 * but at dim 0 of such inputs (or that has no name) is a batch, and gets 2. That is safe: every
 * export with a dynamic batch accepts 2 (dynamo even assumes dynamic dims >= 2); a model that does
 * not says so when it runs, which is an error, never a verdict; and 2 shows a rewrite that mixes
 * up or hard-codes the batch, which 1 would hide. Any other dim (image size, sequence length,
 * per-level H and W) is never guessed: models constrain them (strides, divisibility, tables
 * sized for one resolution, levels derived from each other) and the sizes that matter are the
 * user's. One error lists every dim left without a size, with the template to give them.
 *
 * @example
 * ```ts
 * // feat0 [batch, 64, h0, w0]
 * resolveInputShapes(model, { h0: 32, w0: 32 });
 * // { shapes: Map { feat0 => [2, 64, 32, 32] }, defaulted: [{ dim: 'batch', size: 2, inputs: ['feat0'] }] }
 * ```
 */
export function resolveInputShapes(model: Model, bindings: ShapeBindings): { shapes: Map<string, number[]>; defaulted: DefaultedDim[] } {
  const inputs = requiredInputs(model);
  checkBindingNames(inputs, bindings);
  const batches = batchDims(inputs);
  const defaulted = new Map<string, DefaultedDim>();
  const unsized: { input: Value; axis: number; dim: Dim }[] = [];
  const shapes = new Map<string, number[]>();
  for (const input of inputs) {
    const whole = bindings[input.name];
    if (whole !== undefined) {
      shapes.set(input.name, wholeShape(input, whole));
      continue;
    }
    const shape = input.type?.shape;
    if (!shape) {
      throw new OnnxSurgeonError('usage', 'input has no declared shape (not even a rank)', { tensor: input.name, expected: `--shape ${input.name}=AxBxC` });
    }
    shapes.set(input.name, shape.map((dim, axis) => {
      if (typeof dim === 'number') return dim;
      const bound = typeof dim === 'string' ? bindings[dim] : undefined;
      if (typeof bound === 'number') return bound;
      const key = typeof dim === 'string' ? dim : `${input.name}[0]`;
      if (axis === 0 && shape.length >= 2 && (dim === null || batches.has(dim))) {
        const entry = defaulted.get(key) ?? { dim: key, size: DEFAULT_BATCH, inputs: [] };
        entry.inputs.push(input.name);
        defaulted.set(key, entry);
        return DEFAULT_BATCH;
      }
      unsized.push({ input, axis, dim });
      return 0;
    }));
  }
  if (unsized.length) throw unsizedError(unsized, shapes, bindings);
  return { shapes, defaulted: [...defaulted.values()] };
}

/**
 * The input's shape with every symbolic dim bound (batch dims by the default rule of
 * {@link resolveInputShapes}, which also gives the errors).
 *
 * @example
 * ```ts
 * concreteShape(model, 'feat0', { h0: 32, w0: 32 }); // [2, 64, 32, 32] for [batch, 64, h0, w0]
 * ```
 */
export function concreteShape(model: Model, input: string, bindings: ShapeBindings): number[] {
  const shape = resolveInputShapes(model, bindings).shapes.get(input);
  if (!shape) throw new OnnxSurgeonError('usage', 'not a required input of the model', { tensor: input });
  return shape;
}

/** Symbols that appear only as dim 0 of inputs of rank >= 2. */
function batchDims(inputs: readonly Value[]): Set<string> {
  const atBatch = new Set<string>();
  const elsewhere = new Set<string>();
  for (const input of inputs) {
    const shape = input.type?.shape ?? [];
    shape.forEach((dim, axis) => {
      if (typeof dim !== 'string') return;
      (axis === 0 && shape.length >= 2 ? atBatch : elsewhere).add(dim);
    });
  }
  return new Set([...atBatch].filter((d) => !elsewhere.has(d)));
}

function wholeShape(input: Value, whole: number | readonly number[]): number[] {
  const shape = input.type?.shape;
  const dims: number[] = typeof whole === 'number' ? [whole] : [...whole];
  if (shape && (shape.length !== dims.length || shape.some((d, i) => typeof d === 'number' && d !== dims[i]))) {
    throw new OnnxSurgeonError('usage', `--shape ${input.name}=${dims.join('x')} contradicts the model`, {
      tensor: input.name, expected: formatDims(shape), found: formatDims(dims),
    });
  }
  return dims;
}

/** One error naming every dim without a size, and both ways to give them. */
function unsizedError(unsized: readonly { input: Value; axis: number; dim: Dim }[], shapes: ReadonlyMap<string, number[]>, bindings: ShapeBindings): OnnxSurgeonError {
  const symbols = [...new Set(unsized.flatMap((u) => (typeof u.dim === 'string' ? [u.dim] : [])))];
  const inputs = [...new Set(unsized.map((u) => u.input))];
  const described = inputs.map((v) => `${v.name} ${formatDims(v.type!.shape!)}`).join(', ');
  const what = symbols.length ? `symbolic dim${symbols.length > 1 ? 's' : ''} ${symbols.map((d) => `'${d}'`).join(', ')}` : '';
  const unnamed = unsized.filter((u) => u.dim === null).map((u) => `dim ${u.axis} of '${u.input.name}'`);
  const detail = `no size for ${[what, ...unnamed].filter(Boolean).join(', ')} (input${inputs.length > 1 ? 's' : ''} ${described})`;
  const bySymbol = symbols.map((d) => `--shape ${d}=N`).join(' ');
  const byInput = inputs.map((v) => `--shape ${v.name}=${templateDims(v, shapes.get(v.name)!, bindings)}`).join(' ');
  const ways = [bySymbol, byInput].filter(Boolean);
  return new OnnxSurgeonError('usage', detail, { expected: ways.length > 1 && unnamed.length === 0 ? `${ways[0]}, or whole inputs: ${ways[1]}` : ways.at(-1)! });
}

/** `2x64xNxN`: what is known as numbers, the rest as N. */
function templateDims(input: Value, resolved: readonly number[], bindings: ShapeBindings): string {
  return input.type!.shape!.map((d, i) => {
    if (typeof d === 'number') return String(d);
    const bound = typeof d === 'string' ? bindings[d] : undefined;
    return typeof bound === 'number' ? String(bound) : resolved[i] ? String(resolved[i]) : 'N';
  }).join('x');
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
