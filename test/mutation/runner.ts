/**
 * The worker side of the suite: loads a fixture once, regenerates its mutants (deterministic, so
 * an id names the same edit in every process), measures the fused-vs-original baseline of the
 * unmutated model, and judges mutants by id.
 */
import { fuseMsda, loadModelFromBytes } from '../../src/index.js';
import { type Baseline, type MutantResult, evaluateMutant, expandedBytes, maxScaledError, runBytes } from './evaluate.js';
import { type MutationFixture, generateMutants, readMutationFixture } from './generate.js';
import type { Mutant } from './mutant.js';

/**
 * Largest scale-relative output error accepted as "equal", by the model's dtype. Measured on the
 * unmutated fixtures (fused and expanded vs original, onnxruntime CPU): exactly 0 for every
 * float32 fixture (the expansion computes the exported ops in the exported order), 1.3e-3 for the
 * float16 one (the expansion computes in float32). float32 keeps room for a reassociated sum
 * (~16 ulp of the output scale); float16 is three times the measured difference.
 */
export const TOLERANCE = { float32: 1e-6, float16: 4e-3 } as const;

/** The fused-vs-original difference of one unmutated fixture. */
export interface BaselineReport {
  fixture: string;
  dtype: 'float32' | 'float16';
  sites: number;
  fused: number;
  /** Scale-relative max error of the fused model against the original. */
  error: number;
  tolerance: number;
  mutants: number;
}

interface Loaded {
  fixture: MutationFixture;
  mutants: Map<string, Mutant>;
  baseline: Baseline;
  report: BaselineReport;
}

const cache = new Map<string, Promise<Loaded>>();

/** Loads (once per process) a fixture, its mutants and its baseline. */
export function loadFixture(name: string): Promise<Loaded> {
  let loaded = cache.get(name);
  if (!loaded) {
    loaded = load(name);
    cache.set(name, loaded);
  }
  return loaded;
}

async function load(name: string): Promise<Loaded> {
  const fixture = readMutationFixture(name);
  const list = await generateMutants(fixture);
  const original = await runBytes(fixture.bytes, fixture.feeds);
  const model = loadModelFromBytes(fixture.bytes);
  const report = fuseMsda(model);
  const fused = await runBytes(expandedBytes(model), fixture.feeds);
  const tolerance = TOLERANCE[fixture.dtype];
  return {
    fixture,
    mutants: new Map(list.map((m) => [m.id, m])),
    baseline: { feeds: fixture.feeds, original, tolerance },
    report: { fixture: name, dtype: fixture.dtype, sites: report.sitesFound, fused: report.fused, error: maxScaledError(fused, original), tolerance, mutants: list.length },
  };
}

/** Ids of every mutant of a fixture, with their classes. */
export async function listMutants(name: string): Promise<{ id: string; mutationClass: string }[]> {
  const { mutants } = await loadFixture(name);
  return [...mutants.values()].map((m) => ({ id: m.id, mutationClass: m.mutationClass }));
}

/** The baseline of a fixture. */
export async function fixtureBaseline(name: string): Promise<BaselineReport> {
  return (await loadFixture(name)).report;
}

/** Judges one mutant by id. */
export async function judge(fixtureName: string, id: string): Promise<MutantResult> {
  const { fixture, mutants, baseline } = await loadFixture(fixtureName);
  const mutant = mutants.get(id);
  if (!mutant) throw new Error(`mutation: no mutant '${id}' (ids come from the generator: did a class change?)`);
  return evaluateMutant(fixture.bytes, mutant, baseline);
}
