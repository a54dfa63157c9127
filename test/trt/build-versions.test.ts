/**
 * What a build does per TensorRT version, up to the process boundary (the test double pretends to
 * be compiled against FAKE_BUILDER_TENSORRT): weak typing with MSDA pinned to FP32 on 8.6-10.11,
 * a float16 copy and a strongly typed network on 10.12+ and 11.x, plugin versions refused before
 * building, opset warnings, and the equivalent trtexec command lines.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBuildCommand } from '../../src/cli/commands/build.js';
import { OnnxSurgeonError } from '../../src/errors.js';
import { DType, Model, Tensor, attr } from '../../src/ir/index.js';
import { buildEngine, trtexecCommandFor } from '../../src/trt/build.js';
import { checkOpsetSupport } from '../../src/trt/opset-check.js';
import { tensorRtFeatures } from '../../src/trt/tensorrt-features.js';
import { msdaPluginModel, saveTemp, tempDir } from './models.js';

const FAKE_BUILDER = resolve('test/trt/fixtures/fake-builder.mjs');

afterEach(() => {
  delete process.env.FAKE_BUILDER_TENSORRT;
  delete process.env.FAKE_BUILDER_ARGV;
  delete process.env.FAKE_BUILDER_MODE;
});

/** Builds `input` with the double posing as TensorRT `version`; returns the report and the argv it got. */
async function buildWith(version: string, input: string, options: { fp16?: boolean; stronglyTyped?: boolean; msdaFp16?: boolean } = {}) {
  process.env.FAKE_BUILDER_TENSORRT = version;
  const dir = tempDir();
  process.env.FAKE_BUILDER_ARGV = join(dir, 'argv.json');
  const output = join(dir, 'model.engine');
  const report = await buildEngine({ input, output, builderBinary: FAKE_BUILDER, progress: null, ...options });
  return { report, argv: JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as string[], dir };
}

/** The plugin model with a Relu behind it, so there is FP32 compute to convert. */
function msdaComputeModel(pluginVersion = '1'): Model {
  const model = msdaPluginModel();
  const g = model.graph;
  const plugin = g.nodes.find((n) => n.opType === 'MultiscaleDeformableAttnPlugin_TRT')!;
  plugin.setAttr('plugin_version', attr.string(pluginVersion));
  const relu = g.addNode({ op: 'Relu', inputs: [plugin.output()], outputs: ['y'], name: 'out_relu', outputTypes: [{ dtype: DType.FLOAT, shape: [1, 5, 2, 8] }] });
  g.setOutputs([relu.output()]);
  return model;
}

