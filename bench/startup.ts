/**
 * CLI startup: `onnx-surgeon fuse-msda` on a ~300 KB export, as users run it (a fresh `node`
 * process on the built bin), against Python onnx 1.12 loading and saving the same file, both
 * measured in the same run. Also `--version` and `--help` (what the CLI costs before any work)
 * and `node -e 0` (Node's own startup, the floor of every command).
 *
 * Usage: `npm run bench:startup` (or `node dist/bench/startup.js [--runs 7] [--model FILE]`)
 *
 * Runs are interleaved (one of each per round) so load from other processes hits all alike;
 * the figure is the best of `--runs` (at least 5). Target: fuse-msda <= 2.0x Python load + save.
 * Our save fsyncs the file and its folder around the atomic rename, Python's writes without
 * either (`cp` + `sync` is the I/O floor of a durable write). A child that runs the same steps
 * through the library (`--phases`) says where fuse-msda's time goes: module imports, load,
 * fuse, save.
 */

import { cliBin, findFixture, pythonLoadSave, timed } from './lib/run.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_RATIO = 2.0;
/** The bin the package ships, as `npx onnx-surgeon` runs it. */
const BIN = cliBin();

/** One measured command: a label and how to run it once (the output path is fresh per run). */
interface Probe {
  label: string;
  once: (output: string) => number;
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

/** Child mode (`--phases MODEL OUT`): the library's load, fuse and save, timed from process start. */
async function phases(model: string, output: string): Promise<void> {
  const started = performance.now();
  const { fuseMsda, loadModel, saveModel } = await import('../src/index.js');
  const imported = performance.now();
  const loaded = await loadModel(model);
  const t1 = performance.now();
  fuseMsda(loaded);
  const t2 = performance.now();
  await saveModel(loaded, output);
  const t3 = performance.now();
  const result: Phases = { bootMs: started, importMs: imported - started, loadMs: t1 - imported, fuseMs: t2 - t1, saveMs: t3 - t2 };
  process.stdout.write(JSON.stringify(result));
}

/** Milliseconds of each step; `bootMs` is Node's own start before this module ran. */
interface Phases { bootMs: number; importMs: number; loadMs: number; fuseMs: number; saveMs: number }

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--phases') return phases(args[1]!, args[2]!);
  const runs = Math.max(5, Number(option(args, '--runs') ?? 7));
  const model = option(args, '--model') ?? findFixture(join('test', 'fixtures', 'msda', 'enc_listshapes_op17', 'model.onnx'));
  const node = process.execPath;
  const probes: Probe[] = [
    { label: 'node -e 0 (Node startup)', once: () => timed(node, ['-e', '0']).ms },
    { label: 'onnx-surgeon --version', once: () => timed(node, [BIN, '--version']).ms },
    { label: 'onnx-surgeon --help', once: () => timed(node, [BIN, '--help']).ms },
    { label: 'onnx-surgeon fuse-msda', once: (output) => timed(node, [BIN, 'fuse-msda', model, '-o', output, '--quiet']).ms },
    { label: 'python onnx load + save', once: (output) => pythonLoadSave(model, output).ms },
    { label: 'cp + sync (I/O floor)', once: (output) => timed('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'sh', model, output]).ms },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'onnx-bench-startup-'));
  const times = probes.map(() => [] as number[]);
  const phaseRuns: Phases[] = [];
  try {
    for (let round = 0; round < runs; round++) {
      probes.forEach((probe, i) => times[i]!.push(probe.once(join(dir, `out-${round}-${i}.onnx`))));
      const child = timed(node, [fileURLToPath(import.meta.url), '--phases', model, join(dir, `phases-${round}.onnx`)]);
      phaseRuns.push(JSON.parse(child.stdout) as Phases);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const best = times.map((t) => Math.min(...t));
  const median = times.map((t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
  console.log(`model: ${model} (${(statSync(model).size / 1024).toFixed(0)} KB), best and median of ${runs} runs, wall time`);
  const width = Math.max(...probes.map((p) => p.label.length));
  for (const [i, probe] of probes.entries()) {
    console.log(`  ${probe.label.padEnd(width)}  best ${best[i]!.toFixed(0).padStart(5)} ms  median ${median[i]!.toFixed(0).padStart(5)} ms`);
  }
  const fuse = best[3]!;
  const python = best[4]!;
  const ratio = fuse / python;
  console.log(`fuse-msda / python load+save: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO.toFixed(1)}x: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'})`);
  const bestPhase = (key: keyof Phases): string => Math.min(...phaseRuns.map((p) => p[key])).toFixed(0);
  console.log(`  where fuse-msda's time goes (library steps in a child, best of ${runs}): Node start ${bestPhase('bootMs')} ms, ` +
    `imports ${bestPhase('importMs')} ms, load ${bestPhase('loadMs')} ms, fuse ${bestPhase('fuseMs')} ms, save ${bestPhase('saveMs')} ms (fsynced)`);
}

await main();
