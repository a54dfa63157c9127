/**
 * verifyRewrite end to end on small hand-built models: the reference falls back to expected
 * outputs only where the original cannot run, a missing reference is an error (never a pass),
 * NaN and missing outputs are reported honestly, and the caller's models are left untouched.
 */
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { DType, Tensor } from '../../src/ir/index.js';
import { modelToBytes } from '../../src/serde/index.js';
import { verifyRewrite } from '../../src/verify/index.js';
import { float64GridSampleModel, msdaInputsAndReference, msdaPluginModel, unaryModel } from './models.js';

const gridInputs = {
  x: Tensor.fromArray(DType.DOUBLE, [1, 1, 2, 2], Float64Array.from([1, 2, 3, 4])),
  grid: Tensor.fromArray(DType.DOUBLE, [1, 1, 1, 2], Float64Array.from([0, 0])), // the centre: mean of the 4 pixels
};
const gridExpected = (value: number): Record<string, Tensor> => ({ y: Tensor.fromArray(DType.DOUBLE, [1, 1, 1, 1], Float64Array.from([value])) });

describe('verifyRewrite: reference selection', () => {
  it('repairs its own copy of an original onnxruntime refuses (float64 GridSample) and says what it changed', async () => {
    const original = float64GridSampleModel(false);
    const before = modelToBytes(original);
    const report = await verifyRewrite(original, float64GridSampleModel(true), { inputs: gridInputs });
    expect(report.verdict, report.summary).toBe('pass');
    expect(report.reference).toBe('original');
    expect(report.originalError).toMatch(/^original cannot run in onnxruntime: .*GridSample\(16\) node with name 'sample'$/);
    expect(report.repairs.original).toMatchObject({
      summary: 'float64 data cast to float32 at 1 GridSample node, float64 grid cast to float32 at 1 GridSample node',
      changes: [{ node: 'sample', op: 'GridSample', input: 'X', from: 'double', to: 'float' }, { node: 'sample', input: 'grid', from: 'double', to: 'float' }],
    });
    expect(report.repairs.original!.reason).toBe(report.originalError);
    expect(report.repairs.rewritten).toBeUndefined();
    // The repaired copy computes in float32 and casts back: y is float64 2.5, exactly the mean.
    expect(report.outputs[0]).toMatchObject({ status: 'pass', actual: { dtype: 'double' }, reference: { dtype: 'double' }, stats: { maxAbsError: 0 } });
    expect(report.summary).toMatch(/^1 output\(s\) match the original \(a repaired copy\) within float64 defaults/);
    expect(Buffer.from(modelToBytes(original)).equals(Buffer.from(before))).toBe(true);
  });

  it('without the repair, says in one line why the original cannot run, and errors when there are no expected outputs', async () => {
    const report = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(true), { inputs: gridInputs, repair: false });
    expect(report.verdict).toBe('error');
    expect(report.reference).toBeNull();
    expect(report.originalError).toMatch(/^original cannot run in onnxruntime: .*Could not find an implementation for GridSample\(16\) node with name 'sample'$/);
    expect(report.originalError).not.toContain('\n');
    expect(report.summary).toContain('give expected outputs (--expected DIR|FILE) to compare against');
    expect(report.outputs).toEqual([]);
    expect(report.repairs).toEqual({});
  });

  it('compares with the expected outputs when the original cannot run', async () => {
    const options = { inputs: gridInputs, repair: false };
    const report = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(true), { ...options, expected: gridExpected(2.5) });
    expect(report.verdict).toBe('pass');
    expect(report.reference).toBe('expected');
    expect(report.originalError).toMatch(/GridSample\(16\)/);
    expect(report.outputs).toHaveLength(1);
    expect(report.outputs[0]!.stats).toMatchObject({ elements: 1, maxAbsError: 0, mismatches: 0 });
    expect(report.expectedComparison).toBeUndefined();
    expect(report.summary).toBe('1 output(s) match the expected outputs within float64 defaults (rtol 0.0001, atol 0.00001) (max abs error 0.00e+0, max rel error 0.00e+0)');

    const wrong = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(true), { ...options, expected: gridExpected(2.6) });
    expect(wrong.verdict).toBe('fail');
    expect(wrong.outputs[0]!.stats!.maxAbsError).toBeCloseTo(0.1, 12);
    expect(wrong.outputs[0]!.stats!.worst).toEqual({ index: [0, 0, 0, 0], actual: 2.5, expected: 2.6 });
  });

  it('compares with the original and the expected outputs when both are there, and says which failed', async () => {
    const both = await verifyRewrite(unaryModel('Tanh', [3]), unaryModel('Tanh', [3]), { inputs: { x: Tensor.float32([0, 0.5, 1]) }, expected: { y: Tensor.float32([0, Math.tanh(0.5), Math.tanh(1)]) } });
    expect(both.verdict, both.summary).toBe('pass');
    expect(both.reference).toBe('original');
    expect(both.expectedComparison).toMatchObject({ compared: 'rewritten-expected', verdict: 'pass' });
    expect(both.originalVsExpected).toMatchObject({ compared: 'original-expected', verdict: 'pass' });
    expect(both.expected).toMatchObject({ source: 'given', tensors: [{ name: 'y', dtype: 'float', shape: [3] }] });
    expect(both.summary).toMatch(/^1 output\(s\) match the original and the expected outputs within float32 defaults \(rtol 0\.0001, atol 0\.00001\) \(max abs error 0\.00e\+0 against the original, \d\.\d\de[-+]\d against the expected outputs\)$/);

    // The rewrite matches the original, which misses goldens made elsewhere: not the rewrite's fault.
    const offGoldens = { y: Tensor.float32([0.1, 0.6, 0.9]) };
    const runtime = await verifyRewrite(unaryModel('Tanh', [3]), unaryModel('Tanh', [3]), { inputs: { x: Tensor.float32([0, 0.5, 1]) }, expected: offGoldens });
    expect(runtime.verdict).toBe('pass');
    expect(runtime.expectedComparison?.verdict).toBe('fail');
    expect(runtime.originalVsExpected?.verdict).toBe('fail');
    expect(runtime.summary).toMatch(/neither model matches the expected outputs \(original: max abs error 1\.\d\de-1\), so the miss is not the rewrite's$/);

    // The original meets the goldens and the rewritten model does not: a failure, although the
    // rewrite is within tolerance of the original (sin(1) - tanh(1) = 0.0799 < atol 0.08; the
    // golden at x=1 is tanh(1) - 0.05, which the original meets and sin(1) misses by 0.13).
    const goldens = { y: Tensor.float32([0, Math.tanh(0.5), Math.tanh(1) - 0.05]) };
    const drifted = await verifyRewrite(unaryModel('Tanh', [3]), unaryModel('Sin', [3]), { inputs: { x: Tensor.float32([0, 0.5, 1]) }, expected: goldens, atol: 0.08, rtol: 0 });
    expect(drifted.outputs[0]!.status).toBe('pass');
    expect(drifted.originalVsExpected?.verdict).toBe('pass');
    expect(drifted.verdict).toBe('fail');
    expect(drifted.summary).toMatch(/^against the expected outputs: y: 1 of 3 elements outside atol 0\.08/);
  });

  it("with reference 'original' never falls back to expected outputs, and compares with nothing else", async () => {
    const report = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(true), {
      inputs: gridInputs, expected: gridExpected(2.6), reference: 'original', repair: false,
    });
    expect(report.verdict).toBe('error');
    expect(report.summary).toMatch(/^original cannot run in onnxruntime: /);
    const repaired = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(true), { inputs: gridInputs, expected: gridExpected(2.6), reference: 'original' });
    expect(repaired.verdict).toBe('pass');
    expect(repaired.expectedComparison).toBeUndefined();
    const goldensOnly = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(true), { inputs: gridInputs, expected: gridExpected(2.6), reference: 'expected' });
    expect(goldensOnly.verdict).toBe('fail');
    expect(goldensOnly.reference).toBe('expected');
    expect(goldensOnly.timings.originalMs).toBe(0);
  });

  it('refuses expected outputs without the inputs they belong to', async () => {
    await expect(verifyRewrite(unaryModel('Relu', [2]), unaryModel('Relu', [2]), { expected: { y: Tensor.float32([0, 0]) } }))
      .rejects.toThrow(/usage error: expected outputs need the inputs they were computed from/);
    await expect(verifyRewrite(unaryModel('Relu', [2]), unaryModel('Relu', [2]), { reference: 'expected' }))
      .rejects.toThrow(/reference 'expected' needs expected outputs/);
    await expect(verifyRewrite(unaryModel('Relu', [2]), unaryModel('Relu', [2]), { rtol: -1 })).rejects.toThrow(/rtol must be a finite number >= 0/);
  });
});

