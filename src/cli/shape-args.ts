/**
 * The one syntax of shape arguments, for `verify --shape`, `build --shapes` and
 * `sanitize --override-input-shapes`:
 *
 * - `NAME=DIMS` or `NAME:DIMS`: a whole input (`pixel_values=1x3x640x640`), or one symbolic dim
 *   (`batch=2`) where the command takes dim names (verify);
 * - `NAME=MIN/OPT/MAX` or `NAME:MIN/OPT/MAX`: a range, where the command takes one (build's
 *   optimization profile).
 *
 * Dims are joined by `x` (or `,`). The name is everything before the last `=` or `:`, because
 * ONNX names may contain either (TensorFlow's `input:0`). Where a command sets declared shapes
 * (sanitize) a dim may also be a symbolic name, with `,` between dims (`x` could be part of a
 * name): `pixel_values:batch,3,H,W`, optionally in brackets as Polygraphy writes it.
 */
import { InvalidArgumentError } from 'commander';
import { OnnxSurgeonError } from '../errors.js';

/** One parsed shape argument. */
export interface ShapeArg {
  /** Input name or symbolic dim name. */
  name: string;
  /** One shape, or three (MIN, OPT, MAX). */
  shapes: number[][];
  /** True when written as a single number (`batch=2`): a dim size, or a rank-1 input's shape. */
  scalar: boolean;
  /** The text as given, for messages. */
  text: string;
}

const DIMS = /^\d+(?:[x,]\d+)*$/;

/**
 * Parses one shape argument; `flag` names the option in errors.
 *
 * @example
 * ```ts
 * parseShapeArg('batch=2', '--shape');       // { name: 'batch', shapes: [[2]], scalar: true, ... }
 * parseShapeArg('images:1x3x640x640/1x3x800x800/1x3x1333x1333', '--shapes').shapes.length; // 3
 * parseShapeArg('input:0=1x3x224x224', '--shape').name; // 'input:0'
 * ```
 */
export function parseShapeArg(text: string, flag: string): ShapeArg {
  const { name, dims } = splitShapeArg(text);
  const parts = dims !== undefined ? dims.split('/').map((p) => p.trim()) : [];
  if (!name || !parts.length || !parts.every((p) => DIMS.test(p)) || (parts.length !== 1 && parts.length !== 3)) {
    throw usage(`cannot parse ${flag} '${text}'`);
  }
  const shapes = parts.map((p) => p.split(/[x,]/).map(Number));
  if (shapes.some((s) => s.length !== shapes[0]!.length)) throw usage(`${flag} '${text}': MIN, OPT and MAX have different ranks`);
  shapes[0]!.forEach((_, d) => {
    if (shapes.length === 3 && !(shapes[0]![d]! <= shapes[1]![d]! && shapes[1]![d]! <= shapes[2]![d]!)) {
      throw usage(`${flag} '${text}': dim ${d} needs MIN <= OPT <= MAX (found ${shapes.map((s) => s[d]).join('/')})`);
    }
  });
  return { name, shapes, scalar: parts.length === 1 && !/[x,]/.test(parts[0]!), text };
}

/**
 * `verify --shape` arguments as bindings: one shape each (verify runs the models once), an
 * argument naming something twice is an error.
 *
 * @example
 * ```ts
 * shapeBindings(['batch=2', 'feat0:2x64x32x32']); // { batch: 2, feat0: [2, 64, 32, 32] }
 * ```
 */
export function shapeBindings(texts: readonly string[], flag = '--shape'): Record<string, number | number[]> {
  const bindings: Record<string, number | number[]> = {};
  for (const arg of uniqueArgs(texts, flag)) {
    if (arg.shapes.length !== 1) {
      throw usage(`${flag} '${arg.text}' gives a range; verify runs one shape: give one of them (e.g. ${arg.name}=${arg.shapes[1]!.join('x')})`);
    }
    bindings[arg.name] = arg.scalar ? arg.shapes[0]![0]! : arg.shapes[0]!;
  }
  return bindings;
}

/**
 * `build --shapes` arguments as TensorRT profile entries `name:MIN/OPT/MAX` (one shape stands for
 * all three).
 *
 * @example
 * ```ts
 * profileSpecs(['images=1x3x640x640']); // ['images:1x3x640x640/1x3x640x640/1x3x640x640']
 * ```
 */
