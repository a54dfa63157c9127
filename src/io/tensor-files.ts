/**
 * Named tensors from whatever form users keep them in: a folder of `<name>.npy`, one `.npy`, an
 * `.npz`, an ONNX test data set (`test_data_set_N/input_N.pb`, or the test case folder above it),
 * one TensorProto `.pb`, or a Polygraphy JSON data file. The format is taken from the folder's
 * contents or the file's extension (its first bytes where the extension says nothing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxSurgeonError } from '../errors.js';
import type { Tensor } from '../ir/index.js';
import { decodeTensor } from '../onnx/index.js';
import { tensorFromProto } from '../serde/index.js';
import { parseNpy, readNpy } from './npy.js';
import { parseNpz } from './npz.js';
import { type TestDataRole, isOnnxTestDataSet, onnxTestDataSets, readOnnxTestDataSet } from './onnx-test-data.js';
import { readPolygraphyJson } from './polygraphy-json.js';
import { readDataFile } from './read-file.js';

/**
 * The forms {@link readTensorFiles} reads.
 *
 * @group Data files
 */
export type TensorFileFormat = 'npy-folder' | 'npy' | 'npz' | 'onnx-test-data' | 'onnx-tensor' | 'polygraphy-json';

/**
 * Tensors read from a path, and how.
 *
 * @group Data files
 */
export interface TensorFileSet {
  /** Tensors by name, in file order. */
  tensors: Map<string, Tensor>;
  /** The form they were read from. */
  format: TensorFileFormat;
  /** The path given. */
  path: string;
  /** What was taken from a source holding more (`test_data_set_0`, `iteration 1 of 3`). */
  note?: string;
}

/**
 * Options of {@link readTensorFiles}.
 *
 * @group Data files
 */
export interface ReadTensorFilesOptions {
  /** Which files of an ONNX test data set: `input_*.pb` (default) or `output_*.pb`. */
  role?: TestDataRole;
  /** Names for unnamed TensorProtos, by position (the model's inputs or outputs). */
  names?: readonly string[];
}

/**
 * How each format is named in messages.
 *
 * @group Data files
 */
export const TENSOR_FILE_FORMATS: Readonly<Record<TensorFileFormat, string>> = {
  'npy-folder': '.npy folder', npy: '.npy', npz: '.npz', 'onnx-test-data': 'ONNX test data', 'onnx-tensor': 'TensorProto', 'polygraphy-json': 'Polygraphy JSON',
};

const ACCEPTED = 'a folder of <name>.npy, an ONNX test_data_set_N folder (input_N.pb / output_N.pb), an .npy, .npz, TensorProto .pb, or Polygraphy .json';

/**
 * Reads named tensors from `source` (see the module comment for the forms).
 *
 * @example
 * ```ts
 * readTensorFiles('test_gridsample/test_data_set_0', { role: 'outputs', names: ['Y'] }).tensors.get('Y');
 * readTensorFiles('inputs.json').note; // 'iteration 1 of 2' for a Polygraphy file with two feed dicts
 * ```
 * @throws OnnxSurgeonError `io` (missing, empty, unrecognized), `decode` (malformed), `usage`
 * (ambiguous: several data sets, unnamed tensors without names).
 * @group Data files
 */
export function readTensorFiles(source: string, options: ReadTensorFilesOptions = {}): TensorFileSet {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch (error) {
    throw new OnnxSurgeonError('io', `cannot read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`, { file: source });
  }
  const role = options.role ?? 'inputs';
  if (stat.isDirectory()) return readFolder(source, role, options.names ?? []);
  const extension = path.extname(source).toLowerCase();
  if (extension === '.npy') return { tensors: new Map([[path.basename(source, '.npy'), readNpy(source)]]), format: 'npy', path: source };
  if (extension === '.json') return { ...readPolygraphyJson(source), format: 'polygraphy-json', path: source };
  const bytes = readDataFile(source);
  if (extension === '.npz' || (bytes[0] === 0x50 && bytes[1] === 0x4b)) return { tensors: parseNpz(bytes, source), format: 'npz', path: source };
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) return { tensors: new Map([[path.basename(source, extension), parseNpy(bytes, source)]]), format: 'npy', path: source };
  if (extension === '.pb') {
    const proto = decodeTensor(bytes, { file: source });
    const name = proto.name || options.names?.[0];
    if (!name) throw new OnnxSurgeonError('usage', 'the tensor has no name', { file: source, expected: 'a named TensorProto' });
    return { tensors: new Map([[name, tensorFromProto(proto, { file: source }, name)]]), format: 'onnx-tensor', path: source };
  }
  throw new OnnxSurgeonError('io', 'unrecognized tensor file', { file: source, expected: ACCEPTED });
}

function readFolder(dir: string, role: TestDataRole, names: readonly string[]): TensorFileSet {
  if (isOnnxTestDataSet(dir)) return { tensors: readOnnxTestDataSet(dir, role, names), format: 'onnx-test-data', path: dir };
  const sets = onnxTestDataSets(dir);
  if (sets.length === 1) {
    return { tensors: readOnnxTestDataSet(path.join(dir, sets[0]!), role, names), format: 'onnx-test-data', path: dir, note: sets[0]! };
  }
  if (sets.length > 1) {
    throw new OnnxSurgeonError('usage', `folder holds ${sets.length} ONNX test data sets (${sets.join(', ')}): name one`, { file: dir, expected: path.join(dir, sets[0]!) });
  }
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.npy')).sort();
  if (!files.length) throw new OnnxSurgeonError('io', 'folder holds no tensors', { file: dir, expected: ACCEPTED });
  return { tensors: new Map(files.map((f) => [f.slice(0, -4), readNpy(path.join(dir, f))])), format: 'npy-folder', path: dir };
}
