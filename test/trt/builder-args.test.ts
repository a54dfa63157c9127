import { describe, expect, it } from 'vitest';
import { builderArgs } from '../../src/trt/builder-args.js';
import { deriveProfiles, parseShapeSpecs } from '../../src/trt/profiles.js';
import { multiInputModel } from './models.js';

const model = multiInputModel([
  { name: 'images', shape: ['batch', 3, 'h', 'w'] },
  { name: 'scale', shape: [1, 2] },
]);
const profiles = deriveProfiles(model.graph, parseShapeSpecs(['images:1x3x640x640/1x3x800x800/4x3x1333x1333']));

describe('builderArgs', () => {
  it('minimal: paths only, TF32 left on', () => {
    expect(builderArgs({ onnxPath: '/m.onnx', enginePath: '/m.engine', fp16: false, tf32: true }, [])).toEqual([
      '--onnx', '/m.onnx', '--engine', '/m.engine',
    ]);
  });

  it('maps every option, and only dynamic inputs get a --shape', () => {
    expect(builderArgs({
      onnxPath: '/m.onnx', enginePath: '/m.engine', fp16: true, tf32: false, workspaceMiB: 4096,
      timingCache: '/c/trt.cache', benchmarkIterations: 200, warmupIterations: 5, verbose: true,
    }, profiles)).toEqual([
      '--onnx', '/m.onnx', '--engine', '/m.engine', '--fp16', '--no-tf32', '--workspace-mib', '4096',
      '--shape', 'images:1x3x640x640/1x3x800x800/4x3x1333x1333',
      '--timing-cache', '/c/trt.cache', '--benchmark', '200', '--warmup', '5', '--verbose',
    ]);
  });

  it('precision: strong typing, FP32 pins and required plugins', () => {
    expect(builderArgs({
      onnxPath: 'a', enginePath: 'b', fp16: true, tf32: true, fp32PluginLayers: ['attn0', 'attn1'],
      requiredPlugins: ['MultiscaleDeformableAttnPlugin_TRT:1'],
    }, [])).toEqual([
      '--onnx', 'a', '--engine', 'b', '--fp16', '--fp32-plugin-layer', 'attn0', '--fp32-plugin-layer', 'attn1',
      '--require-plugin', 'MultiscaleDeformableAttnPlugin_TRT:1',
    ]);
    expect(builderArgs({ onnxPath: 'a', enginePath: 'b', fp16: false, stronglyTyped: true, tf32: true }, [])).toEqual([
      '--onnx', 'a', '--engine', 'b', '--strongly-typed',
    ]);
  });

  it('warm-up only travels with a benchmark; --layer-report only without fp16 (fp16 implies it)', () => {
    const base = { onnxPath: 'a', enginePath: 'b', tf32: true, warmupIterations: 3, layerReport: true };
    expect(builderArgs({ ...base, fp16: false }, [])).toEqual(['--onnx', 'a', '--engine', 'b', '--layer-report']);
    expect(builderArgs({ ...base, fp16: true }, [])).toEqual(['--onnx', 'a', '--engine', 'b', '--fp16']);
  });

  it('writes defaulted batch dims as given by the profile', () => {
    const batchOnly = deriveProfiles(multiInputModel([{ name: 'x', shape: ['N', 16] }]).graph, []);
    expect(builderArgs({ onnxPath: 'a', enginePath: 'b', fp16: false, tf32: true }, batchOnly)).toEqual([
      '--onnx', 'a', '--engine', 'b', '--shape', 'x:1x16/1x16/1x16',
    ]);
  });
});
