import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs a command to completion and returns its wall time and stdout; throws on failure. */
export function timed(command: string, args: string[]): { ms: number; stdout: string } {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { ms, stdout: result.stdout };
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

/** Python onnx (Debian's, an independent baseline) loading and saving a model; wall time and peak RSS (VmHWM). */
export function pythonLoadSave(source: string, output: string): { ms: number; maxRssBytes: number } {
  const script = [
    'import sys, onnx',
    'onnx.save(onnx.load(sys.argv[1]), sys.argv[2])',
    // VmHWM, not ru_maxrss: on Linux ru_maxrss also counts the parent's memory at fork time.
    'print(int([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")][0]) * 1024)',
  ].join('\n');
  const run = timed('/usr/bin/python3', ['-c', script, source, output]);
  return { ms: run.ms, maxRssBytes: Number(run.stdout.trim()) };
}
