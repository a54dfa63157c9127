/**
 * TensorRT optimization profiles from the model's input shapes. A static input needs nothing
 * (min = opt = max = its shape). A dynamic dim needs a range from `--shapes name:MIN/OPT/MAX`,
 * except a symbolic batch dim (dim 0 of an input of rank >= 2), which defaults to 1/1/1. Dims that
 * share a symbol (ONNX `dim_param`) share a range: TensorRT's ONNX parser treats equal names as
 * equal sizes, so giving `feat0` a batch range gives it to every input whose dim 0 is `batch`.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Dim, DTypeCode, Graph } from '../ir/index.js';

/**
 * min/opt/max of one input, each a full shape.
 *
 * @group Profiles
 */
export interface ShapeRange {
  min: number[];
  opt: number[];
  max: number[];
}

/**
 * One parsed `--shapes` entry.
 *
 * @group Profiles
 */
export interface ShapeSpec extends ShapeRange {
  /** Input name (everything before the last `:`). */
  input: string;
  /** The text as given, for messages. */
  text: string;
}

/**
 * The profile entry of one runtime input.
 *
 * @group Profiles
 */
export interface InputProfile extends ShapeRange {
  /** Input name. */
  input: string;
  /** Element type from the model (0 when unknown). */
  dtype: DTypeCode;
  /** Shape as the model declares it (strings/null = dynamic). */
  declared: Dim[];
  /** True if any declared dim is dynamic: only these go to TensorRT's profile. */
  dynamic: boolean;
  /** Dims filled by a default rather than by `--shapes`, e.g. `dim 0 (batch) = 1 (default batch)`. */
  defaults: string[];
}

const EXAMPLE = 'images:1x3x640x640/1x3x800x800/4x3x1333x1333';

/**
 * Parses `name:MIN/OPT/MAX` (dims joined by `x`) or `name:SHAPE` (fixed). The name is what precedes
 * the last `:`, because ONNX names may contain `:` (TensorFlow's `input:0`).
 *
 * @example
 * ```ts
 * parseShapeSpec('images:1x3x640x640/1x3x800x800/4x3x1333x1333');
 * // { input: 'images', min: [1,3,640,640], opt: [1,3,800,800], max: [4,3,1333,1333], text: ... }
 * ```
 * @group Profiles
 */
export function parseShapeSpec(text: string): ShapeSpec {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) usage(`--shapes '${text}': expected NAME:MIN/OPT/MAX, e.g. ${EXAMPLE}`);
  const input = text.slice(0, colon);
  const parts = text.slice(colon + 1).split('/');
  if (parts.length !== 1 && parts.length !== 3) {
    usage(`--shapes '${text}': expected 1 shape or 3 shapes (MIN/OPT/MAX) after '${input}:', found ${parts.length}`);
  }
  const shapes = parts.map((part) => parseDims(part, text));
  const [min, opt, max] = shapes.length === 1 ? [shapes[0]!, shapes[0]!, shapes[0]!] : (shapes as [number[], number[], number[]]);
  if (min.length !== opt.length || opt.length !== max.length) {
    usage(`--shapes '${text}': MIN, OPT and MAX have different ranks (${min.length}, ${opt.length}, ${max.length})`);
  }
  min.forEach((_, d) => {
    if (!(min[d]! <= opt[d]! && opt[d]! <= max[d]!)) {
      usage(`--shapes '${text}': dim ${d} needs MIN <= OPT <= MAX (found ${min[d]}/${opt[d]}/${max[d]})`);
    }
  });
  return { input, min: [...min], opt: [...opt], max: [...max], text };
}

/**
 * Parses several `--shapes` entries; an input named twice is a usage error.
 *
 * @group Profiles
 */
export function parseShapeSpecs(texts: readonly string[]): ShapeSpec[] {
  const specs = texts.map(parseShapeSpec);
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const previous = seen.get(spec.input);
    if (previous) usage(`--shapes names input '${spec.input}' twice ('${previous}' and '${spec.text}')`);
    seen.set(spec.input, spec.text);
  }
  return specs;
}

/**
 * One profile entry per runtime input of `graph` (graph inputs that are not initializers), in
 * input order. Throws a usage error naming the input and dim when a dynamic dim has no range, when
 * a `--shapes` entry contradicts the model, or names no input.
 *
 * @example
 * ```ts
 * // feat0 is [batch, 64, h0, w0]
 * deriveProfiles(graph, parseShapeSpecs(['feat0:1x64x32x32/1x64x64x64/2x64x128x128']));
 * ```
 * @group Profiles
 */
