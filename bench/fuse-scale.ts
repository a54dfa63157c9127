/**
 * fuse-msda at scale, as users run it: `node dist/cli/main.js fuse-msda IN -o OUT` (a fresh
 * process each time), against the I/O floor (`cp` + `sync`: an fsynced copy of the same bytes)
 * and Python onnx 1.12 load + save of the same file, all measured in the same run, interleaved
 * round by round so that load from other processes hits all alike; best (and median) of `--runs`.
 *
 * Usage: `npm run bench:fuse-scale` or `node dist/bench/fuse-scale.js [options]`
 *   --copies N       copies in the two main models (default 200: big200 and big200_p0)
 *   --runs N         rounds per model (default 3)
 *   --scaling LIST   copies of the scaling table (default 50,100,200,400; `none` skips it)
 *   --scaling-runs N rounds per scaling size (default: --runs)
 *   --only LIST      any of big,p0,scaling (default all)
 *   --models DIR     keep the generated models in DIR and reuse them (default: a temp folder)
 *   --profile        one more run per model with ONNX_SURGEON_PROFILE=1; prints its phases
 *   --cpu-prof DIR   CPU profiles of the profiled runs (implies --profile)
 *   --against BIN    also time another build's CLI bin (e.g. main's dist/cli/main.js) in the
 *                    same rounds: a before/after comparison that load on the machine hits alike
 *
 * The models (bench/lib/msda-chain.ts): `bigN` chains N copies of a real MSDA encoder with a
 * 2.8 MB weight each (200 copies: ~590 MiB, ~95k nodes, 400 sites); `bigN_p0` is the same graph
 * without the large weights (~62 MB). Peak RSS is the child's `VmHWM`, CPU and GC time its own
 * (bench/lib/child-stats.ts, preloaded). Targets (issue #15): big200 <= 0.4x Python and
 * <= 3.5x cp+sync, peak RSS <= 0.5x the file; big200_p0 <= 1.0x Python; time and RSS per node
 * within 25% of each other across the scaling sizes.
 */

import { buildMsdaChain } from './lib/msda-chain.js';
import { bestAndMedian, cliBin, copyAndSync, type Measured, measuredNode, pythonLoadSave, timed } from './lib/run.js';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel, writeFileAtomic } from '../src/onnx/index.js';

const MIB = 2 ** 20;
/** Bump when the generated model changes, so kept models (`--models`) are rebuilt. */
const MODEL_VERSION = 2;

/** A generated model file. */
interface BenchModel {
  label: string;
  path: string;
  bytes: number;
  nodes: number;
}

/** What `fuse-msda --json` reports, in part. */
interface FuseJson { fused: number; sitesFound: number; nodesBefore: number; nodesAfter: number }

interface Options {
  copies: number;
  runs: number;
  scaling: number[];
  scalingRuns: number;
  only: Set<string>;
  modelsDir: string | undefined;
  profile: boolean;
  cpuProf: string | undefined;
  against: string | undefined;
}

function parseOptions(args: readonly string[]): Options {
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const runs = Math.max(1, Number(option('--runs') ?? 3));
  const scaling = option('--scaling') ?? '50,100,200,400';
  const cpuProf = option('--cpu-prof');
  return {
    copies: Number(option('--copies') ?? 200),
    runs,
    scaling: scaling === 'none' ? [] : scaling.split(',').map(Number),
    scalingRuns: Math.max(1, Number(option('--scaling-runs') ?? runs)),
    only: new Set((option('--only') ?? 'big,p0,scaling').split(',')),
    modelsDir: option('--models'),
    profile: args.includes('--profile') || cpuProf !== undefined,
    cpuProf,
    against: option('--against'),
  };
}

/** The model file for `copies`, built unless `dir` already holds it. */
function modelFile(dir: string, copies: number, largeWeights: boolean): BenchModel {
  const label = `big${copies}${largeWeights ? '' : '_p0'}`;
  const path = join(dir, `${label}.v${MODEL_VERSION}.onnx`);
  const model = buildOrNodeCount(path, copies, largeWeights);
  return { label, path, bytes: statSync(path).size, nodes: model };
}

