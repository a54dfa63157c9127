import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { loadModel } from '../../src/serde/index.js';
import { deriveProfiles, parseShapeSpec, parseShapeSpecs } from '../../src/trt/profiles.js';
import { multiInputModel, reluModel } from './models.js';

function usageMessage(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    expect((error as OnnxSurgeonError).code).toBe('usage');
    return (error as OnnxSurgeonError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseShapeSpec', () => {
  it('parses MIN/OPT/MAX', () => {
    expect(parseShapeSpec('images:1x3x640x640/1x3x800x800/4x3x1333x1333')).toEqual({
      input: 'images', min: [1, 3, 640, 640], opt: [1, 3, 800, 800], max: [4, 3, 1333, 1333],
      text: 'images:1x3x640x640/1x3x800x800/4x3x1333x1333',
    });
  });

  it('takes a single shape as min = opt = max', () => {
    const spec = parseShapeSpec('x:2x8');
    expect([spec.min, spec.opt, spec.max]).toEqual([[2, 8], [2, 8], [2, 8]]);
  });

  it('splits the name at the last colon (TensorFlow-style names)', () => {
    const spec = parseShapeSpec('input:0:1x3/2x3/4x3');
    expect(spec.input).toBe('input:0');
    expect(spec.max).toEqual([4, 3]);
  });

  it('accepts a scalar (empty shape)', () => {
    expect(parseShapeSpec('scale:').opt).toEqual([]);
  });

  it.each([
    ['1x3x640x640', "--shapes '1x3x640x640': expected NAME:MIN/OPT/MAX, e.g. images:1x3x640x640/1x3x800x800/4x3x1333x1333"],
    ['x:1x3/2x3', "--shapes 'x:1x3/2x3': expected 1 shape or 3 shapes (MIN/OPT/MAX) after 'x:', found 2"],
    ['x:1x3/1x3x4/1x3', "--shapes 'x:1x3/1x3x4/1x3': MIN, OPT and MAX have different ranks (2, 3, 2)"],
    ['x:4x3/2x3/8x3', "--shapes 'x:4x3/2x3/8x3': dim 0 needs MIN <= OPT <= MAX (found 4/2/8)"],
    ['x:1xhx3', "--shapes 'x:1xhx3': 'h' is not a positive integer dim (write shapes as 1x3x640x640)"],
    ['x:0x3', "--shapes 'x:0x3': '0' is not a positive integer dim (write shapes as 1x3x640x640)"],
  ])('rejects %s', (text, expected) => {
    expect(usageMessage(() => parseShapeSpec(text))).toBe(`usage error: ${expected}`);
  });

  it('rejects an input named twice', () => {
    expect(usageMessage(() => parseShapeSpecs(['x:1x3', 'x:2x3']))).toBe("usage error: --shapes names input 'x' twice ('x:1x3' and 'x:2x3')");
  });
});

