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
 * Our save fsyncs before its atomic rename; Python's does not.
 */

import { findFixture, pythonLoadSave, timed } from './lib/run.js';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_RATIO = 2.0;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The bin the package ships (package.json `bin`), as `npx onnx-surgeon` runs it. */
const BIN = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['onnx-surgeon']!);

/** One measured command: a label and how to run it once (the output path is fresh per run). */
interface Probe {
  label: string;
  once: (output: string) => number;
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

function main(): void {
  const args = process.argv.slice(2);
  const runs = Math.max(5, Number(option(args, '--runs') ?? 7));
  const model = option(args, '--model') ?? findFixture(join('test', 'fixtures', 'msda', 'enc_listshapes_op17', 'model.onnx'));
  const node = process.execPath;
  const probes: Probe[] = [
    { label: 'node -e 0 (Node startup)', once: () => timed(node, ['-e', '0']).ms },
    { label: 'onnx-surgeon --version', once: () => timed(node, [BIN, '--version']).ms },
    { label: 'onnx-surgeon --help', once: () => timed(node, [BIN, '--help']).ms },
    { label: 'onnx-surgeon fuse-msda', once: (output) => timed(node, [BIN, 'fuse-msda', model, '-o', output, '--quiet']).ms },
    { label: 'python onnx load + save', once: (output) => pythonLoadSave(model, output).ms },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'onnx-bench-startup-'));
  const times = probes.map(() => [] as number[]);
  try {
    for (let round = 0; round < runs; round++) {
      probes.forEach((probe, i) => times[i]!.push(probe.once(join(dir, `out-${round}-${i}.onnx`))));
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
  console.log(`fuse-msda / python load+save: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO.toFixed(1)}x: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}); ` +
    `of fuse-msda, Node's own startup is ${best[0]!.toFixed(0)} ms and the CLI before any work (--version) ${best[1]!.toFixed(0)} ms`);
}

main();