function buildOrNodeCount(path: string, copies: number, largeWeights: boolean): number {
  // Nodes of the chain: 461 per copy, 12 of glue between copies, 2 of bulk per copy.
  const nodes = copies * 463 + (copies - 1) * 12;
  if (existsSync(path)) return nodes;
  const t0 = performance.now();
  const proto = buildMsdaChain({ copies, largeWeights });
  if (proto.graph!.node!.length !== nodes) throw new Error(`chain has ${proto.graph!.node!.length} nodes, expected ${nodes}`);
  writeFileAtomic(`${path}.tmp`, encodeModel(proto));
  renameSync(`${path}.tmp`, path);
  console.log(`built ${path} (${(statSync(path).size / MIB).toFixed(0)} MiB, ${nodes} nodes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return nodes;
}

/** Our CLI (or the `bin` given) on `model`, once; the output is removed after. */
function runOurs(model: BenchModel, out: string, stats: string, env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = [], bin = cliBin()): Measured & { report: FuseJson } {
  rmSync(out, { force: true });
  const run = measuredNode([...nodeFlags, bin, 'fuse-msda', model.path, '-o', out, '--json'], stats, env);
  rmSync(out, { force: true });
  return { ...run, report: JSON.parse(run.stdout) as FuseJson };
}

type OursRun = Measured & { report: FuseJson };

/** Interleaved rounds of the contenders on one model (`against`: another build's CLI bin too). */
function rounds(model: BenchModel, dir: string, runs: number, withBaselines: boolean, against?: string): { ours: OursRun[]; python: Measured[]; copy: Measured[]; other: OursRun[] } {
  const out = join(dir, 'out.onnx');
  const stats = join(dir, 'stats.json');
  timed('sh', ['-c', 'cat "$1" > /dev/null', 'sh', model.path]); // a warm page cache for everyone
  const result = { ours: [] as OursRun[], python: [] as Measured[], copy: [] as Measured[], other: [] as OursRun[] };
  for (let round = 0; round < runs; round++) {
    if (withBaselines) {
      result.copy.push(copyAndSync(model.path, out));
      rmSync(out, { force: true });
      result.python.push(pythonLoadSave(model.path, out));
      rmSync(out, { force: true });
    }
    if (against) result.other.push(runOurs(model, out, stats, {}, [], against));
    result.ours.push(runOurs(model, out, stats));
  }
  return result;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;
const verdict = (value: number, target: number): string => `${value.toFixed(2)}x (target <= ${target}x: ${value <= target ? 'met' : 'NOT met'})`;

/** One model against the baselines: a table and the ratios with their targets. */
function compare(model: BenchModel, dir: string, options: Options, targets: { python: number; copy?: number; rss?: number }): void {
  const { ours, python, copy, other } = rounds(model, dir, options.runs, true, options.against);
  const o = bestAndMedian(ours.map((r) => r.ms));
  const p = bestAndMedian(python.map((r) => r.ms));
  const c = bestAndMedian(copy.map((r) => r.ms));
  const best = ours.find((r) => r.ms === o.best)!;
  const rss = Math.max(...ours.map((r) => r.stats!.maxRssBytes));
  const pythonRss = Math.max(...python.map((r) => r.stats!.maxRssBytes));
  const cpu = Math.min(...ours.map((r) => r.stats!.cpuMs));
  const pythonCpu = Math.min(...python.map((r) => r.stats!.cpuMs));
  const r = best.report;
  console.log(`\n## ${model.label}: ${mib(model.bytes)}, ${model.nodes} nodes; fuse-msda fused ${r.fused}/${r.sitesFound} sites, ${r.nodesBefore} -> ${r.nodesAfter} nodes`);
  console.log(`best and median of ${options.runs}, wall time; CPU = user + sys of the process (best)\n`);
  console.log('| what | best | median | CPU | peak RSS |\n|---|---|---|---|---|');
  console.log(`| cp + sync (I/O floor) | ${seconds(c.best)} | ${seconds(c.median)} | | |`);
  console.log(`| python onnx load + save | ${seconds(p.best)} | ${seconds(p.median)} | ${seconds(pythonCpu)} | ${mib(pythonRss)} |`);
  console.log(`| onnx-surgeon fuse-msda (CLI) | ${seconds(o.best)} | ${seconds(o.median)} | ${seconds(cpu)} (GC ${seconds(best.stats!.gcMs)}) | ${mib(rss)} |`);
  if (other.length) {
    const a = bestAndMedian(other.map((r) => r.ms));
    const otherBest = other.find((r) => r.ms === a.best)!;
    console.log(`| --against ${options.against} | ${seconds(a.best)} | ${seconds(a.median)} | ${seconds(Math.min(...other.map((r) => r.stats!.cpuMs)))} (GC ${seconds(otherBest.stats!.gcMs)}) | ${mib(Math.max(...other.map((r) => r.stats!.maxRssBytes)))} |`);
    console.log(`  (--against: ${(a.best / p.best).toFixed(2)}x python, ${(a.best / c.best).toFixed(2)}x cp + sync; ours / --against = ${(o.best / a.best).toFixed(2)}x wall, ${(cpu / Math.min(...other.map((r) => r.stats!.cpuMs))).toFixed(2)}x CPU)`);
  }
  console.log('\nratios (best / best):');
  console.log(`  ours / python       = ${verdict(o.best / p.best, targets.python)}; CPU ${(cpu / pythonCpu).toFixed(2)}x`);
  console.log(`  ours / (cp + sync)  = ${targets.copy ? verdict(o.best / c.best, targets.copy) : `${(o.best / c.best).toFixed(2)}x`}`);
  console.log(`  peak RSS / file     = ${targets.rss ? verdict(rss / model.bytes, targets.rss) : `${(rss / model.bytes).toFixed(2)}x`}; python ${(pythonRss / model.bytes).toFixed(2)}x`);
  if (options.profile) profiled(model, dir, options);
}

/** One more run with phase timings (and a CPU profile when asked); prints the phases. */
function profiled(model: BenchModel, dir: string, options: Options): void {
  const flags = options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProf] : [];
  const run = runOurs(model, join(dir, 'out.onnx'), join(dir, 'stats.json'), { ONNX_SURGEON_PROFILE: '1' }, flags);
  const phases = [...run.stderr.matchAll(/^\[profile\] (.+) ([\d.]+) ms$/gm)].map((m) => `${m[1]} ${(Number(m[2]) / 1000).toFixed(2)}`);
  console.log(`  phases of a profiled run (${seconds(run.ms)}, GC ${seconds(run.stats!.gcMs)}), s: ${phases.join(', ')}`);
  if (options.cpuProf) console.log(`  CPU profile written to ${options.cpuProf}`);
}