export function deriveProfiles(graph: Graph, specs: readonly ShapeSpec[]): InputProfile[] {
  const inputs = graph.inputs.filter((v) => !v.initializer);
  const byName = new Map(specs.map((s) => [s.input, s]));
  for (const spec of specs) {
    if (!inputs.some((v) => v.name === spec.input)) {
      const isInitializer = graph.inputs.some((v) => v.name === spec.input);
      usage(isInitializer
        ? `--shapes names '${spec.input}', which is an initializer (a constant), not a runtime input`
        : `--shapes names '${spec.input}', which is not an input of the model (inputs: ${inputs.map((v) => v.name).join(', ') || 'none'})`);
    }
  }
  // Symbol -> range and where it came from; filled from --shapes first so defaults never override them.
  const symbols = new Map<string, { range: [number, number, number]; from: string }>();
  const profiles = new Map<string, InputProfile>();
  for (const value of inputs) {
    const spec = byName.get(value.name);
    if (!spec) continue;
    const declared = value.type?.shape ?? spec.opt.map(() => null);
    checkSpecAgainstModel(value.name, declared, spec);
    declared.forEach((dim, d) => {
      if (typeof dim !== 'string') return;
      const range: [number, number, number] = [spec.min[d]!, spec.opt[d]!, spec.max[d]!];
      const bound = symbols.get(dim);
      if (bound && bound.range.join('/') !== range.join('/')) {
        usage(`dim '${dim}' is ${bound.range.join('/')} in ${bound.from} but ${range.join('/')} in --shapes '${spec.text}'; ` +
          'inputs sharing a dim name must share its range');
      }
      symbols.set(dim, { range, from: `--shapes '${spec.text}'` });
    });
    profiles.set(value.name, profileOf(value.name, value.type?.dtype ?? 0, declared, spec, []));
  }
  for (const value of inputs) {
    if (profiles.has(value.name)) continue;
    const declared = value.type?.shape;
    if (!declared) {
      usage(`input '${value.name}' has no shape in the model (unknown rank): give --shapes ${value.name}:MIN/OPT/MAX`);
    }
    const range: ShapeRange = { min: [], opt: [], max: [] };
    const defaults: string[] = [];
    declared.forEach((dim, d) => {
      let r: [number, number, number];
      if (typeof dim === 'number' && dim >= 0) {
        r = [dim, dim, dim];
      } else if (typeof dim === 'string' && symbols.has(dim)) {
        r = symbols.get(dim)!.range;
        defaults.push(`dim ${d} ('${dim}') = ${r.join('/')} (from ${symbols.get(dim)!.from})`);
      } else if (d === 0 && declared.length >= 2) {
        r = [1, 1, 1];
        defaults.push(`dim 0${typeof dim === 'string' ? ` ('${dim}')` : ''} = 1/1/1 (default batch)`);
        if (typeof dim === 'string') symbols.set(dim, { range: r, from: `the default batch of '${value.name}'` });
      } else {
        usage(`input '${value.name}' dim ${d}${typeof dim === 'string' ? ` ('${dim}')` : ''} is dynamic and no --shapes entry covers it: ` +
          `pass --shapes '${value.name}:${template(declared)}/${template(declared)}/${template(declared)}' with numbers in place of <...>`);
      }
      range.min.push(r[0]);
      range.opt.push(r[1]);
      range.max.push(r[2]);
    });
    profiles.set(value.name, profileOf(value.name, value.type?.dtype ?? 0, declared, range, defaults));
  }
  return inputs.map((v) => profiles.get(v.name)!);
}

/**
 * Formats a shape as the builder and `--shapes` write it: `1x3x640x640` (empty for a scalar).
 *
 * @group Profiles
 */
export function formatShape(dims: readonly number[]): string {
  return dims.join('x');
}

function profileOf(input: string, dtype: DTypeCode, declared: readonly Dim[], range: ShapeRange, defaults: string[]): InputProfile {
  return {
    input, dtype, declared: [...declared], dynamic: declared.some(isDynamic),
    min: [...range.min], opt: [...range.opt], max: [...range.max], defaults,
  };
}

function isDynamic(dim: Dim): boolean {
  return typeof dim !== 'number' || dim < 0;
}

function checkSpecAgainstModel(input: string, declared: readonly Dim[], spec: ShapeSpec): void {
  if (declared.length !== spec.opt.length) {
    usage(`--shapes '${spec.text}': input '${input}' has rank ${declared.length} ([${declared.map(showDim).join(', ')}]) but the shape has rank ${spec.opt.length}`);
  }
  declared.forEach((dim, d) => {
    if (isDynamic(dim)) return;
    if (spec.min[d] !== dim || spec.opt[d] !== dim || spec.max[d] !== dim) {
      usage(`--shapes '${spec.text}': input '${input}' dim ${d} is fixed at ${dim} in the model (found ${spec.min[d]}/${spec.opt[d]}/${spec.max[d]})`);
    }
  });
}

function template(declared: readonly Dim[]): string {
  return declared.map((dim, d) => (isDynamic(dim) ? `<${typeof dim === 'string' ? dim : `d${d}`}>` : String(dim))).join('x');
}

function showDim(dim: Dim): string {
  return dim === null ? '?' : String(dim);
}

function parseDims(part: string, text: string): number[] {
  if (part === '') return [];
  return part.split('x').map((token) => {
    if (!/^\d+$/.test(token) || Number(token) < 1) {
      usage(`--shapes '${text}': '${token}' is not a positive integer dim (write shapes as 1x3x640x640)`);
    }
    return Number(token);
  });
}

function usage(detail: string): never {
  throw new OnnxSurgeonError('usage', detail);
}
