/**
 * ONNX's test data layout (the backend test suite, `onnx.backend.test`, model zoo archives): a
 * `test_data_set_N/` folder of serialized TensorProtos, `input_0.pb, input_1.pb, ...` for the inputs
 * and `output_0.pb, ...` for the expected outputs. A TensorProto usually carries its tensor's
 * name; one that does not is matched by position (`input_1.pb` is the model's second input).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxSurgeonError } from '../errors.js';
import type { Tensor } from '../ir/index.js';
import { decodeTensor } from '../onnx/index.js';
import { tensorFromProto } from '../serde/index.js';
import { readDataFile } from './read-file.js';

/**
 * Which files of a data set to read.
 *
 * @group Data files
 */
export type TestDataRole = 'inputs' | 'outputs';

/** `input_12.pb` → 12. */
const FILE_PATTERN: Readonly<Record<TestDataRole, RegExp>> = { inputs: /^input_(\d+)\.pb$/, outputs: /^output_(\d+)\.pb$/ };

/**
 * True when `dir` holds ONNX test data files (`input_N.pb` or `output_N.pb`).
 *
 * @example
 * ```ts
 * isOnnxTestDataSet('test_gridsample/test_data_set_0'); // true
 * ```
 */
export function isOnnxTestDataSet(dir: string): boolean {
  return fs.readdirSync(dir).some((f) => FILE_PATTERN.inputs.test(f) || FILE_PATTERN.outputs.test(f));
}

/**
 * The `test_data_set_*` folders directly under `dir` (an ONNX test case folder), sorted.
 *
 * @example
 * ```ts
 * onnxTestDataSets('/usr/share/libonnx-testdata/data/node/test_gridsample'); // ['test_data_set_0']
 * ```
 */
export function onnxTestDataSets(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^test_data_set_\d+$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)));
}

/**
 * Reads the inputs or the outputs of one ONNX test data set. `names` names unnamed tensors by
 * position (the model's inputs or outputs, in order).
 *
 * @example
 * ```ts
 * const inputs = readOnnxTestDataSet('test_gridsample/test_data_set_0', 'inputs', ['X', 'Grid']);
 * inputs.get('X')?.dims; // [1, 1, 3, 2]
 * ```
 * @throws OnnxSurgeonError `io` when the folder has no such files, `decode` for a file that is
 * not a TensorProto, `usage` for an unnamed tensor without a name by position or a name twice.
 * @group Data files
 */
export function readOnnxTestDataSet(dir: string, role: TestDataRole, names: readonly string[] = []): Map<string, Tensor> {
  const pattern = FILE_PATTERN[role];
  const files = fs.readdirSync(dir)
    .map((f) => ({ file: f, index: Number(pattern.exec(f)?.[1] ?? NaN) }))
    .filter((f) => Number.isInteger(f.index))
    .sort((a, b) => a.index - b.index);
  const prefix = role === 'inputs' ? 'input' : 'output';
  if (!files.length) {
    throw new OnnxSurgeonError('io', `ONNX test data set has no ${prefix}_*.pb files`, { file: dir, expected: `${prefix}_0.pb, ${prefix}_1.pb, ...` });
  }
  const tensors = new Map<string, Tensor>();
  for (const { file, index } of files) {
    const where = path.join(dir, file);
    const proto = decodeTensor(readDataFile(where), { file: where });
    const name = proto.name || names[index];
    if (!name) {
      throw new OnnxSurgeonError('usage', `the tensor has no name and the model has no ${prefix} ${index} to take it from`, {
        file: where, expected: names.length ? `${prefix}_0.pb..${prefix}_${names.length - 1}.pb for ${names.join(', ')}` : 'named TensorProtos',
      });
    }
    if (tensors.has(name)) throw new OnnxSurgeonError('usage', `two files hold tensor '${name}'`, { file: where });
    tensors.set(name, tensorFromProto(proto, { file: where }, name));
  }
  return tensors;
}
