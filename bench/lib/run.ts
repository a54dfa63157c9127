import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildStats } from './child-stats.js';

/** Runs a command to completion and returns its wall time and stdout; throws on failure. */
export function timed(command: string, args: string[], env?: NodeJS.ProcessEnv): { ms: number; stdout: string; stderr: string } {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...(env ? { env } : {}) });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

/** The repository root (benchmarks run from dist/bench or bench). */
export const REPO_ROOT = findUp('package.json');

/** The bin the package ships (package.json `bin`), as `npx onnx-surgeon` runs it. */
export function cliBin(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(REPO_ROOT, pkg.bin['onnx-surgeon']!);
}

function findUp(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)), up = 0; up < 6; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return dir;
  }
  return process.cwd();
}

/** One measured process: wall time, and what the child said about itself (see child-stats.ts). */
export interface Measured {
  ms: number;
  stdout: string;
  stderr: string;
  stats?: ChildStats;
}

/**
 * Runs `node ARGS` (a fresh process, as users run the CLI) with child-stats.js preloaded, and
 * returns its wall time with its peak RSS, CPU and GC time. `env` is added to this process's.
 */
export function measuredNode(args: string[], statsFile: string, env: NodeJS.ProcessEnv = {}): Measured {
  const preload = join(dirname(fileURLToPath(import.meta.url)), 'child-stats.js');
  rmSync(statsFile, { force: true });
  const run = timed(process.execPath, ['--import', preload, ...args], { ...process.env, ...env, BENCH_STATS_FILE: statsFile });
  return { ...run, stats: JSON.parse(readFileSync(statsFile, 'utf8')) as ChildStats };
}

/** A repository file (a fixture), searched upwards from the benchmarks (dist/bench or bench), then from the cwd. */
export function findFixture(relative: string): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start, up = 0; up < 6; up++, dir = dirname(dir)) {
      if (existsSync(join(dir, relative))) return join(dir, relative);
    }
  }
  return resolve(relative);
}

/**
 * Python onnx (Debian's 1.12, an independent baseline) loading and saving a model, the plain
 * `m = onnx.load(in); onnx.save(m, out)`; wall time, and peak RSS (VmHWM) and CPU time the script
 * prints on stderr after the save.
 */
export function pythonLoadSave(source: string, output: string): Measured {
  const script = [
    'import onnx, sys',
    'm = onnx.load(sys.argv[1]); onnx.save(m, sys.argv[2])',
    // VmHWM, not ru_maxrss: on Linux ru_maxrss also counts the parent's memory at fork time.
    'import os, json; t = os.times()',
    'hwm = int([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]) * 1024',
    'sys.stderr.write(json.dumps({"maxRssBytes": hwm, "cpuMs": (t.user + t.system) * 1000, "gcMs": 0}))',
  ].join('\n');
  const run = timed('/usr/bin/python3', ['-c', script, source, output]);
  return { ...run, stats: JSON.parse(run.stderr.trim()) as ChildStats };
}

/** `cp` then `sync` of the copy: the I/O floor of a durable write of the same bytes. */
export function copyAndSync(source: string, output: string): Measured {
  return timed('sh', ['-c', 'cp "$1" "$2" && sync "$2"', 'sh', source, output]);
}

/** Best (smallest) and median of a list of measurements. */
export function bestAndMedian(values: readonly number[]): { best: number; median: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { best: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]! };
}
