/**
 * Replays every input the fuzzer ever failed on (`regressions/*.onnx`, see README.md there): each
 * must now end in a valid result or an OnnxSurgeonError, in time and in bounded memory.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseRunner, REGRESSIONS_DIR, checkCase, describeFailures } from './harness.js';

const files = readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith('.onnx')).sort();

describe('fuzz regressions', () => {
  const runner = new CaseRunner();
  beforeAll(() => runner.start(), 60_000);
  afterAll(() => runner.stop());

  it('has saved inputs to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s', async (file) => {
    const bytes = new Uint8Array(readFileSync(join(REGRESSIONS_DIR, file)));
    const { key, failure } = await checkCase(runner, bytes, 0, 'regression');
    expect(describeFailures(failure ? [failure] : [])).toBe('');
    expect(key).toMatch(/^(ok|rejected):/);
  }, 60_000);
});
