/**
 * `onnx-surgeon verify`: exit codes (0 pass, 1 mismatch, 2 nothing verified / usage / IO), the
 * table, JSON, --quiet, one-line errors. Runs the command in-process; the compiled CLI is run too
 * when `dist/src/cli/main.js` exists and knows the command.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VerifyCliOptions, runVerifyCommand, verifyCommand } from '../../src/cli/commands/verify.js';
import type { CommandIo } from '../../src/cli/io.js';
import { writeNpz } from '../../src/io/npz.js';
import { DType, Tensor } from '../../src/ir/index.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { MSDA_PLUGIN, MsdaInput } from '../../src/plugins/index.js';
import { loadModel, saveModel } from '../../src/serde/index.js';
import { float64GridSampleModel, reshapeModel, unaryModel } from './models.js';

interface Captured extends CommandIo {
  out(): string;
  err(): string;
}

function capture(): Captured {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]): Writable => new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      into.push(chunk.toString());
      callback();
    },
  });
  return { stdout: sink(chunks.out), stderr: sink(chunks.err), out: () => chunks.out.join(''), err: () => chunks.err.join('') };
}

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onnx-surgeon-verify-'));
  await saveModel(unaryModel('Tanh', ['batch', 8]), file('tanh.onnx'));
  await saveModel(unaryModel('Tanh', ['batch', 8]), file('tanh2.onnx'));
  await saveModel(unaryModel('Sigmoid', ['batch', 8]), file('sigmoid.onnx'));
  await saveModel(unaryModel('Tanh', ['batch', 8], ['y', 'z']), file('two-outputs.onnx'));
  await saveModel(unaryModel('Sqrt', [2]), file('sqrt.onnx'));
  await saveModel(unaryModel('Tanh', [8, 'n']), file('tanh-n.onnx'));
  await saveModel(unaryModel('Relu', [2, 3]), file('relu.onnx'));
  await saveModel(reshapeModel([2, 3], [4, 2]), file('bad-reshape.onnx'));
  await saveModel(float64GridSampleModel(false), file('f64-grid.onnx'));
  writeNpz(file('f64-grid.npz'), {
    x: Tensor.fromArray(DType.DOUBLE, [1, 1, 2, 2], Float64Array.from([1, 2, 3, 4])), grid: Tensor.fromArray(DType.DOUBLE, [1, 1, 1, 2], Float64Array.from([0, 0])),
  });
  writeNpz(file('negative.npz'), { x: Tensor.float32([-1, 4]) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(original: string, rewritten: string, options: VerifyCliOptions = {}): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await runVerifyCommand(file(original), file(rewritten), options, io);
  return { code, out: io.out(), err: io.err() };
}

describe('verify command', () => {
  it('exits 0 on a pass and prints the table', async () => {
    const { code, out, err } = await run('tanh.onnx', 'tanh2.onnx', { shape: ['batch=3'], seed: 4 });
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.split('\n');
    expect(lines[0]).toBe('inputs: random (seed 4): x float[3x8]');
    expect(lines[1]).toBe('reference: the original model in onnxruntime');
    expect(lines[2]).toBe('tolerance: |rewritten - reference| <= atol + rtol * |reference|: float32 defaults (rtol 0.0001, atol 0.00001) for y');
    expect(lines[4]).toMatch(/^output\s+shape\s+max abs\s+max rel\s+mismatches\s+verdict$/);
    expect(lines[5]).toMatch(/^y\s+\[3,8\]\s+0\.00e\+0\s+0\.00e\+0\s+0\/24\s+pass$/);
    expect(out).toMatch(/verify PASS: 1 output\(s\) match the original within float32 defaults \(rtol 0.0001, atol 0.00001\) .* s\)\n$/);
  });

  it('gives a batch dim 2 when no --shape sizes it, and says so', async () => {
    const { code, out } = await run('tanh.onnx', 'tanh2.onnx');
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe('inputs: random (seed 0; batch=2 by default, --shape batch=N to choose): x float[2x8]');
  });

  it('takes NAME=DIMS and NAME:DIMS (build\'s syntax, also as --shapes), and refuses a range', async () => {
    for (const options of [{ shape: ['x=3x8'] }, { shape: ['x:3x8'] }, { shapes: ['x:3x8'] }, { shape: ['batch:3'] }]) {
      const { code, out } = await run('tanh.onnx', 'tanh2.onnx', options);
      expect(code).toBe(0);
      expect(out.split('\n')[0]).toBe('inputs: random (seed 0): x float[3x8]');
    }
    const range = await run('tanh.onnx', 'tanh2.onnx', { shape: ['x:1x8/2x8/4x8'] });
    expect(range.code).toBe(2);
    expect(range.err).toMatch(/^usage error: --shape 'x:1x8\/2x8\/4x8' gives a range; verify runs one shape: give one of them \(e\.g\. x=2x8\)/);
  });

  it('says which references were used, also when expected outputs are left out on purpose', async () => {
    writeNpz(file('sqrt-goldens.npz'), { y: Tensor.float32([NaN, 2]) });
    const both = await run('sqrt.onnx', 'sqrt.onnx', { inputs: file('negative.npz'), expected: file('sqrt-goldens.npz'), nanEqual: true });
    expect(both.code).toBe(0);
    expect(both.out).toMatch(/^reference: the original model in onnxruntime, and the expected outputs, \S+sqrt-goldens\.npz \(\.npz\)$/m);
    expect(both.out).toMatch(/^against the expected outputs:$/m);
    const only = await run('sqrt.onnx', 'sqrt.onnx', { inputs: file('negative.npz'), expected: file('sqrt-goldens.npz'), reference: 'original', nanEqual: true });
    expect(only.code).toBe(0);
    expect(only.out).toMatch(/^reference: the original model in onnxruntime only \(the expected outputs, \S+sqrt-goldens\.npz \(\.npz\) not compared: --reference original\)$/m);
    expect(only.out).not.toMatch(/against the expected outputs/);
  });

  it('exits 1 on a mismatch and names the worst element', async () => {
    const { code, out } = await run('tanh.onnx', 'sigmoid.onnx', { shape: ['batch=2'] });
    expect(code).toBe(1);
    expect(out).toMatch(/^y\s+\[2,8\]\s+\d\.\d\de[+-]\d\s+\d\.\d\de[+-]\d\s+16\/16\s+fail$/m);
    expect(out).toMatch(/^ {2}y: 16 of 16 elements outside atol 0\.00001 \+ rtol 0\.0001\*\|ref\|; worst at \[\d+,\d+\]: \S+ vs \S+; would pass with atol \S+ \(at rtol 0\.0001\) or rtol \S+ \(at atol 0\.00001\); the largest error is \d+ float32 ulps at the output's scale \(largest \|reference\| \S+\): far beyond float32 rounding, the models compute different things$/m);
    expect(out).toMatch(/verify FAIL: y: 16 of 16 elements/);
  });

  it('passes with loose enough tolerances', async () => {
    // |tanh(x) - sigmoid(x)| < 1.04 for x in [-1, 1).
    expect((await run('tanh.onnx', 'sigmoid.onnx', { shape: ['batch=2'], atol: 1.04, rtol: 0 })).code).toBe(0);
    expect((await run('tanh.onnx', 'sigmoid.onnx', { shape: ['batch=2'], atol: 0.9, rtol: 0 })).code).toBe(1);
  });

  it('NaN: fails by default, passes with --nan-equal', async () => {
    expect((await run('sqrt.onnx', 'sqrt.onnx', { inputs: file('negative.npz') })).code).toBe(1);
    expect((await run('sqrt.onnx', 'sqrt.onnx', { inputs: file('negative.npz'), nanEqual: true })).code).toBe(0);
  });

  it('exits 2 when an output exists on one side only', async () => {
    const { code, out } = await run('two-outputs.onnx', 'tanh.onnx', { shape: ['batch=1'] });
    expect(code).toBe(2);
    expect(out).toMatch(/^z\s+\[1,8\]\s+-\s+-\s+-\s+error: missing$/m);
    expect(out).toMatch(/verify ERROR: z: the rewritten model has no output 'z'/);
  });

  it('exits 2 with one line for usage and IO errors', async () => {
    const unbound = await run('tanh-n.onnx', 'tanh-n.onnx');
    expect(unbound.code).toBe(2);
    expect(unbound.out).toBe('');
    expect(unbound.err).toBe("usage error: no size for symbolic dim 'n' (input x [8,n]) (expected --shape n=N, or whole inputs: --shape x=8xN)\n");

    const badShape = await run('tanh.onnx', 'tanh2.onnx', { shape: ['batch~2'] });
    expect(badShape.code).toBe(2);
    expect(badShape.err).toMatch(/^usage error: cannot parse --shape 'batch~2' \(expected NAME=AxBxC or NAME:AxBxC .*\)\n$/);

    const missing = await run('nope.onnx', 'tanh2.onnx');
    expect(missing.code).toBe(2);
    expect(missing.err.split('\n')).toHaveLength(2);
    expect(missing.err).toMatch(/nope\.onnx/);

    const noInputs = await run('tanh.onnx', 'tanh2.onnx', { expected: file('negative.npz') });
    expect(noInputs.code).toBe(2);
    expect(noInputs.err).toMatch(/^usage error: expected outputs need the inputs they were computed from/);
  });

  it('--json prints the report, with non-finite numbers as strings', async () => {
    const { code, out } = await run('sqrt.onnx', 'sqrt.onnx', { inputs: file('negative.npz'), json: true, atol: 0 });
    expect(code).toBe(1);
    const report = JSON.parse(out) as Record<string, unknown> & { outputs: { stats: Record<string, unknown> }[] };
    expect(report).toMatchObject({ verdict: 'fail', exitCode: 1, reference: 'original', tolerances: { atol: 0, nanEqual: false } });
    expect(report.outputs[0]).toMatchObject({ tolerances: { rtol: 1e-4, atol: 0, dtype: 'float32', given: ['atol'] } });
    expect(report['inputs']).toEqual({ source: 'files', path: file('negative.npz'), format: 'npz', tensors: [{ name: 'x', dtype: 'float', shape: [2] }], defaulted: [] });
    expect(report.outputs[0]!.stats).toMatchObject({ elements: 2, mismatches: 1, nanMismatches: 1, worst: { index: [0], actual: 'NaN', expected: 'NaN' } });

    const failed = await run('nope.onnx', 'tanh.onnx', { json: true });
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.out)).toMatchObject({ verdict: 'error', exitCode: 2 });
  });

  it('--quiet prints nothing on a pass and one line otherwise', async () => {
    const pass = await run('tanh.onnx', 'tanh2.onnx', { shape: ['batch=1'], quiet: true });
    expect([pass.code, pass.out, pass.err]).toEqual([0, '', '']);
    const fail = await run('tanh.onnx', 'sigmoid.onnx', { shape: ['batch=1'], quiet: true });
    expect(fail.code).toBe(1);
    expect(fail.out).toBe('');
    expect(fail.err).toMatch(/^verify fail: y: 8 of 8 elements outside atol[^\n]*\n$/);
  });

  it('parses its arguments with commander and sets the exit code', async () => {
    const io = capture();
    const saved = process.exitCode;
    try {
      await verifyCommand(io).parseAsync([file('tanh.onnx'), file('sigmoid.onnx'), '--shape', 'batch=2', '--seed', '3', '--rtol', '1e-3', '--atol', '1.04'], { from: 'user' });
      expect(process.exitCode).toBe(0);
      expect(io.out()).toMatch(/inputs: random \(seed 3\): x float\[2x8\]/);
      expect(io.out()).toMatch(/tolerance: \|rewritten - reference\| <= atol \+ rtol \* \|reference\|: rtol 0\.001, atol 1\.04 \(given\) for y/);
      await verifyCommand(io).parseAsync([file('tanh.onnx'), file('sigmoid.onnx'), '--shape', 'batch=1', '--shape', 'x=1x8', '--json'], { from: 'user' });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = saved;
    }
    for (const bad of [['--rtol', 'abc'], ['--atol', '-1'], ['--seed', '1.5'], ['--reference', 'golden']]) {
      await expect(verifyCommand(capture()).parseAsync([file('tanh.onnx'), file('tanh2.onnx'), ...bad], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    }
    await expect(verifyCommand(capture()).parseAsync([file('tanh.onnx')], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
  });

  it('--help shows the options and examples', async () => {
    const io = capture();
    await expect(verifyCommand(io).parseAsync(['--help'], { from: 'user' })).rejects.toMatchObject({ exitCode: 0 });
    const help = io.out();
    for (const flag of ['--inputs', '--expected', '--reference', '--seed', '--shape', '--rtol', '--atol', '--nan-equal', '--no-repair', '--json', '--quiet']) expect(help).toContain(flag);
    expect(help).not.toContain('--shapes');
    expect(help).toContain('onnx-surgeon verify detr.onnx detr.fused.onnx --inputs inputs/ --expected outputs.npz');
    expect(help).toContain('Exit status for verify: 0 pass, 1 mismatch');
  });
});

const MAIN = 'dist/src/cli/main.js';
const compiledHasVerify = existsSync(MAIN) && spawnSync(process.execPath, [MAIN, 'verify', '--help'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!compiledHasVerify)('compiled CLI: onnx-surgeon verify', () => {
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [MAIN, 'verify', ...args], { encoding: 'utf8' });

  it('exit codes 0, 1, 2', () => {
    expect(cli(file('tanh.onnx'), file('tanh2.onnx'), '--shape', 'batch=2').status).toBe(0);
    expect(cli(file('tanh.onnx'), file('sigmoid.onnx'), '--shape', 'batch=2').status).toBe(1);
    expect(cli(file('two-outputs.onnx'), file('tanh.onnx'), '--shape', 'batch=2').status).toBe(2);
    const usage = cli(file('tanh-n.onnx'), file('tanh-n.onnx'));
    expect(usage.status).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli(file('tanh.onnx'), file('tanh2.onnx'), '--rtol', 'x').status).toBe(2);
  });

  it("never shows onnxruntime's own log lines or a stack trace: its failures are one clause of the tool's line", () => {
    // A rewritten model whose Reshape fails at run time: onnxruntime logs "[E:onnxruntime:, sequential_executor.cc...]" by default.
    const broken = cli(file('relu.onnx'), file('bad-reshape.onnx'));
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/^verify FAIL: rewritten cannot run in onnxruntime: Reshape node 'Reshape_0': The input tensor cannot be reshaped to the requested shape\. Input shape:\{2,3\}, requested shape:\{4,2\} \(\d+\.\d s\)$/m);
    expect(broken.stdout).not.toMatch(/onnxruntime_src|reshape_helper|was false/);
    const quiet = cli(file('relu.onnx'), file('bad-reshape.onnx'), '--quiet');
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toMatch(/^verify fail: rewritten cannot run in onnxruntime: Reshape node 'Reshape_0': [^\n]*\n$/);
    for (const run of [broken, quiet, cli(file('f64-grid.onnx'), file('f64-grid.onnx'), '--no-repair', '--inputs', file('f64-grid.npz'))]) {
      expect(run.stderr + run.stdout).not.toMatch(/\[[EWIV]:onnxruntime|\x1b\[|^\s+at /m);
    }
  });

  it('real exports at the default options: float16 and TorchScript static pass, a wrong fusion fails, every line readable', async () => {
    const half = 'test/fixtures/msda-extra/enc_ts_fp16_op17';
    const fused = await loadModel(`${half}/model.onnx`);
    expect(fuseMsda(fused).fused).toBe(2);
    await saveModel(fused, file('ts-fp16.fused.onnx'));
    const plugin = fused.graph.nodes.find((n) => n.opType === MSDA_PLUGIN.opType)!;
    plugin.setInput(MsdaInput.levelStartIndex, fused.graph.addInitializer(Tensor.fromArray(DType.INT32, [4], Int32Array.from([0, 0, 144, 180])), 'wrong_starts'));
    await saveModel(fused, file('ts-fp16.wrong.onnx'));

    const pass = cli(`${half}/model.onnx`, file('ts-fp16.fused.onnx'), '--inputs', `${half}/inputs`, '--expected', `${half}/outputs`);
    expect(pass.status, pass.stdout).toBe(0);
    expect(pass.stdout).toMatch(/^original: onnxruntime cannot run it as is: no CPU kernel for GridSample-16 node '\/layers\.0\/self_attn\/GridSample' with tensor\(double\), only for tensor\(float\)\. Verify repaired its own copy to serve as the reference: float64 grid cast to float32 at 8 GridSample nodes/m);
    expect(pass.stdout).toMatch(/^reference: the original model in onnxruntime \(repaired copy\), and the expected outputs, \S+outputs \(\.npy folder\)$/m);
    expect(pass.stdout).toMatch(/^tolerance: \|rewritten - reference\| <= atol \+ rtol \* \|reference\|: float16 defaults \(rtol 0\.01, atol 0\.01\) for memory$/m);
    expect(pass.stdout).toMatch(/^verify PASS: 1 output\(s\) match the original \(a repaired copy\) and the expected outputs within float16 defaults/m);

    const wrong = cli(`${half}/model.onnx`, file('ts-fp16.wrong.onnx'), '--inputs', `${half}/inputs`, '--expected', `${half}/outputs`);
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toMatch(/float16 ulps at the output's scale \(largest \|reference\| 3\.55\): far beyond float16 rounding, the models compute different things$/m);
    expect(wrong.stdout).toMatch(/^verify FAIL: memory: \d+ of 6176 elements outside atol 0\.01 \+ rtol 0\.01\*\|ref\|/m);

    const strict = cli(`${half}/model.onnx`, file('ts-fp16.fused.onnx'), '--inputs', `${half}/inputs`, '--rtol', '1e-4', '--atol', '1e-5');
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/would pass with atol \d\.\de-3 \(at rtol 0\.0001\) or rtol \S+ \(at atol 0\.00001\); the largest error is 2\.0 float16 ulps .*: plausible float16 rounding$/m);

    for (const run of [pass, wrong, strict]) {
      expect(run.stderr).toBe('');
      expect(run.stdout).not.toMatch(/\[[EWIV]:onnxruntime|\x1b\[|^\s+at /m);
    }
  });
});
