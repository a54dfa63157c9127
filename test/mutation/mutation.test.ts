/**
 * The mutation suite of issue #11: single-point mutants inside every MSDA site of real fixtures,
 * each judged against its own onnxruntime run. fuse-msda must leave a mutant's site alone (or
 * refuse the model) unless the fused model computes exactly what the mutant does; a mutant
 * onnxruntime rejects must never be fused. Known false positives of today's prover are listed in
 * known-false-positives.json; this test fails on any other, and on a listed one that got fixed
 * (prune the list then). Scope and replay: docs/testing.md.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MutantResult } from './evaluate.js';
import { MUTATION_CLASSES } from './generate.js';
import {
  type PlannedMutant, type RunPlan, isFailure, knownEntry, planFromEnv, readKnownFalsePositives, sampleMutants, summaryTable, writeKnownFalsePositives,
} from './plan.js';
import { MutantPool } from './pool.js';
import type { BaselineReport } from './runner.js';

const plan: RunPlan = planFromEnv();
const known = readKnownFalsePositives();
const classNames = MUTATION_CLASSES.map((c) => c.name);

describe(`mutation suite (${plan.scope}: ${plan.fixtures.length} fixtures, ${plan.workers} workers)`, () => {
  const pool = new MutantPool(plan.workers);
  let baselines: BaselineReport[] = [];
  let results: MutantResult[] = [];
  /** Known ids the generator no longer makes (an entry that rotted). */
  let unknownIds: string[] = [];
  let seconds = 0;
  /** The plan's fixtures and those of listed false positives. */
  let fixtures: string[] = [];

  beforeAll(async () => {
    const started = performance.now();
    const knownFixtures = plan.scope === 'replay' ? [] : [...known.keys()].map((id) => id.split('/')[0]!);
    fixtures = [...new Set([...plan.fixtures, ...knownFixtures])];
    const listed = await Promise.all(fixtures.map(async (fixture) => (await pool.list(fixture)).map((m): PlannedMutant => ({ ...m, fixture }))));
    const all = listed.flat();
    const inPlan = new Set(plan.fixtures);
    let chosen = sampleMutants(all.filter((m) => inPlan.has(m.fixture)), plan.perClass);
    if (plan.filter) chosen = chosen.filter((m) => m.id.includes(plan.filter!));
    if (plan.scope !== 'replay') {
      // Every listed false positive is judged in every run, so the list cannot rot.
      const ids = new Set(chosen.map((m) => m.id));
      const byId = new Map(all.map((m) => [m.id, m]));
      unknownIds = [...known.keys()].filter((id) => !byId.has(id));
      for (const id of known.keys()) if (!ids.has(id) && byId.has(id)) chosen.push(byId.get(id)!);
    }
    [baselines, results] = await Promise.all([
      Promise.all(fixtures.map((f) => pool.baseline(f))),
      Promise.all(chosen.map((m) => pool.judge(m.fixture, m.id, m.mutationClass))),
    ]);
    seconds = (performance.now() - started) / 1000;
  }, 3_600_000);

  afterAll(async () => {
    const cpuSeconds = pool.cpuSeconds;
    await pool.stop();
    if (!results.length) return;
    const failures = results.filter(isFailure);
    const tolerances = new Map(baselines.map((b) => [b.fixture, b.tolerance]));
    console.log([
      `mutation suite: ${results.length} mutants in ${seconds.toFixed(0)} s (${plan.workers} workers, ${cpuSeconds.toFixed(0)} CPU seconds in them)`,
      summaryTable(results, classNames, (r) => tolerances.get(r.id.split('/')[0]!) ?? 0),
      ...failures.map((r) => `  ${known.has(r.id) ? 'known' : 'NEW  '} ${r.outcome} ${r.id}${r.maxError !== undefined ? ` (max error ${r.maxError.toExponential(2)})` : ''}${r.detail ? `: ${r.detail}` : ''}`),
    ].join('\n'));
    if (plan.reportPath) fs.writeFileSync(plan.reportPath, `${JSON.stringify({ plan, seconds, cpuSeconds, baselines, results }, null, 1)}\n`);
    if (process.env.MUTATION_PRUNE_KNOWN === '1' && plan.scope !== 'replay') {
      const stillFailing = new Set(failures.map((r) => r.id));
      writeKnownFalsePositives(new Map([...known].filter(([id]) => stillFailing.has(id))));
    }
  });

  it('the unmutated fixtures fuse to the same numbers (the tolerance is three times the measured difference or more)', () => {
    expect(baselines.map((b) => b.fixture)).toEqual(fixtures);
    for (const b of baselines) {
      expect(b.mutants, `${b.fixture} has mutants`).toBeGreaterThan(0);
      expect(b.error, `${b.fixture}: fused vs original, scale-relative`).toBeLessThanOrEqual(b.tolerance / 3);
    }
  });

  it.runIf(plan.scope === 'replay')('replays at least one mutant', () => {
    expect(results.length, `no mutant id contains '${plan.filter}'`).toBeGreaterThan(0);
  });

  it.runIf(plan.scope !== 'replay')('judges at least 300 mutants (the CI run) and every class', () => {
    if (plan.standard) expect(results.length).toBeGreaterThanOrEqual(300);
    const seen = new Set(results.map((r) => r.mutationClass));
    expect(classNames.filter((c) => !seen.has(c))).toEqual([]);
    expect(classNames.length).toBeGreaterThanOrEqual(15);
  });

  it('no mutant is fused wrongly, fused while invalid, broken or crashed, except the known false positives', () => {
    const fresh = results.filter((r) => isFailure(r) && (plan.scope === 'replay' || !known.has(r.id)));
    expect(fresh.map((r) => ({ id: r.id, ...knownEntry(r), detail: r.detail }))).toEqual([]);
  });

  it.runIf(plan.scope !== 'replay')('every known false positive still fails (prune the list when the prover fixes one)', () => {
    expect(unknownIds, 'listed ids the generator no longer makes').toEqual([]);
    const fixed = results.filter((r) => known.has(r.id) && !isFailure(r)).map((r) => `${r.id}: now ${r.outcome}`);
    expect(fixed, 'run MUTATION_PRUNE_KNOWN=1 npx vitest run test/mutation to drop them').toEqual([]);
  });
});
