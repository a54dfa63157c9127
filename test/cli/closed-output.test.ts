/**
 * A closed stdout (`onnx-surgeon verify --help | head -5`) must not turn into an unhandled
 * `write EPIPE` stack trace: the compiled CLI drops the output nobody reads, finishes its work and
 * exits with its own status. The read end of the pipe is closed before the child writes, so every
 * write of the child meets a reader that has gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = 'dist/src/cli/main.js';
const FIXTURE = 'test/fixtures/msda/enc_listshapes_dynamo_op18/model.onnx';

/** Runs the CLI with its stdout already closed; resolves with the exit code and everything on stderr. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'onnx-surgeon-closed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(MAIN))('compiled CLI with a closed stdout', () => {
  for (const command of ['', 'fuse-msda', 'verify', 'inspect', 'validate', 'convert', 'build']) {
    it(`onnx-surgeon ${command || '(no command)'} --help exits 0 without a word`, async () => {
      const { code, stderr } = await runWithClosedStdout([...(command ? [command] : []), '--help']);
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  }

  it('a command keeps working: fuse-msda still writes its output and exits 0', async () => {
    const out = join(dir, 'fused.onnx');
    const { code, stderr } = await runWithClosedStdout(['fuse-msda', FIXTURE, '-o', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(1000);
  });

  it('a command keeps its exit status: inspect of a missing file still exits 2 with its one line', async () => {
    const { code, stderr } = await runWithClosedStdout(['inspect', join(dir, 'missing.onnx')]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
  });
});
