/**
 * Inputs and expected outputs in the forms users have them: ONNX test data sets (the backend
 * suite in /usr/share/libonnx-testdata, and unnamed TensorProtos matched by position) and
 * Polygraphy's JSON (files written by numpy's own np.save in Polygraphy's layout, see
 * test/fixtures/verify/README.md). verify runs on them end to end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DType, Tensor } from '../../src/ir/index.js';
import { readTensorFiles } from '../../src/io/tensor-files.js';
import { encodeMessage } from '../../src/onnx/index.js';
import { tensorToProto } from '../../src/serde/index.js';
import { verifyRewrite } from '../../src/verify/index.js';
import { unaryModel } from './models.js';
import { errorOf } from '../helpers/expect-error.js';

const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';
const FIXTURES = 'test/fixtures/verify';
const dir = mkdtempSync(join(tmpdir(), 'onnx-surgeon-tensor-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `tensors` as `<prefix>_N.pb` files (named or not) into a fresh folder. */
function writeDataSet(name: string, prefix: 'input' | 'output', tensors: Tensor[], named: boolean): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  tensors.forEach((t, i) => writeFileSync(join(folder, `${prefix}_${i}.pb`), encodeMessage('onnx.TensorProto', tensorToProto(t, {}, named ? t.name : ''))));
  return folder;
}

describe('ONNX test data sets', () => {
  it('reads the backend suite: names from the TensorProtos, inputs and outputs by role', () => {
    const set = `${NODE_TESTS}/test_gridsample/test_data_set_0`;
    const inputs = readTensorFiles(set, { role: 'inputs' });
    expect(inputs.format).toBe('onnx-test-data');
    expect([...inputs.tensors].map(([n, t]) => `${n} ${t.dims.join('x')}`)).toEqual(['X 1x1x4x4', 'Grid 1x6x6x2']);
    const outputs = readTensorFiles(set, { role: 'outputs' });
    expect([...outputs.tensors].map(([n, t]) => `${n} ${t.dims.join('x')}`)).toEqual(['Y 1x1x6x6']);
    // The test case folder above a single data set works too, and says which set it read.
    expect(readTensorFiles(`${NODE_TESTS}/test_gridsample`, { role: 'outputs' })).toMatchObject({ note: 'test_data_set_0', format: 'onnx-test-data' });
  });

  for (const name of ['test_gridsample_bilinear', 'test_add_bcast', 'test_cast_FLOAT_to_FLOAT16', 'test_argmax_default_axis_example']) {
    it(`verify ${name} against itself, its test inputs and its test outputs`, async () => {
      const set = `${NODE_TESTS}/${name}/test_data_set_0`;
      const report = await verifyRewrite(`${NODE_TESTS}/${name}/model.onnx`, `${NODE_TESTS}/${name}/model.onnx`, { inputs: set, expected: set });
      expect(report.verdict, report.summary).toBe('pass');
      expect(report.inputs).toMatchObject({ source: 'files', format: 'onnx-test-data', path: set });
      expect(report.expected).toMatchObject({ source: 'files', format: 'onnx-test-data', path: set });
      expect(report.expectedComparison?.verdict).toBe('pass');
      expect(report.originalVsExpected?.verdict).toBe('pass');
    });
  }

  it('matches unnamed TensorProtos by position, numerically (input_10 after input_9)', async () => {
    const many = Array.from({ length: 11 }, (_, i) => Tensor.float32([i], [1], `t${i}`));
    const folder = writeDataSet('unnamed', 'input', many, false);
    const names = many.map((t) => t.name);
    const read = readTensorFiles(folder, { role: 'inputs', names });
    expect([...read.tensors.keys()]).toEqual(names);
    expect(read.tensors.get('t10')!.toNumbers()).toEqual([10]);
    expect(errorOf(() => readTensorFiles(folder, { role: 'inputs', names: names.slice(0, 3) })).message)
      .toMatch(/input_3\.pb: the tensor has no name and the model has no input 3 to take it from/);

    // verify names unnamed inputs by the model's inputs, unnamed outputs by its outputs.
    const x = Tensor.float32([0, 0.5, -2], [3], 'x');
    const inputs = writeDataSet('tanh/test_data_set_0', 'input', [x], false);
    writeDataSet('tanh/test_data_set_0', 'output', [Tensor.float32([0, Math.tanh(0.5), Math.tanh(-2)], [3], 'y')], false);
    const report = await verifyRewrite(unaryModel('Tanh', [3]), unaryModel('Tanh', [3]), { inputs: join(dir, 'tanh'), expected: inputs });
    expect(report.verdict, report.summary).toBe('pass');
    expect(report.inputs).toMatchObject({ note: 'test_data_set_0', tensors: [{ name: 'x', shape: [3] }] });
    expect(report.expectedComparison?.outputs[0]).toMatchObject({ name: 'y', status: 'pass' });
  });

  it('errors clearly: no files of that role, several data sets, not a TensorProto', () => {
    const onlyInputs = writeDataSet('only-inputs', 'input', [Tensor.float32([1], [1], 'x')], true);
    expect(errorOf(() => readTensorFiles(onlyInputs, { role: 'outputs' })).message).toMatch(/only-inputs: ONNX test data set has no output_\*\.pb files/);
    writeDataSet('two/test_data_set_0', 'input', [Tensor.float32([1], [1], 'x')], true);
    writeDataSet('two/test_data_set_1', 'input', [Tensor.float32([2], [1], 'x')], true);
    expect(errorOf(() => readTensorFiles(join(dir, 'two'))).message).toMatch(/holds 2 ONNX test data sets \(test_data_set_0, test_data_set_1\): name one/);
    writeFileSync(join(onlyInputs, 'input_1.pb'), 'not a tensor at all');
    expect(errorOf(() => readTensorFiles(onlyInputs)).code).toBe('decode');
  });
});

