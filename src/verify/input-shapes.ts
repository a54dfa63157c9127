/**
 * The shapes random inputs get: static dims as declared, symbolic dims from the caller's bindings,
 * batch dims from {@link DEFAULT_BATCH} (see {@link resolveInputShapes} for the rule), and one
 * error naming every dim left without a size.
 */
import { OnnxSurgeonError } from '../errors.js';
import { type Dim, type Model, type Value, formatDims } from '../ir/index.js';

// Public here too, where verify's users have always found it.
export { formatDims };

/**
 * Sizes for symbolic dims: a dim_param name to a size, or an input name to its whole shape.
 *
 * @group Inputs
 */
export type ShapeBindings = Readonly<Record<string, number | readonly number[]>>;

/**
 * The inputs a caller must feed: graph inputs that are not initializers (old exporters list
 * initializers as inputs too; onnxruntime treats those as optional overrides).
 *
 * @example
 * ```ts
 * requiredInputs(model).map((v) => v.name); // ['pixel_values']
 * ```
 * @group Inputs
 */
export function requiredInputs(model: Model): Value[] {
  return model.graph.inputs.filter((v) => !v.initializer);
}

/**
 * Size of a batch dim nobody gave a size: the smallest that exercises batching.
 *
 * @group Inputs
 */
export const DEFAULT_BATCH = 2;

/**
 * A dim that got its size from {@link resolveInputShapes}'s rule instead of the caller.
 *
 * @group Inputs
 */
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
 * @group Inputs
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
 * @group Inputs
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