export function profileSpecs(texts: readonly string[], flag = '--shapes'): string[] {
  return uniqueArgs(texts, flag).map((arg) => {
    const [min, opt, max] = arg.shapes.length === 3 ? arg.shapes : [arg.shapes[0]!, arg.shapes[0]!, arg.shapes[0]!];
    return `${arg.name}:${[min!, opt!, max!].map((s) => s.join('x')).join('/')}`;
  });
}

/** One `--override-input-shapes` argument: a whole input's dims (numbers or names), or a size for a dim name. */
export interface ShapeOverrideArg {
  /** Input name, or symbolic dim name when {@link ShapeOverrideArg.scalar}. */
  name: string;
  /** Sizes (numbers) and symbolic dim names. */
  dims: (number | string)[];
  /** Written as a single number (`batch=1`): a dim size, or a rank-1 input's shape. */
  scalar: boolean;
  /** The text as given, for messages. */
  text: string;
}

const DIM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `sanitize --override-input-shapes` arguments: `NAME=DIMS` or `NAME:DIMS` as everywhere, where a
 * dim may also be a symbolic name (then `,` between dims, brackets optional). A name given twice
 * is an error.
 *
 * @example
 * ```ts
 * shapeOverrideArgs(['pixel_values:1x3x800x800', 'mask=[batch,800,800]', 'batch=1']).map((a) => a.dims);
 * // [[1, 3, 800, 800], ['batch', 800, 800], [1]]
 * ```
 */
export function shapeOverrideArgs(texts: readonly string[], flag = '--override-input-shapes'): ShapeOverrideArg[] {
  const seen = new Map<string, string>();
  return texts.map((text) => {
    const { name, dims } = splitShapeArg(text);
    const spec = dims?.trim() ?? '';
    const bracketed = /^\[.*\]$/.test(spec);
    // Names only where `,` separates dims: with `x`, `max_len` would read as two dims.
    const commas = bracketed || spec.includes(',');
    const list = bracketed ? spec.slice(1, -1) : spec;
    const items = list.trim() === '' ? [] : list.split(commas ? ',' : 'x').map((d) => d.trim());
    if (!name || !items.length || !items.every((d) => /^\d+$/.test(d) || (commas && DIM_NAME.test(d)))) {
      throw usage(`cannot parse ${flag} '${text}'`, 'NAME=AxBxC or NAME:AxBxC (sizes), NAME=batch,3,H,W (names for symbolic dims, commas), NAME=N (the size of a symbolic dim)');
    }
    const previous = seen.get(name);
    if (previous !== undefined) throw usage(`${flag} names '${name}' twice ('${previous}' and '${text}')`);
    seen.set(name, text);
    return { name, dims: items.map((d) => (/^\d+$/.test(d) ? Number(d) : d)), scalar: items.length === 1 && !commas, text };
  });
}

/** The name (everything before the last `=` or `:`) and the text after it. */
function splitShapeArg(text: string): { name: string; dims: string | undefined } {
  const spec = text.trim();
  const at = Math.max(spec.lastIndexOf('='), spec.lastIndexOf(':'));
  return { name: spec.slice(0, Math.max(at, 0)).trim(), dims: at > 0 ? spec.slice(at + 1) : undefined };
}

function uniqueArgs(texts: readonly string[], flag: string): ShapeArg[] {
  const seen = new Map<string, string>();
  return texts.map((text) => {
    const arg = parseShapeArg(text, flag);
    const previous = seen.get(arg.name);
    if (previous !== undefined) throw usage(`${flag} names '${arg.name}' twice ('${previous}' and '${text}')`);
    seen.set(arg.name, text);
    return arg;
  });
}

/**
 * A commander argument parser for a repeatable `--shapes` of build: each value is checked as it
 * comes and collected as a TensorRT profile entry (see {@link profileSpecs}).
 *
 * @example
 * ```ts
 * command.option('--shapes <spec...>', 'profile', collectProfileSpecs('--shapes'));
 * ```
 */
export function collectProfileSpecs(flag: string): (value: string, previous: string[] | undefined) => string[] {
  return (value, previous) => {
    try {
      return [...(previous ?? []), ...profileSpecs([value], flag)];
    } catch (error) {
      throw new InvalidArgumentError((error as OnnxSurgeonError).detail);
    }
  };
}

function usage(detail: string, expected = 'NAME=AxBxC or NAME:AxBxC (a whole input), NAME=N (a symbolic dim), NAME:MIN/OPT/MAX (a range, for build)'): OnnxSurgeonError {
  return new OnnxSurgeonError('usage', detail, { expected });
}