describe('verifyRewrite: honest verdicts', () => {
  it('passes an identical rewrite on random inputs and reports the inputs used', async () => {
    const report = await verifyRewrite(unaryModel('Tanh', ['batch', 3]), unaryModel('Tanh', ['batch', 3]), { seed: 9, shapes: { batch: 4 } });
    expect(report.verdict).toBe('pass');
    expect(report.reference).toBe('original');
    expect(report.inputs).toEqual({ source: 'random', seed: 9, tensors: [{ name: 'x', dtype: 'float', shape: [4, 3] }], defaulted: [] });
    expect(report.outputs[0]).toMatchObject({ name: 'y', status: 'pass', actual: { dtype: 'float', shape: [4, 3] }, stats: { elements: 12, maxAbsError: 0 } });
    expect(report.timings.totalMs).toBeGreaterThan(0);
    expect(report.timings.totalMs).toBeGreaterThanOrEqual(report.timings.originalMs + report.timings.rewrittenMs);
  });

  it('fails a numerically different rewrite', async () => {
    const report = await verifyRewrite(unaryModel('Tanh', [64]), unaryModel('Sigmoid', [64]), { seed: 1 });
    expect(report.verdict).toBe('fail');
    expect(report.outputs[0]!.stats!.mismatches).toBe(64);
    expect(report.outputs[0]!.stats!.maxAbsError).toBeGreaterThan(0.3);
    expect(report.summary).toMatch(/^y: 64 of 64 elements outside atol/);
  });

  it('fails NaN against NaN by default, passes it with nanEqual', async () => {
    // Sqrt of the random inputs in [-1, 1): NaN at every negative position, on both sides.
    const inputs = { x: Tensor.float32([-1, 4, -0.5, 9]) };
    const byDefault = await verifyRewrite(unaryModel('Sqrt', [4]), unaryModel('Sqrt', [4]), { inputs });
    expect(byDefault.verdict).toBe('fail');
    expect(byDefault.outputs[0]!.stats).toMatchObject({ mismatches: 2, nanMismatches: 2, maxAbsError: 0 });
    const allowed = await verifyRewrite(unaryModel('Sqrt', [4]), unaryModel('Sqrt', [4]), { inputs, nanEqual: true });
    expect(allowed.verdict).toBe('pass');
  });

  it('makes an output that exists on one side only an error', async () => {
    const report = await verifyRewrite(unaryModel('Relu', [3], ['y', 'z']), unaryModel('Relu', [3], ['y']), { seed: 2 });
    expect(report.verdict).toBe('error');
    expect(report.outputs.map((o) => [o.name, o.status])).toEqual([['y', 'pass'], ['z', 'error']]);
    expect(report.outputs[1]!.reason).toBe("the rewritten model has no output 'z'");
    const extra = await verifyRewrite(unaryModel('Relu', [3], ['y']), unaryModel('Relu', [3], ['y', 'z']), { seed: 2 });
    expect(extra.verdict).toBe('error');
    expect(extra.outputs[1]!.reason).toBe("the reference has no output 'z'");
  });

  it('fails a rewritten model that onnxruntime cannot run', async () => {
    const report = await verifyRewrite(float64GridSampleModel(true), float64GridSampleModel(false), { inputs: gridInputs });
    expect(report.verdict).toBe('fail');
    expect(report.reference).toBe('original');
    expect(report.rewrittenError).toMatch(/^rewritten cannot run in onnxruntime: .*GridSample\(16\)/);
  });

  it('repairs the rewritten copy the same way where the original needed it (an untouched float64 GridSample)', async () => {
    const report = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(false), { inputs: gridInputs });
    expect(report.verdict, report.summary).toBe('pass');
    expect(report.repairs.rewritten?.summary).toBe(report.repairs.original?.summary);
    expect(report.repairs.rewritten?.reason).toMatch(/^rewritten cannot run in onnxruntime: /);
    expect(report.rewrittenError).toBeUndefined();
  });

  it('calls it unverified (error), not failed, when neither model runs', async () => {
    const report = await verifyRewrite(float64GridSampleModel(false), float64GridSampleModel(false), { inputs: gridInputs, expected: gridExpected(2.5), repair: false });
    expect(report.verdict).toBe('error');
    expect(report.reference).toBe('expected');
    expect(report.summary).toMatch(/^rewritten cannot run in onnxruntime: .*GridSample\(16\).* \(the original cannot run either, so nothing was verified\)$/);
  });

  it('errors when the rewritten model wants an input the original does not have', async () => {
    const rewritten = unaryModel('Relu', [3]);
    rewritten.graph.addInput('extra', { dtype: DType.FLOAT, shape: [1] });
    const report = await verifyRewrite(unaryModel('Relu', [3]), rewritten);
    expect(report.verdict).toBe('error');
    expect(report.summary).toBe('the rewritten model has input(s) the original does not: extra');
  });

  it('leaves both models untouched (plugin nodes are expanded on copies)', async () => {
    const problem = { N: 1, Lq: 3, M: 2, D: 2, P: 2, levels: [[2, 3], [1, 2]] as [number, number][] };
    const { model: original } = msdaPluginModel(problem);
    const { model: rewritten } = msdaPluginModel(problem);
    const before = [modelToBytes(original), modelToBytes(rewritten)];
    const { inputs } = msdaInputsAndReference(problem, 5);
    const report = await verifyRewrite(original, rewritten, { inputs });
    expect(report.verdict).toBe('pass');
    expect(report.expanded.original).toMatchObject({ expanded: 1 });
    expect(report.expanded.rewritten).toMatchObject({ expanded: 1 });
    expect(Buffer.from(modelToBytes(original)).equals(Buffer.from(before[0]!))).toBe(true);
    expect(Buffer.from(modelToBytes(rewritten)).equals(Buffer.from(before[1]!))).toBe(true);
    expect(rewritten.graph.nodes.map((n) => n.opType)).toEqual(['MultiscaleDeformableAttnPlugin_TRT', 'Reshape']);
  });

  it('throws a usage error for inputs that do not fit the model', async () => {
    await expect(verifyRewrite(unaryModel('Relu', [3]), unaryModel('Relu', [3]), { inputs: { x: Tensor.float32([1, 2]) } }))
      .rejects.toSatisfy((e: unknown) => e instanceof OnnxSurgeonError && e.message === "usage error: tensor 'x': input data has the wrong shape (expected [3], found [2])");
  });
});