describe('Polygraphy JSON', () => {
  it('reads --save-inputs (a list of feed dicts): the first iteration, and says there were more', () => {
    const read = readTensorFiles(`${FIXTURES}/polygraphy-inputs.json`);
    expect(read).toMatchObject({ format: 'polygraphy-json', note: 'iteration 1 of 2' });
    const x = read.tensors.get('x')!;
    expect([x.dtype, x.dims]).toEqual([DType.FLOAT, [2, 3]]);
    expect(x.toNumbers()).toEqual([0, 0.5, 1, -1, -0.25, 2]);
    // Polygraphy before 0.40: latin-1 .npy bytes under the legacy type key.
    expect(readTensorFiles(`${FIXTURES}/polygraphy-inputs-legacy.json`).tensors.get('x')!.toNumbers()).toEqual([0, 0.5, 1, -1, -0.25, 2]);
  });

  it('reads --save-outputs (RunResults with LazyArray values)', () => {
    const read = readTensorFiles(`${FIXTURES}/polygraphy-outputs.json`);
    expect(read.note).toBe("runner 'onnxrt-runner-N0-01/01/26-00:00:00', iteration 1 of 1");
    expect(read.tensors.get('y')!.toNumbers().map((v) => v.toFixed(6))).toEqual([0, 0.5, 1, -1, -0.25, 2].map((v) => Math.fround(Math.tanh(v)).toFixed(6)));
  });

  it('verify takes both as --inputs and --expected', async () => {
    const report = await verifyRewrite(unaryModel('Tanh', [2, 3]), unaryModel('Tanh', [2, 3]), {
      inputs: `${FIXTURES}/polygraphy-inputs.json`, expected: `${FIXTURES}/polygraphy-outputs.json`,
    });
    expect(report.verdict, report.summary).toBe('pass');
    expect(report.inputs).toMatchObject({ format: 'polygraphy-json', note: 'iteration 1 of 2' });
    expect(report.expectedComparison?.verdict).toBe('pass');
    expect(report.expectedComparison!.outputs[0]!.stats!.maxAbsError).toBeLessThan(1e-6);
  });

  it('rejects JSON that is not Polygraphy data with a decode error naming the file', () => {
    const bad = join(dir, 'bad.json');
    for (const [text, message] of [
      ['{"x": [1, 2]}', /tensor 'x': not an encoded NumPy array/],
      ['[]', /the list of iterations is empty/],
      ['{"x": ', /not JSON/],
      ['{"x": {"array": "AAAA", "polygraphy_class": "ndarray"}}', /not a \.npy file/],
    ] as const) {
      writeFileSync(bad, text);
      const error = errorOf(() => readTensorFiles(bad));
      expect(error.code).toBe('decode');
      expect(error.message).toMatch(message);
      expect(error.message).toContain('bad.json');
    }
  });
});
