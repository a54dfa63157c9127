/**
 * buildEngine and `onnx-surgeon build` up to the process boundary: refusals before any native
 * code, TensorRT missing (exit 3), and the event stream of a builder — here the test double
 * test/trt/fixtures/fake-builder.mjs, which speaks the protocol but builds nothing.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCommand, runBuildCommand } from '../../src/cli/commands/build.js';
import { OnnxSurgeonError } from '../../src/errors.js';
import { buildEngine, type BuildOptions } from '../../src/trt/build.js';
import { gridSampleModel, msdaPluginModel, reluModel, saveTemp, tempDir } from './models.js';

const FAKE_BUILDER = resolve('test/trt/fixtures/fake-builder.mjs');

function capture(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

async function failure(options: BuildOptions): Promise<OnnxSurgeonError> {
  try {
    await buildEngine(options);
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    return error as OnnxSurgeonError;
  }
  throw new Error('expected buildEngine to fail');
}

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of ['TENSORRT_ROOT', 'TRT_ROOT', 'FAKE_BUILDER_MODE', 'FAKE_BUILDER_ARGV']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

describe('refusals before TensorRT is involved', () => {
  it('GridSample without plugin nodes: run fuse-msda first; the builder never starts', async () => {
    const input = await saveTemp(gridSampleModel());
    const argvFile = join(tempDir(), 'argv.json');
    process.env.FAKE_BUILDER_ARGV = argvFile;
    const error = await failure({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null });
    expect(error.code).toBe('contract');
    expect(error.message).toBe(`contract error: ${input}: the model still has 1 GridSample node (first: 'level0/grid_sample') and no ` +
      'MultiscaleDeformableAttnPlugin_TRT node: run `onnx-surgeon fuse-msda` first and build the fused model (or pass --allow-gridsample to build it unfused) ' +
      '(expected no GridSample (MSDA fused into MultiscaleDeformableAttnPlugin_TRT), found 1 GridSample node)');
    expect(existsSync(argvFile)).toBe(false);
  });

  it('GridSample next to plugin nodes: some sites were not fused', async () => {
    const input = await saveTemp(msdaPluginModel({ withGridSample: true }));
    const error = await failure({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null });
    expect(error.message).toContain("1 GridSample node remain (first: 'level0/grid_sample') next to 1 MultiscaleDeformableAttnPlugin_TRT node: some MSDA sites were not fused; run `onnx-surgeon fuse-msda` first");
  });

  it('--allow-gridsample lets it through', async () => {
    const input = await saveTemp(msdaPluginModel({ withGridSample: true }));
    const report = await buildEngine({ input, output: join(tempDir(), 'x.engine'), allowGridSample: true, builderBinary: FAKE_BUILDER, progress: null });
    expect(report.checks.gridSampleNodes).toEqual(['level0/grid_sample']);
    expect(report.checks.msdaPluginNodes).toBe(1);
  });

  it('a plugin contract violation is refused (exit 1) with the node and tensor named', async () => {
    const input = await saveTemp(msdaPluginModel({ badLevelStart: true }));
    const { io, err } = capture();
    const code = await runBuildCommand(input, { output: join(tempDir(), 'x.engine'), tf32: true }, io);
    expect(code).toBe(1);
    expect(err()).toContain(`contract error: ${input}: node 'encoder/msda_0': tensor 'level_start_index': 1 plugin contract violation:`);
    expect(err()).toContain('is [0, 7] but the exclusive cumulative sum of H*W over 4x4, 2x2 is [0, 16]');
  });
});

describe('TensorRT missing', () => {
  it('exit code 3 and the exact message', async () => {
    const input = await saveTemp(msdaPluginModel());
    const root = join(tempDir(), 'no-tensorrt-here');
    process.env.TENSORRT_ROOT = root;
    const { io, out, err } = capture();
    const code = await runBuildCommand(input, { output: join(tempDir(), 'x.engine'), tf32: true, json: true }, io);
    expect(code).toBe(3);
    const message = `native error: TENSORRT_ROOT=${root}: NvInfer.h, NvOnnxParser.h, NvInferPlugin.h, NvInferVersion.h not found in ${root}/include. ` +
      'Point TENSORRT_ROOT at the TensorRT folder that holds include/ and lib/ (the unpacked tar package), or unset it to search the usual places. ' +
      `(expected NvInfer.h, NvOnnxParser.h, NvInferPlugin.h, NvInferVersion.h, found no ${root}/include)`;
    expect(err()).toBe(`${message}\n`);
    expect(JSON.parse(out())).toEqual({ ok: false, exitCode: 3, code: 'native', message });
  });
});

describe('usage errors exit with 2', () => {
  it('bad --shapes', async () => {
    const input = await saveTemp(reluModel(['batch', 3, 'h', 'w']));
    const { io, err } = capture();
    expect(await runBuildCommand(input, { output: join(tempDir(), 'x.engine'), tf32: true, shapes: ['x:1x3x64'] }, io)).toBe(2);
    expect(err()).toBe(`usage error: ${input}: --shapes 'x:1x3x64': input 'x' has rank 4 ([batch, 3, h, w]) but the shape has rank 3\n`);
  });

  it('commander-level errors (missing -o) exit with 2', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    try {
      const { io, err } = capture();
      await expect(buildCommand(io).parseAsync(['model.onnx'], { from: 'user' })).rejects.toThrow('exit 2');
      expect(err()).toContain("required option '-o, --output <engine>' not specified");
    } finally {
      exit.mockRestore();
    }
  });

  it('--help lists the options, examples and exit codes', () => {
    const { io, out } = capture();
    buildCommand(io).outputHelp();
    expect(out()).toContain('--shapes <name:MIN/OPT/MAX...>');
    expect(out()).toContain('--shapes pixel_values:1x3x640x640/1x3x800x800/1x3x1333x1333');
    expect(out()).toContain('Exit status: 0 built, 1 build failed, 2 usage error, 3 TensorRT/CUDA/compiler missing.');
  });
});

describe('the builder event stream (test double)', () => {
  it('success: argv, report, latency, fp32 layers, timing cache', async () => {
    const dir = tempDir();
    const input = await saveTemp(msdaPluginModel({ batch: 'N' }));
    const output = join(dir, 'model.engine');
    const argvFile = join(dir, 'argv.json');
    process.env.FAKE_BUILDER_ARGV = argvFile;
    const seen: string[] = [];
    const report = await buildEngine({
      input, output, fp16: true, tf32: false, workspaceMiB: 2048, timingCache: join(dir, 'trt.cache'),
      benchmarkIterations: 50, warmupIterations: 5, builderBinary: FAKE_BUILDER, progress: null,
      shapes: ['value:1x20x2x8/2x20x2x8/4x20x2x8'], onEvent: (e) => seen.push(e.event),
    });
    expect(JSON.parse(readFileSync(argvFile, 'utf8'))).toEqual([
      '--onnx', input, '--engine', output, '--fp16', '--fp32-plugin-layer', 'attn', '--require-plugin', 'MultiscaleDeformableAttnPlugin_TRT:1',
      '--no-tf32', '--workspace-mib', '2048',
      '--shape', 'value:1x20x2x8/2x20x2x8/4x20x2x8',
      '--shape', 'sampling_locations:1x5x2x2x2x2/2x5x2x2x2x2/4x5x2x2x2x2',
      '--shape', 'attention_weights:1x5x2x2x2/2x5x2x2x2/4x5x2x2x2',
      '--timing-cache', join(dir, 'trt.cache'), '--benchmark', '50', '--warmup', '5',
    ]);
    expect(seen).toEqual(['start', 'plugins', 'phase', 'log', 'network', 'layer-pinned', 'precision', 'phase', 'timing-cache-written', 'engine-written',
      'layer-precision', 'layer-precision', 'layer-precision', 'layer-report-done', 'phase', 'latency', 'done']);
    expect(report).toMatchObject({
      enginePath: output, engineBytes: statSync(output).size, tensorrtVersion: '10.3.0', fp16: true, tf32: false,
      msdaPluginVersions: { model: ['1'], registered: ['1'] },
      precision: { typing: 'weak', builderFp16Flag: true, fp32PluginLayers: ['attn'], convertToFp16: false, pinnedLayers: ['layer_of_attn'], msda: { precision: 'float32' } },
      buildSeconds: 1.5, timingCacheWritten: join(dir, 'trt.cache'), warnings: ['fake warning: weights of type INT64 cast down to INT32'],
      latency: { iterations: 50, warmup: 5, medianMs: 4.25, p99Ms: 5.5, meanMs: 4.3, minMs: 4, maxMs: 6 },
      builder: { binary: FAKE_BUILDER },
    });
    expect(report.layers.map((l) => [l.name, l.precision])).toEqual([
      ['encoder/msda_0', 'fp16'], ['softmax_0', 'fp32'], ['shape_0', 'integer']]);
    expect(report.fp32Layers.map((l) => l.name)).toEqual(['softmax_0']);
    expect(readFileSync(output, 'utf8')).toContain('NOT A TENSORRT ENGINE');
  });

  it('CLI text summary', async () => {
    const input = await saveTemp(msdaPluginModel());
    const output = join(tempDir(), 'm.engine');
    // The CLI has no builder override on purpose: format a report from the test double instead.
    const report = await buildEngine({ input, output, fp16: true, benchmarkIterations: 10, builderBinary: FAKE_BUILDER, progress: null });
    const { summarize } = await import('../../src/cli/commands/build.js');
    expect(summarize(report)).toBe([
      `engine: ${output} (0.0 MiB, TensorRT 10.3.0, fp16+fp32, tf32 on) in 1.5 s`,
      'precision: weakly typed, FP16 builder flag',
      'MSDA plugin v1 (TensorRT registers 1): float32 (1 layer pinned: layer precision and output type, obeyed); ' +
        "TensorRT's FP16 MSDA kernel measured 2e-2 to 1e-1 relative error at Deformable-DETR map sizes (docs/tensorrt.md); --msda-fp16 allows FP16",
      'fp32 layers: 1 of 3: softmax_0',
      'latency: median 4.250 ms, p99 5.500 ms, mean 4.300 ms (10 runs after 20 warm-up, opt shapes, random inputs)',
      '',
    ].join('\n'));
  });

  it('parser errors name the node even when TensorRT (8.6) only gives its index', async () => {
    process.env.FAKE_BUILDER_MODE = 'parse-error';
    const input = await saveTemp(msdaPluginModel());
    const error = await failure({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null });
    expect(error.code).toBe('native');
    expect(error.message).toBe(`native error: ${input}: TensorRT's ONNX parser rejected the model: node 'encoder/msda_0' (MultiscaleDeformableAttnPlugin_TRT): ` +
      'No importer registered for op: MultiscaleDeformableAttnPlugin_TRT');
  });

  it('a plugin version the registry lacks stops the build before parsing, saying what is registered', async () => {
    process.env.FAKE_BUILDER_MODE = 'no-plugin';
    const input = await saveTemp(msdaPluginModel());
    const error = await failure({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null });
    expect(error.message).toBe(`native error: ${input}: MultiscaleDeformableAttnPlugin_TRT version 1 is not registered by TensorRT 10.3.0; ` +
      'this TensorRT registers MultiscaleDeformableAttnPlugin_TRT version(s) none (fuse-msda --plugin-version chooses what the model asks for)');
  });

  it('build errors carry TensorRT\'s own last error', async () => {
    process.env.FAKE_BUILDER_MODE = 'build-error';
    const input = await saveTemp(msdaPluginModel());
    const error = await failure({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null });
    expect(error.message).toBe(`native error: ${input}: TensorRT build failed at the build step: buildSerializedNetwork failed (TensorRT: out of memory)`);
  });

  it('a crash reports the signal and the last stderr lines', async () => {
    process.env.FAKE_BUILDER_MODE = 'crash';
    const input = await saveTemp(msdaPluginModel());
    const error = await failure({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null });
    expect(error.message).toBe(`native error: ${input}: the TensorRT builder was killed by SIGABRT; its last output:\n` +
      'terminate called after throwing an instance of std::bad_alloc');
  });

  it('a builder speaking another protocol is refused', async () => {
    process.env.FAKE_BUILDER_MODE = 'bad-protocol';
    const input = await saveTemp(msdaPluginModel());
    const error = await failure({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null });
    expect(error.message).toBe(`native error: the builder ${FAKE_BUILDER} speaks protocol 99, this onnx-surgeon expects 2; delete it to have it rebuilt`);
  });

  it('progress lines go to the given stream', async () => {
    const input = await saveTemp(msdaPluginModel());
    const { io, err } = capture();
    await buildEngine({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: io.stderr });
    expect(err().split('\n').slice(0, 4)).toEqual([
      'TensorRT 10.3.0', 'MultiscaleDeformableAttnPlugin_TRT registered, version(s) 1', 'parsing ONNX...',
      'TensorRT warning: fake warning: weights of type INT64 cast down to INT32',
    ]);
  });
});
