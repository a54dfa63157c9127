/**
 * MSDA plugin version 2 (IPluginV3, TensorRT >= 10.11): fuse-msda writes it on request, validate
 * accepts it, and the numbers are those of version 1 (the same inputs and math).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { fuseMsda } from '../../src/passes/fuse-msda/index.js';
import { MSDA_PLUGIN, validatePluginNodes } from '../../src/plugins/index.js';
import { loadModel, loadModelFromBytes, modelToBytes } from '../../src/serde/index.js';
import { verifyRewrite } from '../../src/verify/index.js';

const FIXTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'msda-extra', 'enc_dynamo_op18');

describe('fuse-msda --plugin-version', () => {
  it('2: every plugin node carries version 2, validates, and computes exactly what version 1 does', async () => {
    const original = await loadModel(path.join(FIXTURE, 'model.onnx'));
    const v1 = loadModelFromBytes(modelToBytes(original));
    const v2 = loadModelFromBytes(modelToBytes(original));
    expect(fuseMsda(v1).fused).toBe(2);
    expect(fuseMsda(v2, { pluginVersion: '2' }).fused).toBe(2);
    const plugins = v2.graph.nodes.filter((n) => n.opType === MSDA_PLUGIN.opType);
    expect(plugins.map((n) => n.attrString('plugin_version'))).toEqual(['2', '2']);
    expect(validatePluginNodes(v2)).toMatchObject({ ok: true, checkedNodes: 2 });
    const same = await verifyRewrite(v1, v2, { inputs: path.join(FIXTURE, 'inputs'), rtol: 0, atol: 0 });
    expect(same.verdict).toBe('pass');
    expect(same.outputs.map((o) => o.stats!.maxAbsError)).toEqual([0]);
    const golden = await verifyRewrite(original, v2, { inputs: path.join(FIXTURE, 'inputs'), expected: path.join(FIXTURE, 'outputs') });
    expect(golden.verdict).toBe('pass');
  });

  it('an unknown version is a usage error naming the valid ones', async () => {
    const model = await loadModel(path.join(FIXTURE, 'model.onnx'));
    expect(() => fuseMsda(model, { pluginVersion: '3' })).toThrow(OnnxSurgeonError);
    expect(() => fuseMsda(model, { pluginVersion: '3' })).toThrow("MultiscaleDeformableAttnPlugin_TRT has no plugin version '3' (expected 1 or 2)");
  });
});
