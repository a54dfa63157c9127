import { describe, expect, it } from 'vitest';
import { parseBuilderEvent } from '../../src/trt/events.js';
import { classifyLayer, fp32Layers } from '../../src/trt/layer-precision.js';

describe('parseBuilderEvent', () => {
  it('reads each event kind with typed fields', () => {
    expect(parseBuilderEvent('{"event":"start","protocol":2,"tensorrt":"8.6.1","strongly_typed":"unavailable","fp16_builder_flag":true}'))
      .toEqual({ event: 'start', protocol: 2, tensorrt: '8.6.1', strongly_typed: 'unavailable', fp16_builder_flag: true });
    expect(parseBuilderEvent('{"event":"plugins","initialized":true,"name":"M","checked_versions":["1","2"],"registered_versions":["1"]}'))
      .toEqual({ event: 'plugins', initialized: true, name: 'M', checked_versions: ['1', '2'], registered_versions: ['1'] });
    expect(parseBuilderEvent('{"event":"precision","typing":"weak","fp16_flag":true,"tf32":true,"fp32_plugin_layers":["msda_0"]}'))
      .toEqual({ event: 'precision', typing: 'weak', fp16_flag: true, tf32: true, fp32_plugin_layers: ['msda_0'] });
    expect(parseBuilderEvent('{"event":"layer-pinned","index":4,"layer":"msda_0","output":"attn","matched_by":"output","precision":"float32"}'))
      .toEqual({ event: 'layer-pinned', index: 4, layer: 'msda_0', output: 'attn', matched_by: 'output', precision: 'float32' });
    expect(parseBuilderEvent('{"event":"parse-error","index":0,"code":8,"node":12,"node_name":"msda","op":"MultiscaleDeformableAttnPlugin_TRT","desc":"x"}'))
      .toEqual({ event: 'parse-error', index: 0, code: 8, node: 12, node_name: 'msda', op: 'MultiscaleDeformableAttnPlugin_TRT', desc: 'x' });
    expect(parseBuilderEvent('{"event":"network","layers":7,"inputs":[{"name":"x","dims":[-1,3,640,640],"dtype":"float32"}],"outputs":[]}'))
      .toEqual({ event: 'network', layers: 7, inputs: [{ name: 'x', dims: [-1, 3, 640, 640], dtype: 'float32' }], outputs: [] });
    expect(parseBuilderEvent('{"event":"latency","iterations":100,"warmup":20,"median_ms":4.2,"p99_ms":5.1,"mean_ms":4.3,"min_ms":4,"max_ms":6}'))
      .toEqual({ event: 'latency', iterations: 100, warmup: 20, median_ms: 4.2, p99_ms: 5.1, mean_ms: 4.3, min_ms: 4, max_ms: 6 });
    expect(parseBuilderEvent('{"event":"error","stage":"build","message":"m","tensorrt_error":"oom"}'))
      .toEqual({ event: 'error', stage: 'build', message: 'm', tensorrt_error: 'oom' });
  });

  it('null numbers (non-finite in the builder) become NaN; junk becomes unknown', () => {
    const latency = parseBuilderEvent('{"event":"latency","iterations":0,"warmup":0,"median_ms":null,"p99_ms":null,"mean_ms":null,"min_ms":null,"max_ms":null}');
    expect(latency.event === 'latency' && Number.isNaN(latency.median_ms)).toBe(true);
    expect(parseBuilderEvent('[TRT] something printed by a library')).toEqual({ event: 'unknown', line: '[TRT] something printed by a library' });
    expect(parseBuilderEvent('{"event":"from-the-future"}')).toEqual({ event: 'unknown', line: '{"event":"from-the-future"}' });
  });
});

describe('classifyLayer', () => {
  it('reads the output formats of TensorRT 8.6 / 10 inspector JSON', () => {
    const fp32 = classifyLayer(0, JSON.stringify({ Name: 'conv1', LayerType: 'CaskConvolution', Outputs: [{ Name: 'y', 'Format/Datatype': 'Row major linear FP32' }] }));
    const fp16 = classifyLayer(1, JSON.stringify({ Name: 'conv2', LayerType: 'CaskConvolution', Outputs: [{ 'Format/Datatype': 'Channel major FP16 format where channel % 2 == 0' }] }));
    const integer = classifyLayer(2, JSON.stringify({ Name: 'shape', Outputs: [{ 'Format/Datatype': 'Row major linear Int32' }] }));
    const mixed = classifyLayer(3, JSON.stringify({ Name: 'split', Outputs: [{ 'Format/Datatype': 'Row major linear FP32' }, { 'Format/Datatype': 'Row major linear Half' }] }));
    expect([fp32.precision, fp16.precision, integer.precision, mixed.precision]).toEqual(['fp32', 'fp16', 'integer', 'mixed']);
    expect(fp32).toEqual({ index: 0, name: 'conv1', layerType: 'CaskConvolution', precision: 'fp32', outputFormats: ['Row major linear FP32'] });
    expect(fp32Layers([fp32, fp16, integer, mixed]).map((l) => l.name)).toEqual(['conv1', 'split']);
  });

  it('is unknown when the inspector gave only a name or nothing usable', () => {
    expect(classifyLayer(4, '"myelin_0"')).toEqual({ index: 4, name: 'myelin_0', precision: 'unknown', outputFormats: [] });
    expect(classifyLayer(5, '{"Name":"x","Outputs":[]}').precision).toBe('unknown');
    expect(classifyLayer(6, 'not json').precision).toBe('unknown');
  });
});
