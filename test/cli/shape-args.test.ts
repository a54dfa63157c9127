/**
 * One shape syntax for `verify --shape` and `build --shapes`: `=` or `:` before the dims, `x` or
 * `,` between them, MIN/OPT/MAX ranges where a command takes one, names with `:` in them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OnnxSurgeonError } from '../../src/errors.js';
import { collectProfileSpecs, parseShapeArg, profileSpecs, shapeBindings, shapeOverrideArgs } from '../../src/cli/shape-args.js';

function usageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OnnxSurgeonError);
    expect((error as OnnxSurgeonError).code).toBe('usage');
    return (error as OnnxSurgeonError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseShapeArg', () => {
  it('takes = and :, x and , and splits the name at the last separator', () => {
    expect(parseShapeArg('batch=2', '--shape')).toMatchObject({ name: 'batch', shapes: [[2]], scalar: true });
    expect(parseShapeArg('pixel_values:1x3x64x64', '--shape')).toMatchObject({ name: 'pixel_values', shapes: [[1, 3, 64, 64]], scalar: false });
    expect(parseShapeArg('x=1,3', '--shape').shapes).toEqual([[1, 3]]);
    expect(parseShapeArg('input:0=1x3', '--shape').name).toBe('input:0');
    expect(parseShapeArg('input:0:1x3', '--shape').name).toBe('input:0');
    expect(parseShapeArg('images:1x3x640x640/1x3x800x800/4x3x1333x1333', '--shapes').shapes).toEqual([[1, 3, 640, 640], [1, 3, 800, 800], [4, 3, 1333, 1333]]);
  });

  it('rejects malformed arguments with the syntax in the message', () => {
    for (const bad of ['batch', 'batch=', 'batch=two', '=3', 'x=1x', 'x=-1', 'x:1/2', 'x~2']) {
      expect(usageOf(() => parseShapeArg(bad, '--shape'))).toMatch(/cannot parse --shape .* \(expected NAME=AxBxC or NAME:AxBxC \(a whole input\), NAME=N \(a symbolic dim\), NAME:MIN\/OPT\/MAX/);
    }
    expect(usageOf(() => parseShapeArg('x:1x2/1x2x3/1x2', '--shapes'))).toMatch(/MIN, OPT and MAX have different ranks/);
    expect(usageOf(() => parseShapeArg('x:1x8/1x4/1x8', '--shapes'))).toMatch(/dim 1 needs MIN <= OPT <= MAX \(found 8\/4\/8\)/);
  });
});

describe('what each command makes of it', () => {
  it('verify: one shape per name, a dim size as a number', () => {
    expect(shapeBindings(['batch=2', 'feat0:2x64x32x32'])).toEqual({ batch: 2, feat0: [2, 64, 32, 32] });
    expect(usageOf(() => shapeBindings(['x:1x8/2x8/4x8']))).toMatch(/gives a range; verify runs one shape: give one of them \(e\.g\. x=2x8\)/);
    expect(usageOf(() => shapeBindings(['x=1x8', 'x:2x8']))).toMatch(/--shape names 'x' twice \('x=1x8' and 'x:2x8'\)/);
  });

  it('build: TensorRT profile entries, one shape standing for MIN, OPT and MAX', () => {
    expect(profileSpecs(['images=1x3x640x640', 'mask:1x1x8x8/1x1x16x16/1x1x32x32'])).toEqual([
      'images:1x3x640x640/1x3x640x640/1x3x640x640', 'mask:1x1x8x8/1x1x16x16/1x1x32x32',
    ]);
    const collect = collectProfileSpecs('--shapes');
    expect(collect('x=1x2', collect('y:3', undefined))).toEqual(['y:3/3/3', 'x:1x2/1x2/1x2']);
    expect(() => collect('x=', undefined)).toThrow(/cannot parse --shapes 'x='/);
  });
});

describe('sanitize --override-input-shapes', () => {
  it('takes the same forms, plus symbolic dim names between commas or in brackets', () => {
    const args = shapeOverrideArgs(['pixel_values:1x3x800x800', 'mask=[batch,800,800]', 'batch=1', 'feat:batch,64,h0,w0', 'input:0=1,3']);
    expect(args.map((a) => [a.name, a.dims, a.scalar])).toEqual([
      ['pixel_values', [1, 3, 800, 800], false], ['mask', ['batch', 800, 800], false], ['batch', [1], true],
      ['feat', ['batch', 64, 'h0', 'w0'], false], ['input:0', [1, 3], false],
    ]);
  });

  it('refuses names joined by x (max_len would read as two dims), bad dims, a name given twice', () => {
    for (const bad of ['x=batchx3', 'x=1x3xH', 'x=', 'x=[]', 'x=1,,3', 'x=-1', '=3', 'x=1 2']) {
      expect(usageOf(() => shapeOverrideArgs([bad]))).toMatch(/cannot parse --override-input-shapes .* \(expected NAME=AxBxC or NAME:AxBxC \(sizes\), NAME=batch,3,H,W/);
    }
    expect(usageOf(() => shapeOverrideArgs(['x=1x8', 'x:2x8']))).toMatch(/--override-input-shapes names 'x' twice/);
  });
});

const MAIN = 'dist/src/cli/main.js';
describe.skipIf(!existsSync(MAIN))('compiled CLI: build --shapes uses the same parser', () => {
  it('refuses a malformed --shapes as a usage error (exit 2) before doing anything', () => {
    const run = spawnSync(process.execPath, [MAIN, 'build', 'missing.onnx', '-o', '/tmp/never.engine', '--shapes', 'x~1x3'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--shapes 'x~1x3'|cannot parse --shapes 'x~1x3'/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
