/**
 * Polygraphy's JSON data files, so data saved by `polygraphy run --save-inputs in.json
 * --save-outputs out.json` can be used as is. Polygraphy encodes a NumPy array as an object
 * `{"array": base64(np.save bytes), "polygraphy_class": "ndarray"}` (older versions: the key
 * `"__polygraphy_encoded_ndarray"`, and the `.npy` bytes as a latin-1 string). `--save-inputs`
 * writes a list of feed dicts, one per iteration (`[{"x": <array>}, ...]`); `--save-outputs` writes
 * `RunResults`: `{"lst": [[runner, [IterationResult, ...]], ...], "polygraphy_class": "RunResults"}`
 * with `IterationResult = {"outputs": {name: LazyArray | array}, ...}` and
 * `LazyArray = {"values": <array>}`. The first iteration (of the first runner) is read; the
 * note says when there were more.
 */
import { OnnxSurgeonError } from '../errors.js';
import type { Tensor } from '../ir/index.js';
import { parseNpy } from './npy.js';
import { parseNpz } from './npz.js';
import { readDataFile } from './read-file.js';

/**
 * What a Polygraphy JSON file held.
 *
 * @group Data files
 */
export interface PolygraphyData {
  /** Arrays by name (the first iteration's). */
  tensors: Map<string, Tensor>;
  /** What was taken from a file with more in it, e.g. `iteration 1 of 3` or `runner 'onnxrt-runner', iteration 1 of 1`. */
  note?: string;
}

const TYPE_MARKER = 'polygraphy_class';
const LEGACY_PREFIX = '__polygraphy_encoded_';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * Reads a Polygraphy JSON data file: saved inputs (a list of feed dicts), saved outputs
 * (`RunResults`), or one dict of arrays.
 *
 * @example
 * ```ts
 * readPolygraphyJson('inputs.json').tensors.get('x')?.dims; // [1, 3, 224, 224]
 * readPolygraphyJson('outputs.json').note;                  // "runner 'onnxrt-runner-N0', iteration 1 of 1"
 * ```
 * @throws OnnxSurgeonError `io` for an unreadable file, `decode` for JSON that is not Polygraphy data.
 * @group Data files
 */
export function readPolygraphyJson(file: string): PolygraphyData {
  const text = new TextDecoder().decode(readDataFile(file));
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (error) {
    throw new OnnxSurgeonError('decode', `not JSON: ${(error as Error).message}`, { file, expected: 'a Polygraphy data file (--save-inputs / --save-outputs)' });
  }
  return parsePolygraphyData(root, file);
}

/**
 * {@link readPolygraphyJson} on parsed JSON.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * parsePolygraphyData(JSON.parse(readFileSync('inputs.json', 'utf8')), 'inputs.json').tensors;
 * ```
 * @group Data files
 */
export function parsePolygraphyData(root: unknown, file: string): PolygraphyData {
  const fail = (detail: string): never => {
    throw new OnnxSurgeonError('decode', detail, { file, expected: 'Polygraphy data: a list of feed dicts (--save-inputs), RunResults (--save-outputs), or a dict of arrays' });
  };
  const json = root as Json;
  if (Array.isArray(json)) {
    if (!json.length) fail('the list of iterations is empty');
    return { tensors: arrayDict(json[0]!, file, 'iteration 1'), ...(json.length > 1 ? { note: `iteration 1 of ${json.length}` } : {}) };
  }
  if (!isObject(json)) return fail(`found ${json === null ? 'null' : typeof json} at the top level`);
  if (classOf(json) === 'RunResults') {
    const runs = json['lst'];
    if (!Array.isArray(runs) || !runs.length) return fail('RunResults holds no runner');
    const [runner, iterations] = runs[0] as [Json, Json];
    if (typeof runner !== 'string' || !Array.isArray(iterations) || !iterations.length) return fail(`RunResults runner entry is not [name, [iterations...]]`);
    const first = iterations[0]!;
    const outputs = isObject(first) && classOf(first) === 'IterationResult' ? first['outputs'] : first;
    const parts = [`runner '${runner}'${runs.length > 1 ? ` (1 of ${runs.length})` : ''}`, `iteration 1 of ${iterations.length}`];
    return { tensors: arrayDict(outputs ?? null, file, `runner '${runner}' iteration 1`), note: parts.join(', ') };
  }
  return { tensors: arrayDict(json, file, 'the top level') };
}

/** A dict of arrays (values may be wrapped in LazyArray). */
function arrayDict(json: Json, file: string, where: string): Map<string, Tensor> {
  if (!isObject(json) || classOf(json) !== undefined) {
    throw new OnnxSurgeonError('decode', `${where} is not a dict of arrays`, { file });
  }
  const tensors = new Map<string, Tensor>();
  for (const [name, value] of Object.entries(json)) {
    const array = isObject(value) && (classOf(value) === 'LazyArray' || classOf(value) === 'LazyNumpyArray') ? value['values'] ?? null : value;
    tensors.set(name, decodeArray(array, file, name));
  }
  if (!tensors.size) throw new OnnxSurgeonError('decode', `${where} holds no arrays`, { file });
  return tensors;
}

/** One encoded NumPy array. */
function decodeArray(json: Json, file: string, name: string): Tensor {
  const context = { file, tensor: name };
  if (!isObject(json) || classOf(json) !== 'ndarray' || typeof json['array'] !== 'string') {
    throw new OnnxSurgeonError('decode', 'not an encoded NumPy array', { ...context, expected: `{"array": "<base64 .npy>", "${TYPE_MARKER}": "ndarray"}`, found: describe(json) });
  }
  const text = json['array'];
  // Old Polygraphy wrote the .npy bytes as a latin-1 string; they start with the .npy magic \x93NUMPY.
  const bytes = text.startsWith('\x93NUMPY') ? Uint8Array.from(text, (c) => c.charCodeAt(0)) : Buffer.from(text, 'base64');
  const where = `${file}: ${name}`;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    // Older still: np.savez bytes, one member.
    const members = [...parseNpz(bytes, where).values()];
    if (members.length !== 1) throw new OnnxSurgeonError('decode', `an .npz array holds ${members.length} members, expected 1`, context);
    return members[0]!;
  }
  return parseNpy(bytes, where);
}

/** The Polygraphy type of an encoded object (`ndarray`, `RunResults`, ...), new and legacy markers. */
function classOf(json: JsonObject): string | undefined {
  const marker = json[TYPE_MARKER];
  if (typeof marker === 'string') return marker;
  const legacy = Object.keys(json).find((key) => key.startsWith(LEGACY_PREFIX));
  return legacy?.slice(LEGACY_PREFIX.length);
}

function isObject(json: Json): json is JsonObject {
  return typeof json === 'object' && json !== null && !Array.isArray(json);
}

function describe(json: Json): string {
  if (isObject(json)) return `an object with keys ${Object.keys(json).slice(0, 4).join(', ') || '(none)'}`;
  return Array.isArray(json) ? 'a list' : json === null ? 'null' : typeof json;
}
