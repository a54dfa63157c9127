/**
 * Fuzzing the load -> fuse-msda -> encode path with mutated fixture bytes, time-boxed
 * (share of `FUZZ_SECONDS`, default 60 s total across the fuzz tests). Seeds start at
 * `FUZZ_SEED` (default 1), so CI replays the same cases; a failure prints its seed, and the input
 * is saved under `regressions/` for `regressions.test.ts`.
 */

import { describe, expect, it } from 'vitest';
import { MUTATION_KINDS, type MutationKind } from './mutate.js';
import { describeFailures, fuzz, fuzzFirstSeed, fuzzSeconds, loadCorpus } from './harness.js';

const MUTATIONS: MutationKind[] = MUTATION_KINDS.filter((k) => k !== 'random-proto' && k !== 'random-graph');

describe('fuzz: mutated fixture models', () => {
  it('every case ends in a valid result or an OnnxSurgeonError, in time, in bounded memory', async () => {
    const seconds = fuzzSeconds() * 0.7;
    const run = await fuzz({ corpus: loadCorpus(), seconds, firstSeed: fuzzFirstSeed(0), kinds: MUTATIONS });
    console.log(`fuzz (mutations): ${run.cases} cases in ${seconds.toFixed(0)} s, RSS growth ${(run.rssGrowthBytes / 2 ** 20).toFixed(0)} MiB`, run.outcomes);
    expect(describeFailures(run.failures)).toBe('');
    // Every kind ran, and the run reached all the stages (not just decode errors).
    expect(run.cases).toBeGreaterThanOrEqual(MUTATIONS.length);
    expect(run.outcomes['ok:reload'] ?? 0).toBeGreaterThan(0);
    expect(run.rssGrowthBytes).toBeLessThan(1536 * 2 ** 20);
  }, 600_000);
});