describe('precision per TensorRT version', () => {
  it('8.6 and 10.8: FP16 builder flag, MSDA layers pinned to FP32 by their output tensor', async () => {
    const input = await saveTemp(msdaComputeModel());
    for (const version of ['8.6.1', '10.8.0']) {
      const { report, argv } = await buildWith(version, input, { fp16: true });
      expect(argv).toEqual(['--onnx', input, '--engine', expect.any(String), '--fp16', '--fp32-plugin-layer', 'attn',
        '--require-plugin', 'MultiscaleDeformableAttnPlugin_TRT:1']);
      expect(report.precision).toMatchObject({ typing: 'weak', builderFp16Flag: true, convertToFp16: false, pinnedLayers: ['layer_of_attn'] });
      expect(report.precision.msda.precision).toBe('float32');
      expect(report.precision.msda.reason).toContain('2e-2 to 1e-1 relative error');
      expect(report.float16Conversion).toBeUndefined();
    }
  });

  it('--msda-fp16 drops the pins', async () => {
    const { report, argv } = await buildWith('10.8.0', await saveTemp(msdaComputeModel()), { fp16: true, msdaFp16: true });
    expect(argv).not.toContain('--fp32-plugin-layer');
    expect(report.precision.msda).toEqual({ precision: 'float16', reason: '--msda-fp16: TensorRT may pick the FP16 kernel' });
  });

  it('11.1 and 10.13: no FP16 flag; a float16 copy (MSDA tensors float32) is built strongly typed and removed afterwards', async () => {
    const input = await saveTemp(msdaComputeModel());
    for (const [version, flag] of [['11.1.0', []], ['10.13.0', ['--strongly-typed']]] as const) {
      const { report, argv, dir } = await buildWith(version, input, { fp16: true });
      const built = argv[1]!;
      expect(built).not.toBe(input);
      expect(dirname(dirname(built))).toBe(dir);
      expect(argv.slice(2)).toEqual(['--engine', join(dir, 'model.engine'), ...flag, '--require-plugin', 'MultiscaleDeformableAttnPlugin_TRT:1', '--layer-report']);
      expect(existsSync(built)).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(['argv.json', 'model.engine']);
      expect(report.precision).toMatchObject({ typing: 'strong', builderFp16Flag: false, convertToFp16: true });
      expect(report.precision.typingReason).toBe(version === '11.1.0'
        ? 'strongly typed (TensorRT 11.1 types every network from the model)'
        : 'strongly typed (TensorRT 10.13 deprecates the FP16 builder flag; 11.0 removed it)');
      expect(report.float16Conversion).toMatchObject({ msda: { nodes: 1, precision: 'float32' } });
      expect(report.float16Conversion!.keptNodes.map((k) => k.reason)).toEqual(['msda-plugin']);
      expect(report.msdaPluginVersions).toEqual({ model: ['1'], registered: ['1', '2'] });
    }
  });

  it('the float16 copy leaves the caller\'s file and model as they were', async () => {
    const input = await saveTemp(msdaComputeModel());
    const before = readFileSync(input);
    await buildWith('11.1.0', input, { fp16: true });
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it('FP32 builds: weakly typed up to 10.x, --strongly-typed on 10.x; refused on 8.6', async () => {
    const input = await saveTemp(msdaComputeModel());
    expect((await buildWith('10.8.0', input)).argv).not.toContain('--strongly-typed');
    const strong = await buildWith('10.8.0', input, { stronglyTyped: true });
    expect(strong.argv).toContain('--strongly-typed');
    expect(strong.report.precision.typing).toBe('strong');
    process.env.FAKE_BUILDER_TENSORRT = '8.6.1';
    const error = await buildEngine({ input, output: join(tempDir(), 'x.engine'), stronglyTyped: true, builderBinary: FAKE_BUILDER, progress: null })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    expect((error as OnnxSurgeonError).message).toBe('usage error: --strongly-typed needs TensorRT 9.1 or newer; this is TensorRT 8.6');
  });
});

describe('plugin versions', () => {
  it('version 2 on a TensorRT that only has 1 is refused before building, naming the node', async () => {
    const input = await saveTemp(msdaComputeModel('2'));
    process.env.FAKE_BUILDER_TENSORRT = '10.8.0';
    process.env.FAKE_BUILDER_ARGV = join(tempDir(), 'argv.json');
    const error = await buildEngine({ input, output: join(tempDir(), 'x.engine'), builderBinary: FAKE_BUILDER, progress: null }).catch((e: unknown) => e);
    expect((error as OnnxSurgeonError).message).toBe(`contract error: ${input}: MultiscaleDeformableAttnPlugin_TRT version 2 (node 'encoder/msda_0') ` +
      'is not registered by TensorRT 10.8, which registers version 1: rewrite the model with `onnx-surgeon fuse-msda --plugin-version 1` ' +
      '(version 2 needs TensorRT 10.11 or newer) (expected plugin_version 1, found plugin_version 2)');
    expect(existsSync(process.env.FAKE_BUILDER_ARGV)).toBe(false);
  });

  it('version 2 on 10.13: required from the builder, reported', async () => {
    const { report, argv } = await buildWith('10.13.0', await saveTemp(msdaComputeModel('2')));
    expect(argv).toContain('MultiscaleDeformableAttnPlugin_TRT:2');
    expect(report.msdaPluginVersions).toEqual({ model: ['2'], registered: ['1', '2'] });
  });
});

describe('opset warnings', () => {
  /** Opset 18: ReduceMax with an axes input, and a Resize with antialias. */
  function opset18Model(): Model {
    const model = new Model();
    model.irVersion = 8;
    model.opsetImports.set('', 18);
    const g = model.graph;
    const x = g.addInput('x', { dtype: DType.FLOAT, shape: [1, 4, 8, 8] });
    const max = g.addNode({ op: 'ReduceMax', name: 'pool_max', inputs: [x, g.addInitializer(Tensor.int64([1]), 'axes')], outputs: ['m'] });
    const resize = g.addNode({
      op: 'Resize', name: 'up', inputs: [max.output(), undefined, g.addInitializer(Tensor.float32([1, 1, 2, 2]), 'scales')], outputs: ['y'],
      attributes: { mode: attr.string('linear'), antialias: attr.int(1) },
    });
    g.setOutputs([resize.output()]);
    return model;
  }

  it('8.6 (opset 17): names the redefined ops and the nodes it mis-reads', () => {
    expect(checkOpsetSupport(opset18Model(), tensorRtFeatures(8, 6))).toEqual([
      {
        message: "the model imports ONNX opset 18; TensorRT 8.6's ONNX parser supports up to opset 17 (onnx-tensorrt docs/operators.md of TensorRT 8.6); " +
          'operators of this model redefined after opset 17, which the parser may read with their older meaning: ReduceMax (18), Resize (18)',
        nodes: ['pool_max', 'up'],
      },
      {
        message: "TensorRT 8.6 ignores the axes input of 'pool_max' (ReduceMax) and reduces over every axis: this engine would compute something else; " +
          'export with opset 17 or build with TensorRT 10',
        nodes: ['pool_max'],
      },
      { message: "TensorRT 8.6 ignores antialias, axes and keep_aspect_ratio_policy of 'up' (Resize)", nodes: ['up'] },
    ]);
  });

  it('none within the limit; 10.0 (opset 20) vs an opset 21 model names only what changed in 21', () => {
    expect(checkOpsetSupport(opset18Model(), tensorRtFeatures(10, 8))).toEqual([]);
    const model = opset18Model();
    model.opsetImports.set('', 21);
    const [warning] = checkOpsetSupport(model, tensorRtFeatures(10, 0));
    expect(warning!.message).toContain('opset 21; TensorRT 10.0\'s ONNX parser supports up to opset 20');
    expect(warning!.message).toContain('no operator of this model was redefined after that opset');
  });

  it('reach the build report and the CLI summary', async () => {
    const input = await saveTemp(opset18Model());
    const { report } = await buildWith('8.6.1', input);
    expect(report.opsetWarnings.length).toBe(3);
    expect(report.warnings.slice(0, 3)).toEqual(report.opsetWarnings.map((w) => w.message));
  });
});

describe('--print-trtexec', () => {
  const dynamic = ['value:1x20x2x8/2x20x2x8/4x20x2x8'];

  it('8.6: --fp16 with the MSDA layers pinned (layer names), profiles, no TF32, workspace, builds nothing', async () => {
    const input = await saveTemp(msdaPluginModel({ batch: 'N' }));
    expect(await trtexecCommandFor({ input, output: 'detr.engine', fp16: true, tf32: false, workspaceMiB: 4096, shapes: dynamic, tensorrtVersion: '8.6' })).toEqual([
      '# MultiscaleDeformableAttnPlugin_TRT is in libnvinfer_plugin, which trtexec loads itself',
      [`trtexec --onnx=${input}`, '--saveEngine=detr.engine',
        '--minShapes=value:1x20x2x8,sampling_locations:1x5x2x2x2x2,attention_weights:1x5x2x2x2',
        '--optShapes=value:2x20x2x8,sampling_locations:2x5x2x2x2x2,attention_weights:2x5x2x2x2',
        '--maxShapes=value:4x20x2x8,sampling_locations:4x5x2x2x2x2,attention_weights:4x5x2x2x2',
        '--fp16', '--precisionConstraints=obey', '--layerPrecisions=encoder/msda_0:fp32', '--layerOutputTypes=encoder/msda_0:fp32',
        '--noTF32', '--memPoolSize=workspace:4096', '--profilingVerbosity=detailed', '--dumpLayerInfo', '--skipInference'].join(' \\\n  '),
    ]);
  });

  it('11.1: convert first, then a strongly typed build without precision flags', async () => {
    const input = await saveTemp(msdaComputeModel());
    const lines = await trtexecCommandFor({ input, output: 'm.engine', fp16: true, tensorrtVersion: '11.1' });
    const converted = input.replace(/\.onnx$/, '.fp16.onnx');
    expect(lines.slice(0, 2)).toEqual(['# TensorRT 11.1 builds FP16 from FP16 tensor types: convert the model first', `onnx-surgeon convert --fp16 ${input} -o ${converted}`]);
    expect(lines[3]).toBe([`trtexec --onnx=${converted}`, '--saveEngine=m.engine', '--profilingVerbosity=detailed', '--dumpLayerInfo', '--skipInference'].join(' \\\n  '));
  });

  it('10.13: the same with --stronglyTyped; the CLI prints it and exits 0; a bad version is a usage error', async () => {
    const input = await saveTemp(msdaComputeModel());
    const lines = await trtexecCommandFor({ input, output: 'm.engine', fp16: true, tensorrtVersion: '10.13' });
    expect(lines[3]).toContain('--stronglyTyped');
    let out = '';
    let err = '';
    const io = { stdout: { write: (t: string) => { out += t; return true; } }, stderr: { write: (t: string) => { err += t; return true; } } } as never;
    expect(await runBuildCommand(input, { output: 'm.engine', tf32: true, fp16: true, printTrtexec: '10.13' }, io)).toBe(0);
    expect(out).toBe(`${lines.join('\n')}\n`);
    expect(await runBuildCommand(input, { output: 'm.engine', tf32: true, printTrtexec: '7.1' }, io)).toBe(2);
    expect(err).toBe("usage error: '7.1' is not a TensorRT version onnx-surgeon supports (expected 8.6 or newer, e.g. 10.13)\n");
  });
});
