/**
 * Vitest global setup: the whole run's temp files go under one folder of its own (TMPDIR, which
 * os.tmpdir() and child processes follow), removed when the run ends, so that a test that forgets
 * to clean up cannot leave litter in the machine's /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'onnx-surgeon-test-run-'));
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = root;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