describe('deriveProfiles', () => {
  it('static input: min = opt = max = declared, not dynamic', () => {
    const [profile] = deriveProfiles(reluModel([1, 3, 32, 32]).graph, []);
    expect(profile).toMatchObject({ input: 'x', dynamic: false, min: [1, 3, 32, 32], opt: [1, 3, 32, 32], max: [1, 3, 32, 32], defaults: [] });
  });

  it('symbolic batch defaults to 1/1/1', () => {
    const [profile] = deriveProfiles(reluModel(['batch', 3, 32, 32]).graph, []);
    expect(profile).toMatchObject({ dynamic: true, min: [1, 3, 32, 32], opt: [1, 3, 32, 32], max: [1, 3, 32, 32] });
    expect(profile!.defaults).toEqual(["dim 0 ('batch') = 1/1/1 (default batch)"]);
  });

  it('unknown (null) batch dim also defaults', () => {
    const [profile] = deriveProfiles(reluModel([null, 4]).graph, []);
    expect([profile!.min, profile!.max]).toEqual([[1, 4], [1, 4]]);
  });

  it('uses --shapes for the dynamic dims', () => {
    const specs = parseShapeSpecs(['x:1x3x320x320/2x3x640x640/4x3x1024x1024']);
    const [profile] = deriveProfiles(reluModel(['batch', 3, 'h', 'w']).graph, specs);
    expect(profile).toMatchObject({ min: [1, 3, 320, 320], opt: [2, 3, 640, 640], max: [4, 3, 1024, 1024], defaults: [] });
  });

  it('names the input and dim of a dynamic non-batch dim without a range', () => {
    expect(usageMessage(() => deriveProfiles(reluModel(['batch', 3, 'h', 'w']).graph, []))).toBe(
      "usage error: input 'x' dim 2 ('h') is dynamic and no --shapes entry covers it: " +
      "pass --shapes 'x:<batch>x3x<h>x<w>/<batch>x3x<h>x<w>/<batch>x3x<h>x<w>' with numbers in place of <...>");
  });

  it('refuses a --shapes entry that contradicts a static dim', () => {
    const specs = parseShapeSpecs(['x:1x4x32x32/1x4x32x32/1x4x64x64']);
    expect(usageMessage(() => deriveProfiles(reluModel(['batch', 3, 'h', 'w']).graph, specs))).toBe(
      "usage error: --shapes 'x:1x4x32x32/1x4x32x32/1x4x64x64': input 'x' dim 1 is fixed at 3 in the model (found 4/4/4)");
  });

  it('refuses a rank mismatch and an unknown input', () => {
    expect(usageMessage(() => deriveProfiles(reluModel(['batch', 3]).graph, parseShapeSpecs(['x:1x3x3']))))
      .toBe("usage error: --shapes 'x:1x3x3': input 'x' has rank 2 ([batch, 3]) but the shape has rank 3");
    expect(usageMessage(() => deriveProfiles(reluModel([1, 3]).graph, parseShapeSpecs(['images:1x3']))))
      .toBe("usage error: --shapes names 'images', which is not an input of the model (inputs: x)");
  });

  it('shares a symbol range across inputs and rejects conflicting ranges', () => {
    const model = multiInputModel([{ name: 'a', shape: ['batch', 'n'] }, { name: 'b', shape: ['batch', 'n'] }]);
    const profiles = deriveProfiles(model.graph, parseShapeSpecs(['a:1x10/2x20/4x40']));
    expect(profiles[1]).toMatchObject({ input: 'b', min: [1, 10], opt: [2, 20], max: [4, 40] });
    expect(profiles[1]!.defaults).toEqual([
      "dim 0 ('batch') = 1/2/4 (from --shapes 'a:1x10/2x20/4x40')",
      "dim 1 ('n') = 10/20/40 (from --shapes 'a:1x10/2x20/4x40')",
    ]);
    expect(usageMessage(() => deriveProfiles(model.graph, parseShapeSpecs(['a:1x10/2x20/4x40', 'b:1x10/1x20/4x40'])))).toBe(
      "usage error: dim 'batch' is 1/2/4 in --shapes 'a:1x10/2x20/4x40' but 1/1/4 in --shapes 'b:1x10/1x20/4x40'; inputs sharing a dim name must share its range");
  });

  it('requires a range for an input of unknown rank', () => {
    const model = reluModel([1]);
    model.graph.inputs[0]!.type = { dtype: 1 };
    expect(usageMessage(() => deriveProfiles(model.graph, [])))
      .toBe("usage error: input 'x' has no shape in the model (unknown rank): give --shapes x:MIN/OPT/MAX");
    expect(deriveProfiles(model.graph, parseShapeSpecs(['x:2x2/3x3/4x4']))[0]).toMatchObject({ dynamic: true, opt: [3, 3] });
  });

  it('real export with dynamic batch and per-level H/W (enc_listshapes_dynamic_op17)', async () => {
    const model = await loadModel('test/fixtures/msda/enc_listshapes_dynamic_op17/model.onnx');
    expect(model.graph.inputs.filter((v) => !v.initializer).map((v) => [v.name, v.type?.shape])).toEqual([
      ['feat0', ['batch', 64, 'h0', 'w0']], ['feat1', ['batch', 64, 'h1', 'w1']],
      ['feat2', ['batch', 64, 'h2', 'w2']], ['feat3', ['batch', 64, 'h3', 'w3']],
    ]);
    expect(usageMessage(() => deriveProfiles(model.graph, []))).toContain("input 'feat0' dim 2 ('h0') is dynamic");
    const specs = parseShapeSpecs([
      'feat0:1x64x16x16/2x64x32x32/4x64x64x64',
      'feat1:1x64x8x8/2x64x16x16/4x64x32x32',
      'feat2:1x64x4x4/2x64x8x8/4x64x16x16',
      'feat3:1x64x2x2/2x64x4x4/4x64x8x8',
    ]);
    const profiles = deriveProfiles(model.graph, specs);
    expect(profiles.map((p) => [p.input, p.dynamic, p.opt])).toEqual([
      ['feat0', true, [2, 64, 32, 32]], ['feat1', true, [2, 64, 16, 16]], ['feat2', true, [2, 64, 8, 8]], ['feat3', true, [2, 64, 4, 4]],
    ]);
  });

  it('real static export needs no --shapes', async () => {
    const model = await loadModel('test/fixtures/msda/hf_deformable_detr_twostage_refine_op17/model.onnx');
    const profiles = deriveProfiles(model.graph, []);
    expect(profiles.map((p) => [p.input, p.dynamic, p.opt])).toEqual([['pixel_values', false, [1, 3, 128, 128]]]);
  });
});