/** One size of the scaling table. */
interface ScalingRow { nodes: number; ms: number; rssBytes: number }

/**
 * Time and RSS per node across sizes: flat when nothing is superlinear. Per node of the whole run
 * (which includes fixed costs: Node's start, JIT warm-up, the heap's base) and per node added
 * between consecutive sizes (the marginal cost, which a superlinear phase would make grow).
 */
function scalingTable(dir: string, modelsDir: string, options: Options): void {
  console.log(`\n## scaling: fuse-msda (CLI) on bigN, best of ${options.scalingRuns}\n`);
  console.log('| copies | nodes | file | best | µs / node | µs / added node | peak RSS | KiB RSS / node | KiB / added node | GC |\n|---|---|---|---|---|---|---|---|---|---|');
  const rows: ScalingRow[] = [];
  for (const copies of options.scaling) {
    const model = modelFile(modelsDir, copies, true);
    const { ours } = rounds(model, dir, options.scalingRuns, false);
    const best = ours.reduce((x, y) => (y.ms < x.ms ? y : x));
    const row = { nodes: model.nodes, ms: best.ms, rssBytes: Math.min(...ours.map((r) => r.stats!.maxRssBytes)) };
    const previous = rows[rows.length - 1];
    rows.push(row);
    const marginal = previous ? marginalPerNode(previous, row) : undefined;
    console.log(`| ${copies} | ${model.nodes} | ${mib(model.bytes)} | ${seconds(row.ms)} | ${((row.ms * 1000) / row.nodes).toFixed(1)} | ${marginal ? marginal.us.toFixed(1) : ''} | ` +
      `${mib(row.rssBytes)} | ${(row.rssBytes / 1024 / row.nodes).toFixed(2)} | ${marginal ? marginal.kib.toFixed(2) : ''} | ${seconds(best.stats!.gcMs)} |`);
    if (!options.modelsDir) rmSync(model.path, { force: true });
  }
  const spread = (xs: number[]): string => {
    const s = (Math.max(...xs) / Math.min(...xs) - 1) * 100;
    return `${s.toFixed(0)}% (target <= 25%: ${s <= 25 ? 'met' : 'NOT met'})`;
  };
  const margins = rows.slice(1).map((row, i) => marginalPerNode(rows[i]!, row));
  console.log(`\nspread (max / min - 1) per node: time ${spread(rows.map((r) => r.ms / r.nodes))}, RSS ${spread(rows.map((r) => r.rssBytes / r.nodes))}`);
  if (margins.length > 1) console.log(`spread per added node: time ${spread(margins.map((m) => m.us))}, RSS ${spread(margins.map((m) => m.kib))}`);
}

function marginalPerNode(from: ScalingRow, to: ScalingRow): { us: number; kib: number } {
  const added = to.nodes - from.nodes;
  return { us: ((to.ms - from.ms) * 1000) / added, kib: (to.rssBytes - from.rssBytes) / 1024 / added };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'onnx-fuse-scale-'));
  const modelsDir = options.modelsDir ?? dir;
  mkdirSync(modelsDir, { recursive: true });
  try {
    console.log(`fuse-msda at scale: ${cliBin()}, node ${process.version}`);
    if (options.only.has('big')) compare(modelFile(modelsDir, options.copies, true), dir, options, { python: 0.4, copy: 3.5, rss: 0.5 });
    if (options.only.has('p0')) compare(modelFile(modelsDir, options.copies, false), dir, options, { python: 1.0 });
    if (options.only.has('scaling') && options.scaling.length) scalingTable(dir, modelsDir, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
