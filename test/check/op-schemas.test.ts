/**
 * The committed operator schema table is what scripts/gen-op-schemas.py makes from Python onnx's
 * registry today (Debian's python3-onnx, in CI too): regenerate it when this fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const python = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import onnx']).status === 0;
if (!python && process.env.CI) throw new Error('python3-onnx is missing under CI (apt-get install python3-onnx)');

describe.skipIf(!python)('generated operator schemas', () => {
  it('src/check/onnx-op-schemas.ts is up to date', () => {
    const run = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts', 'gen-op-schemas.py'), '--stdout'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout === readFileSync(join(ROOT, 'src', 'check', 'onnx-op-schemas.ts'), 'utf8')).toBe(true);
  });
});
