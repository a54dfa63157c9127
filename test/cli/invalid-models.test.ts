/**
 * Invalid models given to fuse-msda: a clear one-line error naming the problem, exit 2, and no
 * output file (nothing half-written).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/program.js';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/proto-types.js';
import { captureIo, tempDir } from './helpers.js';

const floatInfo = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } });

function write(dir: string, name: string, model: ModelProto): string {
  const file = join(dir, name);
  const chunks = encodeModel(model);
  writeFileSync(file, Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
  return file;
}

const header = { irVersion: 8, opsetImport: [{ domain: '', version: 17 }] };

describe('fuse-msda refuses invalid models', () => {
  const cases: [string, ModelProto, RegExp][] = [
    ['a node input nobody produces', {
      ...header,
      graph: { name: 'g', input: [floatInfo('x')], output: [floatInfo('y')], node: [{ opType: 'Add', name: 'add', input: ['x', 'ghost'], output: ['y'] }] },
    }, /node 'add': tensor 'ghost': input 1 'ghost' is not produced by any node, graph input or initializer/],
    ['a cycle', {
      ...header,
      graph: {
        name: 'g', input: [floatInfo('x')], output: [floatInfo('y')],
        node: [
          { opType: 'Add', name: 'a', input: ['x', 'c'], output: ['b'] },
          { opType: 'Relu', name: 'r', input: ['b'], output: ['c'] },
          { opType: 'Identity', name: 'out', input: ['c'], output: ['y'] },
        ],
      },
    }, /cycle through .*'a'.*'r'|cycle through .*'r'.*'a'/],
    ['a value produced twice', {
      ...header,
      graph: {
        name: 'g', input: [floatInfo('x')], output: [floatInfo('y')],
        node: [{ opType: 'Relu', name: 'r1', input: ['x'], output: ['y'] }, { opType: 'Relu', name: 'r2', input: ['x'], output: ['y'] }],
      },
    }, /'y' is defined twice/],
  ];
  for (const [label, model, message] of cases) {
    it(`${label}: exit 2, one line naming it, no output written`, async () => {
      const dir = tempDir();
      const input = write(dir, 'bad.onnx', model);
      const out = join(dir, 'out.onnx');
      const io = captureIo();
      expect(await runCli(['fuse-msda', input, '-o', out], io)).toBe(EXIT.usage);
      const err = io.err().trim();
      expect(err.split('\n')).toHaveLength(1);
      expect(err).toMatch(message);
      expect(err).toContain('bad.onnx');
      expect(existsSync(out)).toBe(false);
    });
  }

  it('a model without MSDA: 0 sites, exit 0, output written', async () => {
    const dir = tempDir();
    const input = write(dir, 'plain.onnx', {
      ...header,
      graph: { name: 'g', input: [floatInfo('x')], output: [floatInfo('y')], node: [{ opType: 'Relu', name: 'r', input: ['x'], output: ['y'] }] },
    });
    const out = join(dir, 'out.onnx');
    const io = captureIo();
    expect(await runCli(['fuse-msda', input, '-o', out], io)).toBe(EXIT.ok);
    expect(io.out()).toContain('0 MSDA sites found');
    expect(existsSync(out)).toBe(true);
  });
});
