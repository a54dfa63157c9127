/**
 * Fuzzing with inputs made from nothing: random messages generated from the ONNX schema, and
 * random well-formed operator graphs (shape arithmetic with edge values, nested If branches).
 * Time-boxed to a share of `FUZZ_SECONDS`; seeds from `FUZZ_SEED` (default 1).
 */

import { describe, expect, it } from 'vitest';
import { describeFailures, fuzz, fuzzFirstSeed, fuzzSeconds } from './harness.js';

describe('fuzz: random models', () => {
  it('random schema messages and random graphs end in a result or an OnnxSurgeonError', async () => {
    const seconds = fuzzSeconds() * 0.3;
    const run = await fuzz({ corpus: [], seconds, firstSeed: fuzzFirstSeed(1_000_000), kinds: ['random-proto', 'random-graph'] });
    console.log(`fuzz (random): ${run.cases} cases in ${seconds.toFixed(0)} s`, run.outcomes);
    expect(describeFailures(run.failures)).toBe('');
    expect(run.cases).toBeGreaterThan(10);
    // Random graphs are well formed: many must load and go through every stage.
    expect(run.outcomes['ok:reload'] ?? 0).toBeGreaterThan(run.cases / 10);
  }, 600_000);
});
