/**
 * Which mutants a run judges, how the run is configured (environment variables, see
 * docs/testing.md), the checked-in list of known false positives, and the per-class summary.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '../../src/verify/index.js';
import { FAILURES, type MutantResult, type Outcome } from './evaluate.js';
import { mutationFixtureNames } from './generate.js';

/**
 * Fixtures of the CI run: both exporters, opsets 17/18/20, float16, dynamic sizes, batch 2,
 * P != L, the RT-DETRv2 layout, and a full Hugging Face Deformable DETR.
 */
export const CI_FIXTURES = [
  'enc_dynamo_op18', 'enc_dynamo_op20', 'enc_dynamo_fp16_op18', 'enc_dynamo_dynamic_hw_op18', 'enc_dynamo_m4p3d16_op18',
  'enc_ts_l5_op17', 'enc_ts_b2_odd_op17', 'hf_rtdetrv2_dynamo_op18', 'hf_deformable_detr_dynamo_op18',
];

/** Mutants per class and fixture in the CI run. */
export const CI_PER_CLASS = 4;

/** How a run was asked for. */
export interface RunPlan {
  scope: 'ci' | 'full' | 'replay';
  /** The CI run as checked in (no MUTATION_FIXTURES / MUTATION_PER_CLASS narrowing or widening). */
  standard: boolean;
  fixtures: string[];
  /** Mutants per class and fixture; undefined = all. */
  perClass: number | undefined;
  /** `MUTANT`: judge only ids containing this text. */
  filter: string | undefined;
  workers: number;
  /** `MUTATION_REPORT`: where to write every result as JSON. */
  reportPath: string | undefined;
}

/**
 * The plan from the environment: `MUTATION_SCOPE=full` judges every mutant of every fixture
 * onnxruntime runs; `MUTATION_FIXTURES=a,b` and `MUTATION_PER_CLASS=n` narrow or widen it;
 * `MUTANT=<id or part of one>` replays matching mutants; `MUTATION_WORKERS=n` sets the children.
 */
export function planFromEnv(env: NodeJS.ProcessEnv = process.env): RunPlan {
  const filter = env.MUTANT || undefined;
  const full = env.MUTATION_SCOPE === 'full';
  const fixtures = env.MUTATION_FIXTURES ? env.MUTATION_FIXTURES.split(',').map((s) => s.trim()).filter(Boolean)
    : full || filter ? mutationFixtureNames() : CI_FIXTURES;
  const perClass = env.MUTATION_PER_CLASS ? Number(env.MUTATION_PER_CLASS) : full || filter ? undefined : CI_PER_CLASS;
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return {
    scope: filter ? 'replay' : full ? 'full' : 'ci',
    standard: !filter && !full && !env.MUTATION_FIXTURES && !env.MUTATION_PER_CLASS,
    fixtures: filter && fixtures.some((f) => filter.startsWith(`${f}/`)) ? fixtures.filter((f) => filter.startsWith(`${f}/`)) : fixtures,
    perClass,
    filter,
    workers: Math.max(1, Number(env.MUTATION_WORKERS) || Math.min(2, cpus)),
    reportPath: env.MUTATION_REPORT || undefined,
  };
}

/** A mutant as the parent knows it before judging. */
export interface PlannedMutant {
  id: string;
  fixture: string;
  mutationClass: string;
}

/**
 * A seeded sample: at most `perClass` mutants of each class from each fixture, chosen by a
 * shuffle seeded with the fixture and class names (a new mutant elsewhere changes nothing).
 */
export function sampleMutants(mutants: readonly PlannedMutant[], perClass: number | undefined): PlannedMutant[] {
  if (perClass === undefined) return [...mutants];
  const groups = new Map<string, PlannedMutant[]>();
  for (const m of mutants) {
    const key = `${m.fixture}/${m.mutationClass}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const chosen = new Set<PlannedMutant>();
  for (const [key, list] of groups) {
    const random = seededRandom(hashString(key));
    const order = list.map((m) => ({ m, r: random() })).sort((a, b) => a.r - b.r);
    for (const { m } of order.slice(0, perClass)) chosen.add(m);
  }
  return mutants.filter((m) => chosen.has(m));
}

/** FNV-1a, for seeds from names. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The checked-in list of false positives fuse-msda has today (see docs/testing.md). */
export const KNOWN_FALSE_POSITIVES_PATH = path.join(import.meta.dirname, 'known-false-positives.json');

/** One known false positive: what it was when listed. */
export interface KnownFalsePositive {
  class: string;
  outcome: Outcome;
  /** Scale-relative max output error observed (fused-wrong only). */
  maxError?: number;
}

export function readKnownFalsePositives(file = KNOWN_FALSE_POSITIVES_PATH): Map<string, KnownFalsePositive> {
  if (!fs.existsSync(file)) return new Map();
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { falsePositives?: Record<string, KnownFalsePositive> };
  return new Map(Object.entries(json.falsePositives ?? {}));
}

/** Writes the list (sorted by id, so diffs stay small). */
export function writeKnownFalsePositives(entries: ReadonlyMap<string, KnownFalsePositive>, file = KNOWN_FALSE_POSITIVES_PATH): void {
  const falsePositives = Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const json = {
    comment: 'Mutants fuse-msda fuses wrongly today (issue #11). The mutation test fails on a false positive not listed here and on a listed id that no longer fails, so this list can only shrink: a new false positive is fixed, never added here. When the prover fixes listed ones, MUTATION_PRUNE_KNOWN=1 npx vitest run test/mutation drops them.',
    falsePositives,
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 1)}\n`);
}

/** The known entry for a failing result. */
export function knownEntry(result: MutantResult): KnownFalsePositive {
  const entry: KnownFalsePositive = { class: result.mutationClass, outcome: result.outcome };
  if (result.maxError !== undefined && Number.isFinite(result.maxError)) entry.maxError = Number(result.maxError.toPrecision(3));
  return entry;
}

export function isFailure(result: MutantResult): boolean {
  return FAILURES.has(result.outcome);
}

const OUTCOMES: Outcome[] = ['fused-equal', 'left-alone', 'refused', 'invalid-left-alone', 'invalid-refused', 'fused-wrong', 'fused-broken', 'fused-invalid', 'crash'];

/**
 * Per-class outcome counts as a fixed-width table. `no-effect` counts mutants whose outputs equal
 * the unmutated model's within the tolerance (equivalent rewrites, or changes too small to see):
 * for those, fused-equal shows completeness rather than soundness.
 */
export function summaryTable(results: readonly MutantResult[], classes: readonly string[], tolerance: (r: MutantResult) => number): string {
  const header = ['class', 'total', 'no-effect', ...OUTCOMES];
  const row = (name: string, mine: readonly MutantResult[]): string[] => [
    name, String(mine.length), String(mine.filter((r) => r.effect !== undefined && r.effect <= tolerance(r)).length),
    ...OUTCOMES.map((o) => String(mine.filter((r) => r.outcome === o).length)),
  ];
  const rows = classes.map((c) => row(c, results.filter((r) => r.mutationClass === c)));
  rows.push(row('all', results));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
